package jwtauth

import (
	"fmt"

	"github.com/gostytch/stytch"
)

// Policy is the part of a Stytch RBAC policy that local checks need. It is
// kept apart from the generated consumer and b2b types so that both surfaces
// convert into it.
type Policy struct {
	Roles  []Role
	Scopes []ScopePolicy
}

// Role is a named set of permissions.
type Role struct {
	RoleID      string
	Permissions []Permission
}

// ScopePolicy is a connected-app scope and the permissions it carries.
type ScopePolicy struct {
	Scope       string
	Permissions []Permission
}

// Permission allows actions on one resource. The action "*" allows every
// action; resource IDs are never wildcards.
type Permission struct {
	ResourceID string
	Actions    []string
}

// Authorized reports whether any of subjectRoles (the JWT's roles) allows
// action on resourceID under policy, and which roles do, in policy order,
// as the API's verdict.granting_roles lists them. Stytch's rule: only policy
// roles named in subjectRoles count (unknown names grant nothing); a
// permission matches when its resource_id equals resourceID exactly and its
// actions hold "*" or action. A nil policy allows nothing.
func Authorized(policy *Policy, subjectRoles []string, resourceID, action string) (grantingRoles []string, ok bool) {
	if policy == nil {
		return nil, false
	}
	for _, role := range policy.Roles {
		if contains(subjectRoles, role.RoleID) && allows(role.Permissions, resourceID, action) {
			grantingRoles = append(grantingRoles, role.RoleID)
		}
	}
	return grantingRoles, len(grantingRoles) > 0
}

// AuthorizedScopes is Authorized for connected-app tokens: the same rule
// over policy.Scopes, with the token's scopes in place of roles.
func AuthorizedScopes(policy *Policy, tokenScopes []string, resourceID, action string) (grantingScopes []string, ok bool) {
	if policy == nil {
		return nil, false
	}
	for _, s := range policy.Scopes {
		if contains(tokenScopes, s.Scope) && allows(s.Permissions, resourceID, action) {
			grantingScopes = append(grantingScopes, s.Scope)
		}
	}
	return grantingScopes, len(grantingScopes) > 0
}

func allows(perms []Permission, resourceID, action string) bool {
	for _, p := range perms {
		if p.ResourceID == resourceID && (contains(p.Actions, "*") || contains(p.Actions, action)) {
			return true
		}
	}
	return false
}

// WithRoles returns a copy of p whose roles also include extra: B2B checks
// merge the project's roles with the organization's custom roles.
func (p *Policy) WithRoles(extra []Role) *Policy {
	out := &Policy{Scopes: p.Scopes}
	out.Roles = make([]Role, 0, len(p.Roles)+len(extra))
	out.Roles = append(append(out.Roles, p.Roles...), extra...)
	return out
}

// ErrTenancy matches a *TenancyError with errors.Is.
var ErrTenancy = stytch.ErrTenancy

// TenancyError is the B2B tenancy failure the API reports as 403
// session_authorization_tenancy_error. It is not Fallbackable: the API
// would deny it too.
type TenancyError struct {
	SessionOrganizationID string // the member's organization, from the JWT
	CheckOrganizationID   string // the organization the check named
}

func (e *TenancyError) Error() string {
	return fmt.Sprintf("stytch: the session belongs to organization %q, not %q", e.SessionOrganizationID, e.CheckOrganizationID)
}

// Is makes errors.Is(err, ErrTenancy) true.
func (e *TenancyError) Is(target error) bool { return target == ErrTenancy }

// CheckTenancy is the B2B check that precedes Authorized: the organization
// of the session must be the organization_id of the authorization check. An
// empty organization ID on either side never matches.
func CheckTenancy(sessionOrgID, checkOrgID string) error {
	if sessionOrgID == "" || sessionOrgID != checkOrgID {
		return &TenancyError{SessionOrganizationID: sessionOrgID, CheckOrganizationID: checkOrgID}
	}
	return nil
}
