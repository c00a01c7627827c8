package stytchtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// The OAuth 2.0 authorization code flow of Connected Apps (RFC 6749 §4.1,
// with PKCE, RFC 7636): IDP.OAuth.AuthorizeStart checks a request and says
// whether the end user must consent; IDP.OAuth.Authorize records their
// grant and issues a code; the token endpoint exchanges the code, and then
// refresh tokens, for tokens. Users and members can list and revoke what
// they granted.

const (
	// authCodeLifetime is how long an authorization code can be exchanged.
	// Unconfirmed: Stytch documents no figure; RFC 6749 §4.1.2 recommends
	// ten minutes at most.
	authCodeLifetime = 10 * time.Minute
	// idTokenLifetime is an ID token's: one hour (Stytch's reference).
	idTokenLifetime = time.Hour
	// refreshTokenMonths is how long a refresh token lives, and how far
	// each use of a confidential client's token extends it (Stytch's
	// reference: three months).
	refreshTokenMonths = 3
)

// grantKey names what one user or member granted one app.
type grantKey struct{ subject, clientID string }

// grant is the scopes a user or member consented to give an app, and the
// tokens issued under it, which revoking the grant revokes.
type grant struct {
	orgID  string // the member's organization; empty for a user
	scopes []string
	seq    int // order of first consent, which the lists follow
	jtis   []string
}

// authCode is an authorization code and what it is bound to.
type authCode struct {
	key                           grantKey
	orgID                         string
	redirectURI, challenge, nonce string
	scopes                        []string
	expires                       time.Time
	used                          bool
	// linked says the authorization named a session, which an access
	// token must descend from to be exchanged for a session.
	linked bool
	// jtis are the access tokens issued from it, directly or by its
	// refresh tokens; they are revoked with those if the code is presented
	// again (RFC 6749 §4.1.2).
	jtis []string
}

type refreshToken struct {
	key     grantKey
	orgID   string
	scopes  []string
	expires time.Time
	code    string // the authorization code it descends from
	linked  bool   // as its code's
}

// oidcScopes are the scopes every project has, with their consent-screen
// descriptions (the emulator's wording; unconfirmed).
var oidcScopes = map[string]string{
	"openid":         "Confirm your identity.",
	"profile":        "View your name and profile.",
	"email":          "View your email address.",
	"phone":          "View your phone number.",
	"offline_access": "Stay signed in when you are not using the app.",
}

// fullAccessScope is Stytch's platform scope that lets an access token be
// exchanged for a session (Sessions.ExchangeAccessToken); its description
// is the emulator's wording (unconfirmed).
const (
	fullAccessScope       = "full_access"
	fullAccessDescription = "Act as you, with full access to your account."
)

// scopeDef is a custom scope of a project's RBAC policy.
type scopeDef struct {
	description string
	perms       []permission
}

type scopeResult struct {
	scope, description string
	grantable          bool
}

// authorizeCall is an authorization request from either surface, with the
// user or member it is for.
type authorizeCall struct {
	clientID, redirectURI, responseType, prompt string
	scopes                                      []string
	subject, orgID                              string
	linked                                      bool                // named by a session, not an ID
	custom                                      map[string]scopeDef // the policy's scopes
	holds                                       func(resource, action string) bool
}

// checkAuthorize runs the checks Start and Authorize share and says which
// scopes the end user can grant and whether they must consent. Its error
// types are unconfirmed: Stytch's reference says what is checked, not how
// each failure is named.
func (e *Emulator) checkAuthorize(r authorizeCall) (*connectedApp, []scopeResult, bool, error) {
	a, err := e.connectedApps().app(r.clientID)
	if err != nil {
		return nil, nil, false, err
	}
	if r.responseType != "code" {
		return nil, nil, false, errorf(400, "unsupported_response_type", "response_type must be code.")
	}
	if !contains(a.a.RedirectURLs, r.redirectURI) {
		return nil, nil, false, errorf(400, "invalid_redirect_uri", "redirect_uri is not one of the Connected App's redirect URLs.")
	}
	for _, p := range strings.Fields(r.prompt) {
		if p != "consent" {
			return nil, nil, false, errorf(400, "invalid_prompt", "The only prompt supported is consent.")
		}
	}
	results := make([]scopeResult, 0, len(r.scopes))
	for _, s := range r.scopes {
		if d, ok := oidcScopes[s]; ok {
			results = append(results, scopeResult{s, d, true})
			continue
		}
		if s == fullAccessScope {
			// Stytch's OAuth scopes guide: first-party apps can request it.
			// Unconfirmed: that other apps see it as not grantable rather
			// than refused.
			results = append(results, scopeResult{s, fullAccessDescription, a.firstParty() && a.a.FullAccessAllowed})
			continue
		}
		def, ok := r.custom[s]
		if !ok {
			return nil, nil, false, errorf(400, "invalid_scope", "%q is neither an OpenID scope nor a scope of the project's RBAC policy.", s)
		}
		// A Connected App acts with a subset of its user's permissions:
		// a scope is grantable when the user's roles hold all of its.
		ok = true
		for _, p := range def.perms {
			for _, act := range p.actions {
				ok = ok && r.holds(p.resource, act)
			}
		}
		results = append(results, scopeResult{s, def.description, ok})
	}
	return a, results, e.consentRequired(a, r), nil
}

// consentRequired applies Stytch's consent rules as far as its guides
// describe them (unconfirmed in detail): prompt=consent always asks; a
// user who already granted every scope asked for is not asked again;
// otherwise a third-party app always asks, and a first-party one only for
// offline_access, unless it bypasses consent for that.
func (e *Emulator) consentRequired(a *connectedApp, r authorizeCall) bool {
	if strings.Contains(r.prompt, "consent") {
		return true
	}
	if g := e.connectedApps().grants[grantKey{r.subject, a.a.ClientID}]; g != nil {
		covered := true
		for _, s := range r.scopes {
			covered = covered && contains(g.scopes, s)
		}
		if covered {
			return false
		}
	}
	if !a.firstParty() {
		return true
	}
	return contains(r.scopes, "offline_access") && !a.a.BypassConsentForOfflineAccess
}

// submitAuthorize completes an authorization: with consent, or when none
// is required (whatever consent_granted says: unconfirmed), it records the
// grant and issues a code bound to the request; without, it sends the user
// back with access_denied. Either way the answer is the redirect to make,
// with state.
func (e *Emulator) submitAuthorize(r authorizeCall, consentGranted bool, state, nonce, challenge string) (redirect, code string, _ error) {
	a, results, required, err := e.checkAuthorize(r)
	if err != nil {
		return "", "", err
	}
	if a.public() && challenge == "" {
		// OAuth 2.1 requires PKCE of public clients; that Stytch refuses
		// one without, and this error type, are unconfirmed.
		return "", "", errorf(400, "pkce_required", "A public Connected App must send a code_challenge.")
	}
	q := url.Values{}
	if required && !consentGranted {
		q.Set("error", "access_denied")
		q.Set("error_description", "The user did not consent.")
	} else {
		var scopes []string
		for _, res := range results {
			if res.grantable { // the rest are left out of the grant (unconfirmed)
				scopes = append(scopes, res.scope)
			}
		}
		st := e.connectedApps()
		key := grantKey{r.subject, a.a.ClientID}
		g := st.grants[key]
		if g == nil {
			st.seq++
			g = &grant{orgID: r.orgID, seq: st.seq, scopes: []string{}}
			st.grants[key] = g
		}
		for _, s := range scopes {
			if !contains(g.scopes, s) {
				g.scopes = append(g.scopes, s)
			}
		}
		code = newSessionToken()
		st.codes[code] = &authCode{
			key: key, orgID: r.orgID, redirectURI: r.redirectURI, challenge: challenge, nonce: nonce,
			scopes: scopes, expires: e.now().Add(authCodeLifetime), linked: r.linked,
		}
		q.Set("code", code)
	}
	if state != "" {
		q.Set("state", state)
	}
	u, _ := url.Parse(r.redirectURI) // registered, so it parses
	rq := u.Query()
	for k, v := range q {
		rq[k] = v
	}
	u.RawQuery = rq.Encode()
	return u.String(), code, nil
}

// ---- Consumer ----

// authorizingUser is the user a call is for: exactly one of a user ID (or
// external ID) and a session. IDP authorization and OAuth.Attach use it.
func (e *Emulator) authorizingUser(userID, token, jwtStr *string) (*consumer.User, error) {
	n := 0
	for _, v := range []*string{userID, token, jwtStr} {
		if deref(v) != "" {
			n++
		}
	}
	if n != 1 {
		return nil, errorf(400, errorTypeBadRequest, "Pass exactly one of user_id, session_token and session_jwt.")
	}
	if deref(userID) != "" {
		return e.consumer.userByIDOrExternal(*userID)
	}
	s, err := e.findSession(token, jwtStr)
	if err != nil {
		return nil, err
	}
	return e.consumer.user(s.s.UserID)
}

func (e *Emulator) consumerAuthorizeCall(u *consumer.User, clientID, redirectURI, responseType string, scopes []string, prompt *string) authorizeCall {
	custom := map[string]scopeDef{}
	for _, s := range e.consumerPolicy.Scopes {
		d := scopeDef{description: s.Description}
		for _, p := range s.Permissions {
			d.perms = append(d.perms, permission{p.ResourceID, p.Actions})
		}
		custom[s.Scope] = d
	}
	perms := consumerPermissions(e.consumerPolicy)
	return authorizeCall{
		clientID: clientID, redirectURI: redirectURI, responseType: responseType, prompt: deref(prompt),
		scopes: scopes, subject: u.UserID, custom: custom,
		holds: func(res, act string) bool { return len(authorize(u.Roles, perms, res, act)) > 0 },
	}
}

func consumerScopeResults(rs []scopeResult) []consumer.ScopeResult {
	out := make([]consumer.ScopeResult, 0, len(rs))
	for _, r := range rs {
		out = append(out, consumer.ScopeResult{Scope: r.scope, Description: r.description, IsGrantable: r.grantable})
	}
	return out
}

func (e consumerAPI) IDPOAuthAuthorizeStart(_ context.Context, p *consumer.IDPOAuthAuthorizeStartParams) (*consumer.IDPOAuthAuthorizeStartResponse, error) {
	u, err := e.authorizingUser(p.UserID, p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	a, results, required, err := e.checkAuthorize(e.consumerAuthorizeCall(u, p.ClientID, p.RedirectURI, p.ResponseType, p.Scopes, p.Prompt))
	if err != nil {
		return nil, err
	}
	return &consumer.IDPOAuthAuthorizeStartResponse{
		UserID: u.UserID, User: *u, ConsentRequired: required, ScopeResults: consumerScopeResults(results),
		Client: consumer.ConnectedAppPublic{
			ClientID: a.a.ClientID, ClientName: a.a.ClientName, ClientDescription: a.a.ClientDescription,
			ClientType: a.a.ClientType, LogoURL: a.a.LogoURL,
		},
	}, nil
}

func (e consumerAPI) IDPOAuthAuthorize(_ context.Context, p *consumer.IDPOAuthAuthorizeParams) (*consumer.IDPOAuthAuthorizeResponse, error) {
	u, err := e.authorizingUser(p.UserID, p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	r := e.consumerAuthorizeCall(u, p.ClientID, p.RedirectURI, p.ResponseType, p.Scopes, p.Prompt)
	r.linked = deref(p.SessionToken) != "" || deref(p.SessionJWT) != ""
	redirect, code, err := e.submitAuthorize(r, p.ConsentGranted, deref(p.State), deref(p.Nonce), deref(p.CodeChallenge))
	if err != nil {
		return nil, err
	}
	return &consumer.IDPOAuthAuthorizeResponse{RedirectURI: redirect, AuthorizationCode: code}, nil
}

// grantsOf returns the live grants of subject, or of any member of orgID
// when subject is empty, in the order they were first given.
func (e *Emulator) grantsOf(subject, orgID string) []grantKey {
	s := e.connectedApps()
	var keys []grantKey
	for k, g := range s.grants {
		if ((subject != "" && k.subject == subject) || (subject == "" && g.orgID == orgID)) && e.grantLive(k) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return s.grants[keys[i]].seq < s.grants[keys[j]].seq })
	return keys
}

func (e consumerAPI) UsersConnectedApps(_ context.Context, p *consumer.UsersConnectedAppsParams) (*consumer.UsersConnectedAppsResponse, error) {
	u, err := e.consumer.user(p.UserID)
	if err != nil {
		return nil, err
	}
	st := e.connectedApps()
	out := []consumer.UserConnectedApp{}
	for _, k := range e.grantsOf(u.UserID, "") {
		a := st.apps[k.clientID].a
		out = append(out, consumer.UserConnectedApp{
			ConnectedAppID: a.ClientID, Name: a.ClientName, Description: a.ClientDescription, ClientType: a.ClientType,
			ScopesGranted: strings.Join(st.grants[k].scopes, " "), LogoURL: a.LogoURL,
		})
	}
	return &consumer.UsersConnectedAppsResponse{ConnectedApps: out}, nil
}

// UsersRevoke revokes what a user granted an app: its refresh tokens stop
// working and its access tokens are no longer active. Revoking an app the
// user never authorized succeeds (unconfirmed).
func (e consumerAPI) UsersRevoke(_ context.Context, p *consumer.UsersRevokeParams) (*consumer.UsersRevokeResponse, error) {
	u, err := e.consumer.user(p.UserID)
	if err != nil {
		return nil, err
	}
	if _, err := e.connectedApps().app(p.ConnectedAppID); err != nil {
		return nil, err
	}
	e.revokeGrant(grantKey{u.UserID, p.ConnectedAppID})
	return &consumer.UsersRevokeResponse{}, nil
}

// revokeGrant forgets a grant, with its codes and refresh tokens, and
// marks its access tokens revoked.
func (e *Emulator) revokeGrant(k grantKey) {
	st := e.connectedApps()
	if g := st.grants[k]; g != nil {
		e.revokeJTIs(g.jtis)
	}
	delete(st.grants, k)
	for tok, rt := range st.refresh {
		if rt.key == k {
			delete(st.refresh, tok)
		}
	}
	for c, ac := range st.codes {
		if ac.key == k {
			delete(st.codes, c)
		}
	}
}

func (e *Emulator) revokeJTIs(jtis []string) {
	for _, j := range jtis {
		e.idpState().revoked[j] = true
	}
}

// ---- B2B ----

// authorizingMember is the member an authorization is for: named by
// organization_id and member_id, or by a session.
func (e *Emulator) authorizingMember(orgID, memberID, token, jwtStr *string) (*b2bMember, error) {
	byID := deref(orgID) != "" || deref(memberID) != ""
	bySession := deref(token) != "" || deref(jwtStr) != ""
	if byID == bySession || byID && (deref(orgID) == "" || deref(memberID) == "") {
		return nil, errorf(400, errorTypeBadRequest, "Pass organization_id with member_id, or session_token, or session_jwt.")
	}
	if bySession {
		bs, err := e.b2bFindSession(token, jwtStr)
		if err != nil {
			return nil, err
		}
		return e.b2b.members[bs.s.MemberID], nil
	}
	o, err := e.b2b.org(*orgID)
	if err != nil {
		return nil, err
	}
	bm, err := e.b2b.member(o, *memberID)
	if err != nil {
		return nil, err
	}
	if bm.m.Status == b2bDeleted {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	return bm, nil
}

func (e *Emulator) b2bAuthorizeCall(bm *b2bMember, clientID, redirectURI, responseType string, scopes []string, prompt *string) authorizeCall {
	custom := map[string]scopeDef{}
	for _, s := range e.b2bPolicy.Scopes {
		d := scopeDef{description: s.Description}
		for _, p := range s.Permissions {
			d.perms = append(d.perms, permission{p.ResourceID, p.Actions})
		}
		custom[s.Scope] = d
	}
	org := bm.m.OrganizationID
	subject := &b2b.MemberSession{OrganizationID: org, Roles: e.b2b.roleIDs(bm)}
	return authorizeCall{
		clientID: clientID, redirectURI: redirectURI, responseType: responseType, prompt: deref(prompt),
		scopes: scopes, subject: bm.m.MemberID, orgID: org, custom: custom,
		holds: func(res, act string) bool {
			_, err := e.b2bAuthorize(subject, &b2b.AuthorizationCheckRequest{OrganizationID: org, ResourceID: res, Action: act})
			return err == nil
		},
	}
}

func (e b2bAPI) IDPOAuthAuthorizeStart(_ context.Context, p *b2b.IDPOAuthAuthorizeStartParams) (*b2b.IDPOAuthAuthorizeStartResponse, error) {
	bm, err := e.authorizingMember(p.OrganizationID, p.MemberID, p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	a, results, required, err := e.checkAuthorize(e.b2bAuthorizeCall(bm, p.ClientID, p.RedirectURI, p.ResponseType, p.Scopes, p.Prompt))
	if err != nil {
		return nil, err
	}
	out := make([]b2b.ScopeResult, 0, len(results))
	for _, r := range results {
		out = append(out, b2b.ScopeResult{Scope: r.scope, Description: r.description, IsGrantable: r.grantable})
	}
	return &b2b.IDPOAuthAuthorizeStartResponse{
		MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *e.b2b.orgs[bm.m.OrganizationID],
		ConsentRequired: required, ScopeResults: out,
		Client: b2b.ConnectedAppPublic{
			ClientID: a.a.ClientID, ClientName: a.a.ClientName, ClientDescription: a.a.ClientDescription,
			ClientType: b2b.ConnectedAppClientType(a.a.ClientType), LogoURL: a.a.LogoURL,
		},
	}, nil
}

func (e b2bAPI) IDPOAuthAuthorize(_ context.Context, p *b2b.IDPOAuthAuthorizeParams) (*b2b.IDPOAuthAuthorizeResponse, error) {
	bm, err := e.authorizingMember(p.OrganizationID, p.MemberID, p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	r := e.b2bAuthorizeCall(bm, p.ClientID, p.RedirectURI, p.ResponseType, p.Scopes, p.Prompt)
	r.linked = deref(p.SessionToken) != "" || deref(p.SessionJWT) != ""
	redirect, code, err := e.submitAuthorize(r, p.ConsentGranted, deref(p.State), deref(p.Nonce), deref(p.CodeChallenge))
	if err != nil {
		return nil, err
	}
	return &b2b.IDPOAuthAuthorizeResponse{RedirectURI: redirect, AuthorizationCode: code}, nil
}

// OrganizationsConnectedApps lists the apps members of the organization
// have authorized.
func (e b2bAPI) OrganizationsConnectedApps(_ context.Context, p *b2b.OrganizationsConnectedAppsParams) (*b2b.OrganizationsConnectedAppsResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	st := e.connectedApps()
	out := []b2b.OrganizationConnectedApp{}
	seen := map[string]bool{}
	for _, k := range e.grantsOf("", o.OrganizationID) {
		if seen[k.clientID] {
			continue
		}
		seen[k.clientID] = true
		a := st.apps[k.clientID].a
		out = append(out, b2b.OrganizationConnectedApp{
			ConnectedAppID: a.ClientID, Name: a.ClientName, Description: a.ClientDescription,
			ClientType: b2b.ConnectedAppClientType(a.ClientType), LogoURL: a.LogoURL,
		})
	}
	return &b2b.OrganizationsConnectedAppsResponse{ConnectedApps: out}, nil
}

// OrganizationsGetConnectedApp describes an app with the organization's
// members who authorized it.
func (e b2bAPI) OrganizationsGetConnectedApp(_ context.Context, p *b2b.OrganizationsGetConnectedAppParams) (*b2b.OrganizationsGetConnectedAppResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	st := e.connectedApps()
	a, err := st.app(p.ConnectedAppID)
	if err != nil {
		return nil, err
	}
	members := []b2b.OrganizationConnectedAppActiveMember{}
	for _, k := range e.grantsOf("", o.OrganizationID) {
		if k.clientID == a.a.ClientID {
			members = append(members, b2b.OrganizationConnectedAppActiveMember{MemberID: k.subject, GrantedScopes: st.grants[k].scopes})
		}
	}
	return &b2b.OrganizationsGetConnectedAppResponse{
		ConnectedAppID: a.a.ClientID, Name: a.a.ClientName, Description: a.a.ClientDescription,
		ClientType: b2b.ConnectedAppClientType(a.a.ClientType), ActiveMembers: members, LogoURL: a.a.LogoURL,
	}, nil
}

// orgMember finds a member of an organization the path names.
func (e b2bAPI) orgMember(orgRef, memberRef string) (*b2bMember, error) {
	o, err := e.b2b.org(orgRef)
	if err != nil {
		return nil, err
	}
	return e.b2b.member(o, memberRef)
}

func (e b2bAPI) OrganizationsMembersGetConnectedApps(_ context.Context, p *b2b.OrganizationsMembersGetConnectedAppsParams) (*b2b.OrganizationsMembersGetConnectedAppsResponse, error) {
	bm, err := e.orgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	st := e.connectedApps()
	out := []b2b.MemberConnectedApp{}
	for _, k := range e.grantsOf(bm.m.MemberID, "") {
		a := st.apps[k.clientID].a
		out = append(out, b2b.MemberConnectedApp{
			ConnectedAppID: a.ClientID, Name: a.ClientName, Description: a.ClientDescription,
			ClientType: b2b.ConnectedAppClientType(a.ClientType), ScopesGranted: strings.Join(st.grants[k].scopes, " "), LogoURL: a.LogoURL,
		})
	}
	return &b2b.OrganizationsMembersGetConnectedAppsResponse{ConnectedApps: out}, nil
}

// OrganizationsMembersConnectedAppsRevoke revokes what a member granted an
// app, as UsersRevoke does for a user.
func (e b2bAPI) OrganizationsMembersConnectedAppsRevoke(_ context.Context, p *b2b.OrganizationsMembersConnectedAppsRevokeParams) (*b2b.OrganizationsMembersConnectedAppsRevokeResponse, error) {
	bm, err := e.orgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	if _, err := e.connectedApps().app(p.ConnectedAppID); err != nil {
		return nil, err
	}
	e.revokeGrant(grantKey{bm.m.MemberID, p.ConnectedAppID})
	return &b2b.OrganizationsMembersConnectedAppsRevokeResponse{}, nil
}

// ---- The token endpoint ----

// serveTokenGrant serves the authorization_code and refresh_token grants of
// the token endpoint, below /v1/public/{project_id} and on the project
// domain (/v1/oauth2/token), in a form or a JSON body, as Stytch's
// reference shows both. M2M.Token's spec describes only the
// client_credentials grant the SDK sends, so any other request goes on to
// its generated route (from the project domain's path too).
func (e *Emulator) serveTokenGrant(w http.ResponseWriter, hr *http.Request, fail func(*apiError)) bool {
	publicPath := "/v1/public/" + e.ProjectID() + "/oauth2/token"
	if hr.Method != http.MethodPost || hr.URL.Path != publicPath && hr.URL.Path != "/v1/oauth2/token" {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxRequestBytes+1))
	if err != nil || len(body) > maxRequestBytes {
		fail(oauth2Error(400, "invalid_request", "The request body could not be read."))
		return true
	}
	form := tokenRequestValues(hr, body)
	grantType := form.Get("grant_type")
	if grantType != "authorization_code" && grantType != "refresh_token" {
		hr.Body = io.NopCloser(bytes.NewReader(body))
		if hr.URL.Path != publicPath {
			u := *hr.URL
			u.Path, u.RawPath = publicPath, ""
			hr.URL = &u
		}
		return false
	}
	if hr.URL.Path == publicPath { // the stytch.com issuer (projectBase)
		hr = hr.WithContext(context.WithValue(hr.Context(), viaPublicPath{}, true))
	}
	_, issuer := e.projectBase(hr)
	e.mu.Lock()
	defer e.mu.Unlock()
	a, aerr := e.tokenClient(hr, form)
	var resp map[string]any
	if aerr == nil && grantType == "authorization_code" {
		resp, aerr = e.exchangeCode(a, form, issuer)
	} else if aerr == nil {
		resp, aerr = e.exchangeRefreshToken(a, form, issuer)
	}
	if aerr != nil {
		fail(aerr)
		return true
	}
	resp["request_id"], resp["status_code"] = "request-id-test-"+newUUID(), http.StatusOK
	writeJSON(w, http.StatusOK, resp)
	return true
}

// tokenRequestValues reads a token request's parameters from a JSON body
// or a form; unreadable bodies give none, which the grant then lacks.
func tokenRequestValues(hr *http.Request, body []byte) url.Values {
	if strings.HasPrefix(hr.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		out := url.Values{}
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				if s, ok := v.(string); ok {
					out.Set(k, s)
				}
			}
		}
		return out
	}
	v, _ := url.ParseQuery(string(body))
	return v
}

// tokenClient authenticates the Connected App of a token request: with its
// secret (client_secret_basic or client_secret_post) when it is
// confidential; a public one names itself and proves itself with PKCE.
func (e *Emulator) tokenClient(hr *http.Request, form url.Values) (*connectedApp, *apiError) {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := hr.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both are form-encoded inside the header.
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
	}
	a, ok := e.connectedApps().apps[id]
	if !ok || a.a.Status != "active" || !a.public() && !a.matches(secret) {
		return nil, oauth2Error(401, "invalid_client", "The client could not be authenticated.")
	}
	return a, nil
}

var errInvalidGrant = oauth2Error(400, "invalid_grant", "The authorization code or refresh token is invalid, expired, revoked or was issued to another client.")

// exchangeCode redeems an authorization code (RFC 6749 §4.1.3): once,
// before it expires, by the client it was issued to, with the same
// redirect_uri and, when the authorization had a code_challenge, the
// verifier.
func (e *Emulator) exchangeCode(a *connectedApp, form url.Values, issuer string) (map[string]any, *apiError) {
	st := e.connectedApps()
	c := st.codes[form.Get("code")]
	switch {
	case c == nil || c.key.clientID != a.a.ClientID:
		return nil, errInvalidGrant
	case c.used:
		// A code presented twice was stolen or replayed: what it issued
		// is revoked (RFC 6749 §4.1.2).
		e.revokeJTIs(c.jtis)
		for tok, rt := range st.refresh {
			if rt.code == form.Get("code") {
				delete(st.refresh, tok)
			}
		}
		return nil, errInvalidGrant
	case !e.now().Before(c.expires):
		return nil, errInvalidGrant
	case form.Get("redirect_uri") != c.redirectURI:
		return nil, oauth2Error(400, "invalid_grant", "redirect_uri does not match the one the code was issued for.")
	case c.challenge == "" && form.Get("code_verifier") != "":
		return nil, oauth2Error(400, "invalid_grant", "The authorization had no code_challenge; send no code_verifier.")
	case c.challenge != "" && !pkceMatches(c.challenge, form.Get("code_verifier")):
		return nil, oauth2Error(400, "invalid_grant", "The code_verifier does not match the code_challenge.")
	case !e.grantLive(c.key):
		return nil, errInvalidGrant
	}
	c.used = true
	resp, jti := e.connectedAppTokens(a, c.key, c.orgID, c.scopes, c.nonce, issuer, c.linked)
	c.jtis = append(c.jtis, jti)
	if contains(c.scopes, "offline_access") {
		rt := newSessionToken()
		st.refresh[rt] = &refreshToken{key: c.key, orgID: c.orgID, scopes: c.scopes, expires: e.now().AddDate(0, refreshTokenMonths, 0), code: form.Get("code"), linked: c.linked}
		resp["refresh_token"] = rt
	}
	return resp, nil
}

// grantLive reports whether a grant still holds: not revoked, and its user
// or member not deleted.
func (e *Emulator) grantLive(k grantKey) bool {
	if e.connectedApps().grants[k] == nil {
		return false
	}
	if _, ok := e.consumer.users[k.subject]; ok {
		return true
	}
	bm := e.b2b.members[k.subject]
	return bm != nil && bm.m.Status != b2bDeleted
}

// exchangeRefreshToken is RFC 6749 §6. As Stytch's reference says, a
// public client's refresh token is rotated (the response carries the new
// one and the old one stops working), and a confidential client's is kept
// and lives three months more. A scope narrows the tokens' scopes.
func (e *Emulator) exchangeRefreshToken(a *connectedApp, form url.Values, issuer string) (map[string]any, *apiError) {
	st := e.connectedApps()
	tok := form.Get("refresh_token")
	rt := st.refresh[tok]
	if rt == nil || rt.key.clientID != a.a.ClientID || !e.now().Before(rt.expires) || !e.grantLive(rt.key) {
		return nil, errInvalidGrant
	}
	scopes := rt.scopes
	if requested := strings.Fields(form.Get("scope")); len(requested) > 0 {
		for _, s := range requested {
			if !contains(rt.scopes, s) {
				return nil, oauth2Error(400, "invalid_scope", "The refresh token was not granted the scope "+s+".")
			}
		}
		scopes = requested
	}
	resp, jti := e.connectedAppTokens(a, rt.key, rt.orgID, scopes, "", issuer, rt.linked)
	if c := st.codes[rt.code]; c != nil {
		c.jtis = append(c.jtis, jti)
	}
	if a.public() {
		delete(st.refresh, tok)
		next := *rt
		next.expires = e.now().AddDate(0, refreshTokenMonths, 0)
		tok = newSessionToken()
		st.refresh[tok] = &next
		resp["refresh_token"] = tok
	} else {
		rt.expires = e.now().AddDate(0, refreshTokenMonths, 0)
	}
	return resp, nil
}

// connectedAppTokens mints the tokens of a grant: an access token as
// IssueAccessToken does, with the app's lifetime, audience and template,
// and an ID token when openid is among the scopes. It returns the token
// response and the access token's jti, recorded on the grant. An access
// token whose authorization named no session cannot be exchanged for one
// (Stytch's reference: a session is needed for Exchange Access Token).
func (e *Emulator) connectedAppTokens(a *connectedApp, key grantKey, orgID string, scopes []string, nonce, issuer string, linked bool) (map[string]any, string) {
	var custom map[string]any
	// Unconfirmed: Stytch fills a template's {{ }} placeholders from the
	// user; the emulator adds its values as they are written.
	_ = json.Unmarshal([]byte(a.a.AccessTokenTemplateContent), &custom)
	life := time.Duration(a.a.AccessTokenExpiryMinutes) * time.Minute
	access := e.issueAccessToken(AccessTokenParams{
		Subject: key.subject, OrganizationID: orgID, ClientID: a.a.ClientID, Scopes: scopes,
		CustomClaims: custom, Lifetime: life, Issuer: issuer, Audience: a.a.AccessTokenCustomAudience,
	})
	claims, _ := e.keys.parse(access)
	jti, _ := claims["jti"].(string)
	st := e.connectedApps()
	g := st.grants[key]
	g.jtis = append(g.jtis, jti)
	if !linked {
		st.unlinked[jti] = true
	}
	resp := map[string]any{
		"access_token": access, "token_type": "bearer", "expires_in": int(life / time.Second), "scope": strings.Join(scopes, " "),
	}
	if contains(scopes, "openid") {
		resp["id_token"] = e.idToken(a, key.subject, orgID, scopes, nonce, issuer)
	}
	return resp, jti
}

// idToken is an OpenID Connect ID token: the user's or member's claims the
// scopes reveal (as UserInfo answers them), for the app as audience.
func (e *Emulator) idToken(a *connectedApp, subject, orgID string, scopes []string, nonce, issuer string) string {
	claims := jwt.MapClaims{}
	_ = json.Unmarshal([]byte(a.a.IDTokenTemplateContent), &claims) // as the access token's template
	if info, ok := e.userInfo(subject, scopes); ok {
		raw, _ := json.Marshal(info)
		_ = json.Unmarshal(raw, &claims)
	}
	now := e.now()
	for k, v := range map[string]any{
		"iss": issuer, "sub": subject, "aud": []string{a.a.ClientID},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(idTokenLifetime).Unix(),
	} {
		claims[k] = v
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if orgID != "" {
		claims[organizationClaim] = e.organizationClaim(orgID)
	}
	return e.keys.sign(claims)
}

// revokeRefreshToken is the part of RFC 7009 revocation that concerns
// Connected Apps: a registered client must authenticate, and revoking one
// of its refresh tokens ends it. done reports a refresh token handled;
// access tokens are left to the caller.
func (e *Emulator) revokeRefreshToken(clientID, secret, token string) (done bool, _ error) {
	st := e.connectedApps()
	a, ok := st.apps[clientID]
	if !ok {
		return false, nil
	}
	if !a.public() && !a.matches(secret) {
		return false, oauth2Error(401, "invalid_client", "The client could not be authenticated.")
	}
	rt := st.refresh[token]
	if rt == nil {
		return false, nil
	}
	if rt.key.clientID != clientID {
		return false, oauth2Error(401, "invalid_client", "The token was not issued to this client.")
	}
	delete(st.refresh, token)
	return true, nil
}
