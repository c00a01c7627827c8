package b2b

import (
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/gostytch/stytch"
)

func TestStartURLs(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret, stytch.WithBaseURL("https://auth.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	split := func(t *testing.T, s string) (string, url.Values) {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u.Scheme + "://" + u.Host + u.EscapedPath(), u.Query()
	}

	start, err := c.OAuth.StartURL(&OAuthStartParams{
		Provider: OAuthStartHubSpot, PublicToken: "pt", Slug: "acme", LoginRedirectURL: "https://app.example/in",
		SignupRedirectURL: "https://app.example/up", CustomScopes: []string{"crm.objects.contacts.read", "oauth"},
		ProviderParams: map[string]string{"prompt": "select_account"}, PKCE: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	at, q := split(t, start.URL)
	if want := "https://auth.example.com/v1/b2b/public/oauth/hubspot/start"; at != want {
		t.Fatalf("at = %q, want %q", at, want)
	}
	if !reflect.DeepEqual(q, url.Values{
		"public_token": {"pt"}, "slug": {"acme"}, "login_redirect_url": {"https://app.example/in"},
		"signup_redirect_url": {"https://app.example/up"}, "custom_scopes": {"crm.objects.contacts.read oauth"},
		"provider_prompt": {"select_account"}, "pkce_code_challenge": {stytch.PKCEChallenge(start.CodeVerifier)},
	}) {
		t.Fatalf("q = %v, want %v", q, url.Values{
			"public_token": {"pt"}, "slug": {"acme"}, "login_redirect_url": {"https://app.example/in"},
			"signup_redirect_url": {"https://app.example/up"}, "custom_scopes": {"crm.objects.contacts.read oauth"},
			"provider_prompt": {"select_account"}, "pkce_code_challenge": {stytch.PKCEChallenge(start.CodeVerifier)},
		})
	}

	disc, err := c.OAuth.Discovery.StartURL(&OAuthDiscoveryStartParams{Provider: OAuthStartMicrosoft, PublicToken: "pt", DiscoveryRedirectURL: "https://app.example/d"})
	if err != nil {
		t.Fatal(err)
	}
	at, q = split(t, disc.URL)
	if want := "https://auth.example.com/v1/b2b/public/oauth/microsoft/discovery/start"; at != want {
		t.Fatalf("at = %q, want %q", at, want)
	}
	if want := (url.Values{"public_token": {"pt"}, "discovery_redirect_url": {"https://app.example/d"}}); !reflect.DeepEqual(q, want) {
		t.Fatalf("q = %v, want %v", q, want)
	}
	if disc.CodeVerifier != "" {
		t.Fatalf("disc.CodeVerifier = %q, want empty", disc.CodeVerifier)
	}

	sso, err := c.SSO.StartURL(&SSOStartParams{ConnectionID: "saml-connection-test-1", PublicToken: "pt", CustomScopes: []string{"groups", "offline_access"}, PKCE: true})
	if err != nil {
		t.Fatal(err)
	}
	at, q = split(t, sso.URL)
	if want := "https://auth.example.com/v1/public/sso/start"; at != want {
		t.Fatalf("at = %q, want %q", at, want)
	}
	if !reflect.DeepEqual(q, url.Values{
		"connection_id": {"saml-connection-test-1"}, "public_token": {"pt"}, "custom_scopes": {"groups+offline_access"},
		"pkce_code_challenge": {stytch.PKCEChallenge(sso.CodeVerifier)},
	}) {
		t.Fatalf("SSO's custom scopes are joined by +, as its reference says: q = %v, want %v", q, url.Values{
			"connection_id": {"saml-connection-test-1"}, "public_token": {"pt"}, "custom_scopes": {"groups+offline_access"},
			"pkce_code_challenge": {stytch.PKCEChallenge(sso.CodeVerifier)},
		})
	}

	if len(OAuthStartProviders) != 5 {
		t.Fatalf("len(OAuthStartProviders) = %d, want %d: %q", len(OAuthStartProviders), 5, OAuthStartProviders)
	}
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
		if got != nil {
			t.Fatalf("got %+v, want nil", got)
		}
		var pe *stytch.ParamError
		if !errors.As(err, &pe) {
			t.Fatalf("%v", err)
		}
		if pe.Operation != tc.op {
			t.Fatalf("pe.Operation = %q, want %q", pe.Operation, tc.op)
		}
	}
}
