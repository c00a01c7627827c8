package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gostytch/stytch"
)

func TestProjectPublicPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/v1/oauth2/userinfo":               "/v1/public/p%2F1/oauth2/userinfo",
		"/v1/oauth2/revoke":                 "/v1/public/p%2F1/oauth2/revoke",
		"/.well-known/openid-configuration": "/v1/public/p%2F1/.well-known/openid-configuration",
	} {
		if got := ProjectPublicPath("p/1", path); got != want {
			t.Fatalf("%v: got %q, want %q", path, got, want)
		}
	}
}

// BaseProject goes to the custom domain when there is one, and otherwise
// to the backwards-compatible path below the base URL; other bases are not
// affected by the custom domain.
func TestBaseProjectRouting(t *testing.T) {
	t.Parallel()
	type hit struct{ host, path, auth string }
	serve := func(t *testing.T) (*httptest.Server, *atomic.Pointer[hit]) {
		var last atomic.Pointer[hit]
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			last.Store(&hit{r.Host, r.URL.EscapedPath(), r.Header.Get("Authorization")})
			_, _ = w.Write([]byte(`{}`))
		}))
		t.Cleanup(srv.Close)
		return srv, &last
	}
	api, apiHits := serve(t)
	domain, domainHits := serve(t)
	ctx := context.Background()
	get := func(c *Client, base Base, path string) {
		if err := c.Do(ctx, &Request{Operation: "X", Method: http.MethodGet, Path: path, Base: base, Public: true}, nil); err != nil {
			t.Fatal(err)
		}
	}

	plain, err := New(testProject, testSecret, stytch.WithBaseURL(api.URL))
	if err != nil {
		t.Fatal(err)
	}
	if plain.ProjectDomain() != "" {
		t.Fatalf("plain.ProjectDomain() = %q, want empty", plain.ProjectDomain())
	}
	get(plain, BaseProject, "/v1/oauth2/userinfo")
	if apiHits.Load().path != ("/v1/public/" + testProject + "/oauth2/userinfo") {
		t.Fatalf("apiHits.Load().path = %q, want %q", apiHits.Load().path, "/v1/public/"+testProject+"/oauth2/userinfo")
	}

	custom, err := New(testProject, testSecret, stytch.WithBaseURL(api.URL), stytch.WithCustomDomain(domain.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if got := custom.ProjectDomain(); got != domain.URL {
		t.Fatalf("trailing slash trimmed: custom.ProjectDomain() = %q, want %q", got, domain.URL)
	}
	get(custom, BaseProject, "/.well-known/openid-configuration")
	if want := "/.well-known/openid-configuration"; domainHits.Load().path != want {
		t.Fatalf("domainHits.Load().path = %q, want %q", domainHits.Load().path, want)
	}
	apiHits.Store(nil)
	get(custom, BaseAPI, "/v1/users")
	if apiHits.Load().path != "/v1/users" {
		t.Fatalf("the custom domain is for the project domain's endpoints only: apiHits.Load().path = %q, want %q", apiHits.Load().path, "/v1/users")
	}

	for _, bad := range []string{"login.example.com", "https://user:pw@login.example.com", "https://login.example.com?x=1"} {
		_, err := New(testProject, testSecret, stytch.WithCustomDomain(bad))
		if err == nil {
			t.Fatalf("%v: got no error, want one", bad)
		}
		if strings.Contains(err.Error(), "pw") {
			t.Fatalf("err.Error() = %q, want it not to contain %q", err.Error(), "pw")
		}
	}
	_, err = New(testProject, testSecret, stytch.WithCustomDomain(""))
	if err == nil || !strings.Contains(err.Error(), "WithCustomDomain") {
		t.Fatalf("err = %v, want an error containing %q", err, "WithCustomDomain")
	}
	err = plain.Do(ctx, &Request{Operation: "X", Method: http.MethodGet, Path: "/", Options: []stytch.Option{stytch.WithCustomDomain(domain.URL)}}, nil)
	var pe *stytch.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("client only: %v", err)
	}
}

// A bearer request carries the caller's token and never the project's
// credentials; a token that cannot be a header value is refused unsent.
func TestBearer(t *testing.T) {
	t.Parallel()
	c, last := setup(t, reply{status: 200, body: `{}`})
	ctx := context.Background()
	if err := c.Do(ctx, &Request{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Public: true, Bearer: "eyJ.abc.def"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := last().Header.Get("Authorization"); got != "Bearer eyJ.abc.def" {
		t.Fatalf("got %q, want %q", got, "Bearer eyJ.abc.def")
	}
	if strings.Contains(strings.Join(last().Header.Values("Authorization"), ","), "Basic") {
		t.Fatalf("got %q, want it not to contain %q", strings.Join(last().Header.Values("Authorization"), ","), "Basic")
	}

	for _, r := range []*Request{
		{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Public: true, Bearer: "tok en"},
		{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Public: true, Bearer: "tok\r\nX-Evil: 1"},
		// A bearer token is only for endpoints that take no project secret.
		{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Bearer: "eyJsecret"},
	} {
		before := last()
		err := c.Do(ctx, r, nil)
		var pe *stytch.ParamError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: %v", r.Bearer, err)
		}
		if strings.Contains(err.Error(), r.Bearer) {
			t.Fatalf("err.Error() = %q, want it not to contain %q", err.Error(), r.Bearer)
		}
		if last() != before {
			t.Fatalf("nothing was sent: last() = %p, want the same pointer as %p", last(), before)
		}
	}
}
