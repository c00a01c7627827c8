package b2b

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

func TestStartURLs(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret, stytch.WithBaseURL("https://auth.example.com"))
	require.NoError(t, err)
	split := func(t *testing.T, s string) (string, url.Values) {
		u, err := url.Parse(s)
		require.NoError(t, err)
		return u.Scheme + "://" + u.Host + u.EscapedPath(), u.Query()
	}

	start, err := c.OAuth.StartURL(&OAuthStartParams{
		Provider: OAuthStartHubSpot, PublicToken: "pt", Slug: "acme", LoginRedirectURL: "https://app.example/in",
		SignupRedirectURL: "https://app.example/up", CustomScopes: []string{"crm.objects.contacts.read", "oauth"},
		ProviderParams: map[string]string{"prompt": "select_account"}, PKCE: true,
	})
	require.NoError(t, err)
	at, q := split(t, start.URL)
	require.Equal(t, "https://auth.example.com/v1/b2b/public/oauth/hubspot/start", at)
	require.Equal(t, url.Values{
		"public_token": {"pt"}, "slug": {"acme"}, "login_redirect_url": {"https://app.example/in"},
		"signup_redirect_url": {"https://app.example/up"}, "custom_scopes": {"crm.objects.contacts.read oauth"},
		"provider_prompt": {"select_account"}, "pkce_code_challenge": {stytch.PKCEChallenge(start.CodeVerifier)},
	}, q)

	disc, err := c.OAuth.Discovery.StartURL(&OAuthDiscoveryStartParams{Provider: OAuthStartMicrosoft, PublicToken: "pt", DiscoveryRedirectURL: "https://app.example/d"})
	require.NoError(t, err)
	at, q = split(t, disc.URL)
	require.Equal(t, "https://auth.example.com/v1/b2b/public/oauth/microsoft/discovery/start", at)
	require.Equal(t, url.Values{"public_token": {"pt"}, "discovery_redirect_url": {"https://app.example/d"}}, q)
	require.Empty(t, disc.CodeVerifier)

	sso, err := c.SSO.StartURL(&SSOStartParams{ConnectionID: "saml-connection-test-1", PublicToken: "pt", CustomScopes: []string{"groups", "offline_access"}, PKCE: true})
	require.NoError(t, err)
	at, q = split(t, sso.URL)
	require.Equal(t, "https://auth.example.com/v1/public/sso/start", at)
	require.Equal(t, url.Values{
		"connection_id": {"saml-connection-test-1"}, "public_token": {"pt"}, "custom_scopes": {"groups+offline_access"},
		"pkce_code_challenge": {stytch.PKCEChallenge(sso.CodeVerifier)},
	}, q, "SSO's custom scopes are joined by +, as its reference says")

	require.Len(t, OAuthStartProviders, 5)
	for _, tc := range []struct {
		call func() (*stytch.StartURL, error)
		op   string
	}{
		{func() (*stytch.StartURL, error) { return c.OAuth.StartURL(nil) }, "OAuth.StartURL"},
		{func() (*stytch.StartURL, error) {
			return c.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartGoogle, PublicToken: "pt"})
		}, "OAuth.StartURL"},
		{func() (*stytch.StartURL, error) {
			return c.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartGoogle, PublicToken: "pt", OrganizationID: "o", Slug: "s"})
		}, "OAuth.StartURL"},
		{func() (*stytch.StartURL, error) {
			return c.OAuth.Discovery.StartURL(&OAuthDiscoveryStartParams{Provider: OAuthStartGoogle})
		}, "OAuth.Discovery.StartURL"},
		{func() (*stytch.StartURL, error) { return c.SSO.StartURL(&SSOStartParams{PublicToken: "pt"}) }, "SSO.StartURL"},
		{func() (*stytch.StartURL, error) {
			return c.SSO.StartURL(&SSOStartParams{ConnectionID: "c", OrganizationID: "o", PublicToken: "pt"})
		}, "SSO.StartURL"},
	} {
		got, err := tc.call()
		require.Nil(t, got)
		var pe *stytch.ParamError
		require.True(t, errors.As(err, &pe), err)
		require.Equal(t, tc.op, pe.Operation)
	}
}
