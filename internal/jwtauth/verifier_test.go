package jwtauth

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

func newTestVerifier(t *testing.T, keys KeySource, clock *fakeClock, mod ...func(*VerifierOptions)) *Verifier {
	t.Helper()
	opts := VerifierOptions{ProjectID: testProject, Issuers: []string{"https://auth.example.com/"}, Now: clock.Now}
	for _, m := range mod {
		m(&opts)
	}
	v, err := NewVerifier(keys, opts)
	require.NoError(t, err)
	return v
}

func TestVerifyValidSessionJWT(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	clock := newClock()
	v := newTestVerifier(t, newStaticKeys(keys[0]), clock)
	token := sign(t, keys[0], sessionClaims(clock.Now()))

	c, err := v.Verify(context.Background(), token, KindSession)
	require.NoError(t, err)
	require.Equal(t, "stytch.com/"+testProject, c.Issuer)
	require.Equal(t, []string{testProject}, c.Audience)
	require.Equal(t, "user-test-e3bd9b9e-1f3c-4d6e-9b1a-1234567890ab", c.Subject)
	require.Equal(t, clock.Now().Add(5*time.Minute), c.ExpiresAt)
	require.Equal(t, clock.Now(), c.IssuedAt)
	require.Equal(t, clock.Now(), c.NotBefore)
	require.Equal(t, keys[0].kid, c.KeyID)

	s := c.Session
	require.NotNil(t, s)
	require.Equal(t, "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509", s.ID)
	require.Equal(t, []string{"stytch_user", "editor"}, s.Roles)
	require.Equal(t, "203.0.113.7", s.Attributes.IPAddress)
	var factors []map[string]any
	require.NoError(t, json.Unmarshal(s.AuthenticationFactors, &factors))
	require.Len(t, factors, 1)
	require.ElementsMatch(t, []string{"plan", "seats"}, keysOf(c.Custom), "registered and Stytch claims are not custom")
	require.Nil(t, c.Organization)
}

func TestVerifyAcceptsConfiguredIssuer(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	clock := newClock()
	v := newTestVerifier(t, newStaticKeys(keys[0]), clock)
	claims := sessionClaims(clock.Now())
	claims["iss"] = "https://auth.example.com" // configured with a trailing slash
	_, err := v.Verify(context.Background(), sign(t, keys[0], claims), KindSession)
	require.NoError(t, err)

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
	require.NoError(t, err)
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
			require.NoError(t, err)
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
			require.NoError(t, err)
			return s
		}, 0, ErrUnsupportedAlg, false},
		{"HS256 keyed with the public key", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, sessionClaims(now))
			tok.Header["kid"] = own.kid
			s, err := tok.SignedString(pubPEM)
			require.NoError(t, err)
			return s
		}, 0, ErrUnsupportedAlg, false},
		{"RS512", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, sessionClaims(now))
			tok.Header["kid"] = own.kid
			s, err := tok.SignedString(own.priv)
			require.NoError(t, err)
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
			require.NoError(t, err)
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
		}, 0, ErrBadSignature, false},
		{"tampered and expired", func(t *testing.T) string {
			c := sessionClaims(now)
			c["exp"] = now.Add(-time.Hour).Unix()
			b, err := json.Marshal(c)
			require.NoError(t, err)
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
		}, 0, ErrBadSignature, false},
		{"foreign key under a known kid", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, sessionClaims(now))
			tok.Header["kid"] = own.kid
			s, err := tok.SignedString(foreign.priv)
			require.NoError(t, err)
			return s
		}, 0, ErrBadSignature, false},
		{"signature truncated", func(*testing.T) string {
			return parts[0] + "." + parts[1] + "." + parts[2][:100]
		}, 0, ErrBadSignature, false},
		{"no kid", func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, sessionClaims(now))
			s, err := tok.SignedString(own.priv)
			require.NoError(t, err)
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
			require.Nil(t, c)
			requireReason(t, err, tt.reason)
			require.Equal(t, tt.fallback, Fallbackable(err), "Fallbackable(%v)", err)
			for _, seg := range strings.Split(token, ".") {
				if len(seg) >= 8 {
					require.NotContains(t, err.Error(), seg, "the error quotes the token")
				}
			}
			if tt.reason == ErrTooLarge {
				require.Zero(t, keys.lookups.Load(), "an oversized token reached the key lookup")
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
	require.NoError(t, err, "within the leeway after exp")
	clock.Advance(time.Second)
	requireReason(t, mustErr(v.Verify(ctx, token, KindSession)), ErrExpired)

	strict := newTestVerifier(t, newStaticKeys(keys[0]), clock, func(o *VerifierOptions) { o.Leeway = -1 })
	early := sessionClaims(clock.Now().Add(time.Second))
	requireReason(t, mustErr(strict.Verify(ctx, sign(t, keys[0], early), KindSession)), ErrNotYetValid)
	_, err = v.Verify(ctx, sign(t, keys[0], early), KindSession)
	require.NoError(t, err, "nbf one second ahead is within the default leeway")
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
	require.NoError(t, err)
	for range 100 {
		c, err := v.Verify(ctx, token, KindSession)
		require.NoError(t, err)
		require.Same(t, first, c)
	}
	require.EqualValues(t, 1, src.lookups.Load(), "a repeated token must be verified once")

	// Max age is a per-call policy, checked on hits too.
	clock.Advance(2 * time.Minute)
	requireReason(t, mustErr(v.Verify(ctx, token, KindSession, WithMaxTokenAge(time.Minute))), ErrTokenTooOld)
	_, err = v.Verify(ctx, token, KindSession, WithMaxTokenAge(3*time.Minute))
	require.NoError(t, err)
	require.EqualValues(t, 1, src.lookups.Load())

	// The entry dies at exp; the token is then verified afresh (and passes in the leeway).
	clock.Advance(3 * time.Minute)
	_, err = v.Verify(ctx, token, KindSession)
	require.NoError(t, err)
	require.EqualValues(t, 2, src.lookups.Load())
	require.Zero(t, v.cache.len(), "a token past exp must not be cached")
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
		require.NoError(t, err)
	}
	_, err := v.Verify(ctx, tokens[0], KindSession) // tokens[1] is now least recently used
	require.NoError(t, err)
	_, err = v.Verify(ctx, tokens[2], KindSession)
	require.NoError(t, err)
	require.Equal(t, 2, v.cache.len())
	require.EqualValues(t, 3, src.lookups.Load())

	_, err = v.Verify(ctx, tokens[0], KindSession)
	require.NoError(t, err)
	require.EqualValues(t, 3, src.lookups.Load(), "tokens[0] should have stayed")
	_, err = v.Verify(ctx, tokens[1], KindSession)
	require.NoError(t, err)
	require.EqualValues(t, 4, src.lookups.Load(), "tokens[1] should have been evicted")
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
	require.EqualValues(t, 1, jwks.calls.Load())
}

func TestNewVerifierNeedsProjectAndKeys(t *testing.T) {
	t.Parallel()
	_, err := NewVerifier(newStaticKeys(), VerifierOptions{})
	require.ErrorContains(t, err, "project ID")
	require.True(t, strings.HasPrefix(err.Error(), "stytch: "), err.Error())
	_, err = NewVerifier(nil, VerifierOptions{ProjectID: testProject})
	require.ErrorContains(t, err, "KeySource")
	require.True(t, strings.HasPrefix(err.Error(), "stytch: "), err.Error())
	v, err := NewVerifier(newStaticKeys(), VerifierOptions{ProjectID: testProject})
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), "x", Kind(0))
	requireReason(t, err, ErrWrongKind)
	require.True(t, strings.HasPrefix(err.Error(), "stytch: "), err.Error())
	require.True(t, strings.HasPrefix(CheckTenancy("org-a", "org-b").Error(), "stytch: "))
}

func TestFallbackableOnForeignErrors(t *testing.T) {
	t.Parallel()
	require.False(t, Fallbackable(nil))
	require.False(t, Fallbackable(errors.New("other")))
	require.True(t, Fallbackable(fmt.Errorf("wrapped: %w", fail(ErrExpired, nil))))
	var ve *VerifyError
	require.ErrorAs(t, fmt.Errorf("wrapped: %w", fail(ErrBadSignature, nil)), &ve)
	require.Equal(t, ErrBadSignature, ve.Reason)
}

// signRaw signs signingString (header.payload, base64url) with RS256.
func signRaw(tb testing.TB, k *testKey, signingString string) string {
	tb.Helper()
	sig, err := jwt.SigningMethodRS256.Sign(signingString, k.priv)
	require.NoError(tb, err)
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
		require.NoError(t, err)
		n, err := Derive(c, func(*Claims) (int, error) { return 42, nil })
		require.NoError(t, err)
		require.Equal(t, 42, n)
		requireReason(t, mustErr(v.Verify(ctx, session, KindM2M)), ErrWrongKind)
		requireReason(t, mustErr(v.Verify(ctx, session, KindMemberSession)), ErrWrongKind)
		requireReason(t, mustErr(v.Verify(ctx, m2m, KindSession)), ErrWrongKind)
		c, err = v.Verify(ctx, m2m, KindM2M)
		require.NoError(t, err)
		_, err = Derive(c, func(*Claims) (string, error) { return "m2m", nil })
		require.NoError(t, err)
	}
	require.Equal(t, 2, v.cache.len(), "one entry per token and kind that verified")

	c, err := v.Verify(ctx, session, KindSession)
	require.NoError(t, err)
	_, err = Derive(c, func(*Claims) (string, error) { return "wrong", nil })
	require.ErrorContains(t, err, "stytch: internal error")
}
