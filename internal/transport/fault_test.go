package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/config"
)

// The fault tests point a client at a server that misbehaves in one way and
// pin down the outcome: attempts made (counted on the client side, by
// middleware), the error's type and chain, the status, and a bound on time.

// faulty starts h and returns a client pointed at it and its attempt count.
func faulty(t *testing.T, h http.HandlerFunc, opts ...stytch.Option) (*Client, *atomic.Int64) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	attempts := new(atomic.Int64)
	c, err := New(testProject, testSecret, append([]stytch.Option{stytch.WithBaseURL(srv.URL), stytch.WithMiddleware(counting(attempts))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, attempts
}

// hijack takes the connection over from net/http, after the request body is
// read: closing a socket with unread input sends a reset, not an EOF.
func hijack(t *testing.T, w http.ResponseWriter, r *http.Request) net.Conn {
	_, _ = io.Copy(io.Discard, r.Body)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return nil
	}
	return conn
}

func requireResponseError(t *testing.T, err error, status int, requestID string) {
	t.Helper()
	var re *stytch.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want *stytch.ResponseError, got %v", err)
	}
	if re.StatusCode != status {
		t.Fatalf("re.StatusCode = %v, want %v", re.StatusCode, status)
	}
	if re.RequestID != requestID {
		t.Fatalf("re.RequestID = %q, want %q", re.RequestID, requestID)
	}
	var apiErr *stytch.Error
	if errors.As(err, &apiErr) {
		t.Fatal("a body that could not be read is not an API error")
	}
}

// The longest the default backoff can wait before the second and third
// attempts, plus generous slack for a loaded machine: the bound is there to
// catch a hang (the default attempt timeout is 30s), not to time anything.
const retryWaits = baseBackoff + 2*baseBackoff + 3*time.Second

func TestConnectionResetMidBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		call     func(*Client, context.Context) error
		op       string
		attempts int64
	}{
		{"GET is retried: the connection was lost after sending", get, "Users.Get", 3},
		{"POST is not: it may have been acted on", post, "MagicLinks.Email.Send", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, attempts := faulty(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "4096")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, `{"request_id":"request-id-test-reset","user":{"name":"`)
				_ = http.NewResponseController(w).Flush()
				conn := hijack(t, w, r)
				if conn == nil {
					return
				}
				tcp, ok := conn.(*net.TCPConn)
				if !ok {
					t.Errorf("hijacked %T, want *net.TCPConn", conn)
				} else {
					_ = tcp.SetLinger(0) // close with RST, not FIN
				}
				_ = conn.Close()
			})
			start := time.Now()
			err := tc.call(c, context.Background())
			if time.Since(start) >= retryWaits {
				t.Fatalf("time.Since(start) = %v, want < %v", time.Since(start), retryWaits)
			}
			if got := attempts.Load(); got != tc.attempts {
				t.Fatalf("attempts: attempts.Load() = %v, want %v", got, tc.attempts)
			}
			requireResponseError(t, err, 200, "request-id-test-reset")
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("the read failure is wrapped: err = %v, want %v", err, syscall.ECONNRESET)
			}
			if want := "stytch: " + tc.op + ": reading 200 response (request_id request-id-test-reset): "; err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want an error containing %q", err, want)
			}
		})
	}
}

func TestSlowHeaders(t *testing.T) {
	t.Parallel()
	const timeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name     string
		call     func(*Client, context.Context) error
		attempts int64
	}{
		{"GET is retried up to MaxRetries", get, 1 + config.DefaultMaxRetries},
		{"POST is not", post, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, attempts := faulty(t, func(w http.ResponseWriter, r *http.Request) {
				// The server notices a closed connection only once the
				// request body has been read.
				_, _ = io.Copy(io.Discard, r.Body)
				select {
				case <-time.After(3 * timeout):
				case <-r.Context().Done():
					return // the client gave up and closed the connection
				}
				_, _ = io.WriteString(w, `{}`)
			}, stytch.WithTimeout(timeout))
			start := time.Now()
			err := tc.call(c, context.Background())
			elapsed := time.Since(start)
			if got := attempts.Load(); got != tc.attempts {
				t.Fatalf("attempts: attempts.Load() = %v, want %v", got, tc.attempts)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want %v", err, context.DeadlineExceeded)
			}
			if want := "attempt timed out after 100ms"; err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want an error containing %q", err, want)
			}
			var re *stytch.ResponseError
			if errors.As(err, &re) {
				t.Fatal("no response arrived")
			}
			if elapsed < (time.Duration(tc.attempts) * timeout) {
				t.Fatalf("each attempt waited out its timeout: elapsed = %v, want >= %v", elapsed, time.Duration(tc.attempts)*timeout)
			}
			if elapsed >= (time.Duration(tc.attempts)*timeout + retryWaits) {
				t.Fatalf("and no longer: elapsed = %v, want < %v", elapsed, time.Duration(tc.attempts)*timeout+retryWaits)
			}
		})
	}
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	t.Run("in a 2xx JSON string: decoded with U+FFFD", func(t *testing.T) {
		t.Parallel()
		// encoding/json replaces each invalid byte in a string with U+FFFD
		// rather than failing, so the call succeeds.
		c, attempts := faulty(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "{\"request_id\":\"request-id-test-utf8\",\"name\":\"a\xffb\xfe\"}")
		})
		var out struct {
			RequestID string `json:"request_id"`
			Name      string `json:"name"`
		}
		if err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: http.MethodGet, Path: "/v1/users/u"}, &out); err != nil {
			t.Fatal(err)
		}
		if got := attempts.Load(); got != int64(1) {
			t.Fatalf("attempts.Load() = %v, want %v", got, 1)
		}
		if out.Name != "a\uFFFDb\uFFFD" {
			t.Fatalf("out.Name = %q, want %q", out.Name, "a\uFFFDb\uFFFD")
		}
		if out.RequestID != "request-id-test-utf8" {
			t.Fatalf("out.RequestID = %q, want %q", out.RequestID, "request-id-test-utf8")
		}
	})
	t.Run("in a JSON error message: decoded with U+FFFD", func(t *testing.T) {
		t.Parallel()
		c, attempts := faulty(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "{\"request_id\":\"request-id-test-utf8\",\"error_type\":\"invalid_email\",\"error_message\":\"bad \xff\"}")
		})
		err := post(c, context.Background())
		if got := attempts.Load(); got != int64(1) {
			t.Fatalf("attempts.Load() = %v, want %v", got, 1)
		}
		requireStatus(t, err, 400)
		var apiErr *stytch.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("err = %v, want a %T", err, apiErr)
		}
		if apiErr.ErrorMessage != "bad \uFFFD" {
			t.Fatalf("apiErr.ErrorMessage = %q, want %q", apiErr.ErrorMessage, "bad \uFFFD")
		}
		if apiErr.RequestID != "request-id-test-utf8" {
			t.Fatalf("apiErr.RequestID = %q, want %q", apiErr.RequestID, "request-id-test-utf8")
		}
		if !utf8.ValidString(err.Error()) {
			t.Fatal("utf8.ValidString(err.Error()) = false, want true")
		}
	})
	t.Run("in a non-JSON error body: a valid UTF-8 snippet", func(t *testing.T) {
		t.Parallel()
		c, attempts := faulty(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>\xff\xfe bad gateway</html>")
		})
		err := post(c, context.Background())
		if got := attempts.Load(); got != int64(1) {
			t.Fatalf("a 502 on a POST is not retried: attempts.Load() = %v, want %v", got, 1)
		}
		requireStatus(t, err, 502)
		var apiErr *stytch.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("err = %v, want a %T", err, apiErr)
		}
		// strings.ToValidUTF8 turns each run of invalid bytes into one U+FFFD.
		if want := "<html>\uFFFD bad gateway</html>"; apiErr.Body != want {
			t.Fatalf("apiErr.Body = %q, want %q", apiErr.Body, want)
		}
		if !utf8.ValidString(err.Error()) {
			t.Fatal("utf8.ValidString(err.Error()) = false, want true")
		}
	})
}

func TestTruncatedBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		call      func(*Client, context.Context) error
		status    int
		header    string
		body      string
		attempts  int64
		requestID string
		want      string
	}{
		{"ID in the part of the body read; GET retried", get, 200, "",
			`{"request_id":"request-id-test-cut","user":{"name":"`, 3, "request-id-test-cut",
			"stytch: Users.Get: reading 200 response (request_id request-id-test-cut): unexpected EOF"},
		{"ID only in the header; POST not retried", post, 200, "X-Request-Id: request-id-test-hdr\r\n",
			`{"user":{"name":"`, 1, "request-id-test-hdr",
			"stytch: MagicLinks.Email.Send: reading 200 response (request_id request-id-test-hdr): unexpected EOF"},
		{"an error body cut short keeps its status", post, 503, "",
			`{"status_code":503,"request_id":"request-id-test-503","error_ty`, 1, "request-id-test-503",
			"stytch: MagicLinks.Email.Send: reading 503 response (request_id request-id-test-503): unexpected EOF"},
		{"no ID anywhere", post, 200, "", `{"us`, 1, "",
			"stytch: MagicLinks.Email.Send: reading 200 response: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, attempts := faulty(t, func(w http.ResponseWriter, r *http.Request) {
				conn := hijack(t, w, r)
				if conn == nil {
					return
				}
				defer conn.Close()
				// Promise more than is sent, then close cleanly.
				_, _ = fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s",
					tc.status, http.StatusText(tc.status), len(tc.body)+100, tc.header, tc.body)
			})
			start := time.Now()
			err := tc.call(c, context.Background())
			if time.Since(start) >= retryWaits {
				t.Fatalf("time.Since(start) = %v, want < %v", time.Since(start), retryWaits)
			}
			if got := attempts.Load(); got != tc.attempts {
				t.Fatalf("attempts: attempts.Load() = %v, want %v", got, tc.attempts)
			}
			requireResponseError(t, err, tc.status, tc.requestID)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v, want %v", err, io.ErrUnexpectedEOF)
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestOversizedBody streams more than stytch.MaxResponseBytes. The header fallback
// for the request ID is the same code as for a truncated body, tested there
// and in TestRequestIDOfAnUnreadableBody; one 16 MiB transfer is enough.
func TestOversizedBody(t *testing.T) {
	t.Parallel()
	c, attempts := faulty(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "proxy-id") // the body's ID wins
		if _, err := io.WriteString(w, `{"request_id":"request-id-test-big","results":[`); err != nil {
			return
		}
		chunk := strings.Repeat(" ", 1<<20)
		for i := 0; i <= stytch.MaxResponseBytes>>20; i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return // the client stopped reading
			}
		}
	})
	err := get(c, context.Background())
	if got := attempts.Load(); got != int64(1) {
		t.Fatalf("too large is final, even for a GET: attempts.Load() = %v, want %v", got, 1)
	}
	requireResponseError(t, err, 200, "request-id-test-big")
	if !errors.Is(err, stytch.ErrBodyTooLarge) {
		t.Fatalf("err = %v, want %v", err, stytch.ErrBodyTooLarge)
	}
	if want := fmt.Sprintf("stytch: Users.Get: 200 response (request_id request-id-test-big) body exceeds %d bytes", stytch.MaxResponseBytes); err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestRequestIDOfAnUnreadableBody(t *testing.T) {
	t.Parallel()
	late := `{"pad":"` + strings.Repeat("x", requestIDScan) + `","request_id":"request-id-test-late"}`
	for _, tc := range []struct {
		name   string
		header http.Header
		body   string
		want   string
	}{
		{"top of the body", nil, `{"request_id":"request-id-test-1","user":{`, "request-id-test-1"},
		{"spaces around the colon", nil, "{ \"request_id\" :\n \"request-id-test-2\" }", "request-id-test-2"},
		{"the key as a value first", nil, `{"note":"request_id","request_id":"request-id-test-3"}`, "request-id-test-3"},
		{"the body wins over the header", http.Header{"X-Request-Id": {"hdr"}}, `{"request_id":"request-id-test-4"}`, "request-id-test-4"},
		{"value cut short", http.Header{"X-Request-Id": {"hdr-1"}}, `{"request_id":"request-id-te`, "hdr-1"},
		{"Request-Id header", http.Header{"Request-Id": {"req_123"}}, `{`, "req_123"},
		{"beyond the scan bound", nil, late, ""},
		{"beyond the scan bound, header", http.Header{"X-Request-Id": {"hdr-2"}}, late, "hdr-2"},
		{"escapes are not unquoted", nil, `{"request_id":"a\"b"}`, ""},
		{"control characters are refused", http.Header{"X-Request-Id": {"a\nb"}}, `{"request_id":"a` + "\n" + `b"}`, ""},
		{"an over-long ID is refused", nil, `{"request_id":"` + strings.Repeat("a", 129) + `"}`, ""},
		{"nothing", nil, "", ""},
	} {
		if got := requestID(tc.header, []byte(tc.body)); got != tc.want {
			t.Fatalf("%v: requestID(tc.header, []byte(tc.body)) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDefaultTransportSpeaksHTTP1(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var protos []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		protos = append(protos, r.Proto)
		mu.Unlock()
		_, _ = io.WriteString(w, `{"request_id":"request-id-test-h2"}`)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	call := func(tr *http.Transport) []string {
		t.Helper()
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
		defer tr.CloseIdleConnections()
		c, err := New(testProject, testSecret, stytch.WithBaseURL(srv.URL), stytch.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		protos = nil
		mu.Unlock()
		if err := get(c, context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := post(c, context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return protos
	}

	// The SDK's own transport, changed only to trust the test certificate,
	// speaks HTTP/1.1 to a server that offers HTTP/2 (see
	// newDefaultTransport for why).
	if got, want := call(newDefaultTransport()), []string{"HTTP/1.1", "HTTP/1.1"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("call(newDefaultTransport()) = %q, want %q", got, want)
	}

	// Control: the same transport with HTTP/2 enabled negotiates it, so the
	// check above is not vacuous, and a user who wants HTTP/2 gets it.
	h2 := newDefaultTransport()
	h2.Protocols.SetHTTP2(true)
	if got, want := call(h2), []string{"HTTP/2.0", "HTTP/2.0"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("call(h2) = %q, want %q", got, want)
	}
}
