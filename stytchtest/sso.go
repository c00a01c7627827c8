package stytchtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gostytch/stytch/b2b"
)

// B2B single sign-on: the state every connection kind shares, the start
// URL and redirect, SSO.Authenticate with JIT provisioning and implicit
// roles, external connections, and the test hooks' HTTP mirror. The SAML
// connections are in sso_saml.go, the OIDC ones in sso_oidc.go, the test
// identity providers in sso_idp.go.

// ssoTokenLifetime is how long the token on an SSO redirect can be
// authenticated. Unconfirmed: Stytch documents no figure; ten minutes, as
// for OAuth.
const ssoTokenLifetime = 10 * time.Minute

// Connection statuses.
const (
	ssoPending = "pending"
	ssoActive  = "active"
)

type ssoState struct {
	saml     map[string]*samlConn              // connection ID -> SAML connection
	oidc     map[string]*oidcConn              // connection ID -> OIDC connection
	external map[string]*b2b.Connection        // connection ID -> external connection
	order    map[string]int                    // connection ID -> creation order
	flows    map[string]*ssoFlow               // RelayState or OIDC state -> flow under way
	tokens   map[string]*ssoLogin              // sso_token -> login waiting for SSO.Authenticate
	seen     map[string]bool                   // SAML assertion IDs already authenticated
	oidcTok  map[string][]b2b.OIDCProviderInfo // member ID -> the provider tokens of its OIDC sign-ins
	next     int

	samlIdPs      map[string]*SAMLIdP      // entity ID -> test IdP (sso_idp.go)
	oidcProviders map[string]*OIDCProvider // issuer -> test provider
}

// ssoState returns e's, made on first use; e.mu is held.
func (e *Emulator) ssoState() *ssoState {
	if e.sso == nil {
		e.sso = &ssoState{
			saml: map[string]*samlConn{}, oidc: map[string]*oidcConn{}, external: map[string]*b2b.Connection{},
			order: map[string]int{}, flows: map[string]*ssoFlow{}, tokens: map[string]*ssoLogin{},
			seen: map[string]bool{}, oidcTok: map[string][]b2b.OIDCProviderInfo{},
			samlIdPs: map[string]*SAMLIdP{}, oidcProviders: map[string]*OIDCProvider{},
		}
	}
	return e.sso
}

// ssoRole is a role a member holds because of an SSO login: through a
// connection (group empty) or a group the identity provider asserted.
type ssoRole struct {
	roleID, connectionID, group string
}

// ssoFlow is a sign-in started at the SSO start URL, waiting for the
// identity provider's answer.
type ssoFlow struct {
	connID    string // the SAML or OIDC connection the IdP answers
	viaID     string // the external connection the sign-in went through, if any
	challenge string // PKCE
	login     string // login_redirect_url
	signup    string // signup_redirect_url
	requestID string // the SAML AuthnRequest's ID, which InResponseTo names
	nonce     string // the OIDC nonce
	scopes    string
	expires   time.Time
}

// ssoLogin is what reached the connection's callback, for SSO.Authenticate
// to verify: a SAML response or an OIDC authorization code.
type ssoLogin struct {
	connID, viaID string
	flow          *ssoFlow // nil for an IdP-initiated SAML login
	samlResponse  string
	oidcCode      string
	expires       time.Time
	used          bool
}

// ssoIdentity is who the identity provider vouched for.
type ssoIdentity struct {
	email, subject, name string
	groups               []string
	attributes           map[string]any
	method               b2b.AuthenticationFactorDeliveryMethod
	oidc                 *b2b.OIDCProviderInfo
}

// ssoBase is what the connection kinds share.
type ssoBase interface {
	id() string
	orgID() string
	active() bool
	displayName() string
	provider() string
}

func (e *Emulator) ssoConn(id string) ssoBase {
	st := e.ssoState()
	if c, ok := st.saml[id]; ok {
		return c
	}
	if c, ok := st.oidc[id]; ok {
		return c
	}
	if c, ok := st.external[id]; ok {
		return externalConn{c}
	}
	return nil
}

type externalConn struct{ c *b2b.Connection }

func (x externalConn) id() string          { return x.c.ConnectionID }
func (x externalConn) orgID() string       { return x.c.OrganizationID }
func (x externalConn) active() bool        { return x.c.Status == ssoActive }
func (x externalConn) displayName() string { return x.c.DisplayName }
func (x externalConn) provider() string    { return "" }

var errSSOConnectionNotFound = errorf(404, "sso_connection_not_found", "SSO connection could not be found.")

// ssoConnOf finds a connection of org by ID.
func (e *Emulator) ssoConnOf(o *b2b.Organization, id string) (ssoBase, error) {
	c := e.ssoConn(id)
	if c == nil || c.orgID() != o.OrganizationID {
		return nil, errSSOConnectionNotFound
	}
	return c, nil
}

// ssoAdded records a new connection: it becomes the organization's default
// when it has none (unconfirmed: Stytch's dashboard does this for the first
// connection), and its order.
func (e *Emulator) ssoAdded(o *b2b.Organization, id string) {
	st := e.ssoState()
	st.next++
	st.order[id] = st.next
	if o.SSODefaultConnectionID == "" {
		o.SSODefaultConnectionID = id
	}
}

// ssoRefreshActive rebuilds an organization's sso_active_connections.
func (e *Emulator) ssoRefreshActive(o *b2b.Organization) {
	st := e.ssoState()
	var ids []string
	for id := range st.order {
		if c := e.ssoConn(id); c != nil && c.orgID() == o.OrganizationID && c.active() {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return st.order[ids[i]] < st.order[ids[j]] })
	active := []b2b.ActiveSSOConnection{}
	for _, id := range ids {
		c := e.ssoConn(id)
		active = append(active, b2b.ActiveSSOConnection{ConnectionID: id, DisplayName: c.displayName(), IdentityProvider: c.provider()})
	}
	o.SSOActiveConnections = active
}

// ssoSorted lists a map's connections of org, oldest first; the map's keys
// are connection IDs.
func ssoSorted[C any](st *ssoState, m map[string]*C, orgID func(*C) string, org string) []*C {
	var ids []string
	for id, c := range m {
		if orgID(c) == org {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return st.order[ids[i]] < st.order[ids[j]] })
	out := make([]*C, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

func (e b2bAPI) SSOGetConnections(_ context.Context, p *b2b.SSOGetConnectionsParams) (*b2b.SSOGetConnectionsResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	st := e.ssoState()
	out := &b2b.SSOGetConnectionsResponse{SAMLConnections: []b2b.SAMLConnection{}, OIDCConnections: []b2b.OIDCConnection{}, ExternalConnections: []b2b.Connection{}}
	for _, c := range ssoSorted(st, st.saml, (*samlConn).orgID, o.OrganizationID) {
		out.SAMLConnections = append(out.SAMLConnections, c.view())
	}
	for _, c := range ssoSorted(st, st.oidc, (*oidcConn).orgID, o.OrganizationID) {
		out.OIDCConnections = append(out.OIDCConnections, c.view())
	}
	for _, c := range ssoSorted(st, st.external, func(c *b2b.Connection) string { return c.OrganizationID }, o.OrganizationID) {
		out.ExternalConnections = append(out.ExternalConnections, *c)
	}
	return out, nil
}

func (e b2bAPI) SSODeleteConnection(_ context.Context, p *b2b.SSODeleteConnectionParams) (*b2b.SSODeleteConnectionResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	if _, err := e.ssoConnOf(o, p.ConnectionID); err != nil {
		return nil, err
	}
	e.ssoRemove(p.ConnectionID)
	return &b2b.SSODeleteConnectionResponse{ConnectionID: p.ConnectionID}, nil
}

// ssoRemove deletes a connection and what refers to it: the organization's
// default connection and JIT allow list, its members' registrations and
// implicit roles, the external connections that reuse it, and the flows
// and tokens under way.
func (e *Emulator) ssoRemove(id string) {
	st := e.ssoState()
	c := e.ssoConn(id)
	if c == nil {
		return
	}
	// Unconfirmed: external connections of other organizations that reuse
	// this one go with it, as they can no longer sign anyone in.
	for xid, x := range st.external {
		if x.ExternalConnectionID == id {
			e.ssoRemove(xid)
		}
	}
	delete(st.saml, id)
	delete(st.oidc, id)
	delete(st.external, id)
	delete(st.order, id)
	if o := e.b2b.orgs[c.orgID()]; o != nil {
		if o.SSODefaultConnectionID == id {
			o.SSODefaultConnectionID = ""
		}
		allowed := []string{}
		for _, a := range o.SSOJITProvisioningAllowedConnections {
			if a != id {
				allowed = append(allowed, a)
			}
		}
		o.SSOJITProvisioningAllowedConnections = allowed
		e.ssoRefreshActive(o)
	}
	for _, bm := range e.b2b.members {
		regs := []b2b.SSORegistration{}
		for _, r := range bm.m.SSORegistrations {
			if r.ConnectionID != id {
				regs = append(regs, r)
			}
		}
		bm.m.SSORegistrations = regs
		for k, g := range bm.ssoRoles {
			if g.connectionID == id {
				delete(bm.ssoRoles, k)
			}
		}
	}
	for k, f := range st.flows {
		if f.connID == id || f.viaID == id {
			delete(st.flows, k)
		}
	}
	for k, l := range st.tokens {
		if l.connID == id || l.viaID == id {
			delete(st.tokens, k)
		}
	}
}

// ssoRemoveOrg deletes an organization's connections, with the organization.
func (e *Emulator) ssoRemoveOrg(orgID string) {
	if e.sso == nil {
		return
	}
	for id := range e.sso.order {
		if c := e.ssoConn(id); c != nil && c.orgID() == orgID {
			e.ssoRemove(id)
		}
	}
}

// ---- External connections ----

func (e b2bAPI) SSOExternalCreateConnection(_ context.Context, p *b2b.SSOExternalCreateConnectionParams) (*b2b.SSOExternalCreateConnectionResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	src, err := e.b2b.org(p.ExternalOrganizationID)
	if err != nil {
		return nil, err
	}
	if src.OrganizationID == o.OrganizationID {
		return nil, errorf(400, "external_organization_id_same_as_organization_id", "The external organization must be another organization than the one the connection is for.")
	}
	c := e.ssoConn(p.ExternalConnectionID)
	if _, isExternal := c.(externalConn); c == nil || isExternal || c.orgID() != src.OrganizationID {
		return nil, errorf(404, "external_connection_id_not_found", "The external_connection_id is not a SAML or OIDC connection of the external organization.")
	}
	if !c.active() {
		return nil, errorf(400, "external_connection_not_active", "The external connection must be active before it can be reused.")
	}
	st := e.ssoState()
	for _, x := range st.external {
		if x.OrganizationID == o.OrganizationID && x.ExternalConnectionID == p.ExternalConnectionID {
			return nil, errorf(400, "duplicate_external_sso_connection", "The organization already reuses this connection.")
		}
	}
	x := &b2b.Connection{
		OrganizationID: o.OrganizationID, ConnectionID: newID("external-connection"), // unconfirmed prefix
		ExternalOrganizationID: src.OrganizationID, ExternalConnectionID: p.ExternalConnectionID,
		DisplayName: deref(p.DisplayName), Status: ssoActive,
		ExternalConnectionImplicitRoleAssignments: []b2b.ConnectionImplicitRoleAssignment{},
		ExternalGroupImplicitRoleAssignments:      []b2b.GroupImplicitRoleAssignment{},
	}
	for _, a := range p.ConnectionImplicitRoleAssignments {
		x.ExternalConnectionImplicitRoleAssignments = append(x.ExternalConnectionImplicitRoleAssignments, b2b.ConnectionImplicitRoleAssignment(a))
	}
	for _, a := range p.GroupImplicitRoleAssignments {
		x.ExternalGroupImplicitRoleAssignments = append(x.ExternalGroupImplicitRoleAssignments, b2b.GroupImplicitRoleAssignment(a))
	}
	if err := e.ssoCheckRoles(o, roleIDsOf(x.ExternalConnectionImplicitRoleAssignments), roleIDsOf(x.ExternalGroupImplicitRoleAssignments)); err != nil {
		return nil, err
	}
	st.external[x.ConnectionID] = x
	e.ssoAdded(o, x.ConnectionID)
	e.ssoRefreshActive(o)
	out := *x
	return &b2b.SSOExternalCreateConnectionResponse{Connection: &out}, nil
}

func (e b2bAPI) SSOExternalUpdateConnection(_ context.Context, p *b2b.SSOExternalUpdateConnectionParams) (*b2b.SSOExternalUpdateConnectionResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	x, ok := e.ssoState().external[p.ConnectionID]
	if !ok || x.OrganizationID != o.OrganizationID {
		return nil, errSSOConnectionNotFound
	}
	next := *x
	b2bSet(&next.DisplayName, p.DisplayName)
	if p.ExternalConnectionImplicitRoleAssignments != nil {
		next.ExternalConnectionImplicitRoleAssignments = append([]b2b.ConnectionImplicitRoleAssignment{}, p.ExternalConnectionImplicitRoleAssignments...)
	}
	if p.ExternalGroupImplicitRoleAssignments != nil {
		next.ExternalGroupImplicitRoleAssignments = append([]b2b.GroupImplicitRoleAssignment{}, p.ExternalGroupImplicitRoleAssignments...)
	}
	if err := e.ssoCheckRoles(o, roleIDsOf(next.ExternalConnectionImplicitRoleAssignments), roleIDsOf(next.ExternalGroupImplicitRoleAssignments)); err != nil {
		return nil, err
	}
	*x = next
	e.ssoRefreshActive(o)
	out := *x
	return &b2b.SSOExternalUpdateConnectionResponse{Connection: &out}, nil
}

// roleIDsOf lists the roles of implicit role assignments.
func roleIDsOf[A interface {
	b2b.ConnectionImplicitRoleAssignment | b2b.GroupImplicitRoleAssignment | b2b.SAMLConnectionImplicitRoleAssignment | b2b.SAMLGroupImplicitRoleAssignment
}](as []A) []string {
	var out []string
	for _, a := range as {
		switch a := any(a).(type) {
		case b2b.ConnectionImplicitRoleAssignment:
			out = append(out, a.RoleID)
		case b2b.GroupImplicitRoleAssignment:
			out = append(out, a.RoleID)
		case b2b.SAMLConnectionImplicitRoleAssignment:
			out = append(out, a.RoleID)
		case b2b.SAMLGroupImplicitRoleAssignment:
			out = append(out, a.RoleID)
		}
	}
	return out
}

// ssoCheckRoles refuses implicit role assignments to roles that neither the
// project's policy nor the organization defines. Unconfirmed error type.
func (e *Emulator) ssoCheckRoles(o *b2b.Organization, lists ...[]string) error {
	for _, ids := range lists {
		for _, id := range ids {
			if !e.b2bRoleDefined(o, id) {
				return errorf(400, "invalid_rbac_role_id", "The role %q is not defined in the RBAC policy.", id)
			}
		}
	}
	return nil
}

// b2bRoleDefined reports whether a role exists for o's members.
func (e *Emulator) b2bRoleDefined(o *b2b.Organization, id string) bool {
	for _, r := range e.b2bPolicy.Roles {
		if r.RoleID == id {
			return true
		}
	}
	for _, r := range e.b2bOrgPolicies[o.OrganizationID].Roles {
		if r.RoleID == id {
			return true
		}
	}
	return false
}

// ---- Start URL and redirect ----

// SSORedirect is where Stytch sends the browser back at the end of an SSO
// flow.
type SSORedirect struct {
	// URL is the login or sign-up redirect URL with stytch_token_type=sso and
	// the token in its query.
	URL string `json:"url"`
	// Token is the token to pass to SSO.Authenticate.
	Token string `json:"token"`
}

var errSSOStart = errors.New("stytchtest: not an SSO start URL (/v1/public/sso/start) nor a connection ID")

// ssoStart begins the flow a start URL describes, as GET
// /v1/public/sso/start would before redirecting to the identity provider.
// A bare connection ID starts no flow: the sign-in is IdP-initiated.
func (e *Emulator) ssoStart(start string) (*ssoFlow, error) {
	if e.ssoConn(start) != nil {
		return &ssoFlow{connID: start}, nil
	}
	u, err := url.Parse(start)
	if err != nil || u.Path != "/v1/public/sso/start" {
		return nil, errSSOStart
	}
	q := u.Query()
	if q.Get("public_token") != e.PublicToken() {
		return nil, errors.New("stytchtest: the start URL's public_token is not the emulator's PublicToken()")
	}
	id := q.Get("connection_id")
	if id == "" {
		o, err := e.b2b.org(q.Get("organization_id"))
		if err != nil {
			return nil, err
		}
		if id = o.SSODefaultConnectionID; id == "" {
			return nil, errors.New("stytchtest: the organization has no default SSO connection")
		}
	}
	f := &ssoFlow{
		connID: id, challenge: q.Get("pkce_code_challenge"), login: q.Get("login_redirect_url"),
		signup: q.Get("signup_redirect_url"), scopes: q.Get("custom_scopes"), expires: e.now().Add(ssoTokenLifetime),
	}
	return f, nil
}

// ssoResolve checks that a flow's connection is live and follows an external
// connection to the connection it reuses; it returns the relay state under
// which the flow now waits ("" for an IdP-initiated one).
func (e *Emulator) ssoResolve(f *ssoFlow) (string, error) {
	c := e.ssoConn(f.connID)
	if c == nil {
		return "", errSSOConnectionNotFound
	}
	if x, ok := c.(externalConn); ok {
		f.viaID, f.connID = x.c.ConnectionID, x.c.ExternalConnectionID
		if c = e.ssoConn(f.connID); c == nil {
			return "", errSSOConnectionNotFound
		}
	}
	if !c.active() {
		return "", fmt.Errorf("stytchtest: the SSO connection %s is not active yet", c.id())
	}
	if f.expires.IsZero() {
		return "", nil
	}
	state := newSessionToken()
	e.ssoState().flows[state] = f
	return state, nil
}

// ssoCallback is the end of the identity provider's part: it records what
// the connection's callback received under a new token and returns the
// redirect that carries it. relayState names the flow, if the sign-in
// started at Stytch.
func (e *Emulator) ssoCallback(connID, relayState string, l *ssoLogin, email string) (SSORedirect, error) {
	st := e.ssoState()
	if e.ssoSweep(connID) >= ssoMaxPending {
		return SSORedirect{}, errorf(429, "too_many_requests", "Too many SSO logins to this connection wait for SSO.Authenticate.")
	}
	if relayState != "" {
		f, ok := st.flows[relayState]
		if !ok || f.connID != connID || !e.now().Before(f.expires) {
			typ := "invalid_saml_response" // unconfirmed types
			if st.oidc[connID] != nil {
				typ = "oidc_invalid_callback_request"
			}
			return SSORedirect{}, errorf(400, typ, "The RelayState or state does not name an SSO flow under way for this connection.")
		}
		delete(st.flows, relayState)
		l.flow, l.viaID = f, f.viaID
	}
	l.connID, l.expires = connID, e.now().Add(ssoTokenLifetime)
	token := newSessionToken()
	st.tokens[token] = l
	redirect := ""
	if l.flow != nil {
		redirect = l.flow.login
		if org := e.ssoTargetOrg(l); org != "" && email != "" && e.b2b.memberByEmail(org, email) == nil && l.flow.signup != "" {
			redirect = l.flow.signup
		}
	}
	if redirect == "" {
		redirect = DefaultRedirectURL
	}
	ru, err := url.Parse(redirect)
	if err != nil {
		return SSORedirect{}, fmt.Errorf("stytchtest: the redirect URL: %w", err)
	}
	rq := ru.Query()
	rq.Set("stytch_token_type", "sso")
	rq.Set("token", token)
	ru.RawQuery = rq.Encode()
	return SSORedirect{URL: ru.String(), Token: token}, nil
}

// ssoMaxPending bounds the logins a connection's callback keeps for
// SSO.Authenticate. The callback takes posts from anyone and the emulator
// verifies a SAML response only at SSO.Authenticate, so without a bound
// junk posts would grow it without end. Unconfirmed: Stytch verifies at
// the callback and keeps nothing of a bad response; the bound and its 429
// are the emulator's.
const ssoMaxPending = 1000

// ssoSweep forgets the used and expired logins and flows, and returns how
// many logins to connID still wait for SSO.Authenticate.
func (e *Emulator) ssoSweep(connID string) int {
	st, now := e.ssoState(), e.now()
	n := 0
	for k, l := range st.tokens {
		switch {
		case l.used || !now.Before(l.expires):
			delete(st.tokens, k)
		case l.connID == connID:
			n++
		}
	}
	for k, f := range st.flows {
		if !now.Before(f.expires) {
			delete(st.flows, k)
		}
	}
	return n
}

// ssoTargetOrg is the organization a login signs into: the external
// connection's, when it went through one.
func (e *Emulator) ssoTargetOrg(l *ssoLogin) string {
	if c := e.ssoConn(l.viaID); c != nil {
		return c.orgID()
	}
	if c := e.ssoConn(l.connID); c != nil {
		return c.orgID()
	}
	return ""
}

// ---- Authenticate ----

func (e b2bAPI) SSOAuthenticate(_ context.Context, p *b2b.SSOAuthenticateParams) (*b2b.SSOAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	existing, ist, err := e.b2bPriorSessions(nil, p.SessionToken, p.SessionJWT, p.IntermediateSessionToken)
	if err != nil {
		return nil, err
	}
	st := e.ssoState()
	l, ok := st.tokens[p.SSOToken]
	if !ok || l.used || !e.now().Before(l.expires) {
		// Unconfirmed: a used or expired token answers as an unknown one.
		return nil, errorf(404, "sso_token_not_found", "SSO token could not be found.")
	}
	challenge := ""
	if l.flow != nil {
		challenge = l.flow.challenge
	}
	if err := checkPKCE(challenge, deref(p.PKCECodeVerifier)); err != nil {
		return nil, err
	}
	l.used = true // a response that fails verification uses its token up too

	var id *ssoIdentity
	switch {
	case st.saml[l.connID] != nil:
		id, err = e.samlVerify(st.saml[l.connID], l)
	case st.oidc[l.connID] != nil:
		var tr *oidcTokenResponse
		var keys []oidcJWK
		conn := st.oidc[l.connID].c
		e.ssoUnlocked(func() { tr, keys, err = oidcExchange(conn, l.oidcCode) })
		if err != nil {
			return nil, err
		}
		// Look up again what the lock guarded: the sessions, and the
		// connections, which may have been deleted meanwhile.
		if existing, ist, err = e.b2bPriorSessions(nil, p.SessionToken, p.SessionJWT, p.IntermediateSessionToken); err != nil {
			return nil, err
		}
		if st.oidc[l.connID] == nil || l.viaID != "" && st.external[l.viaID] == nil {
			return nil, errSSOConnectionNotFound
		}
		id, err = e.oidcVerify(st.oidc[l.connID], l, tr, keys)
	default:
		err = errSSOConnectionNotFound
	}
	if err != nil {
		return nil, err
	}
	bm, err := e.ssoMember(l, id)
	if err != nil {
		return nil, err
	}
	if err := b2bSameMember(existing, bm.m.MemberID); err != nil {
		return nil, err
	}
	if ist != nil && ist.orgID != "" && ist.orgID != bm.m.OrganizationID {
		return nil, errorf(400, "invalid_intermediate_session_token_for_organization", "The intermediate session token belongs to another organization.")
	}
	regID := e.ssoRegister(bm, l, id)
	factor := b2b.AuthenticationFactor{Type: b2b.AuthenticationFactorTypeSSO, DeliveryMethod: id.method}
	sf := &b2b.SAMLSSOFactor{ID: regID, ProviderID: l.connID, ExternalID: id.subject}
	if id.method == b2b.AuthenticationFactorDeliveryMethodSSOOIDC {
		factor.OIDCSSOFactor = &b2b.OIDCSSOFactor{ID: sf.ID, ProviderID: sf.ProviderID, ExternalID: sf.ExternalID}
		info := *id.oidc
		info.ConnectionID = l.connID
		e.ssoRecordOIDC(bm.m.MemberID, info)
	} else {
		factor.SAMLSSOFactor = sf
	}
	var factors []b2b.AuthenticationFactor
	if ist != nil {
		ist.used = true
		factors = append(factors, ist.factors...)
	}
	factors = append(factors, factor)
	o := e.b2b.orgs[bm.m.OrganizationID]
	out := e.b2bLogin(bm, factors, existing, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.SSOAuthenticateResponse{
		MemberID: bm.m.MemberID, OrganizationID: o.OrganizationID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session, MemberAuthenticated: out.authenticated,
		IntermediateSessionToken: out.ist, IntermediateSessionTokenExpiresAt: out.istExpires, MFARequired: out.mfa,
	}, nil
}

// ssoMember finds the member a verified SSO identity signs in as, in the
// organization of the connection the login went through, or provisions
// them as its sso_jit_provisioning allows. The error for a refused
// provisioning is unconfirmed; Stytch names
// invalid_connection_for_jit_provisioning among its types.
func (e *Emulator) ssoMember(l *ssoLogin, id *ssoIdentity) (*b2bMember, error) {
	o := e.b2b.orgs[e.ssoTargetOrg(l)]
	if o == nil {
		return nil, errorf(404, "organization_not_found", "Organization could not be found.")
	}
	if err := checkEmail(id.email); err != nil {
		return nil, err
	}
	bm := e.b2b.memberByEmail(o.OrganizationID, id.email)
	via := l.connID
	if l.viaID != "" {
		via = l.viaID
	}
	switch {
	case bm == nil:
		allowed := o.SSOJITProvisioning == b2bAllAllowed ||
			o.SSOJITProvisioning == b2bRestricted && contains(o.SSOJITProvisioningAllowedConnections, via)
		if !allowed {
			return nil, errorf(403, "invalid_connection_for_jit_provisioning", "This organization does not allow new members to sign up through this SSO connection.")
		}
		bm = e.newMember(o, id.email, b2bPending)
		bm.m.Name = id.name
		e.emit("member", "CREATE", bm.m.MemberID, e.b2b.view(bm))
	case bm.m.Status == b2bDeleted:
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	e.b2bJoin(bm)
	if bm.m.Name == "" {
		bm.m.Name = id.name
	}
	return bm, nil
}

// ssoRegister records the member's registration with the connection and
// grants the connection's implicit roles, replacing those of an earlier
// login through it. It returns the registration ID.
func (e *Emulator) ssoRegister(bm *b2bMember, l *ssoLogin, id *ssoIdentity) string {
	var reg *b2b.SSORegistration
	for i := range bm.m.SSORegistrations {
		if bm.m.SSORegistrations[i].ConnectionID == l.connID {
			reg = &bm.m.SSORegistrations[i]
		}
	}
	if reg == nil {
		bm.m.SSORegistrations = append(bm.m.SSORegistrations, b2b.SSORegistration{ConnectionID: l.connID, RegistrationID: newID("member-sso-registration")})
		reg = &bm.m.SSORegistrations[len(bm.m.SSORegistrations)-1]
	}
	reg.ExternalID = id.subject
	reg.SSOAttributes = id.attributes

	st := e.ssoState()
	via := l.connID
	var conn []string
	var groups []b2b.GroupImplicitRoleAssignment
	switch {
	case l.viaID != "":
		via = l.viaID
		x := st.external[l.viaID]
		conn, groups = roleIDsOf(x.ExternalConnectionImplicitRoleAssignments), x.ExternalGroupImplicitRoleAssignments
	case st.saml[l.connID] != nil:
		c := st.saml[l.connID].c
		conn = roleIDsOf(c.SAMLConnectionImplicitRoleAssignments)
		for _, g := range c.SAMLGroupImplicitRoleAssignments {
			groups = append(groups, b2b.GroupImplicitRoleAssignment(g))
		}
	}
	if bm.ssoRoles == nil {
		bm.ssoRoles = map[string]ssoRole{}
	}
	grants := bm.ssoRoles
	for k, g := range grants {
		if g.connectionID == via {
			delete(grants, k)
		}
	}
	for _, r := range conn {
		grants[r+"\x00"+via] = ssoRole{roleID: r, connectionID: via}
	}
	for _, g := range groups {
		if contains(id.groups, g.Group) {
			grants[g.RoleID+"\x00"+via+"\x00"+g.Group] = ssoRole{roleID: g.RoleID, connectionID: via, group: g.Group}
		}
	}
	now := e.now()
	bm.m.UpdatedAt = &now
	return reg.RegistrationID
}

// ssoRoleSources are the roles a member holds through SSO logins, with
// their sources, for memberRoles. Unconfirmed: the source types' details.
func ssoRoleSources(bm *b2bMember) []ssoRoleSource {
	var out []ssoRoleSource
	for _, g := range bm.ssoRoles {
		src := b2b.MemberRoleSource{Type: "sso_connection", Details: map[string]any{"connection_id": g.connectionID}}
		if g.group != "" {
			src = b2b.MemberRoleSource{Type: "sso_connection_group", Details: map[string]any{"connection_id": g.connectionID, "group": g.group}}
		}
		out = append(out, ssoRoleSource{g.roleID, src})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.roleID+string(a.src.Type)+fmt.Sprint(a.src.Details) < b.roleID+string(b.src.Type)+fmt.Sprint(b.src.Details)
	})
	return out
}

type ssoRoleSource struct {
	roleID string
	src    b2b.MemberRoleSource
}

// ---- Hooks ----

// SAMLSignIn plays the SAML identity provider: given the SSO start URL a
// browser was sent to (SSO.StartURL), or a connection ID for a login
// started at the IdP, and who signs in there, it builds the response a
// test IdP (NewSAMLIdP) signs for the connection, posts it to the
// connection's ACS, and returns the redirect Stytch makes with the token
// SSO.Authenticate takes. The NameID is the email; the connection's
// attribute_mapping email attribute is added unless attrs hold it.
func (e *Emulator) SAMLSignIn(start, email string, attrs ...SAMLAttribute) (SSORedirect, error) {
	post, err := e.SAMLResponse(start, email, attrs...)
	if err != nil {
		return SSORedirect{}, err
	}
	return e.PostSAMLResponse(post)
}

// OIDCSignIn plays the OIDC provider: given the SSO start URL (or an OIDC
// connection ID) and who signs in, the test provider (NewOIDCProvider) the
// connection trusts issues an authorization code for them, with claims
// added to the ID token's, and sends it to the connection's redirect URL;
// it returns the redirect Stytch then makes, whose token SSO.Authenticate
// exchanges with the provider.
func (e *Emulator) OIDCSignIn(start, email string, claims map[string]any) (SSORedirect, error) {
	if err := checkEmail(email); err != nil {
		return SSORedirect{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := e.ssoStart(start)
	if err != nil {
		return SSORedirect{}, err
	}
	f.nonce = newUUID()
	if f.expires.IsZero() {
		f.expires = e.now().Add(ssoTokenLifetime) // OIDC sign-ins always start at Stytch
	}
	state, err := e.ssoResolve(f)
	if err != nil {
		return SSORedirect{}, err
	}
	c := e.ssoState().oidc[f.connID]
	if c == nil {
		return SSORedirect{}, errors.New("stytchtest: the connection is not an OIDC connection")
	}
	p := e.ssoState().oidcProviders[c.c.Issuer]
	if p == nil {
		return SSORedirect{}, errors.New("stytchtest: no test OIDC provider (NewOIDCProvider) has the connection's issuer")
	}
	code, err := p.authorize(c.c.ClientID, c.c.RedirectURL, f.nonce, c.scopes(f), email, claims)
	if err != nil {
		return SSORedirect{}, err
	}
	return e.ssoCallback(f.connID, state, &ssoLogin{oidcCode: code}, email)
}

// serveSSOCallbackRoute serves the connections' callbacks, which identity
// providers send browsers to, and reports whether hr was one:
//
//	POST /v1/b2b/sso/callback/{connection_id}  form SAMLResponse, RelayState    -> 302 to the redirect
//	GET  /v1/b2b/sso/callback/{connection_id}  ?code=&state= (OIDC)             -> 302 to the redirect
func (e *Emulator) serveSSOCallbackRoute(w http.ResponseWriter, r *http.Request, fail func(*apiError)) bool {
	id, ok := strings.CutPrefix(r.URL.Path, "/v1/b2b/sso/callback/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return false
	}
	e.serveSSOCallback(w, r, id, fail)
	return true
}

// ssoHooks mirror the SSO test hooks:
//
//	POST /__emulator/sso/saml/sign_in     {"start", "email", "attributes"}       -> {"url", "token"}
//	POST /__emulator/sso/saml/response    {"start", "email", "attributes"}       -> SAMLPost
//	POST /__emulator/sso/saml/post        SAMLPost                               -> {"url", "token"}
//	POST /__emulator/sso/oidc/sign_in     {"start", "email", "claims"}           -> {"url", "token"}
//	POST /__emulator/sso/saml/idps        {}  -> {"entity_id", "sso_url", "metadata_url", "certificate"}
//	POST /__emulator/sso/oidc/providers   {}  -> the provider's URLs and client
func (e *Emulator) ssoHooks() []testHook {
	type signIn struct {
		Start      string          `json:"start"`
		Email      string          `json:"email"`
		Attributes []SAMLAttribute `json:"attributes"`
		Claims     map[string]any  `json:"claims"`
	}
	withSignIn := func(f func(signIn) (any, error)) func(*http.Request, func(any) error) (any, error) {
		return func(_ *http.Request, decode func(any) error) (any, error) {
			var in signIn
			if err := decode(&in); err != nil {
				return nil, err
			}
			return f(in)
		}
	}
	return []testHook{
		{method: http.MethodPost, path: "/__emulator/sso/saml/sign_in", serve: withSignIn(func(in signIn) (any, error) {
			return e.SAMLSignIn(in.Start, in.Email, in.Attributes...)
		})},
		{method: http.MethodPost, path: "/__emulator/sso/saml/response", serve: withSignIn(func(in signIn) (any, error) {
			return e.SAMLResponse(in.Start, in.Email, in.Attributes...)
		})},
		{method: http.MethodPost, path: "/__emulator/sso/oidc/sign_in", serve: withSignIn(func(in signIn) (any, error) {
			return e.OIDCSignIn(in.Start, in.Email, in.Claims)
		})},
		{method: http.MethodPost, path: "/__emulator/sso/saml/post", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in SAMLPost
			if err := decode(&in); err != nil {
				return nil, err
			}
			return e.PostSAMLResponse(in)
		}},
		{method: http.MethodPost, path: "/__emulator/sso/saml/idps", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			if err := decode(&struct{}{}); err != nil {
				return nil, err
			}
			idp := e.NewSAMLIdP()
			return map[string]any{"entity_id": idp.EntityID, "sso_url": idp.SSOURL, "metadata_url": idp.MetadataURL, "certificate": idp.CertificatePEM}, nil
		}},
		{method: http.MethodPost, path: "/__emulator/sso/oidc/providers", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			if err := decode(&struct{}{}); err != nil {
				return nil, err
			}
			p := e.NewOIDCProvider()
			return map[string]any{
				"issuer": p.Issuer, "authorization_url": p.AuthorizationURL, "token_url": p.TokenURL, "userinfo_url": p.UserinfoURL,
				"jwks_url": p.JWKSURL, "client_id": p.ClientID, "client_secret": p.ClientSecret,
			}, nil
		}},
	}
}

// serveSSOCallback is a connection's ACS (SAML, HTTP-POST binding) or
// redirect URL (OIDC), which the identity provider sends the browser to.
func (e *Emulator) serveSSOCallback(w http.ResponseWriter, r *http.Request, connID string, fail func(*apiError)) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	if err := r.ParseForm(); err != nil {
		fail(errorf(400, errorTypeBadRequest, "The callback's form could not be read."))
		return
	}
	var red SSORedirect
	var err error
	switch r.Method {
	case http.MethodPost:
		red, err = e.PostSAMLResponse(SAMLPost{ACSURL: connID, SAMLResponse: r.PostForm.Get("SAMLResponse"), RelayState: r.PostForm.Get("RelayState")})
	case http.MethodGet:
		red, err = e.oidcRedirect(connID, r.URL.Query().Get("code"), r.URL.Query().Get("state"))
	default:
		err = errorf(405, "method_not_allowed", "The SSO callback takes POST (SAML) or GET (OIDC).")
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = errorf(400, errorTypeBadRequest, "%v", err)
		}
		fail(ae)
		return
	}
	http.Redirect(w, r, red.URL, http.StatusFound)
}
