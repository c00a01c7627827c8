package jwtauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch/internal/leakcheck"
)

// TestMain fails the package if its tests leave goroutines behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := leakcheck.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// noLeaks fails t if a goroutine that is not a test's is still running.
func noLeaks(t *testing.T) {
	t.Helper()
	if err := leakcheck.Find(); err != nil {
		t.Error(err)
	}
}

const testProject = "project-test-11111111-2222-4333-8444-555555555555"

var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type testKey struct {
	kid  string
	priv *rsa.PrivateKey
	cert []byte // self-signed, DER; only some keys publish x5c
}

// Generating RSA keys is slow, so the tests share a few.
var (
	keysOnce sync.Once
	keyPool  []*testKey
)

func testKeys(tb testing.TB) []*testKey {
	tb.Helper()
	keysOnce.Do(func() {
		for i := range 4 {
			priv, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(int64(i + 1)),
				Subject:      pkix.Name{CommonName: "jwtauth-test"},
				NotBefore:    epoch.Add(-time.Hour),
				NotAfter:     epoch.Add(24 * time.Hour),
			}
			cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
			if err != nil {
				panic(err)
			}
			keyPool = append(keyPool, &testKey{kid: "jwk-test-" + string(rune('a'+i)), priv: priv, cert: cert})
		}
	})
	return keyPool
}

// jwk renders k the way Stytch's JWKS endpoint does.
func (k *testKey) jwk(withX5C bool) map[string]any {
	m := map[string]any{
		"kty": "RSA", "use": "sig", "key_ops": []string{"verify"}, "alg": "RS256", "kid": k.kid,
		"n": base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
	}
	if withX5C {
		sum := sha256.Sum256(k.cert)
		m["x5c"] = []string{base64.StdEncoding.EncodeToString(k.cert)}
		m["x5t#S256"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return m
}

func jwksJSON(keys ...*testKey) []byte {
	list := []any{}
	for i, k := range keys {
		list = append(list, k.jwk(i%2 == 0))
	}
	b, err := json.Marshal(map[string]any{"keys": list, "request_id": "request-id-test-1", "status_code": 200})
	if err != nil {
		panic(err)
	}
	return b
}

// fakeJWKS is a FetchFunc that counts calls. gate, if set, holds every fetch
// until it is closed.
type fakeJWKS struct {
	mu    sync.Mutex
	keys  []*testKey
	err   error
	gate  chan struct{}
	calls atomic.Int32
}

func (f *fakeJWKS) set(keys ...*testKey) {
	f.mu.Lock()
	f.keys = keys
	f.mu.Unlock()
}

func (f *fakeJWKS) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *fakeJWKS) fetch(ctx context.Context) ([]byte, error) {
	f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return jwksJSON(f.keys...), nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sessionClaims are a consumer session JWT's claims as Stytch issues them.
func sessionClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": "stytch.com/" + testProject,
		"aud": []string{testProject},
		"sub": "user-test-e3bd9b9e-1f3c-4d6e-9b1a-1234567890ab",
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
		ClaimSession: map[string]any{
			"id":               "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
			"started_at":       now.Add(-time.Hour).Format(time.RFC3339),
			"last_accessed_at": now.Format(time.RFC3339),
			"expires_at":       now.Add(time.Hour).Format(time.RFC3339),
			"attributes":       map[string]any{"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0"},
			"authentication_factors": []any{map[string]any{
				"type": "magic_link", "delivery_method": "email",
				"last_authenticated_at": now.Format(time.RFC3339),
				"email_factor": map[string]any{
					"email_id":      "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953",
					"email_address": "sandbox@stytch.com",
				},
			}},
			"roles": []string{"stytch_user", "editor"},
		},
		"plan":  "pro",
		"seats": 12,
	}
}

func sign(tb testing.TB, k *testKey, claims jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.kid
	s, err := t.SignedString(k.priv)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// staticKeys is a KeySource over fixed keys that counts lookups.
type staticKeys struct {
	keys    map[string]*rsa.PublicKey
	lookups atomic.Int32
}

func newStaticKeys(keys ...*testKey) *staticKeys {
	s := &staticKeys{keys: map[string]*rsa.PublicKey{}}
	for _, k := range keys {
		s.keys[k.kid] = &k.priv.PublicKey
	}
	return s
}

func (s *staticKeys) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	s.lookups.Add(1)
	if k := s.keys[kid]; k != nil {
		return k, nil
	}
	return nil, fail(ErrUnknownKey, nil)
}

func requireReason(tb testing.TB, err, reason error) {
	tb.Helper()
	if err == nil {
		tb.Fatal("got no error, want one")
	}
	if !errors.Is(err, reason) {
		tb.Fatalf("err = %v, want %v", err, reason)
	}
	var ve *VerifyError
	if !errors.As(err, &ve) {
		tb.Fatalf("want *VerifyError, got %T", err)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func readAll(resp *http.Response) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// waitFor polls cond until it holds, failing t after timeout.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not true after %v: %s", timeout, what)
		}
	}
}
