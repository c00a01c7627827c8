package stytchtest

import (
	"testing"
)

// BenchmarkIntrospectTokenLocal is BenchmarkAuthenticateJWTLocal for
// Connected App access tokens, consumer.Client.IDP.IntrospectTokenLocal:
// unique tokens (signature check, claims to result) against one repeated
// token (a cache hit and a copy of the result).
func BenchmarkIntrospectTokenLocal(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	c := srv.ConsumerClient()
	defer func() { _ = c.Close() }()
	params := AccessTokenParams{Subject: "user-test-bench", ClientID: "connected-app-test-bench", Scopes: []string{"openid", "email", "read:docs"}, CustomClaims: map[string]any{"tier": "gold"}}
	tok := srv.IssueAccessToken(params)
	if _, err := c.IDP.IntrospectTokenLocal(ctx, tok); err != nil {
		b.Fatal(err) // fetches the keys
	}
	b.Run("unique", func(b *testing.B) {
		tokens := make([]string, b.N)
		for i := range tokens {
			tokens[i] = srv.IssueAccessToken(params) // a fresh jti each
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := c.IDP.IntrospectTokenLocal(ctx, tokens[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("repeated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.IDP.IntrospectTokenLocal(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
