package jwtauth

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// benchTokens returns n distinct session JWTs signed by key, memoised across
// runs because RSA signing (~1ms a token) dwarfs what is measured.
var (
	benchMu     sync.Mutex
	benchTokens []string
)

func tokensFor(b *testing.B, key *testKey, n int) []string {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if have := len(benchTokens); have < n {
		more := make([]string, n-have)
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(more); i += workers {
					c := sessionClaims(epoch)
					c["jti"] = strconv.Itoa(i + have) // makes each token unique
					t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
					t.Header["kid"] = key.kid
					s, err := t.SignedString(key.priv)
					if err != nil {
						panic(err)
					}
					more[i] = s
				}
			})
		}
		wg.Wait()
		benchTokens = append(benchTokens, more...)
	}
	return benchTokens[:n]
}

// BenchmarkAuthenticateJWTLocal measures local verification of a Stytch
// session JWT with the keys already fetched: a token never seen (unique), the
// same token again (repeated, a cache hit), and, as the floor, golang-jwt
// alone checking an RS256 token against a key it is handed (rs256).
func BenchmarkAuthenticateJWTLocal(b *testing.B) {
	keys := testKeys(b)
	key := keys[0]
	ctx := context.Background()
	clock := func() time.Time { return epoch.Add(time.Minute) }
	newVerifier := func(b *testing.B) *Verifier {
		jwks := &fakeJWKS{}
		jwks.set(keys[0], keys[1])
		ks := NewKeySet(jwks.fetch, KeySetOptions{Now: clock})
		b.Cleanup(func() { _ = ks.Close() })
		if err := ks.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		v, err := NewVerifier(ks, VerifierOptions{ProjectID: testProject, Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		return v
	}

	b.Run("unique", func(b *testing.B) {
		tokens := tokensFor(b, key, b.N)
		v := newVerifier(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := v.Verify(ctx, tokens[i], KindSession); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("repeated", func(b *testing.B) {
		token := tokensFor(b, key, 1)[0]
		v := newVerifier(b)
		if _, err := v.Verify(ctx, token, KindSession); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := v.Verify(ctx, token, KindSession); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("rs256", func(b *testing.B) {
		tokens := tokensFor(b, key, min(b.N, 1000))
		pub := &key.priv.PublicKey
		parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(clock),
			jwt.WithAudience(testProject), jwt.WithIssuer("stytch.com/"+testProject))
		keyfunc := func(*jwt.Token) (any, error) { return pub, nil }
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := parser.ParseWithClaims(tokens[i%len(tokens)], &jwt.RegisteredClaims{}, keyfunc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
