package stytchtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// tokenRequest posts a form to the token endpoint, as a Connected App's
// OAuth library would, and returns the status and the decoded body.
func tokenRequest(t *testing.T, srv *Server, form map[string]string) (int, map[string]any) {
	t.Helper()
	return tokenRequestTo(t, srv.URL+"/v1/public/"+srv.ProjectID()+"/oauth2/token", form, nil)
}

func tokenRequestTo(t *testing.T, endpoint string, form map[string]string, prepare func(*http.Request)) (int, map[string]any) {
	t.Helper()
	v := url.Values{}
	for k, s := range form {
		v.Set(k, s)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(v.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if prepare != nil {
		prepare(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// pkcePair returns a code verifier and its S256 challenge.
func pkcePair(verifier string) (string, string) {
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeCode runs a consumer authorization with consent for the
// session's user and returns the code.
func authorizeCode(t *testing.T, c *consumer.Client, clientID, redirect, session string, scopes []string, challenge string) string {
	t.Helper()
	p := &consumer.IDPOAuthAuthorizeParams{
		ConsentGranted: true, Scopes: scopes, ClientID: clientID, RedirectURI: redirect, ResponseType: "code", SessionToken: &session,
	}
	if challenge != "" {
		p.CodeChallenge = &challenge
	}
	resp, err := c.IDP.OAuth.Authorize(ctx, p)
	require.NoError(t, err)
	require.NotEmpty(t, resp.AuthorizationCode)
	return resp.AuthorizationCode
}

func requireOAuthError(t *testing.T, status int, body map[string]any, wantStatus int, wantError string) {
	t.Helper()
	require.Equal(t, wantStatus, status, body)
	require.Equal(t, wantError, body["error"], body)
}

// The whole authorization code flow of a public (PKCE) client, from the
// consent screen to revocation.
func TestIDPAuthorizationCodeFlow(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user := signIn(t, srv, c, "ada@example.com", nil)
	const redirect = "http://127.0.0.1:8976/callback"
	created, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeThirdPartyPublic, ClientName: stytch.Ptr("Agent"), RedirectURLs: []string{redirect},
		AccessTokenTemplateContent: stytch.Ptr(`{"tier": "gold"}`),
	})
	require.NoError(t, err)
	app := created.ConnectedApp
	scopes := []string{"openid", "email", "offline_access"}

	start, err := c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: scopes, SessionToken: &user.SessionToken,
	})
	require.NoError(t, err)
	require.Equal(t, user.UserID, start.UserID)
	require.Equal(t, "Agent", start.Client.ClientName)
	require.True(t, start.ConsentRequired, "a third-party app asks for consent")
	require.Len(t, start.ScopeResults, 3)
	for _, r := range start.ScopeResults {
		require.True(t, r.IsGrantable, r.Scope)
		require.NotEmpty(t, r.Description)
	}

	verifier, challenge := pkcePair("a-verifier-of-at-least-forty-three-characters-long")
	auth, err := c.IDP.OAuth.Authorize(ctx, &consumer.IDPOAuthAuthorizeParams{
		ConsentGranted: true, Scopes: scopes, ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code",
		SessionToken: &user.SessionToken, State: stytch.Ptr("st-1"), Nonce: stytch.Ptr("n-1"), CodeChallenge: &challenge,
	})
	require.NoError(t, err)
	back, err := url.Parse(auth.RedirectURI)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8976", back.Host)
	require.Equal(t, auth.AuthorizationCode, back.Query().Get("code"))
	require.Equal(t, "st-1", back.Query().Get("state"))

	exchange := map[string]string{
		"grant_type": "authorization_code", "client_id": app.ClientID, "code": auth.AuthorizationCode,
		"redirect_uri": redirect, "code_verifier": "not-the-verifier",
	}
	status, body := tokenRequest(t, srv, exchange)
	requireOAuthError(t, status, body, 400, "invalid_grant")
	exchange["code_verifier"], exchange["redirect_uri"] = verifier, "http://127.0.0.1:8976/other"
	status, body = tokenRequest(t, srv, exchange)
	requireOAuthError(t, status, body, 400, "invalid_grant")
	exchange["redirect_uri"] = redirect
	status, tokens := tokenRequest(t, srv, exchange)
	require.Equal(t, 200, status, tokens)
	require.Equal(t, "bearer", tokens["token_type"])
	require.Equal(t, "openid email offline_access", tokens["scope"])
	require.EqualValues(t, 3600, tokens["expires_in"])
	access, _ := tokens["access_token"].(string)
	refresh, _ := tokens["refresh_token"].(string)
	require.NotEmpty(t, refresh)

	// The SDK verifies the access token locally, and Stytch's endpoints
	// accept it.
	local, err := c.IDP.IntrospectTokenLocal(ctx, access, stytch.WithRequiredScopes("email"))
	require.NoError(t, err)
	require.Equal(t, user.UserID, local.Subject)
	require.Equal(t, app.ClientID, local.ClientID)
	require.Equal(t, scopes, local.Scopes)
	require.Equal(t, "gold", local.CustomClaims["tier"], "the access token template")
	info, err := c.IDP.UserInfo(ctx, &consumer.IDPUserInfoParams{AccessToken: access})
	require.NoError(t, err)
	require.Equal(t, "ada@example.com", *info.Email)

	// The ID token is for the app, with the nonce and the email.
	idClaims, err := srv.keys.parse(tokens["id_token"].(string))
	require.NoError(t, err)
	require.Equal(t, []any{app.ClientID}, idClaims["aud"])
	require.Equal(t, user.UserID, idClaims["sub"])
	require.Equal(t, "n-1", idClaims["nonce"])
	require.Equal(t, "ada@example.com", idClaims["email"])
	require.Equal(t, "stytch.com/"+srv.ProjectID(), idClaims["iss"])

	// A public client's refresh token is rotated.
	refreshForm := map[string]string{"grant_type": "refresh_token", "client_id": app.ClientID, "refresh_token": refresh}
	status, refreshed := tokenRequest(t, srv, refreshForm)
	require.Equal(t, 200, status, refreshed)
	next, _ := refreshed["refresh_token"].(string)
	require.NotEmpty(t, next)
	require.NotEqual(t, refresh, next)
	require.NotEmpty(t, refreshed["id_token"])
	status, body = tokenRequest(t, srv, refreshForm)
	requireOAuthError(t, status, body, 400, "invalid_grant")
	refreshForm["refresh_token"], refreshForm["scope"] = next, "openid admin"
	status, body = tokenRequest(t, srv, refreshForm)
	requireOAuthError(t, status, body, 400, "invalid_scope")
	delete(refreshForm, "scope")

	// Having consented, the user is not asked again, unless the app asks.
	start, err = c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"openid"}, UserID: &user.UserID,
	})
	require.NoError(t, err)
	require.False(t, start.ConsentRequired)
	start, err = c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"openid"}, UserID: &user.UserID, Prompt: stytch.Ptr("consent"),
	})
	require.NoError(t, err)
	require.True(t, start.ConsentRequired)

	apps, err := c.Users.ConnectedApps(ctx, &consumer.UsersConnectedAppsParams{UserID: user.UserID})
	require.NoError(t, err)
	require.Len(t, apps.ConnectedApps, 1)
	require.Equal(t, app.ClientID, apps.ConnectedApps[0].ConnectedAppID)
	require.Equal(t, "openid email offline_access", apps.ConnectedApps[0].ScopesGranted)

	// Revoking the grant ends its tokens.
	latest, _ := refreshed["access_token"].(string)
	_, err = c.Users.Revoke(ctx, &consumer.UsersRevokeParams{UserID: user.UserID, ConnectedAppID: app.ClientID})
	require.NoError(t, err)
	for _, tok := range []string{access, latest} {
		remote, err := c.IDP.IntrospectTokenNetwork(ctx, &consumer.IDPIntrospectTokenNetworkParams{Token: tok, ClientID: app.ClientID})
		require.NoError(t, err)
		require.False(t, remote.Active)
	}
	status, body = tokenRequest(t, srv, refreshForm)
	requireOAuthError(t, status, body, 400, "invalid_grant")
	apps, err = c.Users.ConnectedApps(ctx, &consumer.UsersConnectedAppsParams{UserID: user.UserID})
	require.NoError(t, err)
	require.Empty(t, apps.ConnectedApps)
	start, err = c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"openid"}, UserID: &user.UserID,
	})
	require.NoError(t, err)
	require.True(t, start.ConsentRequired, "consent is asked again after a revocation")
}

// A confidential client authenticates with its secret, in the form or the
// Authorization header, on either path of the token endpoint.
func TestIDPConfidentialClient(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user := signIn(t, srv, c, "ada@example.com", nil)
	const redirect = "https://docs.example/cb"
	created, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeFirstParty, RedirectURLs: []string{redirect},
		AccessTokenExpiryMinutes: stytch.Ptr(10), AccessTokenCustomAudience: stytch.Ptr("https://api.docs.example"),
	})
	require.NoError(t, err)
	app := created.ConnectedApp

	// A first-party app asks for no consent, except for offline access.
	start, err := c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"openid", "profile"}, SessionToken: &user.SessionToken,
	})
	require.NoError(t, err)
	require.False(t, start.ConsentRequired)
	start, err = c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"offline_access"}, SessionToken: &user.SessionToken,
	})
	require.NoError(t, err)
	require.True(t, start.ConsentRequired)

	code := authorizeCode(t, c, app.ClientID, redirect, user.SessionToken, []string{"openid", "offline_access"}, "")
	form := map[string]string{"grant_type": "authorization_code", "client_id": app.ClientID, "client_secret": "wrong", "code": code, "redirect_uri": redirect}
	status, body := tokenRequest(t, srv, form)
	requireOAuthError(t, status, body, 401, "invalid_client")
	delete(form, "client_id")
	delete(form, "client_secret")
	projectDomain := srv.URL + "/v1/oauth2/token"
	basic := func(r *http.Request) { r.SetBasicAuth(app.ClientID, app.ClientSecret) }
	status, tokens := tokenRequestTo(t, projectDomain, form, basic)
	require.Equal(t, 200, status, tokens)
	require.EqualValues(t, 600, tokens["expires_in"])
	local, err := consumerWith(t, srv, stytch.WithCustomDomain(srv.URL)).IDP.IntrospectTokenLocal(ctx, tokens["access_token"].(string))
	require.NoError(t, err)
	require.Equal(t, srv.URL, local.Issuer, "issued through the project domain")
	require.Equal(t, []string{srv.ProjectID(), "https://api.docs.example"}, local.Audience)

	// A code is used once; presenting it again revokes what it issued.
	status, body = tokenRequestTo(t, projectDomain, form, basic)
	requireOAuthError(t, status, body, 400, "invalid_grant")
	remote, err := c.IDP.IntrospectTokenNetwork(ctx, &consumer.IDPIntrospectTokenNetworkParams{Token: tokens["access_token"].(string), ClientID: app.ClientID})
	require.NoError(t, err)
	require.False(t, remote.Active)
	refreshForm := map[string]string{"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"].(string)}
	status, body = tokenRequestTo(t, projectDomain, refreshForm, basic)
	requireOAuthError(t, status, body, 400, "invalid_grant")

	// A confidential client's refresh token is kept, not rotated.
	code = authorizeCode(t, c, app.ClientID, redirect, user.SessionToken, []string{"offline_access"}, "")
	status, tokens = tokenRequestTo(t, projectDomain, map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}, basic)
	require.Equal(t, 200, status, tokens)
	require.Nil(t, tokens["id_token"], "no openid scope, no ID token")
	refreshForm["refresh_token"] = tokens["refresh_token"].(string)
	for range 2 {
		status, refreshed := tokenRequestTo(t, projectDomain, refreshForm, basic)
		require.Equal(t, 200, status, refreshed)
		require.Nil(t, refreshed["refresh_token"])
	}

	// RFC 7009 revocation of the refresh token needs the client's secret.
	_, err = c.IDP.RevokeToken(ctx, &consumer.IDPRevokeTokenParams{Token: refreshForm["refresh_token"], ClientID: app.ClientID, ClientSecret: stytch.Ptr("wrong")})
	var oauthErr *stytch.Error
	require.ErrorAs(t, err, &oauthErr)
	require.Equal(t, 401, oauthErr.StatusCode)
	require.Equal(t, stytch.ErrorType("invalid_client"), oauthErr.ErrorType)
	status, _ = tokenRequestTo(t, projectDomain, refreshForm, basic)
	require.Equal(t, 200, status, "a refused revocation revokes nothing")
	_, err = c.IDP.RevokeToken(ctx, &consumer.IDPRevokeTokenParams{Token: refreshForm["refresh_token"], ClientID: app.ClientID, ClientSecret: &app.ClientSecret})
	require.NoError(t, err)
	status, body = tokenRequestTo(t, projectDomain, refreshForm, basic)
	requireOAuthError(t, status, body, 400, "invalid_grant")

	// M2M's client credentials grant still reaches M2M.Token.
	status, body = tokenRequestTo(t, projectDomain, map[string]string{"grant_type": "client_credentials", "client_id": "m2m-nobody", "client_secret": "x"}, nil)
	requireOAuthError(t, status, body, 401, "invalid_client")
}

func TestIDPAuthorizeFailures(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user := signIn(t, srv, c, "ada@example.com", nil)
	srv.SetRBACPolicy(consumer.Policy{
		Roles:     []consumer.PolicyRole{{RoleID: "stytch_user", Permissions: []consumer.PolicyRolePermission{{ResourceID: "docs", Actions: []string{"read"}}}}},
		Resources: []consumer.PolicyResource{{ResourceID: "docs", Actions: []string{"read", "write"}}},
		Scopes: []consumer.PolicyScope{
			{Scope: "read:docs", Description: "Read your documents.", Permissions: []consumer.PolicyScopePermission{{ResourceID: "docs", Actions: []string{"read"}}}},
			{Scope: "write:docs", Description: "Edit your documents.", Permissions: []consumer.PolicyScopePermission{{ResourceID: "docs", Actions: []string{"write"}}}},
		},
	})
	const redirect = "https://app.example/cb"
	created, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeThirdParty, RedirectURLs: []string{redirect},
	})
	require.NoError(t, err)
	app := created.ConnectedApp
	startWith := func(mod func(*consumer.IDPOAuthAuthorizeStartParams)) (*consumer.IDPOAuthAuthorizeStartResponse, error) {
		p := &consumer.IDPOAuthAuthorizeStartParams{ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"openid"}, UserID: &user.UserID}
		mod(p)
		return c.IDP.OAuth.AuthorizeStart(ctx, p)
	}
	for name, tc := range map[string]struct {
		mod    func(*consumer.IDPOAuthAuthorizeStartParams)
		status int
		typ    stytch.ErrorType
	}{
		"unknown client":        {func(p *consumer.IDPOAuthAuthorizeStartParams) { p.ClientID = "connected-app-test-nope" }, 404, "connected_app_not_found"},
		"unregistered redirect": {func(p *consumer.IDPOAuthAuthorizeStartParams) { p.RedirectURI = "https://evil.example/cb" }, 400, "invalid_redirect_uri"},
		"implicit flow":         {func(p *consumer.IDPOAuthAuthorizeStartParams) { p.ResponseType = "token" }, 400, "unsupported_response_type"},
		"unknown scope":         {func(p *consumer.IDPOAuthAuthorizeStartParams) { p.Scopes = []string{"openid", "admin"} }, 400, "invalid_scope"},
		"unknown prompt":        {func(p *consumer.IDPOAuthAuthorizeStartParams) { p.Prompt = stytch.Ptr("login") }, 400, "invalid_prompt"},
		"no user":               {func(p *consumer.IDPOAuthAuthorizeStartParams) { p.UserID = nil }, 400, "bad_request"},
		"user and session":      {func(p *consumer.IDPOAuthAuthorizeStartParams) { p.SessionToken = &user.SessionToken }, 400, "bad_request"},
		"dead session": {func(p *consumer.IDPOAuthAuthorizeStartParams) {
			p.UserID, p.SessionToken = nil, stytch.Ptr("no-such-session-token")
		}, 404, "session_not_found"},
	} {
		_, err := startWith(tc.mod)
		requireAPIError(t, err, tc.status, tc.typ)
		_ = name
	}

	// A scope is grantable when the user's roles hold its permissions; what
	// is not grantable is left out of the grant.
	start, err := startWith(func(p *consumer.IDPOAuthAuthorizeStartParams) { p.Scopes = []string{"read:docs", "write:docs"} })
	require.NoError(t, err)
	require.Equal(t, []consumer.ScopeResult{
		{Scope: "read:docs", Description: "Read your documents.", IsGrantable: true},
		{Scope: "write:docs", Description: "Edit your documents.", IsGrantable: false},
	}, start.ScopeResults)
	code := authorizeCode(t, c, app.ClientID, redirect, user.SessionToken, []string{"read:docs", "write:docs"}, "")
	status, tokens := tokenRequest(t, srv, map[string]string{
		"grant_type": "authorization_code", "client_id": app.ClientID, "client_secret": app.ClientSecret, "code": code, "redirect_uri": redirect,
	})
	require.Equal(t, 200, status, tokens)
	require.Equal(t, "read:docs", tokens["scope"])

	// Denying consent sends the user back with access_denied and no code.
	denied, err := c.IDP.OAuth.Authorize(ctx, &consumer.IDPOAuthAuthorizeParams{
		Scopes: []string{"openid"}, ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", UserID: &user.UserID, State: stytch.Ptr("s"),
	})
	require.NoError(t, err)
	require.Empty(t, denied.AuthorizationCode)
	back, err := url.Parse(denied.RedirectURI)
	require.NoError(t, err)
	require.Equal(t, "access_denied", back.Query().Get("error"))
	require.Equal(t, "s", back.Query().Get("state"))
	require.Empty(t, back.Query().Get("code"))

	// A public client must use PKCE.
	public, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeFirstPartyPublic, RedirectURLs: []string{redirect},
	})
	require.NoError(t, err)
	_, err = c.IDP.OAuth.Authorize(ctx, &consumer.IDPOAuthAuthorizeParams{
		ConsentGranted: true, Scopes: []string{"openid"}, ClientID: public.ConnectedApp.ClientID, RedirectURI: redirect, ResponseType: "code", UserID: &user.UserID,
	})
	requireAPIError(t, err, 400, "pkce_required")

	// Codes expire, and are bound to their client.
	code = authorizeCode(t, c, app.ClientID, redirect, user.SessionToken, []string{"openid"}, "")
	status, body := tokenRequest(t, srv, map[string]string{"grant_type": "authorization_code", "client_id": public.ConnectedApp.ClientID, "code": code, "redirect_uri": redirect})
	requireOAuthError(t, status, body, 400, "invalid_grant")
}

func TestIDPGrantExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	user := signIn(t, srv, c, "ada@example.com", nil)
	created, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeFirstParty, RedirectURLs: []string{"https://app.example/cb"},
	})
	require.NoError(t, err)
	app := created.ConnectedApp
	exchange := map[string]string{
		"grant_type": "authorization_code", "client_id": app.ClientID, "client_secret": app.ClientSecret, "redirect_uri": "https://app.example/cb",
	}
	exchange["code"] = authorizeCode(t, c, app.ClientID, "https://app.example/cb", user.SessionToken, []string{"openid"}, "")
	clock.Add(authCodeLifetime)
	status, body := tokenRequest(t, srv, exchange)
	requireOAuthError(t, status, body, 400, "invalid_grant")

	// A grant ends with its user.
	exchange["code"] = authorizeCode(t, c, app.ClientID, "https://app.example/cb", user.SessionToken, []string{"offline_access"}, "")
	status, tokens := tokenRequest(t, srv, exchange)
	require.Equal(t, 200, status, tokens)
	_, err = c.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: user.UserID})
	require.NoError(t, err)
	status, body = tokenRequest(t, srv, map[string]string{
		"grant_type": "refresh_token", "client_id": app.ClientID, "client_secret": app.ClientSecret, "refresh_token": tokens["refresh_token"].(string),
	})
	requireOAuthError(t, status, body, 400, "invalid_grant")
}

// The B2B flow: a member authorizes an app, which the organization's
// admin APIs then list and revoke.
func TestB2BIDPAuthorizationCodeFlow(t *testing.T) {
	t.Parallel()
	srv, b := b2bTestServer(t)
	org := b2bTestOrg(t, b, "Acme", nil)
	member := b2bTestMember(t, b, org.OrganizationID, "ada@acme.example", nil)
	session := b2bTestSignIn(t, srv, b, org.OrganizationID, "ada@acme.example", nil)
	const redirect = "https://agent.example/cb"
	created, err := b.ConnectedApp.Clients.Create(ctx, &b2b.ConnectedAppClientsCreateParams{
		ClientType: b2b.ConnectedAppClientTypeThirdParty, ClientName: stytch.Ptr("Agent"), RedirectURLs: []string{redirect},
	})
	require.NoError(t, err)
	app := created.ConnectedApp
	scopes := []string{"openid", "email", "offline_access"}

	_, err = b.IDP.OAuth.AuthorizeStart(ctx, &b2b.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: scopes, MemberID: &member.MemberID,
	})
	requireAPIError(t, err, 400, "bad_request") // a member ID needs its organization
	start, err := b.IDP.OAuth.AuthorizeStart(ctx, &b2b.IDPOAuthAuthorizeStartParams{
		ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: scopes, SessionToken: &session.SessionToken,
	})
	require.NoError(t, err)
	require.Equal(t, member.MemberID, start.MemberID)
	require.Equal(t, org.OrganizationID, start.Organization.OrganizationID)
	require.True(t, start.ConsentRequired)
	require.Equal(t, b2b.ConnectedAppClientTypeThirdParty, start.Client.ClientType)

	verifier, challenge := pkcePair("b2b-verifier-b2b-verifier-b2b-verifier-b2b-verifier")
	auth, err := b.IDP.OAuth.Authorize(ctx, &b2b.IDPOAuthAuthorizeParams{
		ConsentGranted: true, Scopes: scopes, ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code",
		OrganizationID: &org.OrganizationID, MemberID: &member.MemberID, CodeChallenge: &challenge,
	})
	require.NoError(t, err)
	form := map[string]string{
		"grant_type": "authorization_code", "client_id": app.ClientID, "client_secret": app.ClientSecret,
		"code": auth.AuthorizationCode, "redirect_uri": redirect, "code_verifier": verifier,
	}
	status, tokens := tokenRequest(t, srv, form)
	require.Equal(t, 200, status, tokens)
	local, err := b.IDP.IntrospectTokenLocal(ctx, tokens["access_token"].(string))
	require.NoError(t, err)
	require.Equal(t, member.MemberID, local.Subject)
	require.Equal(t, org.OrganizationID, local.Organization.OrganizationID)
	require.Equal(t, scopes, local.Scopes)
	idClaims, err := srv.keys.parse(tokens["id_token"].(string))
	require.NoError(t, err)
	require.Equal(t, "ada@acme.example", idClaims["email"])
	require.Equal(t, org.OrganizationID, idClaims[organizationClaim].(map[string]any)["organization_id"])

	refreshForm := map[string]string{"grant_type": "refresh_token", "client_id": app.ClientID, "client_secret": app.ClientSecret, "refresh_token": tokens["refresh_token"].(string)}
	status, refreshed := tokenRequest(t, srv, refreshForm)
	require.Equal(t, 200, status, refreshed)

	orgApps, err := b.Organizations.ConnectedApps(ctx, &b2b.OrganizationsConnectedAppsParams{OrganizationID: org.OrganizationID})
	require.NoError(t, err)
	require.Len(t, orgApps.ConnectedApps, 1)
	require.Equal(t, "Agent", orgApps.ConnectedApps[0].Name)
	one, err := b.Organizations.GetConnectedApp(ctx, &b2b.OrganizationsGetConnectedAppParams{OrganizationID: org.OrganizationID, ConnectedAppID: app.ClientID})
	require.NoError(t, err)
	require.Equal(t, []b2b.OrganizationConnectedAppActiveMember{{MemberID: member.MemberID, GrantedScopes: scopes}}, one.ActiveMembers)
	mine, err := b.Organizations.Members.GetConnectedApps(ctx, &b2b.OrganizationsMembersGetConnectedAppsParams{OrganizationID: org.OrganizationID, MemberID: member.MemberID})
	require.NoError(t, err)
	require.Len(t, mine.ConnectedApps, 1)
	require.Equal(t, "openid email offline_access", mine.ConnectedApps[0].ScopesGranted)

	// Another organization has none of it.
	other := b2bTestOrg(t, b, "Other", nil)
	otherApps, err := b.Organizations.ConnectedApps(ctx, &b2b.OrganizationsConnectedAppsParams{OrganizationID: other.OrganizationID})
	require.NoError(t, err)
	require.Empty(t, otherApps.ConnectedApps)
	_, err = b.Organizations.Members.GetConnectedApps(ctx, &b2b.OrganizationsMembersGetConnectedAppsParams{OrganizationID: other.OrganizationID, MemberID: member.MemberID})
	requireAPIError(t, err, 404, "member_not_found")

	_, err = b.Organizations.Members.ConnectedApps.Revoke(ctx, &b2b.OrganizationsMembersConnectedAppsRevokeParams{
		OrganizationID: org.OrganizationID, MemberID: member.MemberID, ConnectedAppID: app.ClientID,
	})
	require.NoError(t, err)
	status, body := tokenRequest(t, srv, refreshForm)
	requireOAuthError(t, status, body, 400, "invalid_grant")
	remote, err := b.IDP.IntrospectTokenNetwork(ctx, &b2b.IDPIntrospectTokenNetworkParams{Token: refreshed["access_token"].(string), ClientID: app.ClientID})
	require.NoError(t, err)
	require.False(t, remote.Active)
	one, err = b.Organizations.GetConnectedApp(ctx, &b2b.OrganizationsGetConnectedAppParams{OrganizationID: org.OrganizationID, ConnectedAppID: app.ClientID})
	require.NoError(t, err)
	require.Empty(t, one.ActiveMembers)
}

// full_access is a Stytch platform scope: a first-party app that allows it
// gets it through the authorization code flow, and its access token is
// exchanged for a session; any other app cannot be granted it.
func TestIDPFullAccessScope(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user := signIn(t, srv, c, "ada@example.com", nil)
	const redirect = "https://app.example/cb"
	newApp := func(typ consumer.ConnectedAppClientType, full bool) consumer.ConnectedAppWithClientSecret {
		p := &consumer.ConnectedAppClientsCreateParams{ClientType: typ, RedirectURLs: []string{redirect}}
		if full {
			p.FullAccessAllowed = stytch.Ptr(true)
		}
		created, err := c.ConnectedApp.Clients.Create(ctx, p)
		require.NoError(t, err)
		return created.ConnectedApp
	}
	scopes := []string{"openid", "full_access"}
	grantable := func(clientID string) bool {
		start, err := c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
			ClientID: clientID, RedirectURI: redirect, ResponseType: "code", Scopes: scopes, SessionToken: &user.SessionToken,
		})
		require.NoError(t, err)
		require.Len(t, start.ScopeResults, 2)
		require.Equal(t, "full_access", start.ScopeResults[1].Scope)
		return start.ScopeResults[1].IsGrantable
	}

	app := newApp(consumer.ConnectedAppClientTypeFirstParty, true)
	require.True(t, grantable(app.ClientID))
	code := authorizeCode(t, c, app.ClientID, redirect, user.SessionToken, scopes, "")
	status, tokens := tokenRequest(t, srv, map[string]string{
		"grant_type": "authorization_code", "client_id": app.ClientID, "client_secret": app.ClientSecret, "code": code, "redirect_uri": redirect,
	})
	require.Equal(t, 200, status, tokens)
	require.Equal(t, "openid full_access", tokens["scope"])
	resp, err := c.Sessions.ExchangeAccessToken(ctx, &consumer.SessionsExchangeAccessTokenParams{AccessToken: tokens["access_token"].(string)})
	require.NoError(t, err)
	require.Equal(t, user.UserID, resp.UserID)

	// The exchange needs an authorization that named a session, not a user ID.
	byID, err := c.IDP.OAuth.Authorize(ctx, &consumer.IDPOAuthAuthorizeParams{
		ConsentGranted: true, Scopes: scopes, ClientID: app.ClientID, RedirectURI: redirect, ResponseType: "code", UserID: &user.UserID,
	})
	require.NoError(t, err)
	status, tokens = tokenRequest(t, srv, map[string]string{
		"grant_type": "authorization_code", "client_id": app.ClientID, "client_secret": app.ClientSecret, "code": byID.AuthorizationCode, "redirect_uri": redirect,
	})
	require.Equal(t, 200, status, tokens)
	require.Equal(t, "openid full_access", tokens["scope"])
	_, err = c.Sessions.ExchangeAccessToken(ctx, &consumer.SessionsExchangeAccessTokenParams{AccessToken: tokens["access_token"].(string)})
	requireAPIError(t, err, 404, "idp_access_token_could_not_be_exchanged")

	require.False(t, grantable(newApp(consumer.ConnectedAppClientTypeFirstParty, false).ClientID))
	third := newApp(consumer.ConnectedAppClientTypeThirdParty, false)
	require.False(t, grantable(third.ClientID))
	code = authorizeCode(t, c, third.ClientID, redirect, user.SessionToken, scopes, "")
	status, tokens = tokenRequest(t, srv, map[string]string{
		"grant_type": "authorization_code", "client_id": third.ClientID, "client_secret": third.ClientSecret, "code": code, "redirect_uri": redirect,
	})
	require.Equal(t, 200, status, tokens)
	require.Equal(t, "openid", tokens["scope"], "an ungrantable scope is left out")
}

// user_id may be the user's external ID, as the reference says.
func TestIDPAuthorizeByExternalID(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com"), ExternalID: stytch.Ptr("ext-ada")})
	require.NoError(t, err)
	const redirect = "https://app.example/cb"
	created, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeFirstParty, RedirectURLs: []string{redirect},
	})
	require.NoError(t, err)
	start, err := c.IDP.OAuth.AuthorizeStart(ctx, &consumer.IDPOAuthAuthorizeStartParams{
		ClientID: created.ConnectedApp.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"openid"}, UserID: stytch.Ptr("ext-ada"),
	})
	require.NoError(t, err)
	require.Equal(t, u.UserID, start.UserID)
	auth, err := c.IDP.OAuth.Authorize(ctx, &consumer.IDPOAuthAuthorizeParams{
		ClientID: created.ConnectedApp.ClientID, RedirectURI: redirect, ResponseType: "code", Scopes: []string{"openid"},
		UserID: stytch.Ptr("ext-ada"), ConsentGranted: true,
	})
	require.NoError(t, err)
	require.NotEmpty(t, auth.AuthorizationCode)
}
