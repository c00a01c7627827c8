package stytchhttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gostytch/stytch/consumer"

	"github.com/gostytch/stytch/stytchhttp"
	"github.com/gostytch/stytch/stytchtest"
)

// BenchmarkMiddleware measures what RequireSession adds to a request whose
// session JWT the client has verified before (the common case: a browser
// sends the same JWT for five minutes), against the bare handler in the
// same run, and with the SDK's AuthenticateJWT alone. The request is built
// once; each iteration is one ServeHTTP.
func BenchmarkMiddleware(b *testing.B) {
	srv := stytchtest.NewServer()
	defer srv.Close()
	srv.SetRBACPolicy(consumer.Policy{Roles: []consumer.PolicyRole{
		{RoleID: "stytch_user", Description: "everyone", Permissions: []consumer.PolicyRolePermission{{ResourceID: "documents", Actions: []string{"read"}}}},
	}, Resources: []consumer.PolicyResource{}, Scopes: []consumer.PolicyScope{}})
	client := srv.ConsumerClient()
	defer func() { _ = client.Close() }()
	s := signIn(b, srv, client, "bench@example.com", 60)
	auth, err := stytchhttp.NewConsumer(client)
	if err != nil {
		b.Fatal(err)
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := stytchhttp.ConsumerSessionFrom(r.Context()); !ok {
			b.Fatal("no session")
		}
		w.WriteHeader(http.StatusNoContent)
	})
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	r.AddCookie(&http.Cookie{Name: stytchhttp.DefaultJWTCookie, Value: s.SessionJWT})

	run := func(b *testing.B, h http.Handler) {
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, r) // warm the key set and the verified-token cache
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
			if w.status != http.StatusNoContent {
				b.Fatal(w.status)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, bare) })
	// What the SDK's own check costs, for comparison: the middleware's
	// overhead is RequireSession's time less this.
	b.Run("AuthenticateJWT", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.Sessions.AuthenticateJWT(r.Context(), s.SessionJWT); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RequireSession", func(b *testing.B) { run(b, auth.RequireSession(inner)) })
	b.Run("RequirePermission", func(b *testing.B) { run(b, auth.RequirePermission("documents", "read")(inner)) })
}

// discard is a ResponseWriter that keeps only the status, so that the
// benchmark measures the middleware, not a recorder's buffers.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(s int)           { d.status = s }

// The middleware keeps nothing per request: the allocations of a request
// are the same after a hundred requests as after thousands.
func TestNoAllocationGrowth(t *testing.T) {
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()
	defer func() { _ = client.Close() }()
	s := signIn(t, srv, client, "allocs@example.com", 60)
	auth, err := stytchhttp.NewConsumer(client)
	if err != nil {
		t.Fatal(err)
	}
	h := auth.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	r.AddCookie(&http.Cookie{Name: stytchhttp.DefaultJWTCookie, Value: s.SessionJWT})
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, r)
	first := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) })
	later := testing.AllocsPerRun(5000, func() { h.ServeHTTP(w, r) })
	if later > first {
		t.Fatalf("allocations grew with the request count: %v per request over 100, %v over 5000", first, later)
	}
}
