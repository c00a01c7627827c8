package transport

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/leakcheck"
)

// TestMain fails the package if a test leaves goroutines behind. Idle
// keep-alive connections are closed first: they are pooled, not leaked.
func TestMain(m *testing.M) {
	code := m.Run()
	defaultHTTPClient.CloseIdleConnections()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if code == 0 {
		if err := leakcheck.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// script answers attempt i with replies[i] (the last one repeats) and
// counts attempts.
type script struct {
	replies  []reply
	attempts atomic.Int64
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.attempts.Add(1)) - 1
	rep := s.replies[min(i, len(s.replies)-1)]
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func newScripted(t *testing.T, replies []reply, opts ...stytch.Option) (*Client, *script) {
	t.Helper()
	s := &script{replies: replies}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := New(testProject, testSecret, append([]stytch.Option{stytch.WithBaseURL(srv.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

const stytchErr = `{"status_code":%d,"request_id":"request-id-test-r","error_type":"%s","error_message":"m","error_url":"u"}`

var (
	ok200 = reply{status: 200, body: `{"request_id":"request-id-test-ok"}`}
	r503  = reply{status: 503, body: fmt.Sprintf(stytchErr, 503, "service_unavailable")}
	r500  = reply{status: 500, body: fmt.Sprintf(stytchErr, 500, "internal_server_error")}
)

func get(c *Client, ctx context.Context) error {
	return c.Do(ctx, &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &struct{}{})
}

func post(c *Client, ctx context.Context) error {
	return c.Do(ctx, &Request{Operation: "MagicLinks.Email.Send", Method: http.MethodPost, Path: "/v1/magic_links/email/send", Body: map[string]string{"email": "a@example.com"}}, &struct{}{})
}

func requireStatus(t *testing.T, err error, status int) {
	t.Helper()
	var apiErr *stytch.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *stytch.Error, got %v", err)
	}
	if apiErr.StatusCode != status {
		t.Fatalf("apiErr.StatusCode = %v, want %v", apiErr.StatusCode, status)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		replies  []reply
		call     func(*Client, context.Context) error
		opts     []stytch.Option
		attempts int64
		status   int // 0: success
	}{
		{"503 burst that recovers, GET", []reply{r503, r503, ok200}, get, nil, 3, 0},
		{"503 beyond the retries, GET", []reply{r503}, get, nil, 3, 503},
		{"500 on a POST is not retried", []reply{r500, ok200}, post, nil, 1, 500},
		{"503 on a POST is not retried", []reply{r503, ok200}, post, nil, 1, 503},
		{"429 without Retry-After, POST", []reply{{status: 429, body: fmt.Sprintf(stytchErr, 429, "too_many_requests")}, ok200}, post, nil, 2, 0},
		{"501 is not retried", []reply{{status: 501, body: fmt.Sprintf(stytchErr, 501, "not_implemented")}}, get, nil, 1, 501},
		{"400 is not retried", []reply{{status: 400, body: fmt.Sprintf(stytchErr, 400, "invalid_email")}}, get, nil, 1, 400},
		{"HTML 502 from a proxy, GET", []reply{{status: 502, body: "<html>bad gateway</html>"}, ok200}, get, nil, 2, 0},
		{"retries off", []reply{r503, ok200}, get, []stytch.Option{stytch.WithMaxRetries(0)}, 1, 503},
		{"custom policy", []reply{{status: 409, body: fmt.Sprintf(stytchErr, 409, "conflict")}, ok200}, post,
			[]stytch.Option{stytch.WithRetryPolicy(func(a stytch.RetryAttempt) bool { return a.StatusCode == 409 })}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, s := newScripted(t, tc.replies, tc.opts...)
			err := tc.call(c, context.Background())
			if got := s.attempts.Load(); got != tc.attempts {
				t.Fatalf("attempts: s.attempts.Load() = %v, want %v", got, tc.attempts)
			}
			if tc.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				requireStatus(t, err, tc.status)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	c, s := newScripted(t, []reply{{status: 429, header: map[string]string{"Retry-After": "1"}, body: fmt.Sprintf(stytchErr, 429, "too_many_requests")}, ok200})
	start := time.Now()
	if err := post(c, context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.attempts.Load(); got != int64(2) {
		t.Fatalf("s.attempts.Load() = %v, want %v", got, 2)
	}
	if time.Since(start) < (900 * time.Millisecond) {
		t.Fatalf("waited as Retry-After asked: time.Since(start) = %v, want >= %v", time.Since(start), 900*time.Millisecond)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"3":                             3 * time.Second,
		"0":                             0,
		"-5":                            0,
		"3600":                          maxRetryAfter,
		"Sat, 21 Nov 2026 12:00:07 GMT": 7 * time.Second,
		"Sat, 21 Nov 2026 11:00:00 GMT": 0,
	} {
		got, ok := retryAfter(in, now)
		if !ok {
			t.Fatalf("%v", in)
		}
		if got != want {
			t.Fatalf("%v: got %v, want %v", in, got, want)
		}
	}
	for _, bad := range []string{"", "soon", "1.5"} {
		_, ok := retryAfter(bad, now)
		if ok {
			t.Fatalf("%v", bad)
		}
	}
}

func TestBackoffHasFullJitterAndACeiling(t *testing.T) {
	t.Parallel()
	seen := map[time.Duration]bool{}
	for range 200 {
		d := backoff(0, http.Header{})
		if d <= time.Duration(0) {
			t.Fatalf("d = %v, want > %v", d, time.Duration(0))
		}
		if d > baseBackoff {
			t.Fatalf("d = %v, want <= %v", d, baseBackoff)
		}
		seen[d] = true
		if backoff(30, http.Header{}) > maxBackoff {
			t.Fatalf("backoff(30, http.Header{}) = %v, want <= %v", backoff(30, http.Header{}), maxBackoff)
		}
	}
	if len(seen) <= 100 {
		t.Fatalf("waits are spread, not fixed: len(seen) = %v, want > %v", len(seen), 100)
	}
}

func TestConnectionRefusedIsRetriedForEveryMethod(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	var attempts atomic.Int64
	c, err := New(testProject, testSecret, stytch.WithBaseURL(addr), stytch.WithMiddleware(counting(&attempts)))
	if err != nil {
		t.Fatal(err)
	}
	err = post(c, context.Background())
	if got := attempts.Load(); got != int64(3) {
		t.Fatalf("a request that never left is safe to repeat, even a POST: attempts.Load() = %v, want %v", got, 3)
	}
	if want := "stytch: MagicLinks.Email.Send:"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want an error containing %q", err, want)
	}
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatal("the transport error is wrapped with %%w")
	}
	var apiErr *stytch.Error
	if errors.As(err, &apiErr) {
		t.Fatal("no status was invented")
	}
}

func TestHungServer(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var attempts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	c, err := New(testProject, testSecret, stytch.WithBaseURL(srv.URL), stytch.WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}

	err = post(c, context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want %v", err, context.DeadlineExceeded)
	}
	if err == nil || !strings.Contains(err.Error(), "attempt timed out") {
		t.Fatalf("err = %v, want an error containing %q", err, "attempt timed out")
	}
	if got := attempts.Load(); got != int64(1) {
		t.Fatalf("a POST that may have been received is not repeated: attempts.Load() = %v, want %v", got, 1)
	}

	attempts.Store(0)
	start := time.Now()
	err = get(c, context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want %v", err, context.DeadlineExceeded)
	}
	if got := attempts.Load(); got != int64(3) {
		t.Fatalf("a GET is retried after a timeout: attempts.Load() = %v, want %v", got, 3)
	}
	if time.Since(start) >= (3*50*time.Millisecond + baseBackoff + 2*baseBackoff + time.Second) {
		t.Fatalf("time.Since(start) = %v, want < %v", time.Since(start), 3*50*time.Millisecond+baseBackoff+2*baseBackoff+time.Second)
	}

	// The caller's own deadline applies too, with the SDK's timeout off.
	c, err = New(testProject, testSecret, stytch.WithBaseURL(srv.URL), stytch.WithTimeout(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if !errors.Is(get(c, ctx), context.DeadlineExceeded) {
		t.Fatalf("get(c, ctx) = %v, want %v", get(c, ctx), context.DeadlineExceeded)
	}
}

func TestCancelledMidBackoff(t *testing.T) {
	t.Parallel()
	c, s := newScripted(t, []reply{{status: 503, header: map[string]string{"Retry-After": "20"}, body: fmt.Sprintf(stytchErr, 503, "x")}})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := get(c, ctx)
	if time.Since(start) >= (2 * time.Second) {
		t.Fatalf("the wait ends with the context: time.Since(start) = %v, want < %v", time.Since(start), 2*time.Second)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want %v", err, context.Canceled)
	}
	requireStatus(t, err, 503) // the last failure is kept in the chain
	if got := s.attempts.Load(); got != int64(1) {
		t.Fatalf("s.attempts.Load() = %v, want %v", got, 1)
	}
}

func TestDeadlineShorterThanBackoff(t *testing.T) {
	t.Parallel()
	c, s := newScripted(t, []reply{{status: 503, header: map[string]string{"Retry-After": "5"}, body: fmt.Sprintf(stytchErr, 503, "x")}})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := get(c, ctx)
	if time.Since(start) >= (400 * time.Millisecond) {
		t.Fatalf("no wait that cannot finish before the deadline: time.Since(start) = %v, want < %v", time.Since(start), 400*time.Millisecond)
	}
	requireStatus(t, err, 503)
	if got := s.attempts.Load(); got != int64(1) {
		t.Fatalf("s.attempts.Load() = %v, want %v", got, 1)
	}
}

func TestLoggerRecordsAttemptsWithoutSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newScripted(t, []reply{r503, ok200}, stytch.WithLogger(logger))
	err := c.Do(context.Background(), &Request{Operation: "Passwords.Authenticate", Method: http.MethodPut, Path: "/v1/x",
		Body: map[string]string{"password": "hunter2-pass", "token": "magic-token-value", "code": "123456"}}, &struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if got := strings.Count(out, "stytch attempt"); got != 2 {
		t.Fatalf("got %v, want %v", got, 2)
	}
	if !strings.Contains(out, "retry=1") {
		t.Fatalf("out = %q, want it to contain %q", out, "retry=1")
	}
	if !strings.Contains(out, "status=503") {
		t.Fatalf("out = %q, want it to contain %q", out, "status=503")
	}
	if want := "request_id=request-id-test-ok"; !strings.Contains(out, want) {
		t.Fatalf("out = %q, want it to contain %q", out, want)
	}
	if !strings.Contains(out, "path=/v1/x") {
		t.Fatalf("out = %q, want it to contain %q", out, "path=/v1/x")
	}
	for _, secret := range []string{testSecret, base64.StdEncoding.EncodeToString([]byte(testProject + ":" + testSecret)), "hunter2-pass", "magic-token-value", "123456", "Authorization"} {
		if strings.Contains(out, secret) {
			t.Fatalf("out = %q, want it not to contain %q", out, secret)
		}
	}
}

func TestMiddlewareSeesEachAttemptOutermostFirst(t *testing.T) {
	t.Parallel()
	var order []string
	mw := func(name string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				order = append(order, name)
				return next.RoundTrip(r)
			})
		}
	}
	c, s := newScripted(t, []reply{r503, ok200}, stytch.WithMiddleware(mw("outer")), stytch.WithMiddleware(mw("inner")))
	if err := get(c, context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.attempts.Load(); got != int64(2) {
		t.Fatalf("s.attempts.Load() = %v, want %v", got, 2)
	}
	if want := []string{"outer", "inner", "outer", "inner"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order = %q, want %q", order, want)
	}
}

func counting(n *atomic.Int64) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return next.RoundTrip(r)
		})
	}
}

// syncWriter serialises writes from concurrent log calls.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
