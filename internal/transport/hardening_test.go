package transport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

// TestRedirectsAreErrors answers every redirect status, to another host
// name and to the same host on another port, and checks that nothing is
// sent to the target and that the caller gets the 3xx as an error, with the
// default HTTP client and with one of the caller's.
func TestRedirectsAreErrors(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var leaked []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		leaked = append(leaked, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+
			" session="+r.Header.Get("X-Stytch-Member-Session")+" body="+string(body))
		mu.Unlock()
		_, _ = io.WriteString(w, `{"user_id":"user-test-from-the-target"}`)
	}))
	t.Cleanup(target.Close)
	otherHost := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)

	for _, hc := range []struct {
		name string
		opts []stytch.Option
	}{
		{"default HTTP client", nil},
		{"caller's HTTP client", []stytch.Option{stytch.WithHTTPClient(&http.Client{})}},
	} {
		for _, status := range []int{301, 302, 303, 307, 308} {
			for _, to := range []string{target.URL, otherHost} {
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Location", to+"/v1/magic_links/authenticate")
					w.WriteHeader(status)
				}))
				c, err := New(testProject, testSecret, append([]stytch.Option{stytch.WithBaseURL(api.URL)}, hc.opts...)...)
				require.NoError(t, err)
				var out struct {
					UserID string `json:"user_id"`
				}
				err = c.Do(context.Background(), &Request{
					Operation: "MagicLinks.Authenticate", Method: http.MethodPost, Path: "/v1/magic_links/authenticate",
					Body:          map[string]string{"token": "magic-link-token-secret"},
					MemberSession: true,
					Options:       []stytch.Option{stytch.WithMemberSession("member-session-token-secret")},
				}, &out)
				api.Close()
				requireStatus(t, err, status)
				require.Empty(t, out.UserID, "%s %d: the target's answer is not the API's", hc.name, status)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	require.Empty(t, leaked, "no request reaches a redirect's target")
}

// TestPublicEndpointsCarryNoCredentials: the OAuth 2.0 endpoints and the
// key sets are not authenticated with the project's secret, so it is not
// sent to them.
func TestPublicEndpointsCarryNoCredentials(t *testing.T) {
	t.Parallel()
	c, last := setup(t, reply{status: 200, body: `{}`})
	require.NoError(t, c.Do(context.Background(), &Request{Operation: "M2M.Token", Method: http.MethodPost, Path: "/v1/public/p/oauth2/token", Public: true}, &struct{}{}))
	require.Empty(t, last().Header.Values("Authorization"))
	require.NoError(t, c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &struct{}{}))
	require.NotEmpty(t, last().Header.Get("Authorization"), "other endpoints keep it")
}

// TestUnsendableHeadersAreRefusedUpFront: a header value net/http would
// refuse on every attempt is a ParamError before any I/O, never retried.
func TestUnsendableHeadersAreRefusedUpFront(t *testing.T) {
	t.Parallel()
	for _, opt := range []stytch.Option{
		stytch.WithMemberSession("token\r\nX-Evil: 1"),
		stytch.WithMemberSessionJWT("jwt\x00"),
		stytch.WithMemberSession("token\n"),
		stytch.WithMemberSessionJWT("jwt\x7f"),
	} {
		c, s := newScripted(t, []reply{ok200})
		err := c.Do(context.Background(), &Request{Operation: "Organizations.Get", Method: http.MethodGet, Path: "/v1/b2b/organizations/o", MemberSession: true, Options: []stytch.Option{opt}}, &struct{}{})
		var pe *stytch.ParamError
		require.True(t, errors.As(err, &pe), "want a *stytch.ParamError, got %v", err)
		require.Contains(t, pe.Param, "WithMemberSession")
		require.Contains(t, err.Error(), "cannot be in an HTTP header")
		require.EqualValues(t, 0, s.attempts.Load(), "no request is made")
	}
}

func TestNilContextIsAnError(t *testing.T) {
	t.Parallel()
	c, s := newScripted(t, []reply{ok200})
	var nilCtx context.Context
	err := c.Do(nilCtx, &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &struct{}{})
	var pe *stytch.ParamError
	require.True(t, errors.As(err, &pe), "want a *stytch.ParamError, got %v", err)
	require.Equal(t, "ctx", pe.Param)
	require.EqualValues(t, 0, s.attempts.Load())
}

// TestServerTextCannotInjectLines: error_type, error_message and request_id
// come from the server; Error() escapes their control characters.
func TestServerTextCannotInjectLines(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, reply{status: 400, body: `{"status_code":400,"error_type":"bad\nINFO forged","error_message":"line one\r\nWARN forged entry","request_id":"id\u001b[31m"}`})
	err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &struct{}{})
	var apiErr *stytch.Error
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, "line one\r\nWARN forged entry", apiErr.ErrorMessage, "the field keeps what the server said")
	msg := err.Error()
	require.NotContains(t, msg, "\n")
	require.NotContains(t, msg, "\r")
	require.NotContains(t, msg, "\x1b")
	require.Contains(t, msg, `"line one\r\nWARN forged entry"`)
}
