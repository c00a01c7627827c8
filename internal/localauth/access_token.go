package localauth

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/gostytch/stytch/internal/config"
	"github.com/gostytch/stytch/internal/jwtauth"
	"github.com/gostytch/stytch/internal/transport"
)

// AccessToken is what local verification of a Connected App access token
// found.
type AccessToken struct {
	Subject      string   // the user_id or member_id the app acts for
	ClientID     string   // the Connected App
	Scopes       []string // granted, in the token's order
	Audience     []string
	Issuer       string
	ID           string // jti
	ExpiresAt    time.Time
	IssuedAt     time.Time // zero if absent
	Organization *jwtauth.OrganizationClaim
	CustomClaims map[string]any
}

func accessTokenFromClaims(c *jwtauth.Claims) (*AccessToken, error) {
	custom, err := CustomClaims(c.Custom)
	if err != nil {
		return nil, Malformed(err)
	}
	return &AccessToken{
		Subject: c.Subject, ClientID: c.ClientID, Scopes: c.Scopes, Audience: c.Audience, Issuer: c.Issuer,
		ID: c.ID, ExpiresAt: c.ExpiresAt, IssuedAt: c.IssuedAt, Organization: c.Organization, CustomClaims: custom,
	}, nil
}

// IntrospectAccessToken verifies a Connected App access token against the
// keys at jwksPath, with the verifier (and so the key set and token cache)
// that session JWTs and M2M tokens use, as jwtauth.KindAccessToken: a
// session JWT or an M2M token is stytch.ErrJWTWrongKind. WithRequiredScopes
// is checked with the M2M scope rule; WithAuthorizationCheck against the
// scopes section of the policy that fetch returns (cached five minutes
// under policyName), after checking, when b2b, that the check's
// organization is the token's.
func IntrospectAccessToken(ctx context.Context, t *transport.Client, jwksPath, token string, call config.JWTCall,
	b2b bool, policyName string, fetch func(context.Context) (*jwtauth.Policy, error)) (*AccessToken, error) {
	claims, err := Verify(ctx, t, "Sessions.GetJWKS", jwksPath, token, jwtauth.KindAccessToken, call)
	if err != nil {
		return nil, err
	}
	at, err := jwtauth.Derive(claims, accessTokenFromClaims)
	if err != nil {
		return nil, err
	}
	out := *at
	out.Scopes = slices.Clone(at.Scopes)
	out.Audience = slices.Clone(at.Audience)
	out.CustomClaims = maps.Clone(at.CustomClaims)
	if at.Organization != nil {
		o := *at.Organization
		out.Organization = &o
	}
	if err := RequireScopes(out.Scopes, call.Scopes); err != nil {
		return nil, err
	}
	if check := call.Check; check != nil {
		if b2b {
			org := ""
			if out.Organization != nil {
				org = out.Organization.OrganizationID
			}
			if err := CheckTenancy(org, check.OrganizationID); err != nil {
				return nil, err
			}
		}
		p, err := Policy(t, policyName, fetch).Get(ctx)
		if err != nil {
			return nil, err
		}
		if _, ok := jwtauth.AuthorizedScopes(p, out.Scopes, check.ResourceID, check.Action); !ok {
			return nil, &DeniedError{ResourceID: check.ResourceID, Action: check.Action, Scopes: true}
		}
	}
	return &out, nil
}
