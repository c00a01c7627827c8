package stytchtest

import (
	"testing"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// BenchmarkAuthenticateJWTLocal measures the SDK's whole local path,
// consumer.Client.Sessions.AuthenticateJWTLocal, on emulator-issued JWTs:
// unique (a new JWT each iteration: signature check, claims to session)
// against repeated (the same JWT: a cache hit and a copy of the session).
// internal/jwtauth has the verifier's own benchmarks, with a bare RS256
// check as the floor.
func BenchmarkAuthenticateJWTLocal(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	api := srv.ConsumerClient()
	c := srv.ConsumerClient()
	defer func() { _ = c.Close() }()
	sent, err := api.OTPs.Email.LoginOrCreate(ctx, &consumer.OTPsEmailLoginOrCreateParams{Email: "bench@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := srv.LastMessage("bench@example.com")
	auth, err := api.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: sent.EmailID, Code: msg.Code, SessionDurationMinutes: stytch.Ptr(60)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT); err != nil {
		b.Fatal(err) // fetches the keys
	}

	b.Run("unique", func(b *testing.B) {
		tokens := make([]string, b.N)
		s := *auth.Session
		for i := range tokens {
			s.LastAccessedAt = s.LastAccessedAt.Add(time.Microsecond)
			tokens[i] = srv.sessionJWT(&s)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := c.Sessions.AuthenticateJWTLocal(ctx, tokens[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("repeated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Sessions.AuthenticateJWTLocal(ctx, auth.SessionJWT); err != nil {
				b.Fatal(err)
			}
		}
	})
}
