package b2b

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

// jwksPath is where the B2B project's signing keys are served; they sign
// member session JWTs and M2M access tokens alike.
func jwksPath(t *transport.Client) string {
	return "/v1/b2b/sessions/jwks/" + transport.PathEscape(t.ProjectID())
}

// AuthenticateJWTLocal verifies a member session JWT with the project's
// public keys and returns the member session its claims describe, with no
// API call. The keys are fetched on first use, through this client, and
// cached; a token already verified is not verified again until it expires.
//
// The JWT must be RS256, issued by stytch.com/<project ID> (or the client's
// base URL, for custom domains) for the project, and within its validity
// (with WithJWTLeeway's allowance). A session JWT lives five minutes and is
// not revoked with its session: for a check that a session is still alive,
// use AuthenticateJWT with WithMaxTokenAge, or Authenticate.
//
// Options: WithMaxTokenAge, and WithAuthorizationCheck to check the
// member's roles against the project's RBAC policy and their
// organization's custom roles (both cached five minutes); the check's
// OrganizationID must be the member's organization (else stytch.ErrTenancy).
// Failures match the stytch.ErrJWT… values, stytch.ErrJWKSUnavailable,
// stytch.ErrTenancy or stytch.ErrPermissionDenied with errors.Is.
func (s *SessionsService) AuthenticateJWTLocal(ctx context.Context, sessionJWT string, opts ...stytch.Option) (*MemberSession, error) {
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
	return nil
}

func (s *SessionsService) authenticateLocal(ctx context.Context, sessionJWT string, call config.JWTCall) (*MemberSession, *AuthorizationVerdict, error) {
	claims, err := localauth.Verify(ctx, s.t, "Sessions.GetJWKS", jwksPath(s.t), sessionJWT, localauth.KindMemberSession, call)
	if err != nil {
		return nil, nil, err
	}
	v, err := jwtauth.Derive(claims, memberSessionFromClaims)
	if err != nil {
		return nil, nil, err
	}
	session := copyMemberSession(v)
	check := call.Check
	if check == nil {
		return session, nil, nil
	}
	if err := localauth.CheckTenancy(session.OrganizationID, check.OrganizationID); err != nil {
		return nil, nil, err
	}
	policy, err := localauth.Policy(s.t, "b2b", func(ctx context.Context) (*jwtauth.Policy, error) {
		resp, err := newRBACService(s.t).Policy(ctx, nil)
		if err != nil {
			return nil, err
		}
		return convertRoles(resp.Policy.rolesOrNil()), nil
	}).Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	orgID := session.OrganizationID
	orgPolicy, err := localauth.Policy(s.t, "b2b-org:"+orgID, func(ctx context.Context) (*jwtauth.Policy, error) {
		resp, err := newRBACOrganizationsService(s.t).GetOrgPolicy(ctx, &RBACOrganizationsGetOrgPolicyParams{OrganizationID: orgID})
		if err != nil {
			return nil, err
		}
		return convertRoles(resp.OrgPolicy.Roles), nil
	}).Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	merged := &jwtauth.Policy{Roles: append(slices.Clone(policy.Roles), orgPolicy.Roles...)}
	granting, err := localauth.Authorize(merged, session.Roles, check)
	if err != nil {
		return nil, nil, err
	}
	return session, &AuthorizationVerdict{Authorized: true, GrantingRoles: granting}, nil
}

// SessionsAuthenticateJWTResult is what AuthenticateJWT found.
type SessionsAuthenticateJWTResult struct {
	// MemberSession is the authenticated member session.
	MemberSession MemberSession
	// Source says whether the JWT was verified locally or by the API.
	Source stytch.AuthSource
	// Verdict is the outcome of WithAuthorizationCheck, when one was asked.
	Verdict *AuthorizationVerdict
	// Response is the API's answer (with the member, the organization and a
	// fresh JWT) when the API answered; nil when the JWT was verified locally.
	Response *SessionsAuthenticateResponse
	// LocalError says why local verification could not settle it, when the
	// API answered.
	LocalError error
}

// AuthenticateJWT verifies a member session JWT locally, as
// AuthenticateJWTLocal does, and asks the API (Authenticate) only when the
// local failure is one the API could settle: the JWT expired, is too old
// for WithMaxTokenAge, the keys could not be fetched, or the cached RBAC
// policies denied the check. A forged or foreign token (bad signature, a
// key ID the project's freshly fetched keys lack, wrong issuer or audience,
// wrong algorithm, malformed, a consumer session or M2M token) and a check
// against another organization are returned as errors without an API
// call, so such tokens never spend the project's rate limit. The result
// says which path answered.
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
		return &SessionsAuthenticateJWTResult{MemberSession: *session, Source: stytch.AuthenticatedLocally, Verdict: verdict}, nil
	}
	if !localauth.Fallbackable(localErr) && !errors.Is(localErr, stytch.ErrPermissionDenied) {
		return nil, localErr
	}
	params := &SessionsAuthenticateParams{SessionJWT: &sessionJWT}
	if c := call.Check; c != nil {
		params.AuthorizationCheck = &AuthorizationCheckRequest{OrganizationID: c.OrganizationID, ResourceID: c.ResourceID, Action: c.Action}
	}
	resp, err := s.Authenticate(ctx, params, apiOpts...)
	if err != nil {
		return nil, err
	}
	return &SessionsAuthenticateJWTResult{MemberSession: resp.MemberSession, Source: stytch.AuthenticatedByAPI, Verdict: resp.Verdict, Response: resp, LocalError: localErr}, nil
}

// CustomClaims decodes a member session's custom claims into a T,
// typically a struct with json tags. It reads the same claims whether the
// session came from a verified JWT or from the API.
func CustomClaims[T any](s *MemberSession) (T, error) {
	return localauth.DecodeInto[T](s.CustomClaims)
}

// memberSessionFromClaims builds the member session from the claims as the
// verifier decoded them; only the factors and custom claims are decoded
// further, each once, into their final types.
func memberSessionFromClaims(c *jwtauth.Claims) (*MemberSession, error) {
	sc, org := c.Session, c.Organization // never nil: the verifier checked the kind
	s := &MemberSession{MemberSessionID: sc.ID, MemberID: c.Subject, Roles: sc.Roles, OrganizationID: org.OrganizationID, OrganizationSlug: org.Slug}
	if s.Roles == nil {
		s.Roles = []string{}
	}
	s.StartedAt, s.LastAccessedAt, s.ExpiresAt = sc.StartedAt, sc.LastAccessedAt, sc.ExpiresAt
	var err error
	if s.AuthenticationFactors, err = localauth.DecodeList[AuthenticationFactor](sc.AuthenticationFactors); err != nil {
		return nil, err
	}
	if s.CustomClaims, err = localauth.CustomClaims(c.Custom); err != nil {
		return nil, err
	}
	return s, nil
}

// copyMemberSession copies what a caller could change of a session shared
// by a cached token.
func copyMemberSession(s *MemberSession) *MemberSession {
	out := *s
	out.Roles = slices.Clone(s.Roles)
	out.AuthenticationFactors = slices.Clone(s.AuthenticationFactors)
	out.CustomClaims = maps.Clone(s.CustomClaims)
	return &out
}

func (p *Policy) rolesOrNil() []PolicyRole {
	if p == nil {
		return nil
	}
	return p.Roles
}

func convertRoles(roles []PolicyRole) *jwtauth.Policy {
	out := &jwtauth.Policy{}
	for _, r := range roles {
		role := jwtauth.Role{RoleID: r.RoleID}
		for _, pm := range r.Permissions {
			role.Permissions = append(role.Permissions, jwtauth.Permission{ResourceID: pm.ResourceID, Actions: pm.Actions})
		}
		out.Roles = append(out.Roles, role)
	}
	return out
}
