package stytchtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"
	"net/http"
	"sort"
	"time"

	"github.com/gostytch/stytch/b2b"
)

// The SCIM family: an organization's one SCIM connection, its bearer token
// and rotation (this file), and the SCIM 2.0 service an identity provider
// calls with that token (scim_provisioning.go), which creates, updates and
// deactivates members and pushes groups whose role assignments give
// members roles.

// scimTokenLifetime is how long a bearer token is valid. Unconfirmed:
// Stytch's reference shows bearer_token_expires_at but not the lifetime;
// its examples put it years ahead, so the emulator gives a year.
const scimTokenLifetime = 365 * 24 * time.Hour

type scimState struct {
	conns  map[string]*scimConn     // connection ID -> connection
	users  map[string]*scimUserRec  // member ID -> the SCIM user behind it
	groups map[string]*scimGroupRec // group ID -> group
	seq    int                      // creation order of users and groups
}

// forget drops a connection with the users and groups it provisioned (the
// members stay, as Stytch keeps them; unconfirmed).
func (st *scimState) forget(connID string) {
	delete(st.conns, connID)
	for id, g := range st.groups {
		if g.connID == connID {
			delete(st.groups, id)
		}
	}
	for id, u := range st.users {
		if u.connID == connID {
			delete(st.users, id)
		}
	}
}

// forgetOrg drops the connections of an organization being deleted.
func (st *scimState) forgetOrg(orgID string) {
	for id, c := range st.conns {
		if c.c.OrganizationID == orgID {
			st.forget(id)
		}
	}
}

func newSCIMState() *scimState {
	return &scimState{conns: map[string]*scimConn{}, users: map[string]*scimUserRec{}, groups: map[string]*scimGroupRec{}}
}

// scimConn is a connection. Tokens are kept as SHA-256 digests, so that
// checking one takes the same time whatever it holds.
type scimConn struct {
	c                    b2b.SCIMConnection
	token, next          [sha256.Size]byte
	rotating             bool
	expires, nextExpires time.Time
}

const scimTokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newSCIMToken returns 48 random letters and digits, the form of Stytch's
// SCIM bearer tokens.
func newSCIMToken() string {
	b := make([]byte, 48)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(scimTokenChars))))
		b[i] = scimTokenChars[n.Int64()]
	}
	return string(b)
}

// tokenMatches reports whether token is the connection's live token or,
// during a rotation, its next one. Both digests are always compared.
func (c *scimConn) tokenMatches(token string, now time.Time) bool {
	sum := sha256.Sum256([]byte(token))
	cur := subtle.ConstantTimeCompare(sum[:], c.token[:]) == 1 && now.Before(c.expires)
	next := subtle.ConstantTimeCompare(sum[:], c.next[:]) == 1 && c.rotating && now.Before(c.nextExpires)
	return cur || next
}

// connOf returns the active connection of o, or nil.
func (st *scimState) connOf(orgID string) *scimConn {
	for _, c := range st.conns {
		if c.c.OrganizationID == orgID {
			return c
		}
	}
	return nil
}

func (e *Emulator) scimConnection(orgRef, connID string) (*b2b.Organization, *scimConn, error) {
	o, err := e.b2b.org(orgRef)
	if err != nil {
		return nil, nil, err
	}
	c := e.b2b.scim.conns[connID]
	if c == nil || c.c.OrganizationID != o.OrganizationID {
		// Unconfirmed: the error type of an unknown connection.
		return nil, nil, errorf(404, "scim_connection_not_found", "SCIM connection could not be found.")
	}
	return o, c, nil
}

// scimBaseURL is where the identity provider reaches the connection: the
// emulator's own address, as the request reached it, and Stytch's path.
func scimBaseURL(r *http.Request, connID string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v1/b2b/scim/" + connID
}

// scimSummarize keeps the organization's scim_active_connection in step with c
// (nil when the connection is gone).
func (e *Emulator) scimSummarize(o *b2b.Organization, c *scimConn) {
	if c == nil {
		o.SCIMActiveConnection = nil
		return
	}
	exp := c.expires
	o.SCIMActiveConnection = &b2b.ActiveSCIMConnection{
		ConnectionID: c.c.ConnectionID, DisplayName: c.c.DisplayName,
		BearerTokenLastFour: c.c.BearerTokenLastFour, BearerTokenExpiresAt: &exp,
	}
}

func (c *scimConn) view() *b2b.SCIMConnection {
	v := c.c
	v.SCIMGroupImplicitRoleAssignments = append([]b2b.SCIMGroupImplicitRoleAssignments{}, c.c.SCIMGroupImplicitRoleAssignments...)
	exp := c.expires
	v.BearerTokenExpiresAt = &exp
	if c.rotating {
		next := c.nextExpires
		v.NextBearerTokenExpiresAt = &next
	}
	return &v
}

// SCIMConnectionCreate creates the organization's connection; an
// organization has at most one.
func (e b2bAPI) SCIMConnectionCreate(ctx context.Context, p *b2b.SCIMConnectionCreateParams) (*b2b.SCIMConnectionCreateResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	if e.b2b.scim.connOf(o.OrganizationID) != nil {
		return nil, errorf(400, "active_scim_connection_exists", "Cannot create a new SCIM connection for the specified organization since the organization already has an active SCIM connection. Organizations may only have one active SCIM connection at a time.")
	}
	id := newID("scim-connection")
	token := newSCIMToken()
	c := &scimConn{token: sha256.Sum256([]byte(token)), expires: e.now().Add(scimTokenLifetime), c: b2b.SCIMConnection{
		OrganizationID: o.OrganizationID, ConnectionID: id, Status: "active",
		DisplayName: deref(p.DisplayName), IdentityProvider: string(deref(p.IdentityProvider)),
		BaseURL: scimBaseURL(callOf(ctx).http, id), BearerTokenLastFour: token[len(token)-4:],
		SCIMGroupImplicitRoleAssignments: []b2b.SCIMGroupImplicitRoleAssignments{},
	}}
	e.b2b.scim.conns[id] = c
	e.scimSummarize(o, c)
	v := c.view()
	return &b2b.SCIMConnectionCreateResponse{Connection: &b2b.SCIMConnectionWithToken{
		OrganizationID: v.OrganizationID, ConnectionID: v.ConnectionID, Status: v.Status, DisplayName: v.DisplayName,
		IdentityProvider: v.IdentityProvider, BaseURL: v.BaseURL, BearerToken: token,
		SCIMGroupImplicitRoleAssignments: v.SCIMGroupImplicitRoleAssignments, BearerTokenExpiresAt: v.BearerTokenExpiresAt,
	}}, nil
}

// SCIMConnectionGet returns the organization's connection; an
// organization without one gets none (unconfirmed: whether Stytch answers
// 404 instead; its SDKs type the connection as optional).
func (e b2bAPI) SCIMConnectionGet(ctx context.Context, p *b2b.SCIMConnectionGetParams) (*b2b.SCIMConnectionGetResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	resp := &b2b.SCIMConnectionGetResponse{}
	if c := e.b2b.scim.connOf(o.OrganizationID); c != nil {
		resp.Connection = c.view()
	}
	return resp, nil
}

// SCIMConnectionUpdate changes the fields present. Role assignments
// replace the connection's list; each names its group's current name.
// Unconfirmed: whether Stytch refuses a group it has not seen or a role
// its policy lacks; the emulator takes both, as it does for the
// organization's email-domain assignments.
func (e b2bAPI) SCIMConnectionUpdate(ctx context.Context, p *b2b.SCIMConnectionUpdateParams) (*b2b.SCIMConnectionUpdateResponse, error) {
	o, c, err := e.scimConnection(p.OrganizationID, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	if p.DisplayName != nil {
		c.c.DisplayName = *p.DisplayName
	}
	if p.IdentityProvider != nil {
		c.c.IdentityProvider = string(*p.IdentityProvider)
	}
	if p.SCIMGroupImplicitRoleAssignments != nil {
		as := []b2b.SCIMGroupImplicitRoleAssignments{}
		for _, a := range p.SCIMGroupImplicitRoleAssignments {
			if a.RoleID == "" || a.GroupID == "" {
				return nil, errorf(400, errorTypeBadRequest, "Each scim_group_implicit_role_assignments entry needs a role_id and a group_id.")
			}
			if g := e.b2b.scim.groups[a.GroupID]; g != nil && g.connID == c.c.ConnectionID {
				name := g.doc.DisplayName
				a.GroupName = &name
			}
			as = append(as, a)
		}
		c.c.SCIMGroupImplicitRoleAssignments = as
	}
	e.scimSummarize(o, c)
	return &b2b.SCIMConnectionUpdateResponse{Connection: c.view()}, nil
}

// SCIMConnectionDelete deletes the connection: its tokens stop working and
// its groups, with the roles they gave, go. Members it provisioned stay,
// with their scim_registration (unconfirmed).
func (e b2bAPI) SCIMConnectionDelete(ctx context.Context, p *b2b.SCIMConnectionDeleteParams) (*b2b.SCIMConnectionDeleteResponse, error) {
	o, c, err := e.scimConnection(p.OrganizationID, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	e.b2b.scim.forget(c.c.ConnectionID)
	e.scimSummarize(o, nil)
	return &b2b.SCIMConnectionDeleteResponse{ConnectionID: c.c.ConnectionID}, nil
}

// SCIMConnectionRotateStart gives the connection a next token; both work
// until the rotation completes or is cancelled. Starting again replaces
// the next token (unconfirmed).
func (e b2bAPI) SCIMConnectionRotateStart(ctx context.Context, p *b2b.SCIMConnectionRotateStartParams) (*b2b.SCIMConnectionRotateStartResponse, error) {
	_, c, err := e.scimConnection(p.OrganizationID, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	token := newSCIMToken()
	c.next, c.rotating, c.nextExpires = sha256.Sum256([]byte(token)), true, e.now().Add(scimTokenLifetime)
	c.c.NextBearerTokenLastFour = token[len(token)-4:]
	v := c.view()
	return &b2b.SCIMConnectionRotateStartResponse{Connection: &b2b.SCIMConnectionWithNextToken{
		OrganizationID: v.OrganizationID, ConnectionID: v.ConnectionID, Status: v.Status, DisplayName: v.DisplayName,
		BaseURL: v.BaseURL, IdentityProvider: v.IdentityProvider, BearerTokenLastFour: v.BearerTokenLastFour,
		NextBearerToken: token, SCIMGroupImplicitRoleAssignments: v.SCIMGroupImplicitRoleAssignments,
		BearerTokenExpiresAt: v.BearerTokenExpiresAt, NextBearerTokenExpiresAt: v.NextBearerTokenExpiresAt,
	}}, nil
}

// scimRotating returns the connection whose rotation the request ends. One
// with no rotation in progress is refused; the error type is unconfirmed.
func (e *Emulator) scimRotating(orgRef, connID string) (*b2b.Organization, *scimConn, error) {
	o, c, err := e.scimConnection(orgRef, connID)
	if err != nil {
		return nil, nil, err
	}
	if !c.rotating {
		return nil, nil, errorf(400, "scim_token_rotation_not_started", "The SCIM connection has no bearer token rotation in progress; start one first.")
	}
	return o, c, nil
}

// SCIMConnectionRotateComplete makes the next token the connection's
// token; the old one stops working.
func (e b2bAPI) SCIMConnectionRotateComplete(ctx context.Context, p *b2b.SCIMConnectionRotateCompleteParams) (*b2b.SCIMConnectionRotateCompleteResponse, error) {
	o, c, err := e.scimRotating(p.OrganizationID, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	c.token, c.expires = c.next, c.nextExpires
	c.c.BearerTokenLastFour = c.c.NextBearerTokenLastFour
	e.scimEndRotation(c)
	e.scimSummarize(o, c)
	return &b2b.SCIMConnectionRotateCompleteResponse{Connection: c.view()}, nil
}

// SCIMConnectionRotateCancel drops the next token; the current one stays.
func (e b2bAPI) SCIMConnectionRotateCancel(ctx context.Context, p *b2b.SCIMConnectionRotateCancelParams) (*b2b.SCIMConnectionRotateCancelResponse, error) {
	_, c, err := e.scimRotating(p.OrganizationID, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	e.scimEndRotation(c)
	return &b2b.SCIMConnectionRotateCancelResponse{Connection: c.view()}, nil
}

func (e *Emulator) scimEndRotation(c *scimConn) {
	c.next, c.rotating, c.nextExpires = [sha256.Size]byte{}, false, time.Time{}
	c.c.NextBearerTokenLastFour = ""
}

// SCIMConnectionGetGroups pages through the groups the identity provider
// has pushed, oldest first.
func (e b2bAPI) SCIMConnectionGetGroups(ctx context.Context, p *b2b.SCIMConnectionGetGroupsParams) (*b2b.SCIMConnectionGetGroupsResponse, error) {
	_, c, err := e.scimConnection(p.OrganizationID, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	groups := e.b2b.scim.groupsOf(c.c.ConnectionID)
	page, next, err := paginate(len(groups), p.Cursor, p.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]b2b.SCIMGroup, 0, page[1]-page[0])
	for _, g := range groups[page[0]:page[1]] {
		out = append(out, b2b.SCIMGroup{GroupID: g.id, GroupName: g.doc.DisplayName, OrganizationID: c.c.OrganizationID, ConnectionID: g.connID})
	}
	return &b2b.SCIMConnectionGetGroupsResponse{SCIMGroups: out, NextCursor: next}, nil
}

// groupsOf lists a connection's groups, oldest first.
func (st *scimState) groupsOf(connID string) []*scimGroupRec {
	var out []*scimGroupRec
	for _, g := range st.groups {
		if g.connID == connID {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// scimGroupRoles adds to a member's roles those its SCIM groups give
// through their connection's role assignments. A deactivated member holds
// none (Stytch revokes every role at deprovisioning). Unconfirmed: the keys
// of the source's details.
func (st *b2bState) scimGroupRoles(bm *b2bMember, add func(string, b2b.MemberRoleSource)) {
	u := st.scim.users[bm.m.MemberID]
	if u == nil || bm.m.Status == b2bDeleted {
		return
	}
	c := st.scim.conns[u.connID]
	if c == nil {
		return
	}
	for _, g := range st.scim.groupsOf(u.connID) {
		if !contains(g.members, bm.m.MemberID) {
			continue
		}
		for _, a := range c.c.SCIMGroupImplicitRoleAssignments {
			if a.GroupID == g.id {
				add(a.RoleID, b2b.MemberRoleSource{Type: b2b.MemberRoleSourceTypeSCIMConnectionGroup,
					Details: map[string]any{"connection_id": u.connID, "group_id": g.id}})
			}
		}
	}
}
