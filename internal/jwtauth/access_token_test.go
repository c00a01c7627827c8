package jwtauth

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A Connected App access token is its own kind: the client_id claim makes
// it one, and no session JWT or M2M token passes as one, nor the reverse.
func TestAccessTokenKind(t *testing.T) {
	t.Parallel()
	own := testKeys(t)[0]
	now := epoch
	base := func(extra jwt.MapClaims) jwt.MapClaims {
		c := jwt.MapClaims{"iss": "stytch.com/" + testProject, "aud": []string{testProject}, "sub": "user-test-1",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "j"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	org := map[string]any{"organization_id": "organization-test-1", "slug": "acme"}
	access := base(jwt.MapClaims{"client_id": "connected-app-test-1", "scope": "openid read:docs", "tier": "gold"})
	b2bAccess := base(jwt.MapClaims{"client_id": "connected-app-test-1", "scope": "openid", ClaimOrganization: org})
	m2m := base(jwt.MapClaims{"scope": "read:docs"})
	session := sessionClaims(now)
	sessionWithClientID := sessionClaims(now)
	sessionWithClientID["client_id"] = "a custom claim"
	tests := []struct {
		name   string
		claims jwt.MapClaims
		kind   Kind
		want   error
	}{
		{"access token", access, KindAccessToken, nil},
		{"B2B access token", b2bAccess, KindAccessToken, nil},
		{"access token as M2M", access, KindM2M, ErrWrongKind},
		{"access token as session", access, KindSession, ErrWrongKind},
		{"B2B access token as member session", b2bAccess, KindMemberSession, ErrWrongKind},
		{"M2M token as access token", m2m, KindAccessToken, ErrWrongKind},
		{"session as access token", session, KindAccessToken, ErrWrongKind},
		{"session with a client_id custom claim", sessionWithClientID, KindSession, nil},
		{"session with a client_id custom claim as access token", sessionWithClientID, KindAccessToken, ErrWrongKind},
		{"empty client_id", base(jwt.MapClaims{"client_id": ""}), KindAccessToken, ErrMalformed},
		{"client_id not a string", base(jwt.MapClaims{"client_id": 7}), KindAccessToken, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newTestVerifier(t, newStaticKeys(own), newClock())
			c, err := v.Verify(context.Background(), sign(t, own, tt.claims), tt.kind)
			if tt.want != nil {
				requireReason(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.kind == KindAccessToken {
				if c.ClientID != "connected-app-test-1" {
					t.Fatalf("c.ClientID = %q, want %q", c.ClientID, "connected-app-test-1")
				}
				if _, ok := c.Custom["client_id"]; ok {
					t.Fatalf("c.Custom = %v, want no key %q", c.Custom, "client_id")
				}
				if _, ok := c.Custom["scope"]; ok {
					t.Fatalf("c.Custom = %v, want no key %q", c.Custom, "scope")
				}
				if len(c.Scopes) == 0 {
					t.Fatal("c.Scopes is empty, want a value")
				}
			} else {
				if _, ok := c.Custom["client_id"]; !ok {
					t.Fatalf("a session's client_id is its own custom claim: c.Custom = %v, want the key %q", c.Custom, "client_id")
				}
			}
		})
	}
}
