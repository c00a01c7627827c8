package b2b

import (
	"context"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/localauth"
)

// Token exchanges an M2M client's ID and secret for an access token (the
// OAuth 2.0 client credentials grant), and caches it: until less than a
// tenth of its lifetime (six minutes of an hour's token) is left, the same
// credentials and scopes get the cached token with no API call, and
// concurrent callers share one request. ExpiresIn counts from now.
//
// It calls POST /v1/public/{project_id}/oauth2/token, form-encoded; errors
// arrive in the OAuth2 shape and become a *stytch.Error.
func (s *M2MService) Token(ctx context.Context, params *M2MTokenParams, opts ...stytch.Option) (*M2MTokenResponse, error) {
	if params == nil {
		params = &M2MTokenParams{}
	}
	if err := s.t.CheckCall(ctx, "M2M.Token", false, opts); err != nil {
		return nil, err // even when the token is cached
	}
	access, typ, expiresIn, err := localauth.CachedM2MToken(ctx, s.t, params.ClientID, params.ClientSecret, params.Scopes,
		func(ctx context.Context) (string, string, int, error) {
			resp, err := s.token(ctx, params, opts...)
			if err != nil {
				return "", "", 0, err
			}
			return resp.AccessToken, resp.TokenType, resp.ExpiresIn, nil
		})
	if err != nil {
		return nil, err
	}
	return &M2MTokenResponse{AccessToken: access, TokenType: typ, ExpiresIn: expiresIn}, nil
}

// M2MAuthenticateTokenResult is a verified M2M access token.
type M2MAuthenticateTokenResult struct {
	// ClientID is the M2M client the token was issued to (its sub).
	ClientID string
	// Scopes are the scopes the token grants.
	Scopes []string
	// CustomClaims are the claims the client's token template added.
	CustomClaims map[string]any
	// ExpiresAt is when the token expires.
	ExpiresAt time.Time
}

// AuthenticateToken verifies an M2M access token locally, with the
// project's public keys (fetched once and cached), as Stytch recommends:
// there is no API endpoint for it. WithRequiredScopes makes it also check
// the token's scopes; a missing one is stytch.ErrPermissionDenied.
// WithMaxTokenAge applies too. Failures match the stytch.ErrJWT… values.
func (s *M2MService) AuthenticateToken(ctx context.Context, accessToken string, opts ...stytch.Option) (*M2MAuthenticateTokenResult, error) {
	call, _, err := localauth.Options(ctx, "M2M.AuthenticateToken", false, opts)
	if err != nil {
		return nil, err
	}
	m, err := localauth.AuthenticateM2M(ctx, s.t, "M2M.AuthenticateToken", jwksPath(s.t), accessToken, call)
	if err != nil {
		return nil, err
	}
	return &M2MAuthenticateTokenResult{ClientID: m.ClientID, Scopes: m.Scopes, CustomClaims: m.CustomClaims, ExpiresAt: m.ExpiresAt}, nil
}
