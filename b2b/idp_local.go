package b2b

import (
	"context"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/jwtauth"
	"github.com/gostytch/stytch/internal/localauth"
)

// IDPIntrospectTokenLocalResult is a verified Connected App access token.
type IDPIntrospectTokenLocalResult struct {
	// Subject is the ID of the member the Connected App acts for (sub).
	Subject string
	// Organization is the member's organization, from the token's
	// https://stytch.com/organization claim; zero when it has none.
	Organization OrganizationClaim
	// ClientID is the Connected App the token was issued to.
	ClientID string
	// Scopes are the scopes the member granted, such as openid, email or
	// read:documents.
	Scopes []string
	// Audience lists the token's audiences; the project ID is among them.
	Audience []string
	// Issuer is stytch.com/<project ID>, or the custom domain the token was
	// issued through.
	Issuer string
	// TokenID is the token's jti.
	TokenID string
	// ExpiresAt is when the token expires; IssuedAt when it was issued
	// (zero when the token does not say).
	ExpiresAt, IssuedAt time.Time
	// CustomClaims are the claims the Connected App's access token template
	// added: every claim but the registered ones, scope, client_id and
	// Stytch's own.
	CustomClaims map[string]any
}

// IntrospectTokenLocal verifies a Connected App access token with the
// project's public keys, with no API call: the keys, the leeway and the
// cache of verified tokens are the ones AuthenticateJWTLocal uses. The
// token must be RS256, issued by stytch.com/<project ID> (or the client's
// base URL or custom domain, stytch.WithCustomDomain) for the project, and
// within its validity. A member session JWT or an M2M token is refused with
// stytch.ErrJWTWrongKind: they are signed by the same keys, but only an
// access token names the Connected App in a client_id claim.
//
// Options: WithMaxTokenAge; WithRequiredScopes, with the rule
// M2M.AuthenticateToken uses ("read:*" covers "read:users"); and
// WithAuthorizationCheck, which first requires the check's organization to
// be the token's (stytch.ErrTenancy) and is then granted when one of the
// token's scopes carries the permission in the scopes section of the
// project's RBAC policy (cached five minutes). A denial is
// stytch.ErrPermissionDenied.
//
// A token stays locally valid until it expires even if it was revoked; ask
// IntrospectTokenNetwork when that matters.
func (s *IDPService) IntrospectTokenLocal(ctx context.Context, accessToken string, opts ...stytch.Option) (*IDPIntrospectTokenLocalResult, error) {
	call, _, err := localauth.Options(ctx, "IDP.IntrospectTokenLocal", false, opts)
	if err != nil {
		return nil, err
	}
	at, err := localauth.IntrospectAccessToken(ctx, s.t, jwksPath(s.t), accessToken, call, true, "b2b-scopes",
		func(ctx context.Context) (*jwtauth.Policy, error) {
			resp, err := newRBACService(s.t).Policy(ctx, nil)
			if err != nil {
				return nil, err
			}
			return convertScopes(resp.Policy), nil
		})
	if err != nil {
		return nil, err
	}
	res := &IDPIntrospectTokenLocalResult{
		Subject: at.Subject, ClientID: at.ClientID, Scopes: at.Scopes, Audience: at.Audience, Issuer: at.Issuer,
		TokenID: at.ID, ExpiresAt: at.ExpiresAt, IssuedAt: at.IssuedAt, CustomClaims: at.CustomClaims,
	}
	if o := at.Organization; o != nil {
		res.Organization = OrganizationClaim{OrganizationID: o.OrganizationID, Slug: o.Slug}
	}
	return res, nil
}

// convertScopes keeps the scopes section of a policy, which decides what a
// Connected App's scopes grant.
func convertScopes(p *Policy) *jwtauth.Policy {
	out := &jwtauth.Policy{}
	if p == nil {
		return out
	}
	for _, sc := range p.Scopes {
		s := jwtauth.ScopePolicy{Scope: sc.Scope}
		for _, pm := range sc.Permissions {
			s.Permissions = append(s.Permissions, jwtauth.Permission{ResourceID: pm.ResourceID, Actions: pm.Actions})
		}
		out.Scopes = append(out.Scopes, s)
	}
	return out
}
