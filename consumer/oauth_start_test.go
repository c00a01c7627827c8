package consumer

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/gostytch/stytch"
)

func TestOAuthStartURL(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.OAuth.StartURL(&OAuthStartParams{
		Provider: OAuthStartGitHub, PublicToken: "public-token-test-1",
		LoginRedirectURL: "https://app.example/login?next=/a b", SignupRedirectURL: "https://app.example/signup",
		CustomScopes: []string{"read:user", "repo"}, ProviderParams: map[string]string{"login_hint": "ada@example.com", "prompt": "consent"},
		OAuthAttachToken: "attach-1", PKCE: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://test.stytch.com/v1/public/oauth/github/start"; (u.Scheme + "://" + u.Host + u.Path) != want {
		t.Fatalf("got %q, want %q", u.Scheme+"://"+u.Host+u.Path, want)
	}
	if got := u.Query(); !reflect.DeepEqual(got, url.Values{
		"public_token": {"public-token-test-1"}, "login_redirect_url": {"https://app.example/login?next=/a b"},
		"signup_redirect_url": {"https://app.example/signup"}, "custom_scopes": {"read:user repo"},
		"provider_login_hint": {"ada@example.com"}, "provider_prompt": {"consent"}, "oauth_attach_token": {"attach-1"},
		"code_challenge": {stytch.PKCEChallenge(start.CodeVerifier)},
	}) {
		t.Fatalf("u.Query() = %v, want %v", got, url.Values{
			"public_token": {"public-token-test-1"}, "login_redirect_url": {"https://app.example/login?next=/a b"},
			"signup_redirect_url": {"https://app.example/signup"}, "custom_scopes": {"read:user repo"},
			"provider_login_hint": {"ada@example.com"}, "provider_prompt": {"consent"}, "oauth_attach_token": {"attach-1"},
			"code_challenge": {stytch.PKCEChallenge(start.CodeVerifier)},
		})
	}
	if want := "custom_scopes=read%3Auser%20repo"; !strings.Contains(start.URL, want) {
		t.Fatalf("spaces as %%20, as the reference asks: start.URL = %q, want it to contain %q", start.URL, want)
	}
	if strings.Contains(start.URL, testSecret) {
		t.Fatalf("start.URL = %q, want it not to contain %q", start.URL, testSecret)
	}
	if strings.Contains(start.URL, "+") {
		t.Fatalf("start.URL = %q, want it not to contain %q", start.URL, "+")
	}

	// Only what is set is sent, and no PKCE unless asked.
	plain, err := c.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartGoogle, PublicToken: "pt"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://test.stytch.com/v1/public/oauth/google/start?public_token=pt"; plain.URL != want {
		t.Fatalf("plain.URL = %q, want %q", plain.URL, want)
	}
	if plain.CodeVerifier != "" {
		t.Fatalf("plain.CodeVerifier = %q, want empty", plain.CodeVerifier)
	}

	// The base URL follows the client's routing.
	live, err := NewClient("project-live-00000000-0000-4000-8000-000000000000", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	got, err := live.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartTikTok, PublicToken: "pt"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.URL, "https://api.stytch.com/v1/public/oauth/tiktok/start?") {
		t.Fatalf("%v", got.URL)
	}
	proxied, err := NewClient(testProject, testSecret, stytch.WithBaseURL("https://login.example.com/stytch/"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = proxied.OAuth.StartURL(&OAuthStartParams{Provider: OAuthStartApple, PublicToken: "pt"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.URL, "https://login.example.com/stytch/v1/public/oauth/apple/start?") {
		t.Fatalf("%v", got.URL)
	}

	if len(OAuthStartProviders) != 19 {
		t.Fatalf("len(OAuthStartProviders) = %d, want %d: %q", len(OAuthStartProviders), 19, OAuthStartProviders)
	}
	for _, p := range OAuthStartProviders {
		got, err := c.OAuth.StartURL(&OAuthStartParams{Provider: p, PublicToken: "pt"})
		if err != nil {
			t.Fatal(err)
		}
		if got.URL != ("https://test.stytch.com/v1/public/oauth/" + string(p) + "/start?public_token=pt") {
			t.Fatalf("got.URL = %q, want %q", got.URL, "https://test.stytch.com/v1/public/oauth/"+string(p)+"/start?public_token=pt")
		}
	}

	for _, bad := range []*OAuthStartParams{
		nil, {PublicToken: "pt"}, {Provider: OAuthStartGoogle},
		{Provider: OAuthStartGoogle, PublicToken: "pt", ProviderParams: map[string]string{"": "x"}},
	} {
		_, err := c.OAuth.StartURL(bad)
		var pe *stytch.ParamError
		if !errors.As(err, &pe) {
			t.Fatalf("%+v: %v", bad, err)
		}
		if pe.Operation != "OAuth.StartURL" {
			t.Fatalf("pe.Operation = %q, want %q", pe.Operation, "OAuth.StartURL")
		}
	}
	// A provider name cannot climb out of its path segment.
	got, err = c.OAuth.StartURL(&OAuthStartParams{Provider: "../x", PublicToken: "pt"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.URL, "/oauth/..%2Fx/start") {
		t.Fatalf("got.URL = %q, want it to contain %q", got.URL, "/oauth/..%2Fx/start")
	}
}
