package stytchtest

import (
	"context"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// DefaultB2BRBACPolicy is the policy a new emulator's B2B project has:
// Stytch's two default roles over a few of its reserved stytch.* resources.
// Stytch's real default grants are broader and unconfirmed here; tests
// that depend on them should set their own policy with SetB2BRBACPolicy.
func DefaultB2BRBACPolicy() b2b.Policy {
	all := []string{"*"}
	return b2b.Policy{
		Roles: []b2b.PolicyRole{
			{RoleID: "stytch_member", Description: "Granted to every member.", Permissions: []b2b.PolicyRolePermission{
				{ResourceID: "stytch.self", Actions: all},
			}},
			{RoleID: "stytch_admin", Description: "Granted to organization admins.", Permissions: []b2b.PolicyRolePermission{
				{ResourceID: "stytch.organization", Actions: all}, {ResourceID: "stytch.member", Actions: all},
				{ResourceID: "stytch.sso", Actions: all}, {ResourceID: "stytch.scim", Actions: all},
				{ResourceID: "stytch.self", Actions: all},
			}},
		},
		Resources: []b2b.PolicyResource{},
		Scopes:    []b2b.PolicyScope{},
	}
}

// SetB2BRBACPolicy replaces the B2B project's RBAC policy, which
// RBAC.Policy serves and Sessions.Authenticate checks authorization_check
// against, together with each organization's custom roles.
func (e *Emulator) SetB2BRBACPolicy(p b2b.Policy) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.b2bPolicy = p
}

func (e b2bAPI) RBACPolicy(context.Context, *b2b.RBACPolicyParams) (*b2b.RBACPolicyResponse, error) {
	p := e.b2bPolicy
	return &b2b.RBACPolicyResponse{Policy: &p}, nil
}

// SessionsGetJWKS serves the keys both surfaces sign with.
func (e b2bAPI) SessionsGetJWKS(ctx context.Context, p *b2b.SessionsGetJWKSParams) (*b2b.SessionsGetJWKSResponse, error) {
	c, err := consumerAPI(e).SessionsGetJWKS(ctx, &consumer.SessionsGetJWKSParams{ProjectID: p.ProjectID})
	if err != nil {
		return nil, err
	}
	keys := make([]b2b.JWK, len(c.Keys))
	for i, k := range c.Keys {
		keys[i] = b2b.JWK(k)
	}
	return &b2b.SessionsGetJWKSResponse{Keys: keys}, nil
}

func (e b2bAPI) RBACOrganizationsGetOrgPolicy(ctx context.Context, p *b2b.RBACOrganizationsGetOrgPolicyParams) (*b2b.RBACOrganizationsGetOrgPolicyResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	return &b2b.RBACOrganizationsGetOrgPolicyResponse{OrgPolicy: e.b2bOrgPolicy(o.OrganizationID)}, nil
}

func (e b2bAPI) RBACOrganizationsSetOrgPolicy(ctx context.Context, p *b2b.RBACOrganizationsSetOrgPolicyParams) (*b2b.RBACOrganizationsSetOrgPolicyResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	for _, role := range p.OrgPolicy.Roles {
		for _, pr := range e.b2bPolicy.Roles {
			if pr.RoleID == role.RoleID {
				// Unconfirmed error type for a custom role that shadows a project role.
				return nil, errorf(400, "invalid_role", "The role %s is already defined by the project's policy.", role.RoleID)
			}
		}
	}
	if p.OrgPolicy.Roles == nil {
		p.OrgPolicy.Roles = []b2b.PolicyRole{}
	}
	e.b2bOrgPolicies[o.OrganizationID] = p.OrgPolicy
	return &b2b.RBACOrganizationsSetOrgPolicyResponse{OrgPolicy: p.OrgPolicy}, nil
}

func (e *Emulator) b2bOrgPolicy(orgID string) b2b.OrgPolicy {
	if p, ok := e.b2bOrgPolicies[orgID]; ok {
		return p
	}
	return b2b.OrgPolicy{Roles: []b2b.PolicyRole{}}
}

// b2bAuthorize applies the B2B rule: the check must name the member's own
// organization, then the project's roles and the organization's custom
// roles grant as the consumer rule does.
func (e *Emulator) b2bAuthorize(s *b2b.MemberSession, ac *b2b.AuthorizationCheckRequest) (*b2b.AuthorizationVerdict, error) {
	if ac.OrganizationID != s.OrganizationID {
		return nil, errorf(403, "session_authorization_tenancy_error", "The session belongs to another organization than the one checked.")
	}
	perms := map[string][]permission{}
	roles := append(append([]b2b.PolicyRole{}, e.b2bPolicy.Roles...), e.b2bOrgPolicy(s.OrganizationID).Roles...)
	for _, r := range roles {
		for _, pr := range r.Permissions {
			perms[r.RoleID] = append(perms[r.RoleID], permission{pr.ResourceID, pr.Actions})
		}
	}
	granting := authorize(s.Roles, perms, ac.ResourceID, ac.Action)
	if len(granting) == 0 {
		return nil, errorf(403, "session_authorization_error", "The member's roles do not grant %s on %s.", ac.Action, ac.ResourceID)
	}
	return &b2b.AuthorizationVerdict{Authorized: true, GrantingRoles: granting}, nil
}
