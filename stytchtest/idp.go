package stytchtest

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// accessTokenLifetime is how long a Connected App access token lives when
// the app sets no access_token_expiry_minutes: one hour.
const accessTokenLifetime = time.Hour

// AccessTokenParams describes the Connected App access token that
// IssueAccessToken signs, as Stytch's token endpoint would at the end of an
// OAuth flow.
type AccessTokenParams struct {
	// Subject is the user_id or member_id the Connected App acts for.
	Subject string `json:"subject"`
	// OrganizationID is the member's organization, for B2B tokens: the token
	// then carries the https://stytch.com/organization claim (with the
	// organization's slug, if the emulator holds it).
	OrganizationID string `json:"organization_id"`
	// ClientID is the Connected App's client ID; a new
	// connected-app-test-… ID when empty.
	ClientID string `json:"client_id"`
	// Scopes are the granted scopes, such as "openid", "email" or
	// "read:documents".
	Scopes []string `json:"scopes"`
	// CustomClaims are added at the top level, as an access token template
	// would.
	CustomClaims map[string]any `json:"custom_claims"`
	// Lifetime is how long the token lives; an hour when zero.
	Lifetime time.Duration `json:"lifetime_ns"`
	// Issuer replaces stytch.com/<project ID>, as a custom domain does.
	Issuer string `json:"issuer"`
	// Audience is added to the aud claim after the project ID, as a
	// Connected App's access_token_custom_audience is (unconfirmed: that
	// Stytch keeps the project ID beside it; the SDKs' checks need it).
	Audience string `json:"audience"`
}

// IssueAccessToken signs a Connected App access token with the emulator's
// keys. The token has Stytch's claims (iss, sub, aud, client_id, scope,
// iat, nbf, exp, jti), so that IDP.IntrospectTokenLocal accepts it,
// IDP.UserInfo answers for it and IDP.RevokeToken revokes it.
func (e *Emulator) IssueAccessToken(p AccessTokenParams) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.issueAccessToken(p)
}

// issueAccessToken is IssueAccessToken with e.mu held.
func (e *Emulator) issueAccessToken(p AccessTokenParams) string {
	now := e.now()
	life := p.Lifetime
	if life <= 0 {
		life = accessTokenLifetime
	}
	claims := jwt.MapClaims{}
	maps.Copy(claims, p.CustomClaims)
	iss := p.Issuer
	if iss == "" {
		iss = "stytch.com/" + e.ProjectID()
	}
	clientID := p.ClientID
	if clientID == "" {
		clientID = newID("connected-app")
	}
	aud := []string{e.ProjectID()}
	if p.Audience != "" {
		aud = append(aud, p.Audience)
	}
	for k, v := range map[string]any{
		"iss": iss, "sub": p.Subject, "aud": aud, "client_id": clientID,
		"scope": strings.Join(p.Scopes, " "), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(life).Unix(), "jti": newSessionToken(),
	} {
		claims[k] = v
	}
	if p.OrganizationID != "" {
		claims[organizationClaim] = e.organizationClaim(p.OrganizationID)
	}
	return e.keys.sign(claims)
}

// organizationClaim is the https://stytch.com/organization claim of a B2B
// token, with the organization's slug if the emulator holds it.
func (e *Emulator) organizationClaim(orgID string) map[string]any {
	org := map[string]any{"organization_id": orgID, "slug": ""}
	if o, ok := e.b2b.orgs[orgID]; ok {
		org["slug"] = o.OrganizationSlug
	}
	return org
}

// The IDP handlers are methods of consumerAPI: the consumer table routes
// both clients' OIDC calls, as it does the other shared services (their
// paths are the same on both surfaces).

// idpState holds what the emulator knows of the Connected App access tokens
// it issued, and of the OAuth logins under way (oauth.go). Both surfaces
// share it, as they share the signing keys.
type idpState struct {
	revoked map[string]bool // jti -> revoked
	oauth   map[string]*oauthLogin
	// authorizeURL is the discovery document's authorization_endpoint.
	authorizeURL string
}

// idpState returns e's, made on first use; e.mu is held.
func (e *Emulator) idpState() *idpState {
	if e.idp == nil {
		e.idp = &idpState{revoked: map[string]bool{}, oauth: map[string]*oauthLogin{}, authorizeURL: DefaultAuthorizationURL}
	}
	return e.idp
}

// DefaultAuthorizationURL is the authorization_endpoint an emulator's
// discovery document names until SetAuthorizationURL changes it. Stytch
// takes it from the dashboard: it is a page of your application.
const DefaultAuthorizationURL = "https://app.example.com/oauth2/authorize"

// SetAuthorizationURL sets the authorization_endpoint of the discovery
// document, the page of your application that runs the consent step.
func (e *Emulator) SetAuthorizationURL(u string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.idpState().authorizeURL = u
}

// viaPublicPath marks a request that reached a project-domain endpoint
// through its backwards-compatible /v1/public/{project_id} path.
type viaPublicPath struct{}

// projectDomainPaths are the spec's paths on the project domain
// (servers: https://{project_domain}), which Stytch also serves below
// /v1/public/{project_id} without their /v1. TestProjectDomainPaths keeps
// the list in step with the spec.
var projectDomainPaths = []string{"/.well-known/openid-configuration", "/v1/oauth2/userinfo", "/v1/oauth2/revoke"}

// projectDomainRoute routes a request for the backwards-compatible path of
// a project-domain endpoint to the spec's path, remembering how it came.
func (e *Emulator) projectDomainRoute(r *http.Request) *http.Request {
	prefix := "/v1/public/" + e.ProjectID()
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		return r
	}
	for _, p := range projectDomainPaths {
		if rest == strings.TrimPrefix(p, "/v1") {
			r = r.WithContext(context.WithValue(r.Context(), viaPublicPath{}, true))
			u := *r.URL
			u.Path, u.RawPath = p, ""
			r.URL = &u
			return r
		}
	}
	return r
}

// projectBase is the base URL of the project domain as the request reached
// it, and the issuer of the tokens issued through it.
func (e *Emulator) projectBase(r *http.Request) (base, issuer string) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := scheme + "://" + r.Host
	if via, _ := r.Context().Value(viaPublicPath{}).(bool); via {
		return host + "/v1/public/" + e.ProjectID(), "stytch.com/" + e.ProjectID()
	}
	return host, host
}

func (e consumerAPI) IDPOpenIDConfiguration(ctx context.Context, _ *consumer.IDPOpenIDConfigurationParams) (*consumer.IDPOpenIDConfigurationResponse, error) {
	hr := callOf(ctx).http
	base, issuer := e.projectBase(hr)
	// The OAuth endpoints keep their /v1 on the project domain and lose it
	// below /v1/public/{project_id}.
	v1 := "/v1"
	if via, _ := hr.Context().Value(viaPublicPath{}).(bool); via {
		v1 = ""
	}
	scheme := "http"
	if hr.TLS != nil {
		scheme = "https"
	}
	scopes := []string{"openid", "profile", "email", "phone", "offline_access"}
	for _, s := range e.consumerPolicy.Scopes {
		if !contains(scopes, s.Scope) {
			scopes = append(scopes, s.Scope)
		}
	}
	for _, s := range e.b2bPolicy.Scopes {
		if !contains(scopes, s.Scope) {
			scopes = append(scopes, s.Scope)
		}
	}
	return &consumer.IDPOpenIDConfigurationResponse{
		Issuer:                issuer,
		AuthorizationEndpoint: e.idpState().authorizeURL,
		TokenEndpoint:         base + v1 + "/oauth2/token",
		UserInfoEndpoint:      base + v1 + "/oauth2/userinfo",
		// Stytch names /.well-known/jwks.json on the project domain; the
		// emulator names the key set it serves, which holds the same keys.
		JWKSURI:                           scheme + "://" + hr.Host + "/v1/sessions/jwks/" + e.ProjectID(),
		ScopesSupported:                   scopes,
		ResponseTypesSupported:            []string{"code"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "none"},
	}, nil
}

// accessToken checks a Connected App access token as Stytch's OAuth
// endpoints do: signed by the project, not expired, not revoked, and an
// access token (a client_id claim, no session claim).
func (e *Emulator) accessToken(token string) (jwt.MapClaims, bool) {
	claims, err := e.keys.parse(token)
	if err != nil {
		return nil, false
	}
	clientID, _ := claims["client_id"].(string)
	jti, _ := claims["jti"].(string)
	exp, err := claims.GetExpirationTime()
	if clientID == "" || claims["https://stytch.com/session"] != nil || err != nil || exp == nil ||
		!e.now().Before(exp.Time) || e.idpState().revoked[jti] {
		return nil, false
	}
	return claims, true
}

var errInvalidToken = oauth2Error(401, "invalid_token", "The access token is invalid, expired or revoked.")

func (e consumerAPI) IDPUserInfo(ctx context.Context, _ *consumer.IDPUserInfoParams) (*consumer.IDPUserInfoResponse, error) {
	auth := callOf(ctx).http.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		token, ok = strings.CutPrefix(auth, "bearer ")
	}
	if !ok || token == "" {
		return nil, oauth2Error(401, "invalid_request", "Send the access token as a bearer token in the Authorization header.")
	}
	claims, ok := e.accessToken(token)
	if !ok {
		return nil, errInvalidToken
	}
	sub, _ := claims["sub"].(string)
	scope, _ := claims["scope"].(string)
	out, ok := e.userInfo(sub, strings.Fields(scope))
	if !ok {
		return nil, errInvalidToken // the user or member is gone
	}
	return out, nil
}

// userInfo is what the scopes granted reveal of the user or member sub: the
// UserInfo answer, and the claims of an ID token (idp_authorize.go). It
// reports false when neither exists.
func (e *Emulator) userInfo(sub string, scopes []string) (*consumer.IDPUserInfoResponse, bool) {
	out := consumer.IDPUserInfoResponse{Sub: sub}
	str := func(s string) *string { return &s }
	if u, ok := e.consumer.users[sub]; ok {
		if contains(scopes, "email") && len(u.Emails) > 0 {
			out.Email, out.EmailVerified = str(u.Emails[0].Email), &u.Emails[0].Verified
		}
		if contains(scopes, "phone") && len(u.PhoneNumbers) > 0 {
			out.PhoneNumber, out.PhoneNumberVerified = str(u.PhoneNumbers[0].PhoneNumber), &u.PhoneNumbers[0].Verified
		}
		if contains(scopes, "profile") && u.Name != nil {
			n := u.Name
			out.Name = str(strings.Join(strings.Fields(n.FirstName+" "+n.MiddleName+" "+n.LastName), " "))
			out.GivenName, out.MiddleName, out.FamilyName = str(n.FirstName), str(n.MiddleName), str(n.LastName)
		}
		return &out, true
	}
	if m, ok := e.b2b.members[sub]; ok {
		if contains(scopes, "email") {
			out.Email, out.EmailVerified = str(m.m.EmailAddress), &m.m.EmailAddressVerified
		}
		if contains(scopes, "phone") && m.m.MFAPhoneNumber != "" {
			out.PhoneNumber, out.PhoneNumberVerified = str(m.m.MFAPhoneNumber), &m.m.MFAPhoneNumberVerified
		}
		if contains(scopes, "profile") {
			out.Name = str(m.m.Name)
		}
		return &out, true
	}
	return nil, false
}

// idpRevokeToken is RFC 7009 revocation. A Connected App created with
// ConnectedApp.Clients.Create authenticates, and can revoke its refresh
// tokens too (revokeRefreshToken); for the client of a token
// IssueAccessToken made, there is no secret to check, only that the token
// was issued to client_id. A token that is not valid anyway is answered
// 200, as RFC 7009 says.
func (e consumerAPI) IDPRevokeToken(_ context.Context, p *consumer.IDPRevokeTokenParams) (*consumer.IDPRevokeTokenResponse, error) {
	if done, err := e.revokeRefreshToken(p.ClientID, deref(p.ClientSecret), p.Token); done || err != nil {
		return &consumer.IDPRevokeTokenResponse{}, err
	}
	claims, err := e.keys.parse(p.Token)
	if err != nil {
		return &consumer.IDPRevokeTokenResponse{}, nil
	}
	if id, _ := claims["client_id"].(string); id != p.ClientID {
		return nil, oauth2Error(401, "invalid_client", "The token was not issued to this client.")
	}
	if jti, _ := claims["jti"].(string); jti != "" {
		e.idpState().revoked[jti] = true
	}
	return &consumer.IDPRevokeTokenResponse{}, nil
}

// IDPIntrospectTokenNetwork is RFC 7662 introspection of the access
// tokens the emulator issued: active with their claims, or active false.
// Both surfaces' calls arrive here (the path is the same), so a B2B token's
// organization claim is not in the answer.
func (e consumerAPI) IDPIntrospectTokenNetwork(_ context.Context, p *consumer.IDPIntrospectTokenNetworkParams) (*consumer.IDPIntrospectTokenNetworkResponse, error) {
	claims, ok := e.accessToken(p.Token)
	if !ok {
		return &consumer.IDPIntrospectTokenNetworkResponse{Aud: []string{}}, nil
	}
	out := &consumer.IDPIntrospectTokenNetworkResponse{Active: true, TokenType: "access_token", Aud: []string{}}
	out.Iss, _ = claims["iss"].(string)
	out.Sub, _ = claims["sub"].(string)
	out.Scope, _ = claims["scope"].(string)
	out.ClientID, _ = claims["client_id"].(string)
	if aud, err := claims.GetAudience(); err == nil {
		out.Aud = aud
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		out.Exp = stytch.Ptr(int(exp.Unix()))
	}
	if iat, err := claims.GetIssuedAt(); err == nil && iat != nil {
		out.Iat = stytch.Ptr(int(iat.Unix()))
	}
	return out, nil
}
