package localauth

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/gostytch/stytch/internal/config"
	"github.com/gostytch/stytch/internal/jwtauth"
	"github.com/gostytch/stytch/internal/transport"
)

// Claims of a Connected App access token beyond the registered ones.
const (
	// ClaimClientID names the Connected App the token was issued to. Only
	// access tokens carry it: an M2M token's client is its sub, and a
	// session JWT has no client.
	ClaimClientID = "client_id"
)

// ErrNotAccessToken is the detail of a genuine token of the project that is
// not a Connected App access token (a session JWT, an M2M token). It
// matches stytch.ErrJWTMalformed too, which is not fallbackable: the API
// would not accept it as an access token either.
var ErrNotAccessToken = errors.New("stytch: not a Connected App access token")

// ErrAccessToken is the detail of a Connected App access token given where
// an M2M token is expected.
var ErrAccessToken = errors.New("stytch: a Connected App access token, not an M2M token")

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

// accessTokenClaims is the part of the payload that says what kind of token
// it is.
type accessTokenClaims struct {
	ClientID     *string                    `json:"client_id"`
	Scope        *string                    `json:"scope"`
	Session      json.RawMessage            `json:"https://stytch.com/session"`
	Organization *jwtauth.OrganizationClaim `json:"https://stytch.com/organization"`
}

// accessTokenFromClaims reads an access token from verified claims, or
// says it is another kind of token.
func accessTokenFromClaims(c *jwtauth.Claims) (*AccessToken, error) {
	var k accessTokenClaims
	if err := json.Unmarshal(c.Payload, &k); err != nil {
		return nil, Malformed(err)
	}
	switch {
	case len(k.Session) > 0:
		return nil, Malformed(errors.Join(ErrNotAccessToken, errors.New("it is a session JWT")))
	case k.ClientID == nil || *k.ClientID == "":
		return nil, Malformed(errors.Join(ErrNotAccessToken, errors.New("it has no client_id claim (an M2M token's client is its sub)")))
	}
	scopes, err := c.Scopes()
	if err != nil {
		return nil, Malformed(err)
	}
	custom, err := CustomClaims(c.Payload)
	if err != nil {
		return nil, Malformed(err)
	}
	// stytch-go's rule: the claims reported on their own are not custom.
	delete(custom, jwtauth.ClaimScope)
	delete(custom, ClaimClientID)
	return &AccessToken{
		Subject: c.Subject, ClientID: *k.ClientID, Scopes: scopes, Audience: c.Audience, Issuer: c.Issuer,
		ID: c.ID, ExpiresAt: c.ExpiresAt, IssuedAt: c.IssuedAt, Organization: k.Organization, CustomClaims: custom,
	}, nil
}

// isAccessToken reports whether verified claims are a Connected App access
// token's, for the M2M verifier to refuse them.
func isAccessToken(c *jwtauth.Claims) bool {
	var k accessTokenClaims
	return json.Unmarshal(c.Payload, &k) == nil && k.ClientID != nil
}

// ScopePolicy fetches the scopes section of an RBAC policy.
type ScopePolicy func(context.Context) (*jwtauth.Policy, error)

// IntrospectAccessToken verifies a Connected App access token against the
// keys at jwksPath, with the verifier (and so the key set and token cache)
// that session JWTs and M2M tokens use. issuers are accepted besides the
// verifier's own (the custom domain, which Stytch puts in iss for tokens
// issued through it). WithRequiredScopes is checked with the M2M scope
// rule; WithAuthorizationCheck against the policy's scopes, which policy
// fetches (cached five minutes under policyName). A B2B check's
// organization must be the token's.
func IntrospectAccessToken(ctx context.Context, t *transport.Client, operation, jwksPath, token string, call config.JWTCall,
	policyName string, policy ScopePolicy) (*AccessToken, error) {
	claims, err := Verify(ctx, t, "Sessions.GetJWKS", jwksPath, token, call)
	if err != nil {
		return nil, err
	}
	// Not memoised on the claims: a cached token's memo holds whatever
	// kind it was first verified as, and decoding again costs microseconds.
	at, err := accessTokenFromClaims(claims)
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
		if policyName == "b2b" || check.OrganizationID != "" {
			org := ""
			if out.Organization != nil {
				org = out.Organization.OrganizationID
			}
			if err := CheckTenancy(org, check.OrganizationID); err != nil {
				return nil, err
			}
		}
		p, err := Policy(t, policyName+"-scopes", policy).Get(ctx)
		if err != nil {
			return nil, err
		}
		if _, ok := jwtauth.AuthorizedScopes(p, out.Scopes, check.ResourceID, check.Action); !ok {
			return nil, &DeniedError{ResourceID: check.ResourceID, Action: check.Action, Scopes: true}
		}
	}
	return &out, nil
}

// CheckNotAccessToken refuses a Connected App access token where an M2M
// token is expected: both carry scope, but an access token acts for a user.
func CheckNotAccessToken(c *jwtauth.Claims) error {
	if isAccessToken(c) {
		return Malformed(ErrAccessToken)
	}
	return nil
}
