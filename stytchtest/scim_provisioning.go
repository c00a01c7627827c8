package stytchtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gostytch/stytch/b2b"
)

// The SCIM 2.0 service (RFC 7643, RFC 7644) an identity provider calls at
// a connection's base_url, /v1/b2b/scim/{connection_id}, with the
// connection's bearer token and no project credentials. Users are members
// of the connection's organization; Groups carry the connection's role
// assignments to their members. Answers are in SCIM's shapes, errors too.

const (
	scimUserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimEnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	scimListSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimErrorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimConfigSchema     = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

// scimMaxResults bounds a page of a list (unconfirmed: Stytch's bound).
const scimMaxResults = 1000

// scimError is an error in RFC 7644's shape; scimType is empty where the
// RFC names none (401, 404).
type scimError struct {
	status           int
	scimType, detail string
}

func (e *scimError) Error() string { return e.scimType + ": " + e.detail }

func scimErr(status int, scimType, format string, args ...any) *scimError {
	return &scimError{status: status, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

// scimUserRec is a SCIM user: the attributes the identity provider last
// sent, behind one member, whose ID is its SCIM id (unconfirmed: Stytch's
// form of SCIM ids). A member provisioned over SCIM starts active with an
// unverified email address (unconfirmed).
type scimUserRec struct {
	connID, memberID string
	doc              scimUserDoc
	created, updated time.Time
	seq              int
}

type scimGroupRec struct {
	id, connID       string
	doc              scimGroupDoc // without its Members, which members holds
	members          []string     // member IDs, in the order added
	created, updated time.Time
	seq              int
}

// scimBool is a SCIM boolean, which Microsoft Entra sends as "True" or
// "False" in some PATCH requests.
type scimBool bool

func (b *scimBool) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		v, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return fmt.Errorf("%q is not a boolean", s)
		}
		*b = scimBool(v)
		return nil
	}
	var v bool
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*b = scimBool(v)
	return nil
}

// scimValue is one value of a multi-valued attribute (emails, members, ...).
type scimValue struct {
	Value   string   `json:"value,omitempty"`
	Display string   `json:"display,omitempty"`
	Type    string   `json:"type,omitempty"`
	Primary scimBool `json:"primary,omitempty"`
	Ref     string   `json:"$ref,omitempty"`
}

type scimAddress struct {
	Formatted     string   `json:"formatted,omitempty"`
	StreetAddress string   `json:"streetAddress,omitempty"`
	Locality      string   `json:"locality,omitempty"`
	Region        string   `json:"region,omitempty"`
	PostalCode    string   `json:"postalCode,omitempty"`
	Country       string   `json:"country,omitempty"`
	Type          string   `json:"type,omitempty"`
	Primary       scimBool `json:"primary,omitempty"`
}

type scimName struct {
	Formatted       string `json:"formatted,omitempty"`
	FamilyName      string `json:"familyName,omitempty"`
	GivenName       string `json:"givenName,omitempty"`
	MiddleName      string `json:"middleName,omitempty"`
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

type scimEnterprise struct {
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	CostCenter     string `json:"costCenter,omitempty"`
	Organization   string `json:"organization,omitempty"`
	Division       string `json:"division,omitempty"`
	Department     string `json:"department,omitempty"`
	Manager        *struct {
		Value       string `json:"value,omitempty"`
		Ref         string `json:"$ref,omitempty"`
		DisplayName string `json:"displayName,omitempty"`
	} `json:"manager,omitempty"`
}

// scimUserDoc is the writable part of a User resource. Decoding matches
// attribute names case-insensitively, as SCIM wants; id, meta, groups and
// anything unknown are ignored.
type scimUserDoc struct {
	ExternalID        string          `json:"externalId,omitempty"`
	UserName          string          `json:"userName"`
	Name              *scimName       `json:"name,omitempty"`
	DisplayName       string          `json:"displayName,omitempty"`
	NickName          string          `json:"nickName,omitempty"`
	ProfileURL        string          `json:"profileUrl,omitempty"`
	Title             string          `json:"title,omitempty"`
	UserType          string          `json:"userType,omitempty"`
	PreferredLanguage string          `json:"preferredLanguage,omitempty"`
	Locale            string          `json:"locale,omitempty"`
	Timezone          string          `json:"timezone,omitempty"`
	Active            *scimBool       `json:"active,omitempty"`
	Emails            []scimValue     `json:"emails,omitempty"`
	PhoneNumbers      []scimValue     `json:"phoneNumbers,omitempty"`
	IMs               []scimValue     `json:"ims,omitempty"`
	Photos            []scimValue     `json:"photos,omitempty"`
	Addresses         []scimAddress   `json:"addresses,omitempty"`
	Entitlements      []scimValue     `json:"entitlements,omitempty"`
	Roles             []scimValue     `json:"roles,omitempty"`
	X509Certificates  []scimValue     `json:"x509Certificates,omitempty"`
	Enterprise        *scimEnterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
}

type scimGroupDoc struct {
	DisplayName string      `json:"displayName"`
	ExternalID  string      `json:"externalId,omitempty"`
	Members     []scimValue `json:"members,omitempty"`
}

// scimRequest is one request to the SCIM service, with the emulator locked.
type scimRequest struct {
	e    *Emulator
	r    *http.Request
	conn *scimConn
	org  *b2b.Organization
	base string // the connection's base URL, as the request reached it
	body []byte
}

// serveSCIM serves the SCIM service: any path under /v1/b2b/scim/{id}/
// that is not the connection management API's.
func (e *Emulator) serveSCIM(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/b2b/scim/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) < 2 || parts[0] == "" || parts[1] == "connection" {
		return false
	}
	status, resp := e.scimServe(r, parts[0], parts[1:])
	w.Header().Set("Content-Type", "application/scim+json")
	if se, ok := resp.(*scimError); ok {
		if se.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		}
		body := map[string]any{"schemas": []string{scimErrorSchema}, "status": strconv.Itoa(se.status), "detail": se.detail}
		if se.scimType != "" {
			body["scimType"] = se.scimType
		}
		status, resp = se.status, body
	}
	if m, ok := resp.(map[string]any); ok && status == http.StatusCreated {
		if meta, ok := m["meta"].(map[string]any); ok {
			w.Header().Set("Location", meta["location"].(string))
		}
	}
	w.WriteHeader(status)
	if status != http.StatusNoContent {
		_ = json.NewEncoder(w).Encode(resp)
	}
	return true
}

// scimServe authorizes the request and runs it; resp is a *scimError on
// failure.
func (e *Emulator) scimServe(r *http.Request, connID string, path []string) (status int, resp any) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil || len(body) > maxRequestBytes {
		return 0, scimErr(400, "invalidSyntax", "The request body could not be read or is larger than %d bytes.", maxRequestBytes)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			status, resp = 0, scimErr(500, "", "The emulator failed on a SCIM request: %v", p)
		}
	}()
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	c := e.b2b.scim.conns[connID]
	// An unknown or deleted connection gets the answer a wrong token gets.
	if !strings.EqualFold(scheme, "Bearer") || c == nil || !c.tokenMatches(strings.TrimSpace(token), e.now()) || e.b2b.orgs[c.c.OrganizationID] == nil {
		return 0, scimErr(401, "", "The bearer token is missing, wrong or expired, or the SCIM connection was deleted.")
	}
	q := &scimRequest{e: e, r: r, conn: c, org: e.b2b.orgs[c.c.OrganizationID], base: scimBaseURL(r, connID), body: body}
	status, resp, err = q.route(path)
	if err != nil {
		var se *scimError
		var ae *apiError
		switch {
		case errors.As(err, &se):
		case errors.As(err, &ae):
			se = scimErr(ae.status, "invalidValue", "%s", ae.message)
		default:
			se = scimErr(500, "", "%v", err)
		}
		return 0, se
	}
	return status, resp
}

func (q *scimRequest) route(path []string) (int, any, error) {
	method := q.r.Method
	resource, id := path[0], strings.Join(path[1:], "/")
	switch {
	case resource == "ServiceProviderConfig" && id == "" && method == http.MethodGet:
		return 200, scimServiceProviderConfig(q.base), nil
	case resource != "Users" && resource != "Groups":
		return 0, nil, scimErr(404, "", "There is no SCIM resource at %s.", q.r.URL.Path)
	case id == "" && method == http.MethodGet:
		return q.list(resource)
	case id == "" && method == http.MethodPost && resource == "Users":
		return q.writeUser(nil)
	case id == "" && method == http.MethodPost:
		return q.writeGroup(nil)
	case id == "":
		return 0, nil, scimErr(405, "", "%s is not allowed on /%s.", method, resource)
	}
	if resource == "Users" {
		u := q.e.b2b.scim.users[id]
		if u == nil || u.connID != q.conn.c.ConnectionID {
			return 0, nil, scimErr(404, "", "User %s not found.", id)
		}
		switch method {
		case http.MethodGet:
			return 200, q.userResource(u), nil
		case http.MethodPut, http.MethodPatch:
			return q.writeUser(u)
		case http.MethodDelete:
			q.deleteUser(u)
			return http.StatusNoContent, nil, nil
		}
	} else {
		g := q.e.b2b.scim.groups[id]
		if g == nil || g.connID != q.conn.c.ConnectionID {
			return 0, nil, scimErr(404, "", "Group %s not found.", id)
		}
		switch method {
		case http.MethodGet:
			return 200, q.groupResource(g), nil
		case http.MethodPut, http.MethodPatch:
			return q.writeGroup(g)
		case http.MethodDelete:
			q.deleteGroup(g)
			return http.StatusNoContent, nil, nil
		}
	}
	return 0, nil, scimErr(405, "", "%s is not allowed on /%s/{id}.", method, resource)
}

func scimServiceProviderConfig(base string) map[string]any {
	no := map[string]any{"supported": false}
	return map[string]any{
		"schemas": []string{scimConfigSchema}, "documentationUri": "https://stytch.com/docs/b2b/guides/scim/overview",
		"patch": map[string]any{"supported": true}, "bulk": map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter": map[string]any{"supported": true, "maxResults": scimMaxResults}, "changePassword": no, "sort": no, "etag": no,
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "The SCIM connection's bearer token.", "primary": true}},
		"meta":                  map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	}
}

// decode decodes the body into v, as a resource (PUT, POST) or a PatchOp
// applied to current (PATCH): the operations run on current's JSON form.
func (q *scimRequest) decode(current, v any) error {
	if q.r.Method != http.MethodPatch {
		return scimUnmarshal(q.body, v)
	}
	var p struct {
		Schemas    []string      `json:"schemas"`
		Operations []scimPatchOp `json:"Operations"`
	}
	if err := scimUnmarshal(q.body, &p); err != nil {
		return err
	}
	if !containsFold(p.Schemas, scimPatchSchema) {
		return scimErr(400, "invalidSyntax", "A PATCH body must name the schema %s.", scimPatchSchema)
	}
	doc, err := scimMap(current)
	if err != nil {
		return err
	}
	for _, op := range p.Operations {
		if err := op.apply(doc); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return scimUnmarshal(raw, v)
}

func scimUnmarshal(raw []byte, v any) error {
	err := json.Unmarshal(raw, v)
	var syn *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syn) || len(raw) == 0:
		return scimErr(400, "invalidSyntax", "The request body is not valid JSON: %v", err)
	default:
		return scimErr(400, "invalidValue", "The request body does not fit the resource's schema: %v", err)
	}
}

// scimMap is v's JSON form as a map.
func scimMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(raw, &m)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ---- Users ----

// email is the address of a user's member: its primary email, else its
// first, else its userName when that is an address (unconfirmed: Stytch's
// exact choice).
func (d *scimUserDoc) email() string {
	for _, e := range d.Emails {
		if e.Primary && e.Value != "" {
			return e.Value
		}
	}
	for _, e := range d.Emails {
		if e.Value != "" {
			return e.Value
		}
	}
	if strings.Contains(d.UserName, "@") {
		return d.UserName
	}
	return ""
}

// memberName is the member's name: displayName, else the formatted name,
// else the given and family names (unconfirmed).
func (d *scimUserDoc) memberName() string {
	switch {
	case d.DisplayName != "":
		return d.DisplayName
	case d.Name == nil:
		return ""
	case d.Name.Formatted != "":
		return d.Name.Formatted
	}
	return strings.TrimSpace(d.Name.GivenName + " " + d.Name.FamilyName)
}

// writeUser creates a user (u nil), or replaces or patches u, and brings
// its member in step: email, name, status and scim_registration.
func (q *scimRequest) writeUser(u *scimUserRec) (int, any, error) {
	var current any = scimUserDoc{}
	if u != nil {
		current = u.doc
	}
	var doc scimUserDoc
	if err := q.decode(current, &doc); err != nil {
		return 0, nil, err
	}
	st := q.e.b2b
	if doc.UserName == "" {
		return 0, nil, scimErr(400, "invalidValue", "userName is required.")
	}
	email := doc.email()
	if email == "" {
		return 0, nil, scimErr(400, "invalidValue", "A user needs an email address, in emails or as its userName.")
	}
	if err := checkEmail(email); err != nil {
		return 0, nil, scimErr(400, "invalidValue", "The email address %q is not valid.", email)
	}
	self := ""
	if u != nil {
		self = u.memberID
	}
	for _, other := range st.scim.users {
		if other.connID == q.conn.c.ConnectionID && other.memberID != self && strings.EqualFold(other.doc.UserName, doc.UserName) {
			return 0, nil, scimErr(409, "uniqueness", "A user with userName %q already exists.", doc.UserName)
		}
	}
	now := q.e.now()
	status := http.StatusOK
	var bm *b2bMember
	if u == nil {
		// An existing member with the address becomes the user's, as when
		// an organization adopts SCIM (unconfirmed).
		bm = st.memberByEmail(q.org.OrganizationID, email)
		switch {
		case bm != nil && st.scim.users[bm.m.MemberID] != nil:
			return 0, nil, scimErr(409, "uniqueness", "A user with the email address %q already exists.", email)
		case bm == nil && st.emailTaken(q.org.OrganizationID, email, ""):
			return 0, nil, scimErr(409, "uniqueness", "The email address %q is reserved by another member.", email)
		case bm == nil:
			bm = q.e.newMember(q.org, email, b2bActive)
		}
		st.scim.seq++
		u = &scimUserRec{connID: q.conn.c.ConnectionID, memberID: bm.m.MemberID, created: now, seq: st.scim.seq}
		st.scim.users[bm.m.MemberID] = u
		bm.m.SCIMRegistration = &b2b.SCIMRegistration{ConnectionID: u.connID, RegistrationID: newID("scim-registration")}
		status = http.StatusCreated
		if doc.Active == nil {
			t := scimBool(true)
			doc.Active = &t
		}
	} else {
		bm = st.members[u.memberID]
		if !strings.EqualFold(email, bm.m.EmailAddress) {
			if st.emailTaken(q.org.OrganizationID, email, bm.m.MemberID) {
				return 0, nil, scimErr(409, "uniqueness", "The email address %q is taken by another member.", email)
			}
			// As Members.Update does: the old address is retired.
			bm.m.RetiredEmailAddresses = append(bm.m.RetiredEmailAddresses, b2b.RetiredEmail{EmailID: bm.emailID, EmailAddress: bm.m.EmailAddress})
			bm.emailID, bm.m.EmailAddressVerified = newID("member-email"), false
		}
		if doc.Active == nil { // a PUT without active leaves it as it was
			doc.Active = u.doc.Active
		}
	}
	bm.m.EmailAddress = email
	bm.m.Name = doc.memberName()
	switch active := doc.Active == nil || bool(*doc.Active); {
	case !active && bm.m.Status != b2bDeleted:
		// Deprovisioned: Stytch revokes the member's roles and sessions. Its
		// guide calls the status "deactivated"; the Member object has only
		// pending, invited, active and deleted (unconfirmed: deleted).
		bm.m.Status, bm.roles = b2bDeleted, []string{}
		q.e.b2bRevokeMember(bm.m.MemberID)
	case active && bm.m.Status != b2bActive:
		bm.m.Status = b2bActive
	}
	bm.m.UpdatedAt = &now
	u.doc, u.updated = doc, now
	q.e.scimRegister(u)
	return status, q.userResource(u), nil
}

// deleteUser deprovisions the user's member and forgets the user: the
// member stays, deleted, without its SCIM registration (unconfirmed).
func (q *scimRequest) deleteUser(u *scimUserRec) {
	st := q.e.b2b
	bm := st.members[u.memberID]
	for _, g := range st.scim.groupsOf(u.connID) {
		g.members = without(g.members, u.memberID)
	}
	delete(st.scim.users, u.memberID)
	now := q.e.now()
	bm.m.Status, bm.roles, bm.m.UpdatedAt, bm.m.SCIMRegistration = b2bDeleted, []string{}, &now, nil
	q.e.b2bRevokeMember(bm.m.MemberID)
}

func without(list []string, s string) []string {
	out := []string{}
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// groupsOfMember lists the groups a user belongs to, as SCIM shows them.
func (st *scimState) groupsOfMember(u *scimUserRec) []scimValue {
	out := []scimValue{}
	for _, g := range st.groupsOf(u.connID) {
		if contains(g.members, u.memberID) {
			out = append(out, scimValue{Value: g.id, Display: g.doc.DisplayName})
		}
	}
	return out
}

// scimRegister records the user's attributes and groups on its member's
// scim_registration.
func (e *Emulator) scimRegister(u *scimUserRec) {
	bm := e.b2b.members[u.memberID]
	m, _ := scimMap(u.doc)
	m["id"] = u.memberID
	m["active"] = bm.m.Status != b2bDeleted
	m["groups"] = e.b2b.scim.groupsOfMember(u)
	raw, _ := json.Marshal(scimSnakeKeys(m))
	attrs := &b2b.SCIMAttributes{}
	_ = json.Unmarshal(raw, attrs)
	reg := *bm.m.SCIMRegistration
	reg.ExternalID, reg.SCIMAttributes = u.doc.ExternalID, attrs
	bm.m.SCIMRegistration = &reg
}

// scimSnakeKeys renames SCIM's camelCase attributes to the snake_case of
// Stytch's scim_attributes.
func scimSnakeKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			switch k {
			case scimEnterpriseSchema:
				k = "enterprise_extension"
			case "x509Certificates":
				k = "x509certificates"
			case "$ref":
				k = "ref"
			default:
				var b strings.Builder
				for _, r := range k {
					if unicode.IsUpper(r) {
						b.WriteByte('_')
					}
					b.WriteRune(unicode.ToLower(r))
				}
				k = b.String()
			}
			out[k] = scimSnakeKeys(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = scimSnakeKeys(x)
		}
		return out
	}
	return v
}

func scimMeta(kind, location string, created, updated time.Time) map[string]any {
	return map[string]any{"resourceType": kind, "created": created.Format(time.RFC3339), "lastModified": updated.Format(time.RFC3339), "location": location}
}

// userResource is the User resource of u.
func (q *scimRequest) userResource(u *scimUserRec) map[string]any {
	m, _ := scimMap(u.doc)
	schemas := []string{scimUserSchema}
	if u.doc.Enterprise != nil {
		schemas = append(schemas, scimEnterpriseSchema)
	}
	m["schemas"], m["id"] = schemas, u.memberID
	m["active"] = q.e.b2b.members[u.memberID].m.Status != b2bDeleted
	m["groups"] = q.e.b2b.scim.groupsOfMember(u)
	m["meta"] = scimMeta("User", q.base+"/Users/"+u.memberID, u.created, u.updated)
	return m
}

// ---- Groups ----

// writeGroup creates a group (g nil), or replaces or patches g; its
// members must be users of the connection.
func (q *scimRequest) writeGroup(g *scimGroupRec) (int, any, error) {
	st := q.e.b2b
	current := scimGroupDoc{}
	if g != nil {
		current = g.doc
		for _, id := range g.members {
			current.Members = append(current.Members, scimValue{Value: id})
		}
	}
	var doc scimGroupDoc
	if err := q.decode(current, &doc); err != nil {
		return 0, nil, err
	}
	if doc.DisplayName == "" {
		return 0, nil, scimErr(400, "invalidValue", "displayName is required.")
	}
	for _, other := range st.scim.groupsOf(q.conn.c.ConnectionID) {
		if other != g && strings.EqualFold(other.doc.DisplayName, doc.DisplayName) {
			return 0, nil, scimErr(409, "uniqueness", "A group with displayName %q already exists.", doc.DisplayName)
		}
	}
	members, seen := []string{}, map[string]bool{}
	for _, v := range doc.Members {
		if u := st.scim.users[v.Value]; u == nil || u.connID != q.conn.c.ConnectionID {
			// Unconfirmed: Stytch's answer to a member it does not know.
			return 0, nil, scimErr(400, "invalidValue", "The group member %q is not a user of this connection.", v.Value)
		}
		if !seen[v.Value] {
			seen[v.Value] = true
			members = append(members, v.Value)
		}
	}
	now := q.e.now()
	status := http.StatusOK
	if g == nil {
		st.scim.seq++
		// Unconfirmed: the form of group IDs ("a stable UUID").
		g = &scimGroupRec{id: newID("scim-group"), connID: q.conn.c.ConnectionID, created: now, seq: st.scim.seq}
		st.scim.groups[g.id] = g
		status = http.StatusCreated
	}
	before := g.members
	doc.Members = nil
	g.doc, g.members, g.updated = doc, members, now
	for i, a := range q.conn.c.SCIMGroupImplicitRoleAssignments {
		if a.GroupID == g.id {
			name := doc.DisplayName
			q.conn.c.SCIMGroupImplicitRoleAssignments[i].GroupName = &name
		}
	}
	q.e.scimRegisterAll(append(before, members...))
	return status, q.groupResource(g), nil
}

func (q *scimRequest) deleteGroup(g *scimGroupRec) {
	delete(q.e.b2b.scim.groups, g.id)
	q.e.scimRegisterAll(g.members)
}

// scimRegisterAll refreshes the registrations of members whose groups
// changed.
func (e *Emulator) scimRegisterAll(memberIDs []string) {
	for _, id := range memberIDs {
		if u := e.b2b.scim.users[id]; u != nil {
			e.scimRegister(u)
		}
	}
}

func (q *scimRequest) groupResource(g *scimGroupRec) map[string]any {
	m, _ := scimMap(g.doc)
	members := []scimValue{}
	for _, id := range g.members {
		bm := q.e.b2b.members[id]
		display := bm.m.Name
		if display == "" {
			display = bm.m.EmailAddress
		}
		members = append(members, scimValue{Value: id, Display: display, Ref: q.base + "/Users/" + id})
	}
	m["schemas"], m["id"], m["members"] = []string{scimGroupSchema}, g.id, members
	m["meta"] = scimMeta("Group", q.base+"/Groups/"+g.id, g.created, g.updated)
	return m
}

// ---- Lists and filters ----

// list answers GET /Users or /Groups: a ListResponse of the resources that
// match filter, from startIndex (1-based), count at a time. Attributes
// named in excludedAttributes are left out; attributes is not applied
// (unconfirmed: all attributes are returned).
func (q *scimRequest) list(resource string) (int, any, error) {
	v := q.r.URL.Query()
	var f scimFilter
	if s := v.Get("filter"); s != "" {
		var err error
		if f, err = parseSCIMFilter(s); err != nil {
			return 0, nil, err
		}
	}
	start, count := 1, 100
	if s := v.Get("startIndex"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, nil, scimErr(400, "invalidValue", "startIndex must be an integer.")
		}
		start = max(n, 1)
	}
	if s := v.Get("count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, nil, scimErr(400, "invalidValue", "count must be an integer.")
		}
		count = min(max(n, 0), scimMaxResults)
	}
	st := q.e.b2b.scim
	var all []map[string]any
	if resource == "Users" {
		var users []*scimUserRec
		for _, u := range st.users {
			if u.connID == q.conn.c.ConnectionID {
				users = append(users, u)
			}
		}
		sort.Slice(users, func(i, j int) bool { return users[i].seq < users[j].seq })
		for _, u := range users {
			all = append(all, q.userResource(u))
		}
	} else {
		for _, g := range st.groupsOf(q.conn.c.ConnectionID) {
			all = append(all, q.groupResource(g))
		}
	}
	matched := []map[string]any{}
	for _, m := range all {
		if f == nil || f.matches(m) {
			matched = append(matched, m)
		}
	}
	from := min(start-1, len(matched))
	page := matched[from:min(from+count, len(matched))]
	for _, m := range page {
		for _, a := range strings.Split(v.Get("excludedAttributes"), ",") {
			if k := scimKey(m, strings.TrimSpace(a)); k != "" && k != "id" && k != "schemas" {
				delete(m, k)
			}
		}
	}
	return 200, map[string]any{
		"schemas": []string{scimListSchema}, "totalResults": len(matched),
		"startIndex": start, "itemsPerPage": len(page), "Resources": page,
	}, nil
}

// scimKey is the key of m that names attr, compared case-insensitively,
// or "".
func scimKey(m map[string]any, attr string) string {
	if _, ok := m[attr]; ok {
		return attr
	}
	for k := range m {
		if strings.EqualFold(k, attr) {
			return k
		}
	}
	return ""
}

// scimSplitURN splits a path naming an extension's attribute
// ("urn:...:User:department") into the extension's key and the rest.
func scimSplitURN(path string) (urn, rest string) {
	if len(path) >= len(scimEnterpriseSchema) && strings.EqualFold(path[:len(scimEnterpriseSchema)], scimEnterpriseSchema) {
		return scimEnterpriseSchema, strings.TrimPrefix(path[len(scimEnterpriseSchema):], ":")
	}
	if len(path) > len(scimUserSchema) && strings.EqualFold(path[:len(scimUserSchema)+1], scimUserSchema+":") {
		return "", path[len(scimUserSchema)+1:]
	}
	return "", path
}

// scimCond is one comparison of a filter: attr op value.
type scimCond struct {
	attr, op string
	value    any
}

// scimFilter is a filter in disjunctive form: any of its terms, each all
// of its comparisons. It supports RFC 7644's comparison operators joined by
// and and or; not, parentheses and value paths are refused.
type scimFilter [][]scimCond

func parseSCIMFilter(s string) (scimFilter, error) {
	bad := func(why string) error {
		return scimErr(400, "invalidFilter", "The filter %q is not supported: %s.", s, why)
	}
	toks, err := scimTokens(s)
	if err != nil {
		return nil, bad(err.Error())
	}
	var f scimFilter
	term := []scimCond{}
	for i := 0; i < len(toks); {
		if i+1 >= len(toks) {
			return nil, bad("a comparison needs an attribute and an operator")
		}
		attr, op := toks[i], strings.ToLower(toks[i+1])
		if strings.ContainsAny(attr, "()[]") || strings.EqualFold(attr, "not") {
			return nil, bad("grouping, not and value paths are not supported")
		}
		c := scimCond{attr: attr, op: op}
		i += 2
		switch op {
		case "pr":
		case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
			if i >= len(toks) {
				return nil, bad("the operator " + op + " needs a value")
			}
			if err := json.Unmarshal([]byte(toks[i]), &c.value); err != nil {
				return nil, bad("the value " + toks[i] + " is not a JSON string, number, boolean or null")
			}
			i++
		default:
			return nil, bad("unknown operator " + op)
		}
		term = append(term, c)
		if i == len(toks) {
			break
		}
		switch strings.ToLower(toks[i]) {
		case "and":
		case "or":
			f, term = append(f, term), []scimCond{}
		default:
			return nil, bad("expected and or or, not " + toks[i])
		}
		if i++; i == len(toks) {
			return nil, bad("it ends with a logical operator")
		}
	}
	return append(f, term), nil
}

// scimTokens splits a filter into words and JSON strings.
func scimTokens(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		switch {
		case s[i] == ' ':
			i++
		case s[i] == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return nil, errors.New("a string is not closed")
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		default:
			j := strings.IndexAny(s[i:], " \"")
			if j < 0 {
				j = len(s) - i
			}
			toks = append(toks, s[i:i+j])
			i += j
		}
	}
	return toks, nil
}

func (f scimFilter) matches(m map[string]any) bool {
	for _, term := range f {
		ok := true
		for _, c := range term {
			ok = ok && c.matches(m)
		}
		if ok {
			return true
		}
	}
	return false
}

// scimValues collects the values at attr ("a", "a.b", "urn:...:a") in m;
// a multi-valued attribute of complex values stands for their values.
func scimValues(m map[string]any, attr string) []any {
	urn, rest := scimSplitURN(attr)
	var cur any = m
	if urn != "" {
		cur = m[scimKey(m, urn)]
	}
	for _, part := range strings.Split(rest, ".") {
		cur = scimDescend(cur, part)
	}
	var out []any
	switch v := cur.(type) {
	case nil:
	case []any:
		for _, x := range v {
			if xm, ok := x.(map[string]any); ok {
				out = append(out, xm[scimKey(xm, "value")])
			} else {
				out = append(out, x)
			}
		}
	default:
		out = append(out, v)
	}
	return out
}

func scimDescend(cur any, part string) any {
	switch v := cur.(type) {
	case map[string]any:
		return v[scimKey(v, part)]
	case []any:
		var out []any
		for _, x := range v {
			if y := scimDescend(x, part); y != nil {
				out = append(out, y)
			}
		}
		return out
	}
	return nil
}

// matches applies c to the values at its attribute. Strings compare
// case-insensitively except id and externalId, as RFC 7643's caseExact says.
func (c scimCond) matches(m map[string]any) bool {
	values := scimValues(m, c.attr)
	if c.op == "pr" {
		for _, v := range values {
			if v != nil && v != "" {
				return true
			}
		}
		return false
	}
	exact := strings.EqualFold(c.attr, "id") || strings.EqualFold(c.attr, "externalId")
	if c.op == "ne" {
		for _, v := range values {
			if c.equal(v, exact) {
				return false
			}
		}
		return true
	}
	for _, v := range values {
		if c.compare(v, exact) {
			return true
		}
	}
	return false
}

func (c scimCond) equal(v any, exact bool) bool {
	a, aok := v.(string)
	b, bok := c.value.(string)
	if aok && bok && !exact {
		return strings.EqualFold(a, b)
	}
	return v == c.value
}

func (c scimCond) compare(v any, exact bool) bool {
	if c.op == "eq" {
		return c.equal(v, exact)
	}
	a, aok := v.(string)
	b, bok := c.value.(string)
	if !aok || !bok {
		return false
	}
	if !exact {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	switch c.op {
	case "co":
		return strings.Contains(a, b)
	case "sw":
		return strings.HasPrefix(a, b)
	case "ew":
		return strings.HasSuffix(a, b)
	case "gt":
		return a > b
	case "ge":
		return a >= b
	case "lt":
		return a < b
	case "le":
		return a <= b
	}
	return false
}

// ---- PATCH ----

type scimPatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// apply runs one operation of a PatchOp on doc, a resource's JSON form.
// With no path, value holds attributes, each applied as if it were the
// path (Okta's {"op":"replace","value":{"active":false}}).
func (op scimPatchOp) apply(doc map[string]any) error {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return scimErr(400, "invalidSyntax", "The PATCH operation %q is not add, replace or remove.", op.Op)
	}
	var value any
	if len(op.Value) > 0 {
		if err := json.Unmarshal(op.Value, &value); err != nil {
			return scimErr(400, "invalidSyntax", "The value of a PATCH operation is not valid JSON: %v", err)
		}
	}
	if op.Path != "" {
		return scimPatchPath(doc, kind, op.Path, value, true)
	}
	attrs, ok := value.(map[string]any)
	if kind == "remove" || !ok {
		return scimErr(400, "noTarget", "A PATCH %s without a path needs an object of attributes as its value.", kind)
	}
	for k, v := range attrs {
		if err := scimPatchPath(doc, kind, k, v, false); err != nil {
			return err
		}
	}
	return nil
}

// scimPatchPath applies kind at path: attr, attr.sub or attr[filter].sub,
// optionally in an extension ("urn:...:User:department"). Read-only
// attributes named by a path are refused, and skipped in a value.
func scimPatchPath(doc map[string]any, kind, path string, value any, explicit bool) error {
	urn, rest := scimSplitURN(path)
	container := doc
	if urn != "" {
		if rest == "" {
			return scimPatchAttr(doc, kind, urn, value)
		}
		container = scimChild(doc, urn)
	}
	attr, sub, filter := rest, "", ""
	if i := strings.IndexByte(rest, '['); i >= 0 {
		j := strings.LastIndexByte(rest, ']')
		if j < i {
			return scimErr(400, "invalidPath", "The path %q is not valid.", path)
		}
		attr, filter, sub = rest[:i], rest[i+1:j], strings.TrimPrefix(rest[j+1:], ".")
	} else if i := strings.IndexByte(rest, '.'); i >= 0 {
		attr, sub = rest[:i], rest[i+1:]
	}
	switch strings.ToLower(attr) {
	case "id", "meta", "schemas", "groups":
		if explicit {
			return scimErr(400, "mutability", "The attribute %s is read-only.", attr)
		}
		return nil
	case "":
		return scimErr(400, "invalidPath", "The path %q is not valid.", path)
	}
	if filter == "" {
		if sub != "" {
			return scimPatchAttr(scimChild(container, attr), kind, sub, value)
		}
		return scimPatchAttr(container, kind, attr, value)
	}
	f, err := parseSCIMFilter(filter)
	if err != nil {
		return err
	}
	key := scimKey(container, attr)
	if key == "" {
		key = attr
	}
	list, _ := container[key].([]any)
	var kept []any
	matched := false
	for _, x := range list {
		xm, ok := x.(map[string]any)
		if !ok || !f.matches(xm) {
			kept = append(kept, x)
			continue
		}
		matched = true
		switch {
		case kind == "remove" && sub == "":
			continue
		case sub != "":
			if err := scimPatchAttr(xm, kind, sub, value); err != nil {
				return err
			}
		default:
			if err := scimMerge(xm, value); err != nil {
				return err
			}
		}
		kept = append(kept, xm)
	}
	// Entra sets emails[type eq "work"].value on a user with no work
	// address: the value is added with the filter's attribute.
	if !matched && kind != "remove" && len(f) == 1 && len(f[0]) == 1 && f[0][0].op == "eq" {
		x := map[string]any{f[0][0].attr: f[0][0].value}
		if sub != "" {
			x[sub] = value
		} else if err := scimMerge(x, value); err != nil {
			return err
		}
		kept = append(kept, x)
	}
	container[key] = kept
	return nil
}

// scimChild returns m's complex attribute attr, creating it.
func scimChild(m map[string]any, attr string) map[string]any {
	key := scimKey(m, attr)
	if key == "" {
		key = attr
	}
	child, ok := m[key].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[key] = child
	}
	return child
}

// scimPatchAttr applies kind to m's attribute attr: add appends to a
// multi-valued attribute and merges into a complex one, replace merges
// into a complex one and sets anything else, and remove drops the
// attribute, or just the listed values of a multi-valued one (Entra's
// remove of members with a value).
func scimPatchAttr(m map[string]any, kind, attr string, value any) error {
	key := scimKey(m, attr)
	if key == "" {
		key = attr
	}
	cur, exists := m[key]
	list, isList := cur.([]any)
	switch kind {
	case "remove":
		drop, ok := value.([]any)
		if !ok || !isList {
			delete(m, key)
			return nil
		}
		dropped := scimValueSet(drop)
		var kept []any
		for _, x := range list {
			if !dropped[scimValueKey(x)] {
				kept = append(kept, x)
			}
		}
		m[key] = kept
		return nil
	case "add":
		add, valueIsList := value.([]any)
		if !valueIsList {
			add = []any{value}
		}
		if isList || (!exists && valueIsList) {
			has := scimValueSet(list)
			for _, x := range add {
				if k := scimValueKey(x); !has[k] {
					has[k] = true
					list = append(list, x)
				}
			}
			m[key] = list
			return nil
		}
	}
	if cm, ok := cur.(map[string]any); ok {
		if _, ok := value.(map[string]any); ok {
			return scimMerge(cm, value)
		}
	}
	m[key] = value
	return nil
}

// scimMerge sets the attributes of value, an object, in m.
func scimMerge(m map[string]any, value any) error {
	vm, ok := value.(map[string]any)
	if !ok {
		return scimErr(400, "invalidValue", "The value must be an object of sub-attributes.")
	}
	for k, v := range vm {
		if err := scimPatchAttr(m, "replace", k, v); err != nil {
			return err
		}
	}
	return nil
}

// scimValueSet is the set of list's values, complex values standing for
// their value sub-attribute (scimValueKey), so that adding or removing
// many values is not quadratic in them.
func scimValueSet(list []any) map[string]bool {
	set := make(map[string]bool, len(list))
	for _, x := range list {
		set[scimValueKey(x)] = true
	}
	return set
}

// scimValueKey is what compares x with the other values of its list: a
// complex value's value sub-attribute, or x.
func scimValueKey(x any) string {
	if m, ok := x.(map[string]any); ok {
		if k := scimKey(m, "value"); k != "" {
			x = m[k]
		}
	}
	return fmt.Sprint(x)
}
