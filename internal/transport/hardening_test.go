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
				if err != nil {
					t.Fatal(err)
				}
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
				if out.UserID != "" {
					t.Fatalf("%s %d: the target's answer is not the API's: out.UserID = %q, want empty", hc.name, status, out.UserID)
				}
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Fatalf("no request reaches a redirect's target: leaked = %q, want empty", leaked)
	}
}

// TestPublicEndpointsCarryNoCredentials: the OAuth 2.0 endpoints and the
// key sets are not authenticated with the project's secret, so it is not
// sent to them.
func TestPublicEndpointsCarryNoCredentials(t *testing.T) {
	t.Parallel()
	c, last := setup(t, reply{status: 200, body: `{}`})
	if err := c.Do(context.Background(), &Request{Operation: "M2M.Token", Method: http.MethodPost, Path: "/v1/public/p/oauth2/token", Public: true}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if got := last().Header.Values("Authorization"); len(got) != 0 {
		t.Fatalf("Authorization = %q, want none", got)
	}
	if err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if last().Header.Get("Authorization") == "" {
		t.Fatal("other endpoints keep it: no Authorization header")
	}
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
		if !errors.As(err, &pe) {
			t.Fatalf("want a *stytch.ParamError, got %v", err)
		}
		if !strings.Contains(pe.Param, "WithMemberSession") {
			t.Fatalf("pe.Param = %q, want it to contain %q", pe.Param, "WithMemberSession")
		}
		if !strings.Contains(err.Error(), "cannot be in an HTTP header") {
			t.Fatalf("err.Error() = %q, want it to contain %q", err.Error(), "cannot be in an HTTP header")
		}
		if got := s.attempts.Load(); got != int64(0) {
			t.Fatalf("no request is made: s.attempts.Load() = %v, want %v", got, 0)
		}
	}
}

func TestNilContextIsAnError(t *testing.T) {
	t.Parallel()
	c, s := newScripted(t, []reply{ok200})
	var nilCtx context.Context
	err := c.Do(nilCtx, &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &struct{}{})
	var pe *stytch.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *stytch.ParamError, got %v", err)
	}
	if pe.Param != "ctx" {
		t.Fatalf("pe.Param = %q, want %q", pe.Param, "ctx")
	}
	if got := s.attempts.Load(); got != int64(0) {
		t.Fatalf("s.attempts.Load() = %v, want %v", got, 0)
	}
}

// TestServerTextCannotInjectLines: error_type, error_message and request_id
// come from the server; Error() escapes their control characters.
func TestServerTextCannotInjectLines(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, reply{status: 400, body: `{"status_code":400,"error_type":"bad\nINFO forged","error_message":"line one\r\nWARN forged entry","request_id":"id\u001b[31m"}`})
	err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &struct{}{})
	var apiErr *stytch.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a %T", err, apiErr)
	}
	if want := "line one\r\nWARN forged entry"; apiErr.ErrorMessage != want {
		t.Fatalf("the field keeps what the server said: apiErr.ErrorMessage = %q, want %q", apiErr.ErrorMessage, want)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Fatalf("msg = %q, want it not to contain %q", msg, "\n")
	}
	if strings.Contains(msg, "\r") {
		t.Fatalf("msg = %q, want it not to contain %q", msg, "\r")
	}
	if strings.Contains(msg, "\x1b") {
		t.Fatalf("msg = %q, want it not to contain %q", msg, "\x1b")
	}
	if want := `"line one\r\nWARN forged entry"`; !strings.Contains(msg, want) {
		t.Fatalf("msg = %q, want it to contain %q", msg, want)
	}
}
