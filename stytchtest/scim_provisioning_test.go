package stytchtest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

func scimFilterQuery(filter string) string { return "?filter=" + url.QueryEscape(filter) }

func scimTestMember(t *testing.T, c *b2b.Client, orgID, memberID string) b2b.Member {
	t.Helper()
	resp, err := c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: orgID, MemberID: &memberID})
	require.NoError(t, err)
	return resp.Member
}

func scimRoleSources(m b2b.Member, role string) []b2b.MemberRoleSource {
	for _, r := range m.Roles {
		if r.RoleID == role {
			return r.Sources
		}
	}
	return nil
}

// TestSCIMProvisioningFlow provisions a member as Okta does, gives it a
// role through a group, signs it in, and deprovisions it.
func TestSCIMProvisioningFlow(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, idp := scimTestConnection(t, c, o.OrganizationID)
	const email = "ada@acme.com"

	// Okta looks the user up first.
	status, list, _ := idp.do("GET", "/Users"+scimFilterQuery(`userName eq "ada@acme.com"`)+"&startIndex=1&count=100", nil)
	require.Equal(t, 200, status)
	require.Equal(t, []any{scimListSchema}, list["schemas"])
	require.EqualValues(t, 0, list["totalResults"])
	require.Empty(t, list["Resources"])

	status, user, hdr := idp.do("POST", "/Users", map[string]any{
		"schemas":  []string{scimUserSchema, scimEnterpriseSchema},
		"userName": email, "externalId": "00u1okta",
		"name":        map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"displayName": "Ada Lovelace", "title": "Engineer",
		"emails": []map[string]any{{"primary": true, "value": email, "type": "work"}},
		"active": true, "locale": "en-GB",
		scimEnterpriseSchema: map[string]any{"department": "Analytical Engines", "employeeNumber": "1815",
			"manager": map[string]any{"value": "00u0boss", "displayName": "Charles Babbage"}},
	})
	require.Equal(t, http.StatusCreated, status, user)
	id := user["id"].(string)
	meta := user["meta"].(map[string]any)
	require.Equal(t, "User", meta["resourceType"])
	require.Equal(t, conn.BaseURL+"/Users/"+id, meta["location"])
	require.Equal(t, meta["location"], hdr.Get("Location"))
	require.Equal(t, true, user["active"])
	require.Equal(t, []any{scimUserSchema, scimEnterpriseSchema}, user["schemas"])

	for _, f := range []string{`userName eq "ADA@acme.com"`, `externalId eq "00u1okta"`, `emails.value co "@acme.com" and active eq true`, `emails eq "ada@acme.com"`} {
		status, list, _ = idp.do("GET", "/Users"+scimFilterQuery(f), nil)
		require.Equal(t, 200, status, f)
		require.EqualValues(t, 1, list["totalResults"], f)
		require.Equal(t, id, list["Resources"].([]any)[0].(map[string]any)["id"], f)
	}
	status, list, _ = idp.do("GET", "/Users"+scimFilterQuery(`externalId eq "00U1OKTA"`), nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 0, list["totalResults"], "externalId is case-exact")

	// The member holds what SCIM sent.
	m := scimTestMember(t, c, o.OrganizationID, id)
	require.Equal(t, email, m.EmailAddress)
	require.Equal(t, "Ada Lovelace", m.Name)
	require.Equal(t, b2b.MemberStatusActive, m.Status)
	reg := m.SCIMRegistration
	require.NotNil(t, reg)
	require.Equal(t, conn.ConnectionID, reg.ConnectionID)
	require.NotEmpty(t, reg.RegistrationID)
	require.Equal(t, "00u1okta", reg.ExternalID)
	require.Equal(t, email, reg.SCIMAttributes.UserName)
	require.Equal(t, id, reg.SCIMAttributes.ID)
	require.True(t, reg.SCIMAttributes.Active)
	require.Equal(t, "Lovelace", reg.SCIMAttributes.Name.FamilyName)
	require.Equal(t, "Engineer", reg.SCIMAttributes.Title)
	require.Equal(t, []b2b.SCIMEmail{{Value: email, Type: "work", Primary: true}}, reg.SCIMAttributes.Emails)
	require.Equal(t, "Analytical Engines", reg.SCIMAttributes.EnterpriseExtension.Department)
	require.Equal(t, "1815", reg.SCIMAttributes.EnterpriseExtension.EmployeeNumber)
	require.Equal(t, "Charles Babbage", reg.SCIMAttributes.EnterpriseExtension.Manager.DisplayName)
	require.Nil(t, scimRoleSources(m, b2bAdminRole))

	// A group whose members get stytch_admin.
	status, group, _ := idp.do("POST", "/Groups", map[string]any{"schemas": []string{scimGroupSchema}, "displayName": "Admins", "members": []any{}})
	require.Equal(t, http.StatusCreated, status, group)
	gid := group["id"].(string)
	upd, err := c.SCIM.Connection.Update(ctx, &b2b.SCIMConnectionUpdateParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID,
		SCIMGroupImplicitRoleAssignments: []b2b.SCIMGroupImplicitRoleAssignments{{GroupID: gid, RoleID: b2bAdminRole}}})
	require.NoError(t, err)
	require.Equal(t, "Admins", *upd.Connection.SCIMGroupImplicitRoleAssignments[0].GroupName)
	status, group, _ = idp.do("PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{scimPatchSchema},
		"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id, "display": email}}}}})
	require.Equal(t, 200, status, group)
	require.Equal(t, id, group["members"].([]any)[0].(map[string]any)["value"])

	m = scimTestMember(t, c, o.OrganizationID, id)
	require.Equal(t, []b2b.MemberRoleSource{{Type: b2b.MemberRoleSourceTypeSCIMConnectionGroup,
		Details: map[string]any{"connection_id": conn.ConnectionID, "group_id": gid}}}, scimRoleSources(m, b2bAdminRole))
	require.True(t, m.IsAdmin)
	require.Equal(t, []b2b.SCIMMemberGroup{{Value: gid, Display: "Admins"}}, m.SCIMRegistration.SCIMAttributes.Groups)
	groups, err := c.SCIM.Connection.GetGroups(ctx, &b2b.SCIMConnectionGetGroupsParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID})
	require.NoError(t, err)
	require.Equal(t, []b2b.SCIMGroup{{GroupID: gid, GroupName: "Admins", OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID}}, groups.SCIMGroups)
	require.Empty(t, groups.NextCursor)
	status, _, _ = idp.do("POST", "/Groups", map[string]any{"displayName": "Readers"})
	require.Equal(t, http.StatusCreated, status)
	groups, err = c.SCIM.Connection.GetGroups(ctx, &b2b.SCIMConnectionGetGroupsParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, Limit: stytch.Ptr(1)})
	require.NoError(t, err)
	require.Equal(t, gid, groups.SCIMGroups[0].GroupID)
	require.NotEmpty(t, groups.NextCursor)
	groups, err = c.SCIM.Connection.GetGroups(ctx, &b2b.SCIMConnectionGetGroupsParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, Cursor: &groups.NextCursor})
	require.NoError(t, err)
	require.Equal(t, "Readers", groups.SCIMGroups[0].GroupName)

	// Okta renames a group with the whole resource as the value; its id
	// is read-only and left alone.
	status, group, _ = idp.do("PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{scimPatchSchema},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"id": gid, "displayName": "Administrators"}}}})
	require.Equal(t, 200, status, group)
	require.Equal(t, gid, group["id"])
	require.Equal(t, "Administrators", group["displayName"])
	got, err := c.SCIM.Connection.Get(ctx, &b2b.SCIMConnectionGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Equal(t, "Administrators", *got.Connection.SCIMGroupImplicitRoleAssignments[0].GroupName)

	// The provisioned member signs in with the role.
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, email, nil)
	require.Equal(t, id, login.MemberID)
	require.Contains(t, login.MemberSession.Roles, b2bAdminRole)
	_, err = c.SCIM.Connection.Get(ctx, &b2b.SCIMConnectionGetParams{OrganizationID: o.OrganizationID}, stytch.WithMemberSession(login.SessionToken))
	require.NoError(t, err)

	// Okta removes the member from the group: the role goes.
	status, _, _ = idp.do("PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{scimPatchSchema},
		"Operations": []any{map[string]any{"op": "remove", "path": `members[value eq "` + id + `"]`}}})
	require.Equal(t, 200, status)
	require.Nil(t, scimRoleSources(scimTestMember(t, c, o.OrganizationID, id), b2bAdminRole))
	// Entra adds it back with "Add".
	status, _, _ = idp.do("PATCH", "/Groups/"+gid, map[string]any{"schemas": []string{scimPatchSchema},
		"Operations": []any{map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"value": id}}}}})
	require.Equal(t, 200, status)
	require.NotNil(t, scimRoleSources(scimTestMember(t, c, o.OrganizationID, id), b2bAdminRole))

	// Okta deactivates the user: the member is deprovisioned, its session
	// revoked, its roles gone, and it cannot sign in.
	status, user, _ = idp.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{scimPatchSchema},
		"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}})
	require.Equal(t, 200, status, user)
	require.Equal(t, false, user["active"])
	m = scimTestMember(t, c, o.OrganizationID, id)
	require.Equal(t, b2b.MemberStatusDeleted, m.Status)
	require.Nil(t, scimRoleSources(m, b2bAdminRole))
	require.False(t, m.SCIMRegistration.SCIMAttributes.Active)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: email})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
	status, list, _ = idp.do("GET", "/Users"+scimFilterQuery(`userName eq "ada@acme.com"`), nil)
	require.Equal(t, 200, status)
	require.Equal(t, false, list["Resources"].([]any)[0].(map[string]any)["active"])

	// A PUT reactivates it with new attributes; the group's role is back.
	status, user, _ = idp.do("PUT", "/Users/"+id, map[string]any{
		"schemas": []string{scimUserSchema}, "id": id, "userName": email, "externalId": "00u1okta",
		"name":   map[string]any{"givenName": "Augusta", "familyName": "King", "formatted": "Augusta Ada King"},
		"emails": []map[string]any{{"primary": true, "value": email, "type": "work"}}, "active": true,
	})
	require.Equal(t, 200, status, user)
	m = scimTestMember(t, c, o.OrganizationID, id)
	require.Equal(t, b2b.MemberStatusActive, m.Status)
	require.Equal(t, "Augusta Ada King", m.Name)
	require.Nil(t, m.SCIMRegistration.SCIMAttributes.EnterpriseExtension, "a PUT replaces every attribute")
	require.NotNil(t, scimRoleSources(m, b2bAdminRole))
	b2bTestSignIn(t, srv, c, o.OrganizationID, email, nil)

	// Entra's PATCH: paths, a value filter, and booleans as strings.
	status, user, _ = idp.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{scimPatchSchema}, "Operations": []any{
		map[string]any{"op": "Replace", "path": "name.givenName", "value": "Ada"},
		map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "ada.king@acme.com"},
		map[string]any{"op": "Add", "path": scimEnterpriseSchema + ":department", "value": "Poetical Science"},
		map[string]any{"op": "Replace", "path": "displayName", "value": "Ada King"},
		map[string]any{"op": "Replace", "path": "active", "value": "False"},
	}})
	require.Equal(t, 200, status, user)
	require.Equal(t, "Ada", user["name"].(map[string]any)["givenName"])
	m = scimTestMember(t, c, o.OrganizationID, id)
	require.Equal(t, "ada.king@acme.com", m.EmailAddress)
	require.Equal(t, "Ada King", m.Name)
	require.Equal(t, "Poetical Science", m.SCIMRegistration.SCIMAttributes.EnterpriseExtension.Department)
	require.Equal(t, b2b.MemberStatusDeleted, m.Status)
	require.Equal(t, email, m.RetiredEmailAddresses[0].EmailAddress)

	// Deleting the group takes its role from the member, active again.
	status, _, _ = idp.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{scimPatchSchema},
		"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "True"}}})
	require.Equal(t, 200, status)
	require.NotNil(t, scimRoleSources(scimTestMember(t, c, o.OrganizationID, id), b2bAdminRole))
	status, _, _ = idp.do("DELETE", "/Groups/"+gid, nil)
	require.Equal(t, http.StatusNoContent, status)
	groups, err = c.SCIM.Connection.GetGroups(ctx, &b2b.SCIMConnectionGetGroupsParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID})
	require.NoError(t, err)
	require.Len(t, groups.SCIMGroups, 1)
	m = scimTestMember(t, c, o.OrganizationID, id)
	require.Equal(t, b2b.MemberStatusActive, m.Status)
	require.Nil(t, scimRoleSources(m, b2bAdminRole))
	require.Empty(t, m.SCIMRegistration.SCIMAttributes.Groups)
	status, _, _ = idp.do("DELETE", "/Users/"+id, nil)
	require.Equal(t, http.StatusNoContent, status)
	status, body, _ := idp.do("GET", "/Users/"+id, nil)
	requireSCIMError(t, status, body, 404, "")
	m = scimTestMember(t, c, o.OrganizationID, id)
	require.Equal(t, b2b.MemberStatusDeleted, m.Status)
	require.Nil(t, m.SCIMRegistration)
}

func TestSCIMProvisioningErrors(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	_, idp := scimTestConnection(t, c, o.OrganizationID)
	patch := func(ops ...any) map[string]any {
		return map[string]any{"schemas": []string{scimPatchSchema}, "Operations": ops}
	}

	// No token, a wrong one, or the project's credentials: 401.
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(srv.ProjectID()+":"+srv.Secret()))
	wrong := idp.token[:47] + "x"
	if wrong == idp.token { // one token in 62 ends with x
		wrong = idp.token[:47] + "y"
	}
	for _, p := range []scimIdP{{t: t, base: idp.base}, {t: t, base: idp.base, token: wrong}, {t: t, base: idp.base, auth: basic}} {
		status, body, hdr := p.do("GET", "/Users", nil)
		requireSCIMError(t, status, body, 401, "")
		require.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer")
	}
	other := scimIdP{t: t, base: srv.URL + "/v1/b2b/scim/scim-connection-test-nope", token: idp.token}
	status, body, _ := other.do("GET", "/Users", nil)
	requireSCIMError(t, status, body, 401, "")

	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		scimType           string
	}{
		{"malformed JSON", "POST", "/Users", `{"userName": `, 400, "invalidSyntax"},
		{"wrong type", "POST", "/Users", `{"userName": 42}`, 400, "invalidValue"},
		{"no userName", "POST", "/Users", map[string]any{"emails": []any{map[string]any{"value": "a@acme.com"}}}, 400, "invalidValue"},
		{"no email", "POST", "/Users", map[string]any{"userName": "ada"}, 400, "invalidValue"},
		{"bad email", "POST", "/Users", map[string]any{"userName": "ada", "emails": []any{map[string]any{"value": "not an address"}}}, 400, "invalidValue"},
		{"bad filter", "GET", "/Users" + scimFilterQuery(`userName eq`), nil, 400, "invalidFilter"},
		{"unsupported filter", "GET", "/Users" + scimFilterQuery(`not (userName eq "a")`), nil, 400, "invalidFilter"},
		{"bad count", "GET", "/Users?count=many", nil, 400, "invalidValue"},
		{"unknown user", "GET", "/Users/member-test-nope", nil, 404, ""},
		{"unknown group", "PATCH", "/Groups/nope", patch(), 404, ""},
		{"unknown resource", "GET", "/Schemas", nil, 404, ""},
		{"group without name", "POST", "/Groups", map[string]any{"members": []any{}}, 400, "invalidValue"},
		{"group with a stranger", "POST", "/Groups", map[string]any{"displayName": "X", "members": []any{map[string]any{"value": "member-test-nope"}}}, 400, "invalidValue"},
		{"method", "DELETE", "/Users", nil, 405, ""},
	} {
		status, body, _ := idp.do(tc.method, tc.path, tc.body)
		t.Run(tc.name, func(t *testing.T) { requireSCIMError(t, status, body, tc.status, tc.scimType) })
	}

	status, user, _ := idp.do("POST", "/Users", map[string]any{"userName": "ada@acme.com"})
	require.Equal(t, http.StatusCreated, status)
	id := user["id"].(string)
	for _, tc := range []struct {
		name     string
		body     any
		status   int
		scimType string
	}{
		{"not a PatchOp", map[string]any{"Operations": []any{}}, 400, "invalidSyntax"},
		{"unknown op", patch(map[string]any{"op": "move", "path": "title", "value": "x"}), 400, "invalidSyntax"},
		{"remove without path", patch(map[string]any{"op": "remove"}), 400, "noTarget"},
		{"read-only", patch(map[string]any{"op": "replace", "path": "id", "value": "x"}), 400, "mutability"},
		{"bad boolean", patch(map[string]any{"op": "replace", "path": "active", "value": "maybe"}), 400, "invalidValue"},
		{"bad value filter", patch(map[string]any{"op": "replace", "path": `emails[type eq].value`, "value": "x"}), 400, "invalidFilter"},
		{"userName removed", patch(map[string]any{"op": "remove", "path": "userName"}), 400, "invalidValue"},
	} {
		status, body, _ := idp.do("PATCH", "/Users/"+id, tc.body)
		t.Run(tc.name, func(t *testing.T) { requireSCIMError(t, status, body, tc.status, tc.scimType) })
	}
	status, body, _ = idp.do("POST", "/Users", map[string]any{"userName": "ADA@acme.com", "emails": []any{map[string]any{"value": "other@acme.com"}}})
	requireSCIMError(t, status, body, 409, "uniqueness")

	// Nothing above changed the user.
	status, user, _ = idp.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, status)
	require.Equal(t, "ada@acme.com", user["userName"])
	require.Equal(t, true, user["active"])

	// Paging.
	for _, u := range []string{"b@acme.com", "c@acme.com"} {
		status, _, _ = idp.do("POST", "/Users", map[string]any{"userName": u})
		require.Equal(t, http.StatusCreated, status)
	}
	status, list, _ := idp.do("GET", "/Users?startIndex=2&count=1", nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 3, list["totalResults"])
	require.EqualValues(t, 2, list["startIndex"])
	require.EqualValues(t, 1, list["itemsPerPage"])
	require.Equal(t, "b@acme.com", list["Resources"].([]any)[0].(map[string]any)["userName"])

	// Groups listed without their members, as Entra asks.
	status, _, _ = idp.do("POST", "/Groups", map[string]any{"displayName": "Eng", "members": []any{map[string]any{"value": id}}})
	require.Equal(t, http.StatusCreated, status)
	status, list, _ = idp.do("GET", "/Groups"+scimFilterQuery(`displayName eq "eng"`)+"&excludedAttributes=members", nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 1, list["totalResults"])
	require.NotContains(t, list["Resources"].([]any)[0], "members")
	status, body, _ = idp.do("POST", "/Groups", map[string]any{"displayName": "ENG"})
	requireSCIMError(t, status, body, 409, "uniqueness")

	status, cfg, _ := idp.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, 200, status)
	require.Equal(t, true, cfg["patch"].(map[string]any)["supported"])

	// A member made before SCIM becomes the user with its address, its
	// userName when no emails are sent.
	before := b2bTestMember(t, c, o.OrganizationID, "bob@acme.com", nil)
	status, user, _ = idp.do("POST", "/Users", map[string]any{"userName": "bob@acme.com", "active": true})
	require.Equal(t, http.StatusCreated, status, user)
	require.Equal(t, before.MemberID, user["id"])
	require.Equal(t, "bob@acme.com", scimTestMember(t, c, o.OrganizationID, before.MemberID).SCIMRegistration.SCIMAttributes.UserName)
	status, body, _ = idp.do("POST", "/Users", map[string]any{"userName": "robert", "emails": []any{map[string]any{"value": "bob@acme.com"}}})
	requireSCIMError(t, status, body, 409, "uniqueness")
}
