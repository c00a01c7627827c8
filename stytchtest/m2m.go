package stytchtest

import (
	"context"
	"crypto/subtle"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch/consumer"
)

// m2mTokenLifetime is how long an M2M access token lives: one hour.
const m2mTokenLifetime = time.Hour

type m2mClient struct {
	c consumer.M2MClient
	clientSecrets
	seq int // creation order, which search pages follow
}

// m2mState holds M2M clients. Both surfaces share it: M2M is one service
// that the consumer and B2B clients both expose.
type m2mState struct {
	clients map[string]*m2mClient
	seq     int
}

func newM2MState() *m2mState { return &m2mState{clients: map[string]*m2mClient{}} }

func (e consumerAPI) M2MClientsCreate(ctx context.Context, p *consumer.M2MClientsCreateParams) (*consumer.M2MClientsCreateResponse, error) {
	id := deref(p.ClientID)
	if id == "" {
		id = newID("m2m-client")
	}
	if _, taken := e.m2m.clients[id]; taken {
		// Unconfirmed error type: the reference names no duplicate-ID error.
		return nil, errorf(400, "m2m_client_id_already_exists", "An M2M client with this client_id already exists.")
	}
	secret := deref(p.ClientSecret)
	if secret == "" {
		secret = newSessionToken()
	}
	e.m2m.seq++
	c := &m2mClient{clientSecrets: clientSecrets{secret: secret}, seq: e.m2m.seq, c: consumer.M2MClient{
		ClientID: id, ClientName: deref(p.ClientName), ClientDescription: deref(p.ClientDescription),
		Status: "active", Scopes: append([]string{}, p.Scopes...), ClientSecretLastFour: lastFour(secret),
		TrustedMetadata: p.TrustedMetadata,
	}}
	if c.c.TrustedMetadata == nil {
		c.c.TrustedMetadata = map[string]any{}
	}
	e.m2m.clients[id] = c
	out := consumer.M2MClientWithClientSecret{
		ClientID: id, ClientSecret: secret, ClientName: c.c.ClientName, ClientDescription: c.c.ClientDescription,
		Status: c.c.Status, Scopes: c.c.Scopes, ClientSecretLastFour: c.c.ClientSecretLastFour, TrustedMetadata: c.c.TrustedMetadata,
	}
	setStatus(ctx, http.StatusCreated) // reference §6.1
	return &consumer.M2MClientsCreateResponse{M2MClient: out}, nil
}

func (s *m2mState) client(id string) (*m2mClient, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, errorf(404, "m2m_client_not_found", "M2M client could not be found.")
	}
	return c, nil
}

func (e consumerAPI) M2MClientsGet(ctx context.Context, p *consumer.M2MClientsGetParams) (*consumer.M2MClientsGetResponse, error) {
	c, err := e.m2m.client(p.ClientID)
	if err != nil {
		return nil, err
	}
	return &consumer.M2MClientsGetResponse{M2MClient: c.c}, nil
}

func (e consumerAPI) M2MClientsDelete(ctx context.Context, p *consumer.M2MClientsDeleteParams) (*consumer.M2MClientsDeleteResponse, error) {
	id := p.ClientID
	if _, err := e.m2m.client(id); err != nil {
		return nil, err
	}
	delete(e.m2m.clients, id)
	return &consumer.M2MClientsDeleteResponse{ClientID: id}, nil
}

// m2mToken is the OAuth 2.0 client credentials grant. Its errors are
// OAuth2-shaped, as Stytch's are on this endpoint.
func (e consumerAPI) M2MToken(ctx context.Context, p *consumer.M2MTokenParams) (*consumer.M2MTokenResponse, error) {
	// grant_type is client_credentials: the spec allows no other, and the
	// request is validated against it.
	c, ok := e.m2m.clients[p.ClientID]
	if !ok || !c.matches(p.ClientSecret) || c.c.Status != "active" {
		return nil, oauth2Error(401, "invalid_client", "The client could not be authenticated.")
	}
	scopes := c.c.Scopes
	if requested := p.Scopes; len(requested) > 0 {
		// Asking for a scope the client lacks is unconfirmed behaviour;
		// the emulator refuses, as OAuth 2.0's invalid_scope says to.
		for _, s := range requested {
			if !contains(c.c.Scopes, s) {
				return nil, oauth2Error(400, "invalid_scope", "The client does not hold the scope "+s+".")
			}
		}
		scopes = requested
	}
	now := e.now()
	claims := jwt.MapClaims{
		"iss": "stytch.com/" + e.projectID, "aud": []string{e.projectID}, "sub": c.c.ClientID,
		"scope": strings.Join(scopes, " "), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(m2mTokenLifetime).Unix(), "jti": newID("m2m-token"),
	}
	return &consumer.M2MTokenResponse{AccessToken: e.keys.sign(claims), ExpiresIn: int(m2mTokenLifetime / time.Second), TokenType: "bearer"}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func oauth2Error(status int, code, desc string) *apiError {
	return &apiError{status: status, typ: code, message: desc, oauth2: true}
}

// SetRBACPolicy replaces the consumer project's RBAC policy, which
// RBAC.Policy serves and Sessions.Authenticate checks authorization_check
// against. The emulator starts with DefaultRBACPolicy.
func (e *Emulator) SetRBACPolicy(p consumer.Policy) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.consumerPolicy = p
}

// DefaultRBACPolicy is the policy a new emulator's consumer project has:
// Stytch's default stytch_user role, which every user holds and which
// grants nothing.
func DefaultRBACPolicy() consumer.Policy {
	return consumer.Policy{
		Roles:     []consumer.PolicyRole{{RoleID: "stytch_user", Description: "Granted to every user.", Permissions: []consumer.PolicyRolePermission{}}},
		Resources: []consumer.PolicyResource{},
		Scopes:    []consumer.PolicyScope{},
	}
}

func (e consumerAPI) RBACPolicy(context.Context, *consumer.RBACPolicyParams) (*consumer.RBACPolicyResponse, error) {
	p := e.consumerPolicy
	return &consumer.RBACPolicyResponse{Policy: &p}, nil
}

// permission is one grant of a role, whichever surface's policy it is from.
type permission struct {
	resource string
	actions  []string
}

// authorize applies Stytch's role rule: a role the subject holds grants
// the action when one of its permissions names the resource exactly and
// lists the action or "*". Roles the policy does not define grant nothing.
// It returns the granting roles, sorted.
func authorize(held []string, policy map[string][]permission, resourceID, action string) []string {
	var granting []string
	for _, role := range held {
		for _, p := range policy[role] {
			if p.resource == resourceID && (contains(p.actions, "*") || contains(p.actions, action)) {
				granting = append(granting, role)
				break
			}
		}
	}
	sort.Strings(granting)
	return granting
}

func consumerPermissions(p consumer.Policy) map[string][]permission {
	out := map[string][]permission{}
	for _, r := range p.Roles {
		for _, pr := range r.Permissions {
			out[r.RoleID] = append(out[r.RoleID], permission{pr.ResourceID, pr.Actions})
		}
	}
	return out
}

// clientSecrets are the secret of a client (an M2M client or a
// confidential Connected App) and, while a rotation is in progress, its
// next secret: both get tokens until the rotation completes or is
// cancelled. Starting again while a rotation is in progress replaces the
// next secret (unconfirmed: Stytch's docs say only that a lost next secret
// needs a new rotation).
type clientSecrets struct {
	secret string
	next   string // empty when no rotation is in progress
}

// matches reports whether secret is the client's secret or, during a
// rotation, its next secret.
func (s *clientSecrets) matches(secret string) bool {
	if s.secret != "" && subtle.ConstantTimeCompare([]byte(s.secret), []byte(secret)) == 1 {
		return true
	}
	return s.next != "" && subtle.ConstantTimeCompare([]byte(s.next), []byte(secret)) == 1
}

// startRotation makes a new next secret and returns it.
func (s *clientSecrets) startRotation() string {
	s.next = newSessionToken()
	return s.next
}

// completeRotation makes the next secret the secret; the old one stops
// working.
func (s *clientSecrets) completeRotation() { s.secret, s.next = s.next, "" }

// cancelRotation discards the next secret.
func (s *clientSecrets) cancelRotation() { s.next = "" }

// inRotation refuses to complete or cancel a rotation that was not
// started, with a 400 whose error type (<kind>_secret_rotation_not_started)
// is unconfirmed: Stytch's reference names none.
func (s *clientSecrets) inRotation(kind, name string) error {
	if s.next == "" {
		return errorf(400, kind+"_secret_rotation_not_started", "The %s has no secret rotation in progress; start one first.", name)
	}
	return nil
}

// lastFour is what the API shows of a secret: its last four characters.
func lastFour(secret string) string { return secret[max(0, len(secret)-4):] }

// m2mFilters are the M2M client search filters Stytch documents, all of
// which matchM2MClient applies.
var m2mFilters = map[string]bool{"client_id": true, "client_name": true, "scopes": true}

func (e consumerAPI) M2MClientsSearch(ctx context.Context, p *consumer.M2MClientsSearchParams) (*consumer.M2MClientsSearchResponse, error) {
	if p.Query != nil {
		for _, op := range p.Query.Operands {
			if !m2mFilters[op.FilterName] {
				// As Users.Search does: an unknown filter is refused, never
				// ignored (unconfirmed: Stytch's error type for it).
				return nil, errorf(400, errorTypeBadRequest, "The emulator does not support the M2M search filter %q.", op.FilterName)
			}
		}
	}
	var all []*m2mClient
	for _, c := range e.m2m.clients {
		if p.Query == nil || matchM2MClient(&c.c, p.Query) {
			all = append(all, c)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	page, next, err := paginate(len(all), p.Cursor, p.Limit)
	if err != nil {
		return nil, err
	}
	results := make([]consumer.M2MClient, 0, page[1]-page[0])
	for _, c := range all[page[0]:page[1]] {
		results = append(results, c.c)
	}
	return &consumer.M2MClientsSearchResponse{M2MClients: results, ResultsMetadata: consumer.ResultsMetadata{Total: len(all), NextCursor: next}}, nil
}

// matchM2MClient applies a search query: each operand matches when the
// client matches one of its values; AND needs every operand, OR one.
func matchM2MClient(c *consumer.M2MClient, q *consumer.M2MSearchQuery) bool {
	if len(q.Operands) == 0 {
		return true
	}
	or := q.Operator == consumer.SearchOperatorOr
	for _, op := range q.Operands {
		ok := false
		for _, v := range stringList(op.FilterValue) {
			switch op.FilterName {
			case "client_id":
				ok = ok || c.ClientID == v
			case "client_name":
				ok = ok || c.ClientName == v
			case "scopes":
				ok = ok || contains(c.Scopes, v)
			}
		}
		if or && ok {
			return true
		}
		if !or && !ok {
			return false
		}
	}
	return !or
}

func (e consumerAPI) M2MClientsUpdate(ctx context.Context, p *consumer.M2MClientsUpdateParams) (*consumer.M2MClientsUpdateResponse, error) {
	c, err := e.m2m.client(p.ClientID)
	if err != nil {
		return nil, err
	}
	if p.ClientName != nil {
		c.c.ClientName = *p.ClientName
	}
	if p.ClientDescription != nil {
		c.c.ClientDescription = *p.ClientDescription
	}
	if p.Status != nil {
		c.c.Status = *p.Status
	}
	if p.Scopes != nil {
		c.c.Scopes = append([]string{}, p.Scopes...)
	}
	if p.TrustedMetadata != nil {
		// Unconfirmed for M2M clients: a top-level merge, as a user's
		// trusted_metadata update does, where a key set to null is deleted.
		c.c.TrustedMetadata = mergeMetadata(c.c.TrustedMetadata, p.TrustedMetadata)
	}
	return &consumer.M2MClientsUpdateResponse{M2MClient: c.c}, nil
}

// M2MClientsSecretsRotateStart gives the client a next secret, valid with
// the current one until the rotation completes or is cancelled
// (clientSecrets).
func (e consumerAPI) M2MClientsSecretsRotateStart(ctx context.Context, p *consumer.M2MClientsSecretsRotateStartParams) (*consumer.M2MClientsSecretsRotateStartResponse, error) {
	c, err := e.m2m.client(p.ClientID)
	if err != nil {
		return nil, err
	}
	c.c.NextClientSecretLastFour = lastFour(c.startRotation())
	return &consumer.M2MClientsSecretsRotateStartResponse{M2MClient: consumer.M2MClientWithNextClientSecret{
		ClientID: c.c.ClientID, NextClientSecret: c.next, ClientName: c.c.ClientName, ClientDescription: c.c.ClientDescription,
		Status: c.c.Status, Scopes: c.c.Scopes, ClientSecretLastFour: c.c.ClientSecretLastFour,
		TrustedMetadata: c.c.TrustedMetadata, NextClientSecretLastFour: c.c.NextClientSecretLastFour,
	}}, nil
}

// rotating returns the client whose rotation the request completes or
// cancels (inRotation).
func (s *m2mState) rotating(id string) (*m2mClient, error) {
	c, err := s.client(id)
	if err != nil {
		return nil, err
	}
	return c, c.inRotation("m2m_client", "M2M client")
}

// M2MClientsSecretsRotate completes a rotation: the next secret becomes
// the client's secret and the old one stops getting tokens.
func (e consumerAPI) M2MClientsSecretsRotate(ctx context.Context, p *consumer.M2MClientsSecretsRotateParams) (*consumer.M2MClientsSecretsRotateResponse, error) {
	c, err := e.m2m.rotating(p.ClientID)
	if err != nil {
		return nil, err
	}
	c.completeRotation()
	c.c.ClientSecretLastFour, c.c.NextClientSecretLastFour = c.c.NextClientSecretLastFour, ""
	return &consumer.M2MClientsSecretsRotateResponse{M2MClient: c.c}, nil
}

// M2MClientsSecretsRotateCancel cancels a rotation: the next secret is
// discarded and only the current one gets tokens.
func (e consumerAPI) M2MClientsSecretsRotateCancel(ctx context.Context, p *consumer.M2MClientsSecretsRotateCancelParams) (*consumer.M2MClientsSecretsRotateCancelResponse, error) {
	c, err := e.m2m.rotating(p.ClientID)
	if err != nil {
		return nil, err
	}
	c.cancelRotation()
	c.c.NextClientSecretLastFour = ""
	return &consumer.M2MClientsSecretsRotateCancelResponse{M2MClient: c.c}, nil
}
