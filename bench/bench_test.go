package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	sgb2b "github.com/stytchauth/stytch-go/v18/stytch/b2b/b2bstytchapi"
	sgconsumer "github.com/stytchauth/stytch-go/v18/stytch/consumer/stytchapi"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

const (
	projectID = "project-test-11111111-2222-4333-8444-555555555555"
	secret    = "secret-test-bench-000000000000000000000"
	kid       = "jwk-test-bench-1"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	epoch   = time.Now().UTC().Truncate(time.Second)
)

func signingKey() *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

// Token kinds, with the claims Stytch issues for each.
const (
	consumerSession = iota
	memberSession
	m2mToken
)

func claims(kind, n int) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": "stytch.com/" + projectID, "aud": []string{projectID},
		"sub": "user-test-e3bd9b9e-1f3c-4d6e-9b1a-1234567890ab",
		"iat": epoch.Unix(), "nbf": epoch.Unix(),
		// An hour rather than Stytch's five minutes, so that -count 6 runs
		// of the same tokens stay valid; verification costs the same.
		"exp": epoch.Add(time.Hour).Unix(),
		"jti": strconv.Itoa(n), // each token unique
	}
	if kind == m2mToken {
		c["sub"] = "m2m-client-test-d731954d-dab3-4a2b-bdee-07f3ad1be885"
		c["scope"] = "read:users write:users"
		return c
	}
	c["https://stytch.com/session"] = map[string]any{
		"id":               "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
		"started_at":       epoch.Add(-time.Hour).Format(time.RFC3339),
		"last_accessed_at": epoch.Format(time.RFC3339),
		"expires_at":       epoch.Add(time.Hour).Format(time.RFC3339),
		"attributes":       map[string]any{"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0"},
		"authentication_factors": []any{map[string]any{
			"type": "magic_link", "delivery_method": "email",
			"last_authenticated_at": epoch.Format(time.RFC3339),
			"email_factor": map[string]any{
				"email_id":      "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953",
				"email_address": "sandbox@stytch.com",
			},
		}},
		"roles": []string{"stytch_user", "editor"},
	}
	c["plan"], c["seats"] = "pro", 12
	if kind == memberSession {
		c["sub"] = "member-test-32fc5024-9c09-4da3-bd2e-c9ce4da9375f"
		c["https://stytch.com/organization"] = map[string]any{
			"organization_id": "organization-test-07971b06-ac8b-4cdb-9c15-63b17e653931", "slug": "acme",
		}
	}
	return c
}

var (
	poolMu sync.Mutex
	pools  = map[int][]string{}
)

// tokens returns n distinct tokens of a kind, signed once for all runs:
// RSA signing (~1.5 ms) would dwarf what is measured.
func tokens(b testing.TB, kind, n int) []string {
	b.Helper()
	poolMu.Lock()
	defer poolMu.Unlock()
	have := pools[kind]
	if len(have) < n {
		more := make([]string, n-len(have))
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(more); i += workers {
					t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(kind, len(have)+i))
					t.Header["kid"] = kid
					s, err := t.SignedString(signingKey())
					if err != nil {
						panic(err)
					}
					more[i] = s
				}
			})
		}
		wg.Wait()
		have = append(have, more...)
		pools[kind] = have
	}
	return have[:n]
}

// jwksServer serves the signing key at both surfaces' JWKS paths.
func jwksServer(b testing.TB) string {
	b.Helper()
	pub := signingKey().PublicKey
	body, err := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "key_ops": []string{"verify"},
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}, "request_id": "request-id-test-bench", "status_code": 200})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/sessions/jwks/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

var ctx = context.Background()

// run measures verification over never-seen tokens (each verified once: a
// signature check and the claims to a session) and over one token again
// and again (a cache hit and a copy of the session). Every round of a
// sub-benchmark gets a fresh client from newVerify, so never-seen tokens
// really are; each fetches its keys with a token outside the measured ones.
func run(b *testing.B, kind int, newVerify func(testing.TB) func(string) error) {
	b.Run("never-seen", func(b *testing.B) {
		verify := newVerify(b)
		toks := tokens(b, kind, b.N+1)
		if err := verify(toks[b.N]); err != nil {
			b.Fatal(err)
		}
		runtime.GC() // signing the tokens left garbage that is not this loop's
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := verify(toks[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("repeated", func(b *testing.B) {
		verify := newVerify(b)
		tok := tokens(b, kind, 1)[0]
		if err := verify(tok); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func newConsumer(b testing.TB, url string) *consumer.Client {
	c, err := consumer.NewClient(projectID, secret, stytch.WithBaseURL(url))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

// oursConsumer is consumer.Client.Sessions.AuthenticateJWTLocal.
func oursConsumer(url string) func(testing.TB) func(string) error {
	return func(b testing.TB) func(string) error {
		c := newConsumer(b, url)
		return func(tok string) error {
			_, err := c.Sessions.AuthenticateJWTLocal(ctx, tok)
			return err
		}
	}
}

// oursB2B is b2b.Client.Sessions.AuthenticateJWTLocal.
func oursB2B(url string) func(testing.TB) func(string) error {
	return func(b testing.TB) func(string) error {
		c, err := b2b.NewClient(projectID, secret, stytch.WithBaseURL(url))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Close() })
		return func(tok string) error {
			_, err := c.Sessions.AuthenticateJWTLocal(ctx, tok)
			return err
		}
	}
}

// maxTokenAge is what stytch-go's local verification requires: the tokens'
// lifetime, so that it refuses none of them (the check is one comparison).
const maxTokenAge = time.Hour

// stytchGoContext is stytch-go's initialization context, whose child runs
// its keyfunc's background refresh; v18 has no Close, so cancelling this
// when the round ends is what stops that goroutine.
func stytchGoContext(b testing.TB) context.Context {
	c, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	return c
}

// stytchGoConsumer is stytch-go's consumer Sessions.AuthenticateJWTLocal.
// Its NewClient fetches the JWKS (GET /v1/sessions/jwks/<project>) from the
// base URI before returning, so the keys are in hand before the first
// token, as ours are after the warm-up token.
func stytchGoConsumer(url string) func(testing.TB) func(string) error {
	return func(b testing.TB) func(string) error {
		c, err := sgconsumer.NewClient(projectID, secret,
			sgconsumer.WithBaseURI(url), sgconsumer.WithInitializationContext(stytchGoContext(b)))
		if err != nil {
			b.Fatal(err)
		}
		return func(tok string) error {
			_, err := c.Sessions.AuthenticateJWTLocal(tok, maxTokenAge)
			return err
		}
	}
}

// stytchGoB2B is stytch-go's B2B Sessions.AuthenticateJWTLocal, with no
// authorization check; it fetches GET /v1/b2b/sessions/jwks/<project>.
func stytchGoB2B(url string) func(testing.TB) func(string) error {
	return func(b testing.TB) func(string) error {
		c, err := sgb2b.NewClient(projectID, secret,
			sgb2b.WithBaseURI(url), sgb2b.WithInitializationContext(stytchGoContext(b)))
		if err != nil {
			b.Fatal(err)
		}
		return func(tok string) error {
			_, err := c.Sessions.AuthenticateJWTLocal(ctx, tok, maxTokenAge, nil)
			return err
		}
	}
}

// BenchmarkConsumerSession is consumer.Client.Sessions.AuthenticateJWTLocal.
func BenchmarkConsumerSession(b *testing.B) {
	run(b, consumerSession, oursConsumer(jwksServer(b)))
}

// BenchmarkB2BSession is b2b.Client.Sessions.AuthenticateJWTLocal.
func BenchmarkB2BSession(b *testing.B) {
	run(b, memberSession, oursB2B(jwksServer(b)))
}

// BenchmarkStytchGoConsumerSession is stytch-go's consumer
// Sessions.AuthenticateJWTLocal on the same tokens. stytch-go caches no
// verified token, so its "repeated" is a full verification again.
func BenchmarkStytchGoConsumerSession(b *testing.B) {
	run(b, consumerSession, stytchGoConsumer(jwksServer(b)))
}

// BenchmarkStytchGoB2BSession is stytch-go's B2B
// Sessions.AuthenticateJWTLocal on the same tokens.
func BenchmarkStytchGoB2BSession(b *testing.B) {
	run(b, memberSession, stytchGoB2B(jwksServer(b)))
}

// BenchmarkM2MToken is consumer.Client.M2M.AuthenticateToken with a
// required scope.
func BenchmarkM2MToken(b *testing.B) {
	url := jwksServer(b)
	run(b, m2mToken, func(b testing.TB) func(string) error {
		c := newConsumer(b, url)
		return func(tok string) error {
			_, err := c.M2M.AuthenticateToken(ctx, tok, stytch.WithRequiredScopes("read:users"))
			return err
		}
	})
}

// BenchmarkFloor is golang-jwt alone: Parse of the same session JWTs into
// jwt.RegisteredClaims, with the key already parsed and the same checks of
// alg, iss, aud and times. No verification can do less and be correct.
func BenchmarkFloor(b *testing.B) {
	pub := &signingKey().PublicKey
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(projectID), jwt.WithIssuer("stytch.com/"+projectID))
	keyfunc := func(*jwt.Token) (any, error) { return pub, nil }
	for _, k := range []struct {
		name string
		kind int
	}{{"consumer", consumerSession}, {"b2b", memberSession}} {
		b.Run(k.name, func(b *testing.B) {
			toks := tokens(b, k.kind, b.N)
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := parser.ParseWithClaims(toks[i], &jwt.RegisteredClaims{}, keyfunc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPaired verifies each never-seen token with the SDK, with
// stytch-go and with the floor back to back, rotating through all six
// orders of the three so that each is first, second and third equally
// often, and reports each one's mean time and the ratios. On a shared
// machine whose load swings between runs, only measurements taken this
// close together compare fairly.
func BenchmarkPaired(b *testing.B) {
	url := jwksServer(b)
	pub := &signingKey().PublicKey
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(projectID), jwt.WithIssuer("stytch.com/"+projectID))
	keyfunc := func(*jwt.Token) (any, error) { return pub, nil }
	floor := func(tok string) error {
		_, err := parser.ParseWithClaims(tok, &jwt.RegisteredClaims{}, keyfunc)
		return err
	}
	orders := [6][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	for _, k := range []struct {
		name          string
		kind          int
		ours, stytchG func(testing.TB) func(string) error
	}{
		{"consumer", consumerSession, oursConsumer(url), stytchGoConsumer(url)},
		{"b2b", memberSession, oursB2B(url), stytchGoB2B(url)},
	} {
		b.Run(k.name, func(b *testing.B) {
			impls := [3]func(string) error{k.ours(b), k.stytchG(b), floor}
			toks := tokens(b, k.kind, b.N+1)
			for _, f := range impls {
				if err := f(toks[b.N]); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			var spent [3]time.Duration
			b.ResetTimer()
			for i := range b.N {
				for _, j := range orders[i%len(orders)] {
					start := time.Now()
					if err := impls[j](toks[i]); err != nil {
						b.Fatal(err)
					}
					spent[j] += time.Since(start)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(spent[0].Nanoseconds())/n, "ours-ns/op")
			b.ReportMetric(float64(spent[1].Nanoseconds())/n, "stytchgo-ns/op")
			b.ReportMetric(float64(spent[2].Nanoseconds())/n, "floor-ns/op")
			b.ReportMetric(float64(spent[0])/float64(spent[2]), "ours/floor")
			b.ReportMetric(float64(spent[0])/float64(spent[1]), "ours/stytchgo")
			b.ReportMetric(float64(spent[1])/float64(spent[2]), "stytchgo/floor")
		})
	}
}

// TestSameSessions checks that stytch-go accepts the benchmarks' tokens
// and reads the same session out of them as the SDK, so that the
// benchmarks compare like with like.
func TestSameSessions(t *testing.T) {
	url := jwksServer(t)
	tok := tokens(t, consumerSession, 1)[0]
	ours, err := newConsumer(t, url).Sessions.AuthenticateJWTLocal(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := sgconsumer.NewClient(projectID, secret, sgconsumer.WithBaseURI(url), sgconsumer.WithInitializationContext(stytchGoContext(t)))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := sg.Sessions.AuthenticateJWTLocal(tok, maxTokenAge)
	if err != nil {
		t.Fatal(err)
	}
	if ours.SessionID != theirs.SessionID || ours.UserID != theirs.UserID || len(ours.AuthenticationFactors) != len(theirs.AuthenticationFactors) ||
		!ours.ExpiresAt.Equal(*theirs.ExpiresAt) || len(theirs.CustomClaims) != 3 {
		t.Errorf("consumer: ours %+v, stytch-go %+v", ours, theirs)
	}

	tok = tokens(t, memberSession, 1)[0]
	c, err := b2b.NewClient(projectID, secret, stytch.WithBaseURL(url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	oursM, err := c.Sessions.AuthenticateJWTLocal(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	sgB, err := sgb2b.NewClient(projectID, secret, sgb2b.WithBaseURI(url), sgb2b.WithInitializationContext(stytchGoContext(t)))
	if err != nil {
		t.Fatal(err)
	}
	theirsM, err := sgB.Sessions.AuthenticateJWTLocal(ctx, tok, maxTokenAge, nil)
	if err != nil {
		t.Fatal(err)
	}
	if oursM.MemberSessionID != theirsM.MemberSessionID || oursM.MemberID != theirsM.MemberID ||
		oursM.OrganizationID != theirsM.OrganizationID || oursM.OrganizationSlug != theirsM.OrganizationSlug || oursM.OrganizationID == "" {
		t.Errorf("b2b: ours %+v, stytch-go %+v", oursM, theirsM)
	}
}
