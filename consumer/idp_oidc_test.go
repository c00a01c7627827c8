package consumer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gostytch/stytch"
)

// The OpenID Connect endpoints go to the custom domain, with the end
// user's token or no credentials at all, and never to the API's base URL.
func TestOIDCEndpointsOnCustomDomain(t *testing.T) {
	t.Parallel()
	type seen struct{ method, path, auth, contentType, body string }
	var mu sync.Mutex
	var hits []seen
	domain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(body)})
		mu.Unlock()
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_, _ = io.WriteString(w, `{"issuer":"https://login.example.com","jwks_uri":"https://login.example.com/.well-known/jwks.json","scopes_supported":["openid","read:docs"]}`)
		case "/v1/oauth2/userinfo":
			_, _ = io.WriteString(w, `{"sub":"user-test-1","email":"ada@example.com","email_verified":true,"request_id":"r","status_code":200}`)
		default:
			_, _ = io.WriteString(w, `{"request_id":"r","status_code":200}`)
		}
	}))
	t.Cleanup(domain.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the API's base URL got %s %s", r.Method, r.URL.Path)
	}))
	t.Cleanup(api.Close)
	c, err := NewClient(testProject, testSecret, stytch.WithBaseURL(api.URL), stytch.WithCustomDomain(domain.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	conf, err := c.IDP.OpenIDConfiguration(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if conf.Issuer != "https://login.example.com" {
		t.Fatalf("conf.Issuer = %q, want %q", conf.Issuer, "https://login.example.com")
	}
	if want := []string{"openid", "read:docs"}; !reflect.DeepEqual(conf.ScopesSupported, want) {
		t.Fatalf("conf.ScopesSupported = %q, want %q", conf.ScopesSupported, want)
	}

	info, err := c.IDP.UserInfo(ctx, &IDPUserInfoParams{AccessToken: "eyJ.user.token"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Sub != "user-test-1" {
		t.Fatalf("info.Sub = %q, want %q", info.Sub, "user-test-1")
	}
	if *info.Email != "ada@example.com" {
		t.Fatalf("*info.Email = %q, want %q", *info.Email, "ada@example.com")
	}
	if !*info.EmailVerified {
		t.Fatal("got false, want *info.EmailVerified")
	}
	if info.PhoneNumber != nil {
		t.Fatalf("claims the scopes do not grant are absent: info.PhoneNumber = %v, want nil", info.PhoneNumber)
	}

	_, err = c.IDP.RevokeToken(ctx, &IDPRevokeTokenParams{Token: "eyJ.user.token", ClientID: "connected-app-test-1", ClientSecret: stytch.Ptr("app-secret")})
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.IDP.UserInfo(ctx, &IDPUserInfoParams{})
	var pe *stytch.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("no token, no request: err = %v, want a %T", err, pe)
	}

	if len(hits) != 3 {
		t.Fatalf("len(hits) = %d, want %d: %v", len(hits), 3, hits)
	}
	if want := (seen{"GET", "/.well-known/openid-configuration", "", "", ""}); !reflect.DeepEqual(hits[0], want) {
		t.Fatalf("hits[0] = %+v, want %+v", hits[0], want)
	}
	if want := (seen{"GET", "/v1/oauth2/userinfo", "Bearer eyJ.user.token", "", ""}); !reflect.DeepEqual(hits[1], want) {
		t.Fatalf("hits[1] = %+v, want %+v", hits[1], want)
	}
	if hits[2].method != "POST" {
		t.Fatalf("hits[2].method = %q, want %q", hits[2].method, "POST")
	}
	if hits[2].path != "/v1/oauth2/revoke" {
		t.Fatalf("hits[2].path = %q, want %q", hits[2].path, "/v1/oauth2/revoke")
	}
	if hits[2].auth != "" {
		t.Fatalf("the client's credentials travel in the form, the project's nowhere: hits[2].auth = %q, want empty", hits[2].auth)
	}
	if want := "application/x-www-form-urlencoded"; hits[2].contentType != want {
		t.Fatalf("hits[2].contentType = %q, want %q", hits[2].contentType, want)
	}
	form, err := url.ParseQuery(hits[2].body)
	if err != nil {
		t.Fatal(err)
	}
	if want := (url.Values{"token": {"eyJ.user.token"}, "client_id": {"connected-app-test-1"}, "client_secret": {"app-secret"}}); !reflect.DeepEqual(form, want) {
		t.Fatalf("form = %v, want %v", form, want)
	}
	for _, h := range hits {
		if strings.Contains(h.auth+h.body, testSecret) {
			t.Fatal("the project secret never goes to the project domain")
		}
	}
}
