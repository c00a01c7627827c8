package consumer

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	ctx := context.Background()

	conf, err := c.IDP.OpenIDConfiguration(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "https://login.example.com", conf.Issuer)
	require.Equal(t, []string{"openid", "read:docs"}, conf.ScopesSupported)

	info, err := c.IDP.UserInfo(ctx, &IDPUserInfoParams{AccessToken: "eyJ.user.token"})
	require.NoError(t, err)
	require.Equal(t, "user-test-1", info.Sub)
	require.Equal(t, "ada@example.com", *info.Email)
	require.True(t, *info.EmailVerified)
	require.Nil(t, info.PhoneNumber, "claims the scopes do not grant are absent")

	_, err = c.IDP.RevokeToken(ctx, &IDPRevokeTokenParams{Token: "eyJ.user.token", ClientID: "connected-app-test-1", ClientSecret: stytch.Ptr("app-secret")})
	require.NoError(t, err)

	_, err = c.IDP.UserInfo(ctx, &IDPUserInfoParams{})
	var pe *stytch.ParamError
	require.ErrorAs(t, err, &pe, "no token, no request")

	require.Len(t, hits, 3)
	require.Equal(t, seen{"GET", "/.well-known/openid-configuration", "", "", ""}, hits[0])
	require.Equal(t, seen{"GET", "/v1/oauth2/userinfo", "Bearer eyJ.user.token", "", ""}, hits[1])
	require.Equal(t, "POST", hits[2].method)
	require.Equal(t, "/v1/oauth2/revoke", hits[2].path)
	require.Empty(t, hits[2].auth, "the client's credentials travel in the form, the project's nowhere")
	require.Equal(t, "application/x-www-form-urlencoded", hits[2].contentType)
	form, err := url.ParseQuery(hits[2].body)
	require.NoError(t, err)
	require.Equal(t, url.Values{"token": {"eyJ.user.token"}, "client_id": {"connected-app-test-1"}, "client_secret": {"app-secret"}}, form)
	for _, h := range hits {
		require.False(t, strings.Contains(h.auth+h.body, testSecret), "the project secret never goes to the project domain")
	}
}
