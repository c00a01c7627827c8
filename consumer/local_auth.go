package consumer

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/config"
	"github.com/gostytch/stytch/internal/jwtauth"
	"github.com/gostytch/stytch/internal/localauth"
	"github.com/gostytch/stytch/internal/transport"
)

// jwksPath is where the consumer project's signing keys are served; they
// sign session JWTs and M2M access tokens alike.
func jwksPath(t *transport.Client) string {
	return "/v1/sessions/jwks/" + transport.PathEscape(t.ProjectID())
}

// AuthenticateJWTLocal verifies a session JWT with the project's public
// keys and returns the session its claims describe, with no API call. The
// keys are fetched on first use, through this client, and cached; a token
// already verified is not verified again until it expires.
//
// The JWT must be RS256, issued by stytch.com/<project ID> (or the client's
// base URL, for custom domains) for the project, and within its validity
// (with WithJWTLeeway's allowance). A session JWT lives five minutes and is
// not revoked with its session: for a check that a session is still alive,
// use AuthenticateJWT with WithMaxTokenAge, or Authenticate.
//
// Options: WithMaxTokenAge, and WithAuthorizationCheck to check the
// session's roles against the project's RBAC policy (cached five minutes).
// Failures match the stytch.ErrJWT… values, stytch.ErrJWKSUnavailable or
// stytch.ErrPermissionDenied with errors.Is.
//
// The returned session is the caller's to keep; typed custom claims come
// out of it with CustomClaims.
func (s *SessionsService) AuthenticateJWTLocal(ctx context.Context, sessionJWT string, opts ...stytch.Option) (*Session, error) {
	call, _, err := localauth.Options(ctx, "Sessions.AuthenticateJWTLocal", false, opts)
	if err != nil {
		return nil, err
	}
	if err := checkSessionCall("Sessions.AuthenticateJWTLocal", call); err != nil {
		return nil, err
	}
	session, _, err := s.authenticateLocal(ctx, sessionJWT, call)
	return session, err
}

func checkSessionCall(op string, call config.JWTCall) error {
	if len(call.Scopes) > 0 {
		return &stytch.ParamError{Operation: op, Param: "WithRequiredScopes", Reason: "applies to M2M tokens, not sessions"}
	}
	if call.Check != nil && call.Check.OrganizationID != "" {
		return &stytch.ParamError{Operation: op, Param: "AuthorizationCheck.OrganizationID", Reason: "must be empty: consumer sessions have no organization"}
	}
	return nil
}

func (s *SessionsService) authenticateLocal(ctx context.Context, sessionJWT string, call config.JWTCall) (*Session, *AuthorizationVerdict, error) {
	claims, err := localauth.Verify(ctx, s.t, "Sessions.GetJWKS", jwksPath(s.t), sessionJWT, localauth.KindSession, call)
	if err != nil {
		return nil, nil, err
	}
	v, err := jwtauth.Derive(claims, sessionFromClaims)
	if err != nil {
		return nil, nil, err
	}
	session := copySession(v)
	if call.Check == nil {
		return session, nil, nil
	}
	policy, err := localauth.Policy(s.t, "consumer", func(ctx context.Context) (*jwtauth.Policy, error) {
		resp, err := newRBACService(s.t).Policy(ctx, nil)
		if err != nil {
			return nil, err
		}
		return convertPolicy(resp.Policy), nil
	}).Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	granting, err := localauth.Authorize(policy, session.Roles, call.Check)
	if err != nil {
		return nil, nil, err
	}
	return session, &AuthorizationVerdict{Authorized: true, GrantingRoles: granting}, nil
}

// SessionsAuthenticateJWTResult is what AuthenticateJWT found.
type SessionsAuthenticateJWTResult struct {
	// Session is the authenticated session.
	Session Session
	// Source says whether the JWT was verified locally or by the API.
	Source stytch.AuthSource
	// Verdict is the outcome of WithAuthorizationCheck, when one was asked.
	Verdict *AuthorizationVerdict
	// Response is the API's answer (with the user and a fresh JWT) when the
	// API answered; nil when the JWT was verified locally.
	Response *SessionsAuthenticateResponse
	// LocalError says why local verification could not settle it, when the
	// API answered.
	LocalError error
}

// AuthenticateJWT verifies a session JWT locally, as AuthenticateJWTLocal
// does, and asks the API (Authenticate) only when the local failure is one
// the API could settle: the JWT expired, is too old for WithMaxTokenAge,
// the keys could not be fetched, or the cached RBAC policy denied the
// check. A forged or foreign token (bad signature, a key ID the project's
// freshly fetched keys lack, wrong issuer or audience, wrong algorithm,
// malformed, a B2B member session or M2M token) is returned as an error
// without an API call, so such tokens never spend the project's rate
// limit. The result says which path answered.
func (s *SessionsService) AuthenticateJWT(ctx context.Context, sessionJWT string, opts ...stytch.Option) (*SessionsAuthenticateJWTResult, error) {
	call, apiOpts, err := localauth.Options(ctx, "Sessions.AuthenticateJWT", true, opts)
	if err != nil {
		return nil, err
	}
	if err := checkSessionCall("Sessions.AuthenticateJWT", call); err != nil {
		return nil, err
	}
	session, verdict, localErr := s.authenticateLocal(ctx, sessionJWT, call)
	if localErr == nil {
		return &SessionsAuthenticateJWTResult{Session: *session, Source: stytch.AuthenticatedLocally, Verdict: verdict}, nil
	}
	if !localauth.Fallbackable(localErr) && !errors.Is(localErr, stytch.ErrPermissionDenied) {
		return nil, localErr
	}
	params := &SessionsAuthenticateParams{SessionJWT: &sessionJWT}
	if c := call.Check; c != nil {
		params.AuthorizationCheck = &AuthorizationCheckRequest{ResourceID: c.ResourceID, Action: c.Action}
	}
	resp, err := s.Authenticate(ctx, params, apiOpts...)
	if err != nil {
		return nil, err
	}
	return &SessionsAuthenticateJWTResult{Session: resp.Session, Source: stytch.AuthenticatedByAPI, Verdict: resp.Verdict, Response: resp, LocalError: localErr}, nil
}

// CustomClaims decodes a session's custom claims into a T, typically a
// struct with json tags. It reads the same claims whether the session came
// from a verified JWT or from the API.
func CustomClaims[T any](s *Session) (T, error) {
	return localauth.DecodeInto[T](s.CustomClaims)
}

// sessionFromClaims builds the session from the claims as the verifier
// decoded them; only the factors and custom claims are decoded further,
// each once, into their final types.
func sessionFromClaims(c *jwtauth.Claims) (*Session, error) {
	sc := c.Session // never nil: the verifier checked the kind
	s := &Session{SessionID: sc.ID, UserID: c.Subject, Roles: sc.Roles}
	if s.Roles == nil {
		s.Roles = []string{}
	}
	s.StartedAt, s.LastAccessedAt, s.ExpiresAt = sc.StartedAt, sc.LastAccessedAt, sc.ExpiresAt
	var err error
	if s.AuthenticationFactors, err = localauth.DecodeList[AuthenticationFactor](sc.AuthenticationFactors); err != nil {
		return nil, err
	}
	if a := sc.Attributes; a != (jwtauth.SessionAttributes{}) {
		s.Attributes = &Attributes{IPAddress: a.IPAddress, UserAgent: a.UserAgent}
	}
	if s.CustomClaims, err = localauth.CustomClaims(c.Custom); err != nil {
		return nil, err
	}
	return s, nil
}

// copySession copies what a caller could change of a session shared by a
// cached token.
func copySession(s *Session) *Session {
	out := *s
	out.Roles = slices.Clone(s.Roles)
	out.AuthenticationFactors = slices.Clone(s.AuthenticationFactors)
	out.CustomClaims = maps.Clone(s.CustomClaims)
	if s.Attributes != nil {
		a := *s.Attributes
		out.Attributes = &a
	}
	return &out
}

func convertPolicy(p *Policy) *jwtauth.Policy {
	out := &jwtauth.Policy{}
	if p == nil {
		return out
	}
	for _, r := range p.Roles {
		role := jwtauth.Role{RoleID: r.RoleID}
		for _, pm := range r.Permissions {
			role.Permissions = append(role.Permissions, jwtauth.Permission{ResourceID: pm.ResourceID, Actions: pm.Actions})
		}
		out.Roles = append(out.Roles, role)
	}
	return out
}
