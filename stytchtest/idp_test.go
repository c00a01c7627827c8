package stytchtest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/internal/specload"
	"github.com/gostytch/stytch/spec"
)

// The discovery document names the endpoints as the request reached the
// emulator: below /v1/public/{project_id} with the stytch.com issuer, or on
// the project domain (a custom domain) with that domain as issuer.
func TestOpenIDConfiguration(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	srv.SetAuthorizationURL("https://app.example/consent")
	srv.SetRBACPolicy(consumer.Policy{Roles: []consumer.PolicyRole{}, Resources: []consumer.PolicyResource{}, Scopes: []consumer.PolicyScope{
		{Scope: "read:docs", Description: "read documents", Permissions: []consumer.PolicyScopePermission{}},
	}})
	conf, err := c.IDP.OpenIDConfiguration(ctx, nil)
	require.NoError(t, err)
	public := srv.URL + "/v1/public/" + srv.ProjectID()
	require.Equal(t, "stytch.com/"+srv.ProjectID(), conf.Issuer)
	require.Equal(t, "https://app.example/consent", conf.AuthorizationEndpoint)
	require.Equal(t, public+"/oauth2/token", conf.TokenEndpoint, "M2M.Token's endpoint, which Connected Apps share")
	require.Equal(t, public+"/oauth2/userinfo", conf.UserInfoEndpoint)
	require.Equal(t, srv.URL+"/v1/sessions/jwks/"+srv.ProjectID(), conf.JWKSURI)
	require.Equal(t, []string{"openid", "profile", "email", "phone", "offline_access", "read:docs"}, conf.ScopesSupported)
	require.Equal(t, []string{"RS256"}, conf.IDTokenSigningAlgValuesSupported)

	custom := consumerWith(t, srv, stytch.WithCustomDomain(srv.URL), validateResponses(t))
	conf, err = custom.IDP.OpenIDConfiguration(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, srv.URL, conf.Issuer)
	require.Equal(t, srv.URL+"/v1/oauth2/userinfo", conf.UserInfoEndpoint)

	// The JWKS it names serves the keys that sign the tokens.
	resp, err := http.Get(conf.JWKSURI)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
}

func TestUserInfoAndRevoke(t *testing.T) {
	t.Parallel()
	srv, api := newConsumer(t)
	session := signIn(t, srv, api, "ada@example.com", nil)
	userID := session.UserID
	for _, c := range map[string]*consumer.Client{
		"public path":   api,
		"custom domain": consumerWith(t, srv, stytch.WithCustomDomain(srv.URL), validateResponses(t)),
	} {
		tok := srv.IssueAccessToken(AccessTokenParams{Subject: userID, ClientID: "connected-app-test-1", Scopes: []string{"openid", "email"}})
		info, err := c.IDP.UserInfo(ctx, &consumer.IDPUserInfoParams{AccessToken: tok})
		require.NoError(t, err)
		require.Equal(t, userID, info.Sub)
		require.Equal(t, "ada@example.com", *info.Email)
		require.True(t, *info.EmailVerified)
		require.Nil(t, info.Name, "no profile scope, no name")

		local, err := c.IDP.IntrospectTokenLocal(ctx, tok)
		require.NoError(t, err)
		require.Equal(t, userID, local.Subject)
		remote, err := c.IDP.IntrospectTokenNetwork(ctx, &consumer.IDPIntrospectTokenNetworkParams{Token: tok, ClientID: "connected-app-test-1"})
		require.NoError(t, err)
		require.True(t, remote.Active)
		require.Equal(t, "openid email", remote.Scope)

		// Only the client the token was issued to may revoke it.
		_, err = c.IDP.RevokeToken(ctx, &consumer.IDPRevokeTokenParams{Token: tok, ClientID: "connected-app-test-2"})
		requireOAuth2Error(t, err, 401, "invalid_client")
		_, err = c.IDP.RevokeToken(ctx, &consumer.IDPRevokeTokenParams{Token: tok, ClientID: "connected-app-test-1"})
		require.NoError(t, err)
		_, err = c.IDP.UserInfo(ctx, &consumer.IDPUserInfoParams{AccessToken: tok})
		requireOAuth2Error(t, err, 401, "invalid_token")
		remote, err = c.IDP.IntrospectTokenNetwork(ctx, &consumer.IDPIntrospectTokenNetworkParams{Token: tok, ClientID: "connected-app-test-1"})
		require.NoError(t, err)
		require.False(t, remote.Active)
		// A JWT stays locally valid until it expires, revoked or not.
		_, err = c.IDP.IntrospectTokenLocal(ctx, tok)
		require.NoError(t, err)
		// Revoking what is not a token is no error (RFC 7009).
		_, err = c.IDP.RevokeToken(ctx, &consumer.IDPRevokeTokenParams{Token: "not-a-token", ClientID: "connected-app-test-1"})
		require.NoError(t, err)
	}

	// A session JWT is no access token, though the same keys sign it.
	_, err := api.IDP.UserInfo(ctx, &consumer.IDPUserInfoParams{AccessToken: session.SessionJWT})
	requireOAuth2Error(t, err, 401, "invalid_token")
	// The project's secret does not authenticate UserInfo.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/oauth2/userinfo", nil)
	require.NoError(t, err)
	req.SetBasicAuth(srv.ProjectID(), srv.Secret())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode)

	// The custom domain is an issuer the local check accepts.
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	c := consumerWith(t, srv, stytch.WithCustomDomain(other))
	viaDomain := srv.IssueAccessToken(AccessTokenParams{Subject: userID, Issuer: other})
	_, err = c.IDP.IntrospectTokenLocal(ctx, viaDomain)
	require.NoError(t, err)
	_, err = api.IDP.IntrospectTokenLocal(ctx, viaDomain)
	require.ErrorIs(t, err, stytch.ErrJWTIssuer, "a client without that custom domain refuses it")
}

func TestB2BUserInfo(t *testing.T) {
	t.Parallel()
	srv, api := b2bTestServer(t)
	org := b2bTestOrg(t, api, "Acme", nil)
	m := b2bTestMember(t, api, org.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.Name = stytch.Ptr("Ada Lovelace") })
	tok := srv.IssueAccessToken(AccessTokenParams{Subject: m.MemberID, OrganizationID: org.OrganizationID, Scopes: []string{"openid", "email", "profile"}})
	info, err := api.IDP.UserInfo(ctx, &b2b.IDPUserInfoParams{AccessToken: tok})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, info.Sub)
	require.Equal(t, "ada@acme.com", *info.Email)
	require.Equal(t, "Ada Lovelace", *info.Name)
	// The consumer table answers introspection for both surfaces, without
	// the organization claim (see IDPIntrospectTokenNetwork).
	remote, err := api.IDP.IntrospectTokenNetwork(ctx, &b2b.IDPIntrospectTokenNetworkParams{Token: tok, ClientID: "c"})
	require.NoError(t, err)
	require.True(t, remote.Active)
	require.Equal(t, m.MemberID, remote.Sub)
}

// consumerWith is srv.NewConsumerClient(opts...) that fails t on an error.
func consumerWith(t *testing.T, srv *Server, opts ...stytch.Option) *consumer.Client {
	t.Helper()
	c, err := srv.NewConsumerClient(opts...)
	require.NoError(t, err)
	return c
}

func requireOAuth2Error(t *testing.T, err error, status int, typ stytch.ErrorType) {
	t.Helper()
	var apiErr *stytch.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, status, apiErr.StatusCode, apiErr.Error())
	require.Equal(t, typ, apiErr.ErrorType, apiErr.Error())
}

// A start URL built by the SDK leads, through the provider hook, to a
// token OAuth.Authenticate accepts: sign-up first, then login.
func TestOAuthStartToAuthenticate(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	start, err := c.OAuth.StartURL(&consumer.OAuthStartParams{
		Provider: consumer.OAuthStartGitHub, PublicToken: srv.PublicToken(), PKCE: true,
		LoginRedirectURL: "https://app.example/login", SignupRedirectURL: "https://app.example/signup?from=start",
	})
	require.NoError(t, err)
	red, err := srv.OAuthCallback(start.URL, "ada@example.com")
	require.NoError(t, err)
	require.True(t, red.UserCreated)
	u, err := url.Parse(red.URL)
	require.NoError(t, err)
	require.Equal(t, "app.example/signup", u.Host+u.Path)
	require.Equal(t, url.Values{"from": {"start"}, "stytch_token_type": {"oauth"}, "token": {red.Token}}, u.Query())

	_, err = c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: red.Token, CodeVerifier: stytch.Ptr("wrong")})
	requireAPIError(t, err, 400, "pkce_mismatch")
	auth, err := c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{
		Token: red.Token, CodeVerifier: &start.CodeVerifier, SessionDurationMinutes: stytch.Ptr(60),
	})
	require.NoError(t, err)
	require.Equal(t, "GitHub", auth.ProviderType)
	require.Equal(t, "ada@example.com", auth.User.Emails[0].Email)
	require.True(t, auth.User.Emails[0].Verified)
	require.Len(t, auth.User.Providers, 1)
	require.NotNil(t, auth.UserSession)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethod("oauth_github"), auth.UserSession.AuthenticationFactors[0].DeliveryMethod)
	s, err := c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT)
	require.NoError(t, err)
	require.Equal(t, auth.UserID, s.UserID)
	_, err = c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: red.Token, CodeVerifier: &start.CodeVerifier})
	requireAPIError(t, err, 401, "unable_to_auth_oauth_token")

	// The same person again: a login, to the same user and registration.
	plain, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGitHub, PublicToken: srv.PublicToken(), LoginRedirectURL: "https://app.example/login"})
	require.NoError(t, err)
	red, err = srv.OAuthCallback(plain.URL, "ADA@example.com")
	require.NoError(t, err)
	require.False(t, red.UserCreated)
	require.True(t, strings.HasPrefix(red.URL, "https://app.example/login?"), red.URL)
	again, err := c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: red.Token})
	require.NoError(t, err)
	require.Equal(t, auth.UserID, again.UserID)
	require.Equal(t, auth.OAuthUserRegistrationID, again.OAuthUserRegistrationID)
	require.Nil(t, again.UserSession, "no session asked for")

	_, err = c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: "unknown"})
	requireAPIError(t, err, 404, "oauth_token_not_found")
	wrong, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGoogle, PublicToken: "public-token-test-other"})
	require.NoError(t, err)
	_, err = srv.OAuthCallback(wrong.URL, "ada@example.com")
	require.ErrorContains(t, err, "public_token")
	_, err = srv.OAuthCallback(srv.URL+"/v1/oauth/authenticate", "ada@example.com")
	require.Error(t, err)
}

// The hooks are served to other languages too, as the project.
func TestIDPHooksOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	post := func(path string, body any, auth bool) (int, map[string]any) {
		return callHook(t, srv, http.MethodPost, path, body, auth)
	}
	start, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartSlack, PublicToken: srv.PublicToken()})
	require.NoError(t, err)
	status, _ := post("/__emulator/oauth/callback", map[string]string{"start_url": start.URL, "email": "bob@example.com"}, false)
	require.Equal(t, 401, status)
	status, out := post("/__emulator/oauth/callback", map[string]string{"start_url": start.URL, "email": "bob@example.com"}, true)
	require.Equal(t, 200, status)
	auth, err := c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: out["token"].(string)})
	require.NoError(t, err)
	require.Equal(t, "Slack", auth.ProviderType)

	status, out = post("/__emulator/access_tokens", map[string]any{"subject": auth.UserID, "scopes": []string{"openid"}}, true)
	require.Equal(t, 200, status)
	_, err = c.IDP.IntrospectTokenLocal(ctx, out["access_token"].(string))
	require.NoError(t, err)
}

// projectDomainPaths is the list of the spec's project-domain operations.
func TestProjectDomainPaths(t *testing.T) {
	t.Parallel()
	for _, surface := range []string{"consumer", "b2b"} {
		d, err := specload.Load(spec.FS, "spec", surface)
		require.NoError(t, err)
		var got []string
		for path, item := range d.T.Paths.Map() {
			if len(item.Servers) > 0 && item.Servers[0].URL == "https://{project_domain}" {
				got = append(got, path)
			}
		}
		slices.Sort(got)
		want := slices.Clone(projectDomainPaths)
		slices.Sort(want)
		require.Equal(t, want, got, surface)
	}
}

// The same for a member: a B2B start URL, the provider hook, and
// OAuth.Authenticate with the PKCE verifier.
func TestB2BOAuthStartToAuthenticate(t *testing.T) {
	t.Parallel()
	srv, api := b2bTestServer(t)
	org := b2bTestOrg(t, api, "Acme", func(p *b2b.OrganizationsCreateParams) {
		p.EmailAllowedDomains = []string{"acme.com"}
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
	})
	start, err := api.OAuth.StartURL(&b2b.OAuthStartParams{Provider: b2b.OAuthStartHubSpot, PublicToken: srv.PublicToken(), Slug: org.OrganizationSlug, PKCE: true})
	require.NoError(t, err)
	_, err = srv.OAuthCallback(start.URL, "eve@elsewhere.com")
	require.Error(t, err, "not an allowed domain")
	red, err := srv.OAuthCallback(start.URL, "ada@acme.com")
	require.NoError(t, err)
	require.True(t, red.UserCreated)
	_, err = api.OAuth.Authenticate(ctx, &b2b.OAuthAuthenticateParams{OAuthToken: red.Token})
	requireAPIError(t, err, 400, "pkce_expected_code_verifier")
	auth, err := api.OAuth.Authenticate(ctx, &b2b.OAuthAuthenticateParams{OAuthToken: red.Token, PKCECodeVerifier: &start.CodeVerifier})
	require.NoError(t, err)
	require.Equal(t, "HubSpot", auth.ProviderType)
	require.Equal(t, org.OrganizationID, auth.OrganizationID)
	require.Equal(t, "ada@acme.com", auth.Member.EmailAddress)
	require.True(t, auth.MemberAuthenticated)
	s, err := api.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT)
	require.NoError(t, err)
	require.Equal(t, auth.MemberID, s.MemberID)

	// A consumer token is not a B2B one, nor the reverse.
	cstart, err := srv.ConsumerClient().OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGoogle, PublicToken: srv.PublicToken()})
	require.NoError(t, err)
	cred, err := srv.OAuthCallback(cstart.URL, "ada@acme.com")
	require.NoError(t, err)
	_, err = api.OAuth.Authenticate(ctx, &b2b.OAuthAuthenticateParams{OAuthToken: cred.Token})
	requireAPIError(t, err, 404, "oauth_token_not_found")
	_, err = srv.OAuthCallback(strings.Replace(start.URL, "/hubspot/", "/twitch/", 1), "ada@acme.com")
	require.ErrorContains(t, err, "not an OAuth provider")
}
