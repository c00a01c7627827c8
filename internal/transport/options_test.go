package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gostytch/stytch"
)

func requireParamError(t *testing.T, err error, param, reason string) {
	t.Helper()
	var pe *stytch.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *stytch.ParamError, got %v", err)
	}
	if pe.Param != param {
		t.Fatalf("pe.Param = %q, want %q", pe.Param, param)
	}
	if !strings.Contains(pe.Reason, reason) {
		t.Fatalf("pe.Reason = %q, want it to contain %q", pe.Reason, reason)
	}
}

// TestPerCallOptionsWinOverTheClient: a call's timeout, retries and headers
// replace the client's for that call only.
func TestPerCallOptionsWinOverTheClient(t *testing.T) {
	t.Parallel()
	c, s := newScripted(t, []reply{r503}, stytch.WithMaxRetries(0), stytch.WithHeader("X-Team", "billing"))
	var meta stytch.Response
	start := time.Now()
	err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u",
		Options: []stytch.Option{stytch.WithMaxRetries(2), stytch.WithResponseInto(&meta)}}, &struct{}{})
	requireStatus(t, err, 503)
	if got := s.attempts.Load(); got != int64(3) {
		t.Fatalf("the call's two retries: s.attempts.Load() = %v, want %v", got, 3)
	}
	if meta.Attempts != 3 {
		t.Fatalf("meta.Attempts = %v, want %v", meta.Attempts, 3)
	}
	if meta.StatusCode != 503 {
		t.Fatalf("meta.StatusCode = %v, want %v", meta.StatusCode, 503)
	}
	if meta.RequestID != "request-id-test-r" {
		t.Fatalf("meta.RequestID = %q, want %q", meta.RequestID, "request-id-test-r")
	}
	if time.Since(start) >= (15 * time.Second) {
		t.Fatalf("time.Since(start) = %v, want < %v", time.Since(start), 15*time.Second)
	}

	s.attempts.Store(0)
	requireStatus(t, get(c, context.Background()), 503)
	if got := s.attempts.Load(); got != int64(1) {
		t.Fatalf("the client's setting again: s.attempts.Load() = %v, want %v", got, 1)
	}

	var mu sync.Mutex
	var seen []http.Header
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(hs.Close)
	c, err = New(testProject, testSecret, stytch.WithBaseURL(hs.URL), stytch.WithHeader("X-Team", "billing"), stytch.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u",
		Options: []stytch.Option{stytch.WithTimeout(5 * time.Millisecond)}}, &struct{}{})
	if err == nil || !strings.Contains(err.Error(), "attempt timed out after 5ms") {
		t.Fatalf("err = %v, want an error containing %q", err, "attempt timed out after 5ms")
	}
	if err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u",
		Options: []stytch.Option{stytch.WithHeader("x-trace", "t-1"), stytch.WithUserAgent("cron/2")}}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if err := get(c, context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// The timed-out attempt may or may not have reached the server.
	if len(seen) < 2 {
		t.Fatalf("len(seen) = %v, want >= %v", len(seen), 2)
	}
	call, next := seen[len(seen)-2], seen[len(seen)-1]
	if got := call.Get("X-Team"); got != "billing" {
		t.Fatalf("the client's header stays: got %q, want %q", got, "billing")
	}
	if got := call.Get("X-Trace"); got != "t-1" {
		t.Fatalf("got %q, want %q", got, "t-1")
	}
	if got := call.Get("User-Agent"); got != ("gostytch/" + stytch.Version + " cron/2") {
		t.Fatalf("got %q, want %q", got, "gostytch/"+stytch.Version+" cron/2")
	}
	if next.Get("X-Trace") != "" {
		t.Fatalf("a call's header does not leak into the next call: got %q, want empty", next.Get("X-Trace"))
	}
	if got := next.Get("User-Agent"); got != ("gostytch/" + stytch.Version) {
		t.Fatalf("got %q, want %q", got, "gostytch/"+stytch.Version)
	}
}

// TestOptionsAreCheckedWhereTheyAreGiven: an option that cannot apply, or
// whose value is wrong, is an error, never ignored and never a panic.
func TestOptionsAreCheckedWhereTheyAreGiven(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opt   stytch.Option
		param string
		why   string
	}{
		{"client-only base URL", stytch.WithBaseURL("https://other.example.com"), "WithBaseURL", "applies to a client"},
		{"client-only HTTP client", stytch.WithHTTPClient(http.DefaultClient), "WithHTTPClient", "applies to a client"},
		{"client-only JWT leeway", stytch.WithJWTLeeway(time.Second), "WithJWTLeeway", "applies to a client"},
		{"negative timeout", stytch.WithTimeout(-time.Second), "WithTimeout", "negative"},
		{"negative retries", stytch.WithMaxRetries(-1), "WithMaxRetries", "negative"},
		{"Authorization header", stytch.WithHeader("authorization", "Basic x"), "WithHeader", "cannot set Authorization"},
		{"member-session header", stytch.WithHeader("X-Stytch-Member-SessionJWT", "j"), "WithHeader", "cannot set X-Stytch-Member-Sessionjwt"},
		{"host header", stytch.WithHeader("Host", "evil.example.com"), "WithHeader", "cannot set Host"},
		{"bad header name", stytch.WithHeader("X Bad", "v"), "WithHeader", "not a valid header name"},
		{"empty header name", stytch.WithHeader("", "v"), "WithHeader", "not a valid header name"},
		{"CRLF in a header value", stytch.WithHeader("X-Trace", "a\r\nX-Evil: 1"), "WithHeader", "cannot be in an HTTP header"},
		{"nil response destination", stytch.WithResponseInto(nil), "WithResponseInto", "nil"},
		{"JWT option on an API call", stytch.WithMaxTokenAge(time.Minute), "WithMaxTokenAge", "verify a JWT"},
		{"scopes on an API call", stytch.WithRequiredScopes("read:users"), "WithRequiredScopes", "verify a JWT"},
		{"bad scope", stytch.WithRequiredScopes("read users"), "WithRequiredScopes", "white space"},
		{"empty check", stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{}), "WithAuthorizationCheck", "needs a ResourceID"},
		{"member session on an endpoint without", stytch.WithMemberSession("t"), "WithMemberSession", "does not take a member session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newScripted(t, []reply{ok200})
			err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u", Options: []stytch.Option{tc.opt}}, &struct{}{})
			requireParamError(t, err, tc.param, tc.why)
			if want := "stytch: Users.Get: " + tc.param; !strings.Contains(err.Error(), want) {
				t.Fatalf("err.Error() = %q, want it to contain %q", err.Error(), want)
			}
			if got := s.attempts.Load(); got != int64(0) {
				t.Fatalf("no request is made: s.attempts.Load() = %v, want %v", got, 0)
			}
		})
	}
	for _, tc := range []struct {
		name string
		opt  stytch.Option
		want string
	}{
		{"per-call member session", stytch.WithMemberSession("t"), "stytch: WithMemberSession applies to one call"},
		{"per-call response", stytch.WithResponseInto(&stytch.Response{}), "stytch: WithResponseInto applies to one call"},
		{"per-call token age", stytch.WithMaxTokenAge(time.Minute), "stytch: WithMaxTokenAge applies to one call"},
		{"nil HTTP client", stytch.WithHTTPClient(nil), "stytch: WithHTTPClient was given a nil *http.Client"},
		{"nil middleware", stytch.WithMiddleware(nil), "stytch: WithMiddleware was given a nil middleware"},
		{"negative leeway", stytch.WithJWTLeeway(-time.Second), "stytch: WithJWTLeeway was given a negative duration"},
		{"zero JWKS refresh limit", stytch.WithJWKSRefreshLimit(0), "stytch: WithJWKSRefreshLimit was given a duration that is not positive"},
		{"reserved header", stytch.WithHeader("Content-Type", "text/plain"), "stytch: WithHeader cannot set Content-Type"},
	} {
		t.Run("client "+tc.name, func(t *testing.T) {
			c, err := New(testProject, testSecret, tc.opt)
			if c != nil {
				t.Fatalf("c = %+v, want nil", c)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestResponseIntoOnSuccess: status, headers, request ID and one attempt.
func TestResponseIntoOnSuccess(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, reply{status: 201, header: map[string]string{"X-Request-Id": "header-id"}, body: `{"request_id":"request-id-test-body","status_code":201}`})
	var meta stytch.Response
	if err := c.Do(context.Background(), &Request{Operation: "M2M.Clients.Create", Method: http.MethodPost, Path: "/v1/m2m/clients",
		Options: []stytch.Option{nil, stytch.WithResponseInto(&meta)}}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if meta.StatusCode != 201 {
		t.Fatalf("meta.StatusCode = %v, want %v", meta.StatusCode, 201)
	}
	if meta.RequestID != "request-id-test-body" {
		t.Fatalf("the body's request_id comes first: meta.RequestID = %q, want %q", meta.RequestID, "request-id-test-body")
	}
	if got := meta.Header.Get("X-Request-Id"); got != "header-id" {
		t.Fatalf("got %q, want %q", got, "header-id")
	}
	if meta.Attempts != 1 {
		t.Fatalf("meta.Attempts = %v, want %v", meta.Attempts, 1)
	}
}
