package consumer

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

func TestOAuthStartURL(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret)
	require.NoError(t, err)
	start, err := c.OAuth.StartURL(&OAuthStartParams{
		Provider: OAuthStartGitHub, PublicToken: "public-token-test-1",
		LoginRedirectURL: "https://app.example/login?next=/a b", SignupRedirectURL: "https://app.example/signup",
		CustomScopes: []string{"read:user", "repo"}, ProviderParams: map[string]string{"login_hint": "ada@example.com", "prompt": "consent"},
		OAuthAttachToken: "attach-1", PKCE: true,
	})
	require.NoError(t, err)
	u, err := url.Parse(start.URL)
	require.NoError(t, err)
	require.Equal(t, "https://test.stytch.com/v1/public/oauth/github/start", u.Scheme+"://"+u.Host+u.Path)
	require.Equal(t, url.Values{
		"public_token": {"public-token-test-1"}, "login_redirect_url": {"https://app.example/login?next=/a b"},
		"signup_redirect_url": {"https://app.example/signup"}, "custom_scopes": {"read:user repo"},
		"provider_login_hint": {"ada@example.com"}, "provider_prompt": {"consent"}, "oauth_attach_token": {"attach-1"},
		"code_challenge": {stytch.PKCEChallenge(start.CodeVerifier)},
	}, u.Query())
	require.Contains(t, start.URL, "custom_scopes=read%3Auser%20repo", "spaces as %20, as the reference asks")
	require.NotContains(t, start.URL, testSecret)
	require.NotContains(t, start.URL, "+")

	// Only what is set is sent, and no PKCE unless asked.
	plain, err := c.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartGoogle, PublicToken: "pt"})
	require.NoError(t, err)
	require.Equal(t, "https://test.stytch.com/v1/public/oauth/google/start?public_token=pt", plain.URL)
	require.Empty(t, plain.CodeVerifier)

	// The base URL follows the client's routing.
	live, err := NewClient("project-live-00000000-0000-4000-8000-000000000000", testSecret)
	require.NoError(t, err)
	got, err := live.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartTikTok, PublicToken: "pt"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(got.URL, "https://api.stytch.com/v1/public/oauth/tiktok/start?"), got.URL)
	proxied, err := NewClient(testProject, testSecret, stytch.WithBaseURL("https://login.example.com/stytch/"))
	require.NoError(t, err)
	got, err = proxied.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartApple, PublicToken: "pt"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(got.URL, "https://login.example.com/stytch/v1/public/oauth/apple/start?"), got.URL)

	require.Len(t, OAuthStartProviders, 19)
	for _, p := range OAuthStartProviders {
		got, err := c.OAuth.StartURL(&OAuthStartParams{Provider: p, PublicToken: "pt"})
		require.NoError(t, err)
		require.Equal(t, "https://test.stytch.com/v1/public/oauth/"+string(p)+"/start?public_token=pt", got.URL)
	}

	for _, bad := range []*OAuthStartParams{
		nil, {PublicToken: "pt"}, {Provider: OAuthStartGoogle},
		{Provider: OAuthStartGoogle, PublicToken: "pt", ProviderParams: map[string]string{"": "x"}},
	} {
		_, err := c.OAuth.StartURL(bad)
		var pe *stytch.ParamError
		require.True(t, errors.As(err, &pe), "%+v: %v", bad, err)
		require.Equal(t, "OAuth.StartURL", pe.Operation)
	}
	// A provider name cannot climb out of its path segment.
	got, err = c.OAuth.StartURL(&OAuthStartParams{Provider: "../x", PublicToken: "pt"})
	require.NoError(t, err)
	require.Contains(t, got.URL, "/oauth/..%2Fx/start")
}
