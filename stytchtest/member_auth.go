package stytchtest

import (
	"encoding/json"

	"github.com/gostytch/stytch/b2b"
)

// authorizeMemberHeaders authorizes a call to a route that takes a member
// session, when the request carries one of the two headers; without one,
// the project secret alone authorizes it, as at Stytch.
func (e *Emulator) authorizeMemberHeaders(c *call) error {
	token, jwtStr := c.http.Header.Get("X-Stytch-Member-Session"), c.http.Header.Get("X-Stytch-Member-SessionJWT")
	mc := memberCall{header: "X-Stytch-Member-Session", value: token}
	switch {
	case token != "" && jwtStr != "":
		// Unconfirmed: Stytch's answer to both headers at once.
		return errorf(400, "too_many_session_arguments", "Pass either X-Stytch-Member-Session or X-Stytch-Member-SessionJWT, not both.")
	case jwtStr != "":
		mc = memberCall{header: "X-Stytch-Member-SessionJWT", value: jwtStr}
	case token == "":
		return nil
	}
	perm, ok := b2bPermissions[c.route.op]
	if !ok {
		return errorf(500, "internal_server_error", "The emulator has no permission for %s.", c.route.op)
	}
	var body map[string]json.RawMessage
	if c.route.body && len(c.body) > 0 {
		// An object once validated; for an operation the emulator does not
		// implement, whatever fields decode.
		_ = json.Unmarshal(c.body, &body)
	}
	str := func(name string) string {
		var v string
		_ = json.Unmarshal(body[name], &v)
		return v
	}
	mc.orgID = c.pathValue("organization_id")
	if mc.orgID == "" {
		mc.orgID = str("organization_id")
	}
	if mc.orgID == "" {
		var ids []string
		_ = json.Unmarshal(body["organization_ids"], &ids)
		mc.orgIDs = ids
	}
	mc.targetMemberID = c.pathValue("member_id")
	if mc.targetMemberID == "" {
		mc.targetMemberID = str("member_id")
	}
	if mc.targetMemberID == "" {
		// Sessions.Revoke names its target by session.
		if bs := e.b2b.sessions[str("member_session_id")]; bs != nil {
			mc.targetMemberID = bs.s.MemberID
		} else if id, ok := e.b2b.byToken[str("session_token")]; ok {
			mc.targetMemberID = e.b2b.sessions[id].s.MemberID
		} else if jwtStr := str("session_jwt"); jwtStr != "" {
			if bs, err := e.b2bFindSession(nil, &jwtStr); err == nil {
				mc.targetMemberID = bs.s.MemberID
			}
		}
	}
	if id := c.pathValue("member_password_id"); mc.targetMemberID == "" && id != "" {
		// Organizations.Members.DeletePassword names its target by password.
		if o, err := e.b2b.org(mc.orgID); err == nil {
			if bm := e.b2b.memberByPassword(o.OrganizationID, id); bm != nil {
				mc.targetMemberID = bm.m.MemberID
			}
		}
	}
	if mc.orgID == "" && len(mc.orgIDs) == 0 {
		// The call names no organization: it acts on its target's.
		if bm := e.b2b.members[mc.targetMemberID]; bm != nil {
			mc.orgID = bm.m.OrganizationID
		}
	}
	for name := range body {
		mc.fields = append(mc.fields, name)
	}
	return e.authorizeMember(perm, mc)
}

// memberCall is a B2B call made with a member session header: who is
// calling, and what the call touches.
type memberCall struct {
	// header is X-Stytch-Member-Session or X-Stytch-Member-SessionJWT, and
	// value its token or JWT.
	header, value string
	// orgID is the organization the call acts on (orgIDs, for a search of
	// several); targetMemberID the member it acts on, when it names one.
	orgID, targetMemberID string
	orgIDs                []string
	// fields are the JSON names of the body fields the request holds.
	fields []string
}

// authorizeMember applies Stytch's rule for a call made as a member
// (behaviour reference §5.6): the header must name a live member session,
// the call must act on that member's organization, and the member's
// current roles must grant every action the call needs: perm's action, or
// for a field-by-field update the action of each field present. A member
// acting on itself is checked on stytch.self where perm allows it.
func (e *Emulator) authorizeMember(perm memberPermission, c memberCall) error {
	bs, err := e.memberSessionOf(c.header, c.value)
	if err != nil {
		return err
	}
	e.b2bRefreshSession(bs) // the roles the member holds now, not when the session began
	s := &bs.s
	orgs := c.orgIDs
	if c.orgID != "" {
		orgs = []string{c.orgID}
	}
	for _, ref := range orgs {
		// A path may name the organization by slug or external ID; one
		// that names none acts on no organization of this member's.
		if o, err := e.b2b.org(ref); err != nil || o.OrganizationID != s.OrganizationID {
			return errorf(403, "session_authorization_tenancy_error", "The member session belongs to another organization than the one this call acts on.")
		}
	}
	self := perm.self && c.targetMemberID != "" && c.targetMemberID == s.MemberID
	need := func(resource, action string) error {
		if _, err := e.b2bAuthorize(s, &b2b.AuthorizationCheckRequest{OrganizationID: s.OrganizationID, ResourceID: resource, Action: action}); err != nil {
			return err
		}
		return nil
	}
	resourceFor := func(neverSelf bool) string {
		if self && !neverSelf {
			return "stytch.self"
		}
		return perm.resource
	}
	if perm.fields == nil {
		return need(resourceFor(false), perm.action)
	}
	for _, f := range c.fields {
		if fp, ok := perm.fields[f]; ok {
			if err := need(resourceFor(fp.neverSelf), fp.action); err != nil {
				return err
			}
		}
	}
	return nil
}

// memberSessionOf finds the live member session a member-session header
// names. Unconfirmed: Stytch's answer to a JWT that does not parse; 401
// with the body parameter's error type is the most plausible.
func (e *Emulator) memberSessionOf(header, value string) (*b2bSession, error) {
	var token, jwtStr *string
	if header == "X-Stytch-Member-SessionJWT" {
		jwtStr = &value
	} else {
		token = &value
	}
	bs, err := e.b2bFindSession(token, jwtStr)
	if ae, ok := err.(*apiError); ok && ae.typ == "unable_to_parse_session_jwt" {
		return nil, errorf(401, ae.typ, "The member session JWT could not be parsed or verified.")
	}
	return bs, err
}
