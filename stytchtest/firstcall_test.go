package stytchtest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// BenchmarkFirstCall measures what a test pays the first time it uses the
// emulator: NewServer and one call, in a fresh process each iteration (the
// test binary, re-run as a child), so that nothing is warm. It reports the
// child's own timing of the two as first-call-ms; ns/op includes starting
// the process.
func BenchmarkFirstCall(b *testing.B) {
	var total time.Duration
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFirstCallChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STYTCHTEST_FIRST_CALL=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		_, after, ok := strings.Cut(string(out), "first-call-ns=")
		if !ok {
			b.Fatalf("no timing in\n%s", out)
		}
		ns, err := strconv.ParseInt(strings.Fields(after)[0], 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Duration(ns)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "first-call-ms")
}

// TestFirstCallChild is BenchmarkFirstCall's child; it does nothing in a
// plain test run.
func TestFirstCallChild(t *testing.T) {
	if os.Getenv("STYTCHTEST_FIRST_CALL") == "" {
		t.Skip("run by BenchmarkFirstCall")
	}
	start := time.Now()
	srv := NewServer()
	defer srv.Close()
	if _, err := srv.ConsumerClient().MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("first-call-ns=" + strconv.FormatInt(int64(time.Since(start)), 10) + "\n")
}

// BenchmarkCall measures a warm emulator's round trip through the SDK: a
// read (Users.Get: routing, a path parameter, no body) and a write with a
// validated body (Users.Update).
func BenchmarkCall(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	c := srv.ConsumerClient()
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: ptr("bench@example.com")})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Users.Get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: u.UserID}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Users.Update", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Users.Update(ctx, &consumer.UsersUpdateParams{UserID: u.UserID, TrustedMetadata: map[string]any{"plan": "pro", "seats": 3}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// BenchmarkServeHTTP is BenchmarkCall without the network and the client:
// the emulator's own cost per request (route, authenticate, validate, bind,
// handle, encode).
func BenchmarkServeHTTP(b *testing.B) {
	e := NewEmulator()
	c := newBenchClient(b, e)
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: ptr("bench@example.com")})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, method, path, body string }{
		{"Users.Get", http.MethodGet, "/v1/users/" + u.UserID, ""},
		{"Users.Update", http.MethodPut, "/v1/users/" + u.UserID, `{"trusted_metadata":{"plan":"pro","seats":3}}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
				req.SetBasicAuth(e.ProjectID(), e.Secret())
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				e.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Body.String())
				}
			}
		})
	}
}

// newBenchClient is a consumer client of e through no network.
func newBenchClient(b *testing.B, e *Emulator) *consumer.Client {
	c, err := consumer.NewClient(e.ProjectID(), e.Secret(), stytch.WithBaseURL("http://emulator"), stytch.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		return w.Result(), nil
	})}))
	if err != nil {
		b.Fatal(err)
	}
	return c
}
