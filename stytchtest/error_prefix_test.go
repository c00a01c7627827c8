package stytchtest

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// Every error local authentication returns starts with "stytch:", matches
// its sentinel, and never quotes the token it was given.
func TestLocalAuthErrorsAreStytchErrors(t *testing.T) {
	t.Parallel()
	srv, api := newConsumer(t)
	c := srv.ConsumerClient()
	t.Cleanup(func() { _ = c.Close() })
	auth := signIn(t, srv, api, "prefix@example.com", map[string]any{"plan": "pro"})
	genuine := auth.SessionJWT
	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(genuine, claims)
	require.NoError(t, err)
	resign := func(mod func(jwt.MapClaims)) string {
		c := jwt.MapClaims{}
		for k, v := range claims {
			c[k] = v
		}
		mod(c)
		return srv.keys.sign(c)
	}
	parts := strings.Split(genuine, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"x"}`)) + "." + parts[1] + "."

	b2bAPI := srv.B2BClient()
	org := b2bTestOrg(t, b2bAPI, "Prefix", nil)
	other := b2bTestOrg(t, b2bAPI, "Other prefix", nil)
	mem := b2bTestMember(t, b2bAPI, org.OrganizationID, "prefix@acme.com", nil)
	memberJWT := b2bTestSignIn(t, srv, b2bAPI, org.OrganizationID, mem.EmailAddress, nil).SessionJWT
	bc := srv.B2BClient()
	t.Cleanup(func() { _ = bc.Close() })

	dead := httptest.NewServer(nil)
	dead.Close()
	offline, err := consumer.NewClient(srv.ProjectID(), "secret-test-offline", stytch.WithBaseURL(dead.URL), stytch.WithMaxRetries(0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = offline.Close() })

	sessionWith := func(tok string, opts ...stytch.Option) error {
		_, err := c.Sessions.AuthenticateJWTLocal(ctx, tok, opts...)
		return err
	}
	session := func(tok string) error { return sessionWith(tok) }
	tests := []struct {
		name  string
		token string
		err   func(token string) error
		is    error
	}{
		{"empty", "", session, stytch.ErrJWTMalformed},
		{"not a JWT", "not-a-jwt", session, stytch.ErrJWTMalformed},
		{"too large", strings.Repeat("A", 20<<10), session, stytch.ErrJWTTooLarge},
		{"alg none", none, session, stytch.ErrJWTAlgorithm},
		{"bad signature", parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])), session, stytch.ErrJWTSignature},
		{"wrong issuer", resign(func(c jwt.MapClaims) { c["iss"] = "stytch.com/project-test-other" }), session, stytch.ErrJWTIssuer},
		{"wrong audience", resign(func(c jwt.MapClaims) { c["aud"] = []string{"project-test-other"} }), session, stytch.ErrJWTAudience},
		{"expired", resign(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), session, stytch.ErrJWTExpired},
		{"not yet valid", resign(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), session, stytch.ErrJWTNotYetValid},
		{"too old", genuine, func(tok string) error { return sessionWith(tok, stytch.WithMaxTokenAge(time.Nanosecond)) }, stytch.ErrJWTTooOld},
		{"session times malformed", resign(func(c jwt.MapClaims) {
			s := map[string]any{}
			for k, v := range c[sessionClaim].(map[string]any) {
				s[k] = v
			}
			s["started_at"] = "yesterday"
			c[sessionClaim] = s
		}), session, stytch.ErrJWTMalformed},
		{"unknown kid", forgeKID(t, srv, genuine, "jwk-forged-prefix"), session, stytch.ErrJWTUnknownKey},
		{"wrong kind", memberJWT, session, stytch.ErrJWTWrongKind},
		{"keys unavailable", genuine, func(tok string) error {
			_, err := offline.Sessions.AuthenticateJWTLocal(ctx, tok)
			return err
		}, stytch.ErrJWKSUnavailable},
		{"permission denied", genuine, func(tok string) error {
			return sessionWith(tok, stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{ResourceID: "documents", Action: "delete"}))
		}, stytch.ErrPermissionDenied},
		{"scopes on a session", genuine, func(tok string) error { return sessionWith(tok, stytch.WithRequiredScopes("read:x")) }, nil},
		{"M2M: a session JWT", genuine, func(tok string) error {
			_, err := c.M2M.AuthenticateToken(ctx, tok)
			return err
		}, stytch.ErrJWTWrongKind},
		{"B2B: tenancy", memberJWT, func(tok string) error {
			_, err := bc.Sessions.AuthenticateJWTLocal(ctx, tok, stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{OrganizationID: other.OrganizationID, ResourceID: "stytch.self", Action: "update"}))
			return err
		}, stytch.ErrTenancy},
		{"B2B: a consumer JWT", genuine, func(tok string) error {
			_, err := bc.Sessions.AuthenticateJWT(ctx, tok)
			return err
		}, stytch.ErrJWTWrongKind},
		{"typed custom claims of the wrong type", genuine, func(tok string) error {
			s, err := c.Sessions.AuthenticateJWTLocal(ctx, tok)
			require.NoError(t, err)
			_, err = consumer.CustomClaims[struct {
				Plan int `json:"plan"`
			}](s)
			return err
		}, nil},
		{"B2B typed custom claims of the wrong type", memberJWT, func(tok string) error {
			s, err := bc.Sessions.AuthenticateJWTLocal(ctx, tok)
			require.NoError(t, err)
			_, err = b2b.CustomClaims[[]string](s)
			return err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err(tt.token)
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "stytch:"), "%q", err.Error())
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
			for _, seg := range strings.Split(tt.token, ".") {
				if len(seg) >= 16 {
					require.NotContains(t, err.Error(), seg, "the error quotes the token")
				}
			}
			var inner interface{ Unwrap() []error }
			if errors.As(err, &inner) {
				for _, e := range inner.Unwrap() {
					require.NotContains(t, e.Error(), "jwtauth:")
				}
			}
		})
	}
}
