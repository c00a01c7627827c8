package stytchtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// requireWrongKind checks a token of another kind is refused with
// ErrJWTWrongKind, with a "stytch:" error that does not quote the token.
func requireWrongKind(t *testing.T, err error, token string) {
	t.Helper()
	require.ErrorIs(t, err, stytch.ErrJWTWrongKind)
	require.True(t, strings.HasPrefix(err.Error(), "stytch:"), err.Error())
	require.NotContains(t, err.Error(), token)
}

// One consumer client checks session JWTs and M2M access tokens against
// the same keys, with one verified-token cache. Neither kind passes as the
// other, in either order, and a cached verdict for one is never read back
// as the other (it used to panic).
func TestConsumerTokenKinds(t *testing.T) {
	t.Parallel()
	srv, api := newConsumer(t)
	created, err := api.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users"}})
	require.NoError(t, err)
	tok, err := api.M2M.Token(ctx, &consumer.M2MTokenParams{ClientID: created.M2MClient.ClientID, ClientSecret: created.M2MClient.ClientSecret})
	require.NoError(t, err)
	// A session whose custom claims try to look like an M2M token's.
	auth := signIn(t, srv, api, "kinds@example.com", map[string]any{"scope": "read:users write:*"})
	sessionJWT, m2m := auth.SessionJWT, tok.AccessToken

	for _, order := range []string{"session first", "m2m first", "neither cached"} {
		t.Run(order, func(t *testing.T) {
			var n counter
			opts := []stytch.Option{stytch.WithMiddleware(n.middleware)}
			if order == "neither cached" {
				opts = append(opts, stytch.WithVerifiedTokenCache(0))
			}
			c := consumerClient(t, srv, opts...)
			t.Cleanup(func() { _ = c.Close() })
			switch order {
			case "session first":
				_, err := c.Sessions.AuthenticateJWTLocal(ctx, sessionJWT)
				require.NoError(t, err)
			case "m2m first":
				_, err := c.M2M.AuthenticateToken(ctx, m2m)
				require.NoError(t, err)
			}
			for range 2 { // the second time from the cache, if any
				_, err := c.M2M.AuthenticateToken(ctx, sessionJWT)
				requireWrongKind(t, err, sessionJWT)
				_, err = c.M2M.AuthenticateToken(ctx, sessionJWT, stytch.WithRequiredScopes("read:users"))
				requireWrongKind(t, err, sessionJWT)
				_, err = c.Sessions.AuthenticateJWTLocal(ctx, m2m)
				requireWrongKind(t, err, m2m)
				_, err = c.Sessions.AuthenticateJWT(ctx, m2m)
				requireWrongKind(t, err, m2m)
			}
			// Each kind still passes as itself, after the other was refused.
			s, err := c.Sessions.AuthenticateJWTLocal(ctx, sessionJWT)
			require.NoError(t, err)
			require.Equal(t, auth.Session.UserID, s.UserID)
			require.Equal(t, "read:users write:*", s.CustomClaims["scope"], "a session's scope is a custom claim")
			got, err := c.M2M.AuthenticateToken(ctx, m2m, stytch.WithRequiredScopes("read:users"))
			require.NoError(t, err)
			require.Equal(t, created.M2MClient.ClientID, got.ClientID)
			require.Zero(t, n.count("/sessions/authenticate"), "a token of the wrong kind is not sent to the API")
		})
	}
}

// The same for a B2B client, and across surfaces: the emulator, like
// Stytch, signs consumer and B2B tokens with the same keys.
func TestB2BTokenKinds(t *testing.T) {
	t.Parallel()
	srv, api := b2bTestServer(t)
	org := b2bTestOrg(t, api, "Kinds", nil)
	m := b2bTestMember(t, api, org.OrganizationID, "kinds@acme.com", nil)
	login := b2bTestSignIn(t, srv, api, org.OrganizationID, m.EmailAddress, map[string]any{"scope": "read:users"})
	capi := srv.ConsumerClient()
	created, err := capi.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users"}})
	require.NoError(t, err)
	tok, err := api.M2M.Token(ctx, &b2b.M2MTokenParams{ClientID: created.M2MClient.ClientID, ClientSecret: created.M2MClient.ClientSecret})
	require.NoError(t, err)
	consumerJWT := signIn(t, srv, capi, "consumer@example.com", nil).SessionJWT
	memberJWT, m2m := login.SessionJWT, tok.AccessToken

	for _, order := range []string{"session first", "m2m first"} {
		t.Run(order, func(t *testing.T) {
			var n counter
			c := b2bClient(t, srv, stytch.WithMiddleware(n.middleware))
			t.Cleanup(func() { _ = c.Close() })
			if order == "session first" {
				_, err := c.Sessions.AuthenticateJWTLocal(ctx, memberJWT)
				require.NoError(t, err)
			} else {
				_, err := c.M2M.AuthenticateToken(ctx, m2m)
				require.NoError(t, err)
			}
			for range 2 {
				_, err := c.M2M.AuthenticateToken(ctx, memberJWT, stytch.WithRequiredScopes("read:users"))
				requireWrongKind(t, err, memberJWT)
				_, err = c.Sessions.AuthenticateJWT(ctx, m2m)
				requireWrongKind(t, err, m2m)
				_, err = c.Sessions.AuthenticateJWT(ctx, consumerJWT)
				requireWrongKind(t, err, consumerJWT)
			}
			s, err := c.Sessions.AuthenticateJWTLocal(ctx, memberJWT)
			require.NoError(t, err)
			require.Equal(t, m.MemberID, s.MemberID)
			_, err = c.M2M.AuthenticateToken(ctx, m2m)
			require.NoError(t, err)
			require.Zero(t, n.count("/sessions/authenticate"))
		})
	}

	// A member session JWT is not a consumer session JWT.
	cc := srv.ConsumerClient()
	t.Cleanup(func() { _ = cc.Close() })
	_, err = cc.Sessions.AuthenticateJWTLocal(ctx, memberJWT)
	requireWrongKind(t, err, memberJWT)
	_, err = cc.Sessions.AuthenticateJWT(ctx, memberJWT)
	requireWrongKind(t, err, memberJWT)
	_, err = cc.Sessions.AuthenticateJWTLocal(ctx, consumerJWT)
	require.NoError(t, err)
}

// forgeKID re-signs token's claims with the emulator's own key under a
// made-up kid: only a kid lookup can tell it from a genuine token.
func forgeKID(t *testing.T, srv *Server, token, kid string) string {
	t.Helper()
	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(token, claims)
	require.NoError(t, err)
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(srv.keys.current().priv)
	require.NoError(t, err)
	return s
}

// Tokens with made-up key IDs are answered locally: they cost one JWKS
// fetch between them and no authenticate call, so they cannot spend the
// project's API rate limit. Genuine tokens still verify.
func TestForgedKIDsDoNotReachTheAPI(t *testing.T) {
	t.Parallel()
	srv, api := newConsumer(t)
	auth := signIn(t, srv, api, "forged@example.com", nil)
	b2bAPI := srv.B2BClient()
	org := b2bTestOrg(t, b2bAPI, "Forged", nil)
	mem := b2bTestMember(t, b2bAPI, org.OrganizationID, "forged@acme.com", nil)
	login := b2bTestSignIn(t, srv, b2bAPI, org.OrganizationID, mem.EmailAddress, nil)

	check := func(t *testing.T, genuine string, authenticate func(string) (stytch.AuthSource, error), warm bool) {
		t.Helper()
		if warm {
			src, err := authenticate(genuine)
			require.NoError(t, err)
			require.Equal(t, stytch.AuthenticatedLocally, src)
		}
		for i := range 50 {
			forged := forgeKID(t, srv, genuine, fmt.Sprintf("jwk-forged-%d", i))
			_, err := authenticate(forged)
			require.ErrorIs(t, err, stytch.ErrJWTUnknownKey)
			require.NotContains(t, err.Error(), forged)
		}
		src, err := authenticate(genuine)
		require.NoError(t, err)
		require.Equal(t, stytch.AuthenticatedLocally, src)
	}

	for _, warm := range []bool{true, false} {
		t.Run(fmt.Sprintf("consumer, keys fetched before: %v", warm), func(t *testing.T) {
			var n counter
			c := consumerClient(t, srv, stytch.WithMiddleware(n.middleware))
			t.Cleanup(func() { _ = c.Close() })
			check(t, auth.SessionJWT, func(tok string) (stytch.AuthSource, error) {
				res, err := c.Sessions.AuthenticateJWT(ctx, tok)
				if err != nil {
					return "", err
				}
				return res.Source, nil
			}, warm)
			require.Zero(t, n.count("/sessions/authenticate"), "forged tokens reached the API")
			require.LessOrEqual(t, n.count("/jwks/"), 2, "one fetch, and one refresh for the first unknown kid")
		})
		t.Run(fmt.Sprintf("b2b, keys fetched before: %v", warm), func(t *testing.T) {
			var n counter
			c := b2bClient(t, srv, stytch.WithMiddleware(n.middleware))
			t.Cleanup(func() { _ = c.Close() })
			check(t, login.SessionJWT, func(tok string) (stytch.AuthSource, error) {
				res, err := c.Sessions.AuthenticateJWT(ctx, tok)
				if err != nil {
					return "", err
				}
				return res.Source, nil
			}, warm)
			require.Zero(t, n.count("/sessions/authenticate"), "forged tokens reached the API")
			require.LessOrEqual(t, n.count("/jwks/"), 2)
		})
	}
}
