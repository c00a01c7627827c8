package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

func TestProjectPublicPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/v1/oauth2/userinfo":               "/v1/public/p%2F1/oauth2/userinfo",
		"/v1/oauth2/revoke":                 "/v1/public/p%2F1/oauth2/revoke",
		"/.well-known/openid-configuration": "/v1/public/p%2F1/.well-known/openid-configuration",
	} {
		require.Equal(t, want, ProjectPublicPath("p/1", path), path)
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
		require.NoError(t, c.Do(ctx, &Request{Operation: "X", Method: http.MethodGet, Path: path, Base: base, Public: true}, nil))
	}

	plain, err := New(testProject, testSecret, stytch.WithBaseURL(api.URL))
	require.NoError(t, err)
	require.Empty(t, plain.ProjectDomain())
	get(plain, BaseProject, "/v1/oauth2/userinfo")
	require.Equal(t, "/v1/public/"+testProject+"/oauth2/userinfo", apiHits.Load().path)

	custom, err := New(testProject, testSecret, stytch.WithBaseURL(api.URL), stytch.WithCustomDomain(domain.URL+"/"))
	require.NoError(t, err)
	require.Equal(t, domain.URL, custom.ProjectDomain(), "trailing slash trimmed")
	get(custom, BaseProject, "/.well-known/openid-configuration")
	require.Equal(t, "/.well-known/openid-configuration", domainHits.Load().path)
	apiHits.Store(nil)
	get(custom, BaseAPI, "/v1/users")
	require.Equal(t, "/v1/users", apiHits.Load().path, "the custom domain is for the project domain's endpoints only")

	for _, bad := range []string{"login.example.com", "https://user:pw@login.example.com", "https://login.example.com?x=1"} {
		_, err := New(testProject, testSecret, stytch.WithCustomDomain(bad))
		require.Error(t, err, bad)
		require.NotContains(t, err.Error(), "pw")
	}
	_, err = New(testProject, testSecret, stytch.WithCustomDomain(""))
	require.ErrorContains(t, err, "WithCustomDomain")
	err = plain.Do(ctx, &Request{Operation: "X", Method: http.MethodGet, Path: "/", Options: []stytch.Option{stytch.WithCustomDomain(domain.URL)}}, nil)
	var pe *stytch.ParamError
	require.True(t, errors.As(err, &pe), "client only: %v", err)
}

// A bearer request carries the caller's token and never the project's
// credentials; a token that cannot be a header value is refused unsent.
func TestBearer(t *testing.T) {
	t.Parallel()
	c, last := setup(t, reply{status: 200, body: `{}`})
	ctx := context.Background()
	require.NoError(t, c.Do(ctx, &Request{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Public: true, Bearer: "eyJ.abc.def"}, nil))
	require.Equal(t, "Bearer eyJ.abc.def", last().Header.Get("Authorization"))
	require.NotContains(t, strings.Join(last().Header.Values("Authorization"), ","), "Basic")

	for _, r := range []*Request{
		{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Public: true, Bearer: "tok en"},
		{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Public: true, Bearer: "tok\r\nX-Evil: 1"},
		// A bearer token is only for endpoints that take no project secret.
		{Operation: "IDP.UserInfo", Method: http.MethodGet, Path: "/u", Bearer: "eyJsecret"},
	} {
		before := last()
		err := c.Do(ctx, r, nil)
		var pe *stytch.ParamError
		require.True(t, errors.As(err, &pe), "%q: %v", r.Bearer, err)
		require.NotContains(t, err.Error(), r.Bearer)
		require.Same(t, before, last(), "nothing was sent")
	}
}
