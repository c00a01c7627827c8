package jwtauth

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func newTestVerifier(t *testing.T, keys KeySource, clock *fakeClock, mod ...func(*VerifierOptions)) *Verifier {
	t.Helper()
	opts := VerifierOptions{ProjectID: testProject, Issuers: []string{"https://auth.example.com/"}, Now: clock.Now}
	for _, m := range mod {
		m(&opts)
	}
	v, err := NewVerifier(keys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyValidSessionJWT(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	clock := newClock()
	v := newTestVerifier(t, newStaticKeys(keys[0]), clock)
	token := sign(t, keys[0], sessionClaims(clock.Now()))

	c, err := v.Verify(context.Background(), token, KindSession)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != ("stytch.com/" + testProject) {
		t.Fatalf("c.Issuer = %q, want %q", c.Issuer, "stytch.com/"+testProject)
	}
	if want := []string{testProject}; !reflect.DeepEqual(c.Audience, want) {
		t.Fatalf("c.Audience = %q, want %q", c.Audience, want)
	}
	if want := "user-test-e3bd9b9e-1f3c-4d6e-9b1a-1234567890ab"; c.Subject != want {
		t.Fatalf("c.Subject = %q, want %q", c.Subject, want)
	}
	if want := clock.Now().Add(5 * time.Minute); !reflect.DeepEqual(c.ExpiresAt, want) {
		t.Fatalf("c.ExpiresAt = %+v, want %+v", c.ExpiresAt, want)
	}
	if !reflect.DeepEqual(c.IssuedAt, clock.Now()) {
		t.Fatalf("c.IssuedAt = %+v, want %+v", c.IssuedAt, clock.Now())
	}
	if !reflect.DeepEqual(c.NotBefore, clock.Now()) {
		t.Fatalf("c.NotBefore = %+v, want %+v", c.NotBefore, clock.Now())
	}
	if c.KeyID != keys[0].kid {
		t.Fatalf("c.KeyID = %q, want %q", c.KeyID, keys[0].kid)
	}

	s := c.Session
	if s == nil {
		t.Fatal("s = nil, want non-nil")
	}
	if want := "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509"; s.ID != want {
		t.Fatalf("s.ID = %q, want %q", s.ID, want)
	}
	if want := []string{"stytch_user", "editor"}; !reflect.DeepEqual(s.Roles, want) {
		t.Fatalf("s.Roles = %q, want %q", s.Roles, want)
	}
	if s.Attributes.IPAddress != "203.0.113.7" {
		t.Fatalf("s.Attributes.IPAddress = %q, want %q", s.Attributes.IPAddress, "203.0.113.7")
	}
	var factors []map[string]any
	if err := json.Unmarshal(s.AuthenticationFactors, &factors); err != nil {
		t.Fatal(err)
	}
	if len(factors) != 1 {
		t.Fatalf("len(factors) = %d, want %d: %v", len(factors), 1, factors)
	}
	if got, want := keysOf(c.Custom), []string{"plan", "seats"}; !slices.Equal(got, want) {
		t.Fatalf("registered and Stytch claims are not custom: custom claims %q, want %q", got, want)
	}
	if c.Organization != nil {
		t.Fatalf("c.Organization = %+v, want nil", c.Organization)
	}
}

func TestVerifyAcceptsConfiguredIssuer(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	clock := newClock()
	v := newTestVerifier(t, newStaticKeys(keys[0]), clock)
	claims := sessionClaims(clock.Now())
	claims["iss"] = "https://auth.example.com" // configured with a trailing slash
	_, err := v.Verify(context.Background(), sign(t, keys[0], claims), KindSession)
	if err != nil {
		t.Fatal(err)
	}

	claims["iss"] = "https://auth.example.com/"
	requireReason(t, mustErr(v.Verify(context.Background(), sign(t, keys[0], claims), KindSession)), ErrWrongIssuer)
}

func mustErr(_ *Claims, err error) error { return err }

// unsignedToken builds header.payload.signature from raw JSON.
func unsignedToken(header, payload string, sig []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sig)
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	own, foreign := keys[0], keys[1]
	now := epoch

	with := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := sessionClaims(now)
		mod(c)
		return c
	}
	valid := sign(t, own, sessionClaims(now))
	parts := strings.Split(valid, ".")

	pubDER, err := x509.MarshalPKIXPublicKey(&own.priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	tests := []struct {
		name     string
		token    func(t *testing.T) string
		maxAge   time.Duration
		reason   error
		fallback bool
	}{
		{"expired", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }))
		}, 0, ErrExpired, true},
		{"not yet valid", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }))
		}, 0, ErrNotYetValid, true},
		{"issued in the future", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() }))
		}, 0, ErrNotYetValid, true},
		{"too old", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["iat"] = now.Add(-2 * time.Minute).Unix() }))
		}, time.Minute, ErrTokenTooOld, true},
		{"max age without iat", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { delete(c, "iat") }))
		}, time.Minute, ErrTokenTooOld, true},
		{"unknown kid", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, sessionClaims(now))
			tok.Header["kid"] = "jwk-test-nobody"
			s, err := tok.SignedString(foreign.priv)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 0, ErrUnknownKey, false},
		{"wrong issuer", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["iss"] = "stytch.com/project-test-other" }))
		}, 0, ErrWrongIssuer, false},
		{"wrong audience", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["aud"] = []string{"project-test-other"} }))
		}, 0, ErrWrongAudience, false},
		{"no audience", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { delete(c, "aud") }))
		}, 0, ErrWrongAudience, false},
		{"alg none", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, sessionClaims(now))
			tok.Header["kid"] = own.kid
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 0, ErrUnsupportedAlg, false},
		{"HS256 keyed with the public key", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, sessionClaims(now))
			tok.Header["kid"] = own.kid
			s, err := tok.SignedString(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 0, ErrUnsupportedAlg, false},
		{"RS512", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, sessionClaims(now))
			tok.Header["kid"] = own.kid
			s, err := tok.SignedString(own.priv)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 0, ErrUnsupportedAlg, false},
		{"unknown alg", func(*testing.T) string {
			return unsignedToken(`{"alg":"XX999","kid":"`+own.kid+`"}`, `{}`, []byte("sig"))
		}, 0, ErrUnsupportedAlg, false},
		{"no alg", func(*testing.T) string {
			return unsignedToken(`{"kid":"`+own.kid+`"}`, `{}`, []byte("sig"))
		}, 0, ErrUnsupportedAlg, false},
		{"tampered payload", func(t *testing.T) string {
			c := sessionClaims(now)
			c["sub"] = "user-test-attacker"
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
		}, 0, ErrBadSignature, false},
		{"tampered and expired", func(t *testing.T) string {
			c := sessionClaims(now)
			c["exp"] = now.Add(-time.Hour).Unix()
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
		}, 0, ErrBadSignature, false},
		{"foreign key under a known kid", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, sessionClaims(now))
			tok.Header["kid"] = own.kid
			s, err := tok.SignedString(foreign.priv)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 0, ErrBadSignature, false},
		{"signature truncated", func(*testing.T) string {
			return parts[0] + "." + parts[1] + "." + parts[2][:100]
		}, 0, ErrBadSignature, false},
		{"no kid", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, sessionClaims(now))
			s, err := tok.SignedString(own.priv)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, 0, ErrMalformed, false},
		{"no exp", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { delete(c, "exp") }))
		}, 0, ErrMalformed, false},
		{"exp is a string", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["exp"] = "tomorrow" }))
		}, 0, ErrMalformed, false},
		{"empty", func(*testing.T) string { return "" }, 0, ErrMalformed, false},
		{"two segments", func(*testing.T) string { return parts[0] + "." + parts[1] }, 0, ErrMalformed, false},
		{"four segments", func(*testing.T) string { return valid + ".x" }, 0, ErrMalformed, false},
		{"bad base64 header", func(*testing.T) string { return "!!!." + parts[1] + "." + parts[2] }, 0, ErrMalformed, false},
		{"padded base64", func(*testing.T) string { return parts[0] + "=." + parts[1] + "." + parts[2] }, 0, ErrMalformed, false},
		{"header not JSON", func(*testing.T) string {
			return base64.RawURLEncoding.EncodeToString([]byte("RS256")) + "." + parts[1] + "." + parts[2]
		}, 0, ErrMalformed, false},
		{"payload not JSON", func(t *testing.T) string {
			return signRaw(t, own, parts[0]+"."+base64.RawURLEncoding.EncodeToString([]byte("[1,2")))
		}, 0, ErrMalformed, false},
		{"payload not JSON, signature bad", func(*testing.T) string {
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("[1,2")) + "." + parts[2]
		}, 0, ErrBadSignature, false},
		{"bad base64 signature", func(*testing.T) string { return parts[0] + "." + parts[1] + ".!!" }, 0, ErrMalformed, false},
		{"kid not a string", func(t *testing.T) string {
			return signRaw(t, own, base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":{}}`))+"."+parts[1])
		}, 0, ErrMalformed, false},
		{"an M2M token", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { delete(c, ClaimSession); c["scope"] = "read:users" }))
		}, 0, ErrWrongKind, false},
		{"a B2B member session", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c[ClaimOrganization] = map[string]any{"organization_id": "o"} }))
		}, 0, ErrWrongKind, false},
		{"expired M2M token", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { delete(c, ClaimSession); c["exp"] = now.Add(-time.Hour).Unix() }))
		}, 0, ErrWrongKind, false},
		{"oversized", func(t *testing.T) string {
			return sign(t, own, with(func(c jwt.MapClaims) { c["blob"] = strings.Repeat("x", DefaultMaxTokenSize) }))
		}, 0, ErrTooLarge, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			keys := newStaticKeys(own)
			clock := newClock()
			v := newTestVerifier(t, keys, clock)
			token := tt.token(t)
			c, err := v.Verify(context.Background(), token, KindSession, WithMaxTokenAge(tt.maxAge))
			if c != nil {
				t.Fatalf("c = %+v, want nil", c)
			}
			requireReason(t, err, tt.reason)
			if got := Fallbackable(err); got != tt.fallback {
				t.Fatalf("Fallbackable(%v): Fallbackable(err) = %v, want %v", err, got, tt.fallback)
			}
			for _, seg := range strings.Split(token, ".") {
				if len(seg) >= 8 {
					if strings.Contains(err.Error(), seg) {
						t.Fatalf("the error quotes the token: err.Error() = %q, want it not to contain %q", err.Error(), seg)
					}
				}
			}
			if tt.reason == ErrTooLarge {
				if keys.lookups.Load() != 0 {
					t.Fatalf("an oversized token reached the key lookup: keys.lookups.Load() = %v, want 0", keys.lookups.Load())
				}
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	ctx := context.Background()
	clock := newClock()
	token := sign(t, keys[0], sessionClaims(clock.Now()))
	v := newTestVerifier(t, newStaticKeys(keys[0]), clock, func(o *VerifierOptions) { o.CacheSize = -1 })

	clock.Advance(5*time.Minute + DefaultLeeway - time.Second)
	_, err := v.Verify(ctx, token, KindSession)
	if err != nil {
		t.Fatalf("within the leeway after exp: %v", err)
	}
	clock.Advance(time.Second)
	requireReason(t, mustErr(v.Verify(ctx, token, KindSession)), ErrExpired)

	strict := newTestVerifier(t, newStaticKeys(keys[0]), clock, func(o *VerifierOptions) { o.Leeway = -1 })
	early := sessionClaims(clock.Now().Add(time.Second))
	requireReason(t, mustErr(strict.Verify(ctx, sign(t, keys[0], early), KindSession)), ErrNotYetValid)
	_, err = v.Verify(ctx, sign(t, keys[0], early), KindSession)
	if err != nil {
		t.Fatalf("nbf one second ahead is within the default leeway: %v", err)
	}
}

func TestVerifyCache(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	ctx := context.Background()
	clock := newClock()
	src := newStaticKeys(keys[0])
	v := newTestVerifier(t, src, clock)
	token := sign(t, keys[0], sessionClaims(clock.Now()))

	first, err := v.Verify(ctx, token, KindSession)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		c, err := v.Verify(ctx, token, KindSession)
		if err != nil {
			t.Fatal(err)
		}
		if c != first {
			t.Fatalf("c = %p, want the same pointer as %p", c, first)
		}
	}
	if got := src.lookups.Load(); got != int32(1) {
		t.Fatalf("a repeated token must be verified once: src.lookups.Load() = %v, want %v", got, 1)
	}

	// Max age is a per-call policy, checked on hits too.
	clock.Advance(2 * time.Minute)
	requireReason(t, mustErr(v.Verify(ctx, token, KindSession, WithMaxTokenAge(time.Minute))), ErrTokenTooOld)
	_, err = v.Verify(ctx, token, KindSession, WithMaxTokenAge(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got := src.lookups.Load(); got != int32(1) {
		t.Fatalf("src.lookups.Load() = %v, want %v", got, 1)
	}

	// The entry dies at exp; the token is then verified afresh (and passes in the leeway).
	clock.Advance(3 * time.Minute)
	_, err = v.Verify(ctx, token, KindSession)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.lookups.Load(); got != int32(2) {
		t.Fatalf("src.lookups.Load() = %v, want %v", got, 2)
	}
	if v.cache.len() != 0 {
		t.Fatalf("a token past exp must not be cached: v.cache.len() = %v, want 0", v.cache.len())
	}
	clock.Advance(DefaultLeeway)
	requireReason(t, mustErr(v.Verify(ctx, token, KindSession)), ErrExpired)
}

func TestVerifyCacheIsBounded(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	ctx := context.Background()
	clock := newClock()
	src := newStaticKeys(keys[0])
	v := newTestVerifier(t, src, clock, func(o *VerifierOptions) { o.CacheSize = 2 })
	tokens := make([]string, 3)
	for i := range tokens {
		c := sessionClaims(clock.Now())
		c["n"] = i
		tokens[i] = sign(t, keys[0], c)
	}
	for _, tok := range tokens[:2] {
		_, err := v.Verify(ctx, tok, KindSession)
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := v.Verify(ctx, tokens[0], KindSession) // tokens[1] is now least recently used
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(ctx, tokens[2], KindSession)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.cache.len(); got != 2 {
		t.Fatalf("v.cache.len() = %v, want %v", got, 2)
	}
	if got := src.lookups.Load(); got != int32(3) {
		t.Fatalf("src.lookups.Load() = %v, want %v", got, 3)
	}

	_, err = v.Verify(ctx, tokens[0], KindSession)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.lookups.Load(); got != int32(3) {
		t.Fatalf("tokens[0] should have stayed: src.lookups.Load() = %v, want %v", got, 3)
	}
	_, err = v.Verify(ctx, tokens[1], KindSession)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.lookups.Load(); got != int32(4) {
		t.Fatalf("tokens[1] should have been evicted: src.lookups.Load() = %v, want %v", got, 4)
	}
}

func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	clock := newClock()
	jwks := &fakeJWKS{}
	jwks.set(keys[0], keys[1])
	ks := NewKeySet(jwks.fetch, KeySetOptions{Now: clock.Now})
	defer ks.Close()
	v := newTestVerifier(t, ks, clock, func(o *VerifierOptions) { o.CacheSize = 8 })

	var good, bad []string
	for i := range 16 {
		c := sessionClaims(clock.Now())
		c["n"] = i
		good = append(good, sign(t, keys[i%2], c))
		c["aud"] = "project-test-other"
		bad = append(bad, sign(t, keys[i%2], c))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 32 {
		wg.Go(func() {
			for i := range 200 {
				tok := good[(g+i)%len(good)]
				if _, err := v.Verify(context.Background(), tok, KindSession); err != nil {
					errs <- err
					return
				}
				if _, err := v.Verify(context.Background(), bad[(g+i)%len(bad)], KindSession); !errors.Is(err, ErrWrongAudience) {
					errs <- fmt.Errorf("bad token: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := jwks.calls.Load(); got != int32(1) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 1)
	}
}

func TestNewVerifierNeedsProjectAndKeys(t *testing.T) {
	t.Parallel()
	_, err := NewVerifier(newStaticKeys(), VerifierOptions{})
	if err == nil || !strings.Contains(err.Error(), "project ID") {
		t.Fatalf("err = %v, want an error containing %q", err, "project ID")
	}
	if !strings.HasPrefix(err.Error(), "stytch: ") {
		t.Fatalf("err = %q, want it to start with %q", err, "stytch: ")
	}
	_, err = NewVerifier(nil, VerifierOptions{ProjectID: testProject})
	if err == nil || !strings.Contains(err.Error(), "KeySource") {
		t.Fatalf("err = %v, want an error containing %q", err, "KeySource")
	}
	if !strings.HasPrefix(err.Error(), "stytch: ") {
		t.Fatalf("err = %q, want it to start with %q", err, "stytch: ")
	}
	v, err := NewVerifier(newStaticKeys(), VerifierOptions{ProjectID: testProject})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), "x", Kind(0))
	requireReason(t, err, ErrWrongKind)
	if !strings.HasPrefix(err.Error(), "stytch: ") {
		t.Fatalf("err = %q, want it to start with %q", err, "stytch: ")
	}
	if err := CheckTenancy("org-a", "org-b"); !strings.HasPrefix(err.Error(), "stytch: ") {
		t.Fatalf("CheckTenancy = %q, want it to start with %q", err, "stytch: ")
	}
}

func TestFallbackableOnForeignErrors(t *testing.T) {
	t.Parallel()
	if Fallbackable(nil) {
		t.Fatal("Fallbackable(nil) = true, want false")
	}
	if Fallbackable(errors.New("other")) {
		t.Fatal("Fallbackable(errors.New(\"other\")) = true, want false")
	}
	if !Fallbackable(fmt.Errorf("wrapped: %w", fail(ErrExpired, nil))) {
		t.Fatal("Fallbackable of a wrapped ErrExpired = false, want true")
	}
	var ve *VerifyError
	if err := fmt.Errorf("wrapped: %w", fail(ErrBadSignature, nil)); !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a %T", err, ve)
	}
	if ve.Reason != ErrBadSignature {
		t.Fatalf("ve.Reason = %v, want %v", ve.Reason, ErrBadSignature)
	}
}

// signRaw signs signingString (header.payload, base64url) with RS256.
func signRaw(tb testing.TB, k *testKey, signingString string) string {
	tb.Helper()
	sig, err := jwt.SigningMethodRS256.Sign(signingString, k.priv)
	if err != nil {
		tb.Fatal(err)
	}
	return signingString + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// One token verified as two kinds gets two cache entries and two Claims,
// so what a caller derives for one kind is never handed to the other; and
// Derive of a type the memo does not hold is an error, not a panic.
func TestVerifyCacheIsPerKind(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	clock := newClock()
	src := newStaticKeys(keys[0])
	v := newTestVerifier(t, src, clock)
	ctx := context.Background()
	claims := sessionClaims(clock.Now())
	delete(claims, ClaimSession)
	m2m := sign(t, keys[0], claims)
	session := sign(t, keys[0], sessionClaims(clock.Now()))

	for range 2 {
		c, err := v.Verify(ctx, session, KindSession)
		if err != nil {
			t.Fatal(err)
		}
		n, err := Derive(c, func(*Claims) (int, error) { return 42, nil })
		if err != nil {
			t.Fatal(err)
		}
		if n != 42 {
			t.Fatalf("n = %v, want %v", n, 42)
		}
		requireReason(t, mustErr(v.Verify(ctx, session, KindM2M)), ErrWrongKind)
		requireReason(t, mustErr(v.Verify(ctx, session, KindMemberSession)), ErrWrongKind)
		requireReason(t, mustErr(v.Verify(ctx, m2m, KindSession)), ErrWrongKind)
		c, err = v.Verify(ctx, m2m, KindM2M)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Derive(c, func(*Claims) (string, error) { return "m2m", nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := v.cache.len(); got != 2 {
		t.Fatalf("one entry per token and kind that verified: v.cache.len() = %v, want %v", got, 2)
	}

	c, err := v.Verify(ctx, session, KindSession)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Derive(c, func(*Claims) (string, error) { return "wrong", nil })
	if err == nil || !strings.Contains(err.Error(), "stytch: internal error") {
		t.Fatalf("err = %v, want an error containing %q", err, "stytch: internal error")
	}
}
