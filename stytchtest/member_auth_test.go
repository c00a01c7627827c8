package stytchtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// memberAuthFixture is an organization with an admin, a plain member and a
// third member, the first two signed in, and a second organization with a
// signed-in member of its own.
type memberAuthFixture struct {
	srv                          *Server
	orgA, orgB                   string
	admin, plain, other, outside *b2b.Member
	adminToken, plainToken       string
	plainJWT, outsideToken       string
}

func newMemberAuthFixture(t *testing.T) *memberAuthFixture {
	t.Helper()
	srv, c := b2bTestServer(t)
	f := &memberAuthFixture{srv: srv}
	f.orgA = b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) { p.OrganizationSlug = stytch.Ptr("acme") }).OrganizationID
	f.orgB = b2bTestOrg(t, c, "Beta", func(p *b2b.OrganizationsCreateParams) { p.OrganizationSlug = stytch.Ptr("beta") }).OrganizationID
	f.admin = b2bTestMember(t, c, f.orgA, "admin@acme.example", func(p *b2b.OrganizationsMembersCreateParams) { p.Roles = []string{"stytch_admin"} })
	f.plain = b2bTestMember(t, c, f.orgA, "plain@acme.example", nil)
	f.other = b2bTestMember(t, c, f.orgA, "other@acme.example", nil)
	f.outside = b2bTestMember(t, c, f.orgB, "eve@beta.example", nil)
	f.adminToken = b2bTestSignIn(t, srv, c, f.orgA, f.admin.EmailAddress, nil).SessionToken
	signedIn := b2bTestSignIn(t, srv, c, f.orgA, f.plain.EmailAddress, nil)
	f.plainToken, f.plainJWT = signedIn.SessionToken, signedIn.SessionJWT
	f.outsideToken = b2bTestSignIn(t, srv, c, f.orgB, f.outside.EmailAddress, nil).SessionToken
	return f
}

// call sends a raw request to the emulator with the project's credentials
// and one member-session header, and returns the status and error type.
func (f *memberAuthFixture) call(t *testing.T, method, path string, body []byte, header, value string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, rd)
	require.NoError(t, err)
	req.SetBasicAuth(f.srv.ProjectID(), f.srv.Secret())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if header != "" {
		req.Header[header] = []string{value}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var e struct {
		ErrorType string `json:"error_type"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.ErrorType
}

// sample builds the smallest value schema i of schemas accepts: required
// properties only, the first enum value, the least length.
func sample(schemas []schema, i int) any {
	s := schemas[i]
	switch s.kind {
	case kindObject:
		out := map[string]any{}
		for _, p := range s.props {
			if p.required {
				out[p.name] = sample(schemas, p.schema)
			}
		}
		return out
	case kindArray:
		if s.minLength > 0 {
			return []any{sample(schemas, s.items)}
		}
		return []any{}
	case kindString:
		switch {
		case len(s.enum) > 0:
			return s.enum[0]
		case s.format == formatDateTime:
			return time.Now().UTC().Format(time.RFC3339)
		}
		return "sample" + strings.Repeat("x", max(s.minLength-6, 0))
	case kindInteger, kindNumber:
		if s.hasMin {
			return s.min
		}
		return 1
	case kindBoolean:
		return false
	}
	return nil
}

// TestMemberSessionsAreEnforced calls every operation that takes a member
// session twice (one the emulator does not implement yet is authorized, then
// answers 501), each on a fresh emulator: as an admin of the
// organization (allowed: whatever the handler answers, it is not an
// authorization error) and as a plain stytch_member acting on another member
// of its organization (refused with 403 session_authorization_error). Field-
// by-field updates send one field that needs a permission.
func TestMemberSessionsAreEnforced(t *testing.T) {
	t.Parallel()
	tested := 0
	var skipped []string
	for _, r := range b2bRoutes(b2bAPI{NewEmulator()}) {
		if !r.memberSession {
			continue
		}
		if !r.implemented {
			skipped = append(skipped, r.op)
		}
		tested++
		perm := b2bPermissions[r.op]
		t.Run(r.op, func(t *testing.T) {
			for _, tc := range []struct {
				who     string
				allowed bool
			}{{"admin", true}, {"plain member", false}} {
				f := newMemberAuthFixture(t)
				path := strings.NewReplacer("{organization_id}", f.orgA, "{member_id}", f.other.MemberID).Replace(r.pattern)
				path = strings.NewReplacer("{", "", "}", "").Replace(path) // any other parameter: a name that exists nowhere
				var body []byte
				if r.body {
					obj, _ := sample(r.schemas, r.bodySchema).(map[string]any)
					if _, ok := obj["organization_id"]; ok {
						obj["organization_id"] = f.orgA
					}
					if _, ok := obj["organization_ids"]; ok || r.op == "Organizations.Members.Search" {
						obj["organization_ids"] = []string{f.orgA}
					}
					if r.op == "Sessions.Revoke" {
						obj["member_id"] = f.other.MemberID
					}
					if _, ok := obj["email_address"]; ok {
						obj["email_address"] = f.other.EmailAddress
					}
					if perm.fields != nil {
						var names []string
						for name, fp := range perm.fields {
							if !fp.neverSelf {
								names = append(names, name)
							}
						}
						sort.Strings(names)
						for _, p := range r.schemas[r.bodySchema].props {
							if p.name == names[0] {
								obj[p.name] = sample(r.schemas, p.schema)
							}
						}
					}
					var err error
					body, err = json.Marshal(obj)
					require.NoError(t, err)
				}
				token := f.adminToken
				if !tc.allowed {
					token = f.plainToken
				}
				status, errType := f.call(t, r.method, path, body, "X-Stytch-Member-Session", token)
				if tc.allowed {
					require.NotContains(t, []string{"session_authorization_error", "session_authorization_tenancy_error", "session_not_found"}, errType,
						"%s as %s: %d %s", r.op, tc.who, status, errType)
					if !r.implemented {
						require.Equal(t, "not_implemented", errType, "%s is authorized, then answers 501", r.op)
					}
				} else {
					require.Equal(t, 403, status, "%s as %s: %s", r.op, tc.who, errType)
					require.Equal(t, "session_authorization_error", errType, r.op)
				}
			}
		})
	}
	require.Equal(t, len(b2bPermissions), tested, "every member-session operation")
	t.Logf("%d member-session operations checked; %d of them answer 501 once authorized: %v", tested, len(skipped), skipped)
}

// TestMemberSessionRules covers the rule's other branches on
// Organizations.Members.Update and Organizations.Update.
func TestMemberSessionRules(t *testing.T) {
	t.Parallel()
	f := newMemberAuthFixture(t)
	jsonBody := func(body map[string]any) []byte {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		return b
	}
	memberPath := func(orgID, memberID string) string {
		return "/v1/b2b/organizations/" + orgID + "/members/" + memberID
	}
	for _, tc := range []struct {
		name          string
		path          string
		body          map[string]any
		header, value string
		status        int
		errType       string
	}{
		{"a member renames itself: stytch.self", memberPath(f.orgA, f.plain.MemberID), map[string]any{"name": "Plain"}, "X-Stytch-Member-Session", f.plainToken, 200, ""},
		{"by its JWT too", memberPath(f.orgA, f.plain.MemberID), map[string]any{"name": "Plain J"}, "X-Stytch-Member-SessionJWT", f.plainJWT, 200, ""},
		{"but cannot make itself an admin: roles are never self", memberPath(f.orgA, f.plain.MemberID), map[string]any{"roles": []string{"stytch_admin"}}, "X-Stytch-Member-Session", f.plainToken, 403, "session_authorization_error"},
		{"nor rename another member", memberPath(f.orgA, f.other.MemberID), map[string]any{"name": "Other"}, "X-Stytch-Member-Session", f.plainToken, 403, "session_authorization_error"},
		{"another organization's member cannot act here", memberPath(f.orgA, f.other.MemberID), map[string]any{"name": "Other"}, "X-Stytch-Member-Session", f.outsideToken, 403, "session_authorization_tenancy_error"},
		{"nor on its own member through another organization's path", memberPath(f.orgA, f.outside.MemberID), map[string]any{"name": "Eve"}, "X-Stytch-Member-Session", f.outsideToken, 403, "session_authorization_tenancy_error"},
		{"a garbage session token", memberPath(f.orgA, f.plain.MemberID), map[string]any{"name": "x"}, "X-Stytch-Member-Session", "garbage-token", 404, "session_not_found"},
		{"a garbage session JWT", memberPath(f.orgA, f.plain.MemberID), map[string]any{"name": "x"}, "X-Stytch-Member-SessionJWT", "not.a.jwt", 401, "unable_to_parse_session_jwt"},
		{"an admin renames the organization", "/v1/b2b/organizations/" + f.orgA, map[string]any{"organization_name": "Acme 2"}, "X-Stytch-Member-Session", f.adminToken, 200, ""},
		{"a plain member cannot", "/v1/b2b/organizations/" + f.orgA, map[string]any{"organization_name": "Acme 3"}, "X-Stytch-Member-Session", f.plainToken, 403, "session_authorization_error"},
		{"nor an admin of A rename B", "/v1/b2b/organizations/" + f.orgB, map[string]any{"organization_name": "Mine"}, "X-Stytch-Member-Session", f.adminToken, 403, "session_authorization_tenancy_error"},
		{"a path may name the organization by its slug", memberPath("acme", f.plain.MemberID), map[string]any{"name": "Plain S"}, "X-Stytch-Member-Session", f.plainToken, 200, ""},
		{"but not another organization's", memberPath("beta", f.outside.MemberID), map[string]any{"name": "Eve"}, "X-Stytch-Member-Session", f.plainToken, 403, "session_authorization_tenancy_error"},
		{"without a header the secret alone authorizes", "/v1/b2b/organizations/" + f.orgB, map[string]any{"organization_name": "Beta 2"}, "", "", 200, ""},
	} {
		status, errType := f.call(t, http.MethodPut, tc.path, jsonBody(tc.body), tc.header, tc.value)
		require.Equal(t, tc.status, status, "%s: %s", tc.name, errType)
		require.Equal(t, tc.errType, errType, tc.name)
	}

	// Roles are read when the call is made: once the admin role is taken
	// away, the admin's old session no longer grants it.
	c := f.srv.B2BClient()
	_, err := c.Organizations.Members.Update(t.Context(), &b2b.OrganizationsMembersUpdateParams{OrganizationID: f.orgA, MemberID: f.admin.MemberID, Roles: &[]string{}})
	require.NoError(t, err)
	status, errType := f.call(t, http.MethodPut, "/v1/b2b/organizations/"+f.orgA, jsonBody(map[string]any{"organization_name": "Acme 4"}), "X-Stytch-Member-Session", f.adminToken)
	require.Equal(t, 403, status, errType)
}

// A member's metadata is bounded: 20 top-level keys and 4 KB each, checked
// before anything is stored.
func TestMemberMetadataLimits(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	many := map[string]any{}
	for i := range 21 {
		many[strings.Repeat("k", i+1)] = i
	}
	big := map[string]any{"blob": strings.Repeat("x", 4100)}
	for _, md := range []map[string]any{many, big} {
		_, err := c.Organizations.Members.Create(t.Context(), &b2b.OrganizationsMembersCreateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.example", TrustedMetadata: md})
		requireAPIError(t, err, 400, errorTypeBadRequest)
	}
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.example", func(p *b2b.OrganizationsMembersCreateParams) {
		p.UntrustedMetadata = map[string]any{"theme": "dark"}
	})
	_, err := c.Organizations.Members.Update(t.Context(), &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID,
		Name: stytch.Ptr("Ada"), UntrustedMetadata: big})
	requireAPIError(t, err, 400, errorTypeBadRequest)
	got, err := c.Organizations.Members.Get(t.Context(), &b2b.OrganizationsMembersGetParams{OrganizationID: o.OrganizationID, MemberID: &m.MemberID})
	require.NoError(t, err)
	require.Empty(t, got.Member.Name, "a refused update changes nothing")
	require.Equal(t, map[string]any{"theme": "dark"}, got.Member.UntrustedMetadata)
}
