package stytchtest

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// b2bTestServer starts a server and returns it with a validating B2B client.
func b2bTestServer(t *testing.T, opts ...Option) (*Server, *b2b.Client) {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, b2bClient(t, srv, validateResponses(t))
}

// b2bTestOrg creates an organization; mod may set more fields.
func b2bTestOrg(t *testing.T, c *b2b.Client, name string, mod func(*b2b.OrganizationsCreateParams)) *b2b.Organization {
	t.Helper()
	p := &b2b.OrganizationsCreateParams{OrganizationName: name}
	if mod != nil {
		mod(p)
	}
	resp, err := c.Organizations.Create(ctx, p)
	require.NoError(t, err)
	return &resp.Organization
}

func b2bTestMember(t *testing.T, c *b2b.Client, orgID, email string, mod func(*b2b.OrganizationsMembersCreateParams)) *b2b.Member {
	t.Helper()
	p := &b2b.OrganizationsMembersCreateParams{OrganizationID: orgID, EmailAddress: email}
	if mod != nil {
		mod(p)
	}
	resp, err := c.Organizations.Members.Create(ctx, p)
	require.NoError(t, err)
	return &resp.Member
}

// b2bTestToken returns the token of the last message to email, which must
// be of kind.
func b2bTestToken(t *testing.T, srv *Server, email string, kind MessageKind) string {
	t.Helper()
	msg, ok := srv.LastMessage(email)
	require.True(t, ok, "no message to %s", email)
	require.Equal(t, kind, msg.Kind)
	require.NotEmpty(t, msg.Token)
	return msg.Token
}

// b2bTestSignIn logs email in to an organization with a magic link.
func b2bTestSignIn(t *testing.T, srv *Server, c *b2b.Client, orgID, email string, claims map[string]any) *b2b.MagicLinksAuthenticateResponse {
	t.Helper()
	_, err := c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: orgID, EmailAddress: email})
	require.NoError(t, err)
	msg, ok := srv.LastMessage(email)
	require.True(t, ok)
	resp, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: msg.Token, SessionCustomClaims: claims})
	require.NoError(t, err)
	return resp
}

func b2bTestDiscoveryIST(t *testing.T, srv *Server, c *b2b.Client, email string) *b2b.MagicLinksDiscoveryAuthenticateResponse {
	t.Helper()
	_, err := c.MagicLinks.Email.Discovery.Send(ctx, &b2b.MagicLinksEmailDiscoverySendParams{EmailAddress: email})
	require.NoError(t, err)
	resp, err := c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: b2bTestToken(t, srv, email, "b2b_discovery")})
	require.NoError(t, err)
	return resp
}

func TestB2BOrganizationDefaults(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme, Inc.", nil)
	require.True(t, strings.HasPrefix(o.OrganizationID, "organization-test-"), o.OrganizationID)
	require.Equal(t, "acme-inc", o.OrganizationSlug, "a missing slug is derived from the name")
	require.Equal(t, b2b.EmailInvitesAllAllowed, o.EmailInvites)
	require.Equal(t, b2b.EmailJITProvisioningNotAllowed, o.EmailJITProvisioning)
	require.Equal(t, b2b.SSOJITProvisioningAllAllowed, o.SSOJITProvisioning)
	require.Equal(t, b2b.AuthMethodsAllAllowed, o.AuthMethods)
	require.Equal(t, b2b.MFAPolicyOptional, o.MFAPolicy)
	require.Equal(t, b2b.MFAMethodsAllAllowed, o.MFAMethods)
	require.NotNil(t, o.EmailAllowedDomains)
	require.NotNil(t, o.CreatedAt)

	// Some auth settings without email_invites: invites become NOT_ALLOWED.
	o = b2bTestOrg(t, c, "Initech", func(p *b2b.OrganizationsCreateParams) {
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
		p.EmailAllowedDomains = []string{"Initech.com"}
	})
	require.Equal(t, b2b.EmailInvitesNotAllowed, o.EmailInvites)
	require.Equal(t, b2b.EmailJITProvisioningRestricted, o.EmailJITProvisioning)
	require.Equal(t, []string{"initech.com"}, o.EmailAllowedDomains)

	_, err := c.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "X", OrganizationSlug: stytch.Ptr("xx"), MFAPolicy: stytch.Ptr(b2b.MFAPolicy("sometimes"))})
	requireAPIError(t, err, 400, errorTypeBadRequest)
}

func TestB2BOrganizationSlugRules(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	for _, tc := range []struct {
		slug string
		ok   bool
	}{
		{"ab", true},
		{"a-b.c_d~e", true},
		{"~9", true},
		{strings.Repeat("a", 128), true},
		{"a", false},
		{strings.Repeat("a", 129), false},
		{"-.", false},
		{"has space", false},
		{"café", false},
		{"a/b", false},
	} {
		_, err := c.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "Org", OrganizationSlug: &tc.slug})
		if tc.ok {
			require.NoError(t, err, tc.slug)
		} else {
			requireAPIError(t, err, 400, stytch.ErrorTypeInvalidOrganizationSlug)
		}
	}
	// A name that yields no valid slug is rejected as such.
	_, err := c.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "!!"})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidOrganizationSlug)

	_, err = c.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "Again", OrganizationSlug: stytch.Ptr("ab")})
	requireAPIError(t, err, 400, stytch.ErrorTypeOrganizationSlugAlreadyUsed)
	o := b2bTestOrg(t, c, "Other", nil)
	_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, OrganizationSlug: stytch.Ptr("ab")})
	requireAPIError(t, err, 400, stytch.ErrorTypeOrganizationSlugAlreadyUsed)
	_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, OrganizationSlug: stytch.Ptr("x")})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidOrganizationSlug)
	// Keeping one's own slug is fine.
	_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, OrganizationSlug: &o.OrganizationSlug})
	require.NoError(t, err)
}

func TestB2BOrganizationAddressing(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) {
		p.OrganizationSlug = stytch.Ptr("acme-corp")
		p.OrganizationExternalID = stytch.Ptr("ext|acme")
		p.TrustedMetadata = map[string]any{"tier": "gold", "seats": 3.0}
	})
	for _, ref := range []string{o.OrganizationID, "acme-corp", "ext|acme"} {
		got, err := c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: ref})
		require.NoError(t, err, ref)
		require.Equal(t, o.OrganizationID, got.Organization.OrganizationID)
	}
	_, err := c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: "organization-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, stytch.ErrorTypeOrganizationNotFound)

	// Update by slug, metadata merges, and the member endpoints take a slug too.
	up, err := c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{
		OrganizationID: "acme-corp", OrganizationName: stytch.Ptr("Acme Corp"),
		TrustedMetadata: map[string]any{"seats": nil, "region": "eu"},
	})
	require.NoError(t, err)
	require.Equal(t, "Acme Corp", up.Organization.OrganizationName)
	require.Equal(t, map[string]any{"tier": "gold", "region": "eu"}, up.Organization.TrustedMetadata)
	m := b2bTestMember(t, c, "ext|acme", "ada@acme.com", nil)
	require.Equal(t, o.OrganizationID, m.OrganizationID)
	got, err := c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: "acme-corp", EmailAddress: stytch.Ptr("ADA@acme.com")})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, got.MemberID)

	// The provisioning rule: not every path may be closed.
	_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, EmailInvites: stytch.Ptr(b2b.EmailInvitesNotAllowed), SSOJITProvisioning: stytch.Ptr(b2b.SSOJITProvisioningNotAllowed)})
	requireAPIError(t, err, 400, errorTypeBadRequest)
}

func TestB2BAllowedDomains(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	for _, d := range []string{"gmail.com", "Outlook.com", "yahoo.com", "icloud.com"} {
		_, err := c.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "Bad " + d, EmailAllowedDomains: []string{"acme.com", d}})
		requireAPIError(t, err, 400, stytch.ErrorTypeOrganizationSettingsDomainTooCommon)
		_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, EmailAllowedDomains: []string{d}})
		requireAPIError(t, err, 400, stytch.ErrorTypeOrganizationSettingsDomainTooCommon)
	}
	up, err := c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, EmailAllowedDomains: []string{"acme.com"}})
	require.NoError(t, err)
	require.Equal(t, []string{"acme.com"}, up.Organization.EmailAllowedDomains)
}

func TestB2BOrganizationsSearchAndDelete(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	var orgs []*b2b.Organization
	for _, slug := range []string{"one", "two", "three"} {
		orgs = append(orgs, b2bTestOrg(t, c, "Org "+slug, func(p *b2b.OrganizationsCreateParams) { p.OrganizationSlug = stytch.Ptr(slug) }))
	}
	all, err := c.Organizations.Search(ctx, &b2b.OrganizationsSearchParams{Limit: stytch.Ptr(2)})
	require.NoError(t, err)
	require.Len(t, all.Organizations, 2)
	require.EqualValues(t, 3, all.ResultsMetadata.Total)
	require.Equal(t, "one", all.Organizations[0].OrganizationSlug, "oldest first")
	require.NotEmpty(t, all.ResultsMetadata.NextCursor)
	rest, err := c.Organizations.Search(ctx, &b2b.OrganizationsSearchParams{Cursor: &all.ResultsMetadata.NextCursor})
	require.NoError(t, err)
	require.Len(t, rest.Organizations, 1)
	require.Equal(t, "three", rest.Organizations[0].OrganizationSlug)
	require.Empty(t, rest.ResultsMetadata.NextCursor)

	// SearchAll pages through the same results, one page of two at a time.
	var slugs []string
	for org, err := range c.Organizations.SearchAll(ctx, &b2b.OrganizationsSearchParams{Limit: stytch.Ptr(2)}) {
		require.NoError(t, err)
		slugs = append(slugs, org.OrganizationSlug)
	}
	require.Equal(t, []string{"one", "two", "three"}, slugs)
	var members []string
	for _, email := range []string{"a@x.com", "b@x.com", "c@x.com"} {
		b2bTestMember(t, c, orgs[2].OrganizationID, email, nil)
	}
	for m, err := range c.Organizations.Members.SearchAll(ctx, &b2b.OrganizationsMembersSearchParams{OrganizationIDs: []string{orgs[2].OrganizationID}, Limit: stytch.Ptr(1)}) {
		require.NoError(t, err)
		members = append(members, m.EmailAddress)
	}
	require.Equal(t, []string{"a@x.com", "b@x.com", "c@x.com"}, members)

	for _, tc := range []struct {
		name  string
		query *b2b.OrganizationSearchQuery
		want  []string
	}{
		{"slugs", orgQuery(b2b.OrganizationFilterSlugs("one", "three")), []string{"one", "three"}},
		{"ids", orgQuery(b2b.OrganizationFilterIDs(orgs[1].OrganizationID)), []string{"two"}},
		{"and", orgQuery(b2b.OrganizationFilterSlugs("one", "three"), b2b.OrganizationFilterIDs(orgs[0].OrganizationID)), []string{"one"}},
		{"none", orgQuery(b2b.OrganizationFilterSlugs("nope")), []string{}},
	} {
		resp, err := c.Organizations.Search(ctx, &b2b.OrganizationsSearchParams{Query: tc.query})
		require.NoError(t, err, tc.name)
		slugs := []string{}
		for _, o := range resp.Organizations {
			slugs = append(slugs, o.OrganizationSlug)
		}
		require.Equal(t, tc.want, slugs, tc.name)
	}

	// Delete removes the organization, its members and their sessions.
	m := b2bTestMember(t, c, orgs[0].OrganizationID, "ada@acme.com", nil)
	login := b2bTestSignIn(t, srv, c, orgs[0].OrganizationID, m.EmailAddress, nil)
	del, err := c.Organizations.Delete(ctx, &b2b.OrganizationsDeleteParams{OrganizationID: "one"})
	require.NoError(t, err)
	require.Equal(t, orgs[0].OrganizationID, del.OrganizationID)
	_, err = c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: orgs[0].OrganizationID})
	requireAPIError(t, err, 404, stytch.ErrorTypeOrganizationNotFound)
	_, err = c.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{OrganizationIDs: []string{orgs[0].OrganizationID}})
	requireAPIError(t, err, 404, stytch.ErrorTypeOrganizationNotFound)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Organizations.Delete(ctx, &b2b.OrganizationsDeleteParams{OrganizationID: "one"})
	requireAPIError(t, err, 404, stytch.ErrorTypeOrganizationNotFound)
	// The slug is free again.
	b2bTestOrg(t, c, "One again", func(p *b2b.OrganizationsCreateParams) { p.OrganizationSlug = stytch.Ptr("one") })
}

func TestB2BMembers(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	other := b2bTestOrg(t, c, "Other", nil)

	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) {
		p.Name = stytch.Ptr("Ada")
		p.Roles = []string{"stytch_admin"}
	})
	require.True(t, strings.HasPrefix(m.MemberID, "member-test-"), m.MemberID)
	require.Equal(t, b2b.MemberStatusActive, m.Status)
	require.True(t, m.IsAdmin)
	require.Equal(t, []string{"stytch_member", "stytch_admin"}, b2bTestRoleIDs(m.Roles))

	// Unique by email within an organization, case-insensitively; another
	// organization may hold the same address.
	_, err := c.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{OrganizationID: o.OrganizationID, EmailAddress: "ADA@acme.com"})
	requireAPIError(t, err, 400, stytch.ErrorTypeDuplicateMemberEmail)
	b2bTestMember(t, c, other.OrganizationID, "ada@acme.com", nil)
	_, err = c.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{OrganizationID: o.OrganizationID, EmailAddress: "not-an-email"})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidEmail)
	_, err = c.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{OrganizationID: "no-such-org", EmailAddress: "x@acme.com"})
	requireAPIError(t, err, 404, stytch.ErrorTypeOrganizationNotFound)

	pending := b2bTestMember(t, c, o.OrganizationID, "bob@acme.com", func(p *b2b.OrganizationsMembersCreateParams) {
		p.CreateMemberAsPending = stytch.Ptr(true)
	})
	require.Equal(t, b2b.MemberStatusPending, pending.Status)
	require.False(t, pending.IsAdmin)

	// is_admin follows the stytch_admin role.
	up, err := c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Roles: &[]string{}, MFAEnrolled: stytch.Ptr(true)})
	require.NoError(t, err)
	require.False(t, up.Member.IsAdmin)
	require.True(t, up.Member.MFAEnrolled)
	require.Equal(t, "Ada", up.Member.Name)
	up, err = c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Roles: &[]string{"stytch_admin"}})
	require.NoError(t, err)
	require.True(t, up.Member.IsAdmin)
	_, err = c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: pending.MemberID, EmailAddress: stytch.Ptr("ada@acme.com")})
	requireAPIError(t, err, 400, stytch.ErrorTypeDuplicateMemberEmail)

	_, err = c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: o.OrganizationID, MemberID: stytch.Ptr("member-test-00000000-0000-4000-8000-000000000000")})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
	_, err = c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: other.OrganizationID, MemberID: &m.MemberID})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)

	// Delete marks the member deleted; the email stays taken until reactivation.
	del, err := c.Organizations.Members.Delete(ctx, &b2b.OrganizationsMembersDeleteParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, del.MemberID)
	got, err := c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: o.OrganizationID, MemberID: &m.MemberID})
	require.NoError(t, err)
	require.Equal(t, b2b.MemberStatusDeleted, got.Member.Status)
	_, err = c.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com"})
	requireAPIError(t, err, 400, stytch.ErrorTypeDuplicateMemberEmail)
	re, err := c.Organizations.Members.Reactivate(ctx, &b2b.OrganizationsMembersReactivateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Equal(t, b2b.MemberStatusActive, re.Member.Status)

	// Search by organization and status.
	search, err := c.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{OrganizationIDs: []string{o.OrganizationID}})
	require.NoError(t, err)
	require.EqualValues(t, 2, search.ResultsMetadata.Total)
	require.Equal(t, m.MemberID, search.Members[0].MemberID, "oldest first")
	require.Contains(t, search.Organizations, o.OrganizationID)
	search, err = c.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{
		OrganizationIDs: []string{o.OrganizationID, other.OrganizationID},
		Query:           &b2b.MemberSearchQuery{Operator: b2b.SearchOperatorAnd, Operands: []b2b.MemberSearchFilter{b2b.MemberFilterStatuses(b2b.MemberStatusPending)}},
	})
	require.NoError(t, err)
	require.Len(t, search.Members, 1)
	require.Equal(t, pending.MemberID, search.Members[0].MemberID)
	search, err = c.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{OrganizationIDs: []string{o.OrganizationID, other.OrganizationID}, Limit: stytch.Ptr(2)})
	require.NoError(t, err)
	require.Len(t, search.Members, 2)
	require.EqualValues(t, 3, search.ResultsMetadata.Total)
	require.NotEmpty(t, search.ResultsMetadata.NextCursor)
	// organizations holds just the organizations of the page's members.
	require.Len(t, search.Organizations, 2)
	search, err = c.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{OrganizationIDs: []string{o.OrganizationID, other.OrganizationID}, Cursor: &search.ResultsMetadata.NextCursor})
	require.NoError(t, err)
	require.Len(t, search.Members, 1)
	require.Equal(t, pending.MemberID, search.Members[0].MemberID)
	require.Equal(t, []string{o.OrganizationID}, b2bTestKeys(search.Organizations))
}

func b2bTestKeys(m map[string]b2b.Organization) []string {
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func b2bTestRoleIDs(roles []b2b.MemberRole) []string {
	ids := []string{}
	for _, r := range roles {
		ids = append(ids, r.RoleID)
	}
	return ids
}

func TestB2BLoginOrSignup(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	closed := b2bTestOrg(t, c, "Closed", nil)
	jit := b2bTestOrg(t, c, "Open", func(p *b2b.OrganizationsCreateParams) {
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
		p.EmailAllowedDomains = []string{"acme.com"}
	})
	active := b2bTestMember(t, c, closed.OrganizationID, "ada@acme.com", nil)
	pending := b2bTestMember(t, c, closed.OrganizationID, "bob@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.CreateMemberAsPending = stytch.Ptr(true) })

	for _, tc := range []struct {
		name, org, email string
		kind             string // the link sent, or "" for an error
		created          bool
		status           int
		errType          stytch.ErrorType
	}{
		{"active member logs in", closed.OrganizationID, active.EmailAddress, "b2b_magic_link_login", false, 0, ""},
		{"pending member signs up", closed.OrganizationID, pending.EmailAddress, "b2b_magic_link_signup", false, 0, ""},
		{"JIT by allowed domain", jit.OrganizationID, "cy@ACME.com", "b2b_magic_link_signup", true, 0, ""},
		{"no JIT", closed.OrganizationID, "dee@acme.com", "", false, 403, stytch.ErrorTypeEmailJITProvisioningNotAllowed},
		{"JIT, other domain", jit.OrganizationID, "eve@evil.com", "", false, 400, stytch.ErrorTypeInvalidEmailForJITProvisioning},
		{"unknown organization", "nope", "ada@acme.com", "", false, 404, stytch.ErrorTypeOrganizationNotFound},
		{"bad email", closed.OrganizationID, "ada", "", false, 400, stytch.ErrorTypeInvalidEmail},
	} {
		resp, err := c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{
			OrganizationID: tc.org, EmailAddress: tc.email,
			LoginRedirectURL: stytch.Ptr("https://app.example/login"), SignupRedirectURL: stytch.Ptr("https://app.example/signup?x=1"),
		})
		if tc.kind == "" {
			requireAPIError(t, err, tc.status, tc.errType)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.created, resp.MemberCreated, tc.name)
		tok := b2bTestToken(t, srv, tc.email, MessageKind(tc.kind))
		msg, _ := srv.LastMessage(tc.email)
		u, err := url.Parse(msg.URL)
		require.NoError(t, err)
		require.Equal(t, "multi_tenant_magic_links", u.Query().Get("stytch_token_type"), tc.name)
		require.Equal(t, tok, u.Query().Get("token"), tc.name)
		if tc.kind == "b2b_magic_link_login" {
			require.Equal(t, "/login", u.Path)
		} else {
			require.Equal(t, "/signup", u.Path)
			require.Equal(t, b2b.MemberStatusPending, resp.Member.Status, tc.name)
		}

		auth, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok})
		require.NoError(t, err, tc.name)
		require.True(t, auth.MemberAuthenticated)
		require.Equal(t, resp.MemberID, auth.MemberID)
		require.Equal(t, b2b.MemberStatusActive, auth.Member.Status, tc.name)
		require.True(t, auth.Member.EmailAddressVerified, tc.name)
		require.NotEmpty(t, auth.MethodID)
		require.NotNil(t, auth.MemberSession)
		require.Empty(t, auth.IntermediateSessionToken)
		require.Len(t, auth.SessionToken, 44)
		require.True(t, strings.HasPrefix(auth.MemberSession.MemberSessionID, "session-test-"))
		require.Equal(t, tc.org, auth.MemberSession.OrganizationID)
		require.Equal(t, time.Hour, auth.MemberSession.ExpiresAt.Sub(auth.MemberSession.StartedAt), "60 minutes by default")
		require.Len(t, auth.MemberSession.AuthenticationFactors, 1)
		f := auth.MemberSession.AuthenticationFactors[0]
		require.Equal(t, b2b.AuthenticationFactorTypeMagicLink, f.Type)
		require.Equal(t, b2b.AuthenticationFactorDeliveryMethodEmail, f.DeliveryMethod)
		require.Equal(t, auth.MethodID, f.EmailFactor.EmailID)
	}
}

func TestB2BInviteFlow(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	inviter := b2bTestMember(t, c, o.OrganizationID, "boss@acme.com", nil)
	resp, err := c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{
		OrganizationID: o.OrganizationID, EmailAddress: "new@acme.com", Name: stytch.Ptr("Newt"),
		Roles: []string{"stytch_admin", "editor"}, InvitedByMemberID: &inviter.MemberID,
	})
	require.NoError(t, err)
	require.Equal(t, b2b.MemberStatusInvited, resp.Member.Status)
	require.True(t, resp.Member.IsAdmin)
	require.False(t, resp.Member.EmailAddressVerified)
	tok := b2bTestToken(t, srv, "new@acme.com", "b2b_invite")

	auth, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok, SessionDurationMinutes: stytch.Ptr(30)})
	require.NoError(t, err)
	require.Equal(t, b2b.MemberStatusActive, auth.Member.Status)
	require.True(t, auth.Member.EmailAddressVerified)
	require.Equal(t, []string{"stytch_member", "stytch_admin", "editor"}, auth.MemberSession.Roles)
	require.Equal(t, 30*time.Minute, auth.MemberSession.ExpiresAt.Sub(auth.MemberSession.StartedAt))

	// An active member cannot be invited again; a pending one can.
	_, err = c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{OrganizationID: o.OrganizationID, EmailAddress: "new@acme.com"})
	requireAPIError(t, err, 400, stytch.ErrorTypeDuplicateMemberEmail)
	pending := b2bTestMember(t, c, o.OrganizationID, "later@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.CreateMemberAsPending = stytch.Ptr(true) })
	resp, err = c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{OrganizationID: o.OrganizationID, EmailAddress: pending.EmailAddress})
	require.NoError(t, err)
	require.Equal(t, pending.MemberID, resp.MemberID)
	require.Equal(t, b2b.MemberStatusInvited, resp.Member.Status)
	_, err = c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{OrganizationID: o.OrganizationID, EmailAddress: "x@acme.com", InvitedByMemberID: stytch.Ptr("member-test-nobody")})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)

	// An organization that does not allow invites.
	closed := b2bTestOrg(t, c, "Closed", func(p *b2b.OrganizationsCreateParams) { p.EmailInvites = stytch.Ptr(b2b.EmailInvitesNotAllowed) })
	_, err = c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{OrganizationID: closed.OrganizationID, EmailAddress: "x@acme.com"})
	requireAPIError(t, err, 400, "invalid_email_for_invites")
}

func TestB2BMagicLinkSingleUse(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	tok := b2bTestToken(t, srv, m.EmailAddress, "b2b_magic_link_login")
	_, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="})
	requireAPIError(t, err, 404, stytch.ErrorTypeMagicLinkNotFound)

	// Discovery and organization tokens do not mix.
	_, err = c.MagicLinks.Email.Discovery.Send(ctx, &b2b.MagicLinksEmailDiscoverySendParams{EmailAddress: m.EmailAddress})
	require.NoError(t, err)
	dtok := b2bTestToken(t, srv, m.EmailAddress, "b2b_discovery")
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: dtok})
	requireAPIError(t, err, 404, stytch.ErrorTypeMagicLinkNotFound)
	_, err = c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress})
	require.NoError(t, err)
	_, err = c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: b2bTestToken(t, srv, m.EmailAddress, "b2b_magic_link_login")})
	requireAPIError(t, err, 404, stytch.ErrorTypeMagicLinkNotFound)
	_, err = c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: dtok})
	require.NoError(t, err)
	_, err = c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: dtok})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)
}

func TestB2BMagicLinkPKCE(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	verifier := "a-long-enough-code-verifier-for-pkce-0123456789"
	challenge := b2bTestChallenge(verifier)
	_, err := c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, PKCECodeChallenge: &challenge})
	require.NoError(t, err)
	tok := b2bTestToken(t, srv, m.EmailAddress, "b2b_magic_link_login")
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok})
	requireAPIError(t, err, 400, stytch.ErrorTypePKCEExpectedCodeVerifier)
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok, PKCECodeVerifier: stytch.Ptr("wrong")})
	requireAPIError(t, err, 400, stytch.ErrorTypePKCEMismatch)
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok, PKCECodeVerifier: &verifier})
	require.NoError(t, err)

	_, err = c.MagicLinks.Email.Discovery.Send(ctx, &b2b.MagicLinksEmailDiscoverySendParams{EmailAddress: m.EmailAddress, PKCECodeChallenge: &challenge})
	require.NoError(t, err)
	tok = b2bTestToken(t, srv, m.EmailAddress, "b2b_discovery")
	_, err = c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: tok, PKCECodeVerifier: stytch.Ptr("wrong")})
	requireAPIError(t, err, 400, stytch.ErrorTypePKCEMismatch)
	_, err = c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: tok, PKCECodeVerifier: &verifier})
	require.NoError(t, err)
}

func b2bTestChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestB2BExpiry(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)

	// A link lives for login_expiration_minutes.
	_, err := c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, LoginExpirationMinutes: stytch.Ptr(5)})
	require.NoError(t, err)
	tok := b2bTestToken(t, srv, m.EmailAddress, "b2b_magic_link_login")
	clk.Add(5*time.Minute + time.Second)
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)
	_, err = c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, LoginExpirationMinutes: stytch.Ptr(4)})
	requireAPIError(t, err, 400, "invalid_expiration")

	// A session lives 60 minutes unless extended.
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	clk.Add(59 * time.Minute)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken})
	require.NoError(t, err)
	clk.Add(2 * time.Minute)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)

	// An IST lives 10 minutes.
	ist := b2bTestDiscoveryIST(t, srv, c, m.EmailAddress)
	require.Equal(t, clk.Now().Add(10*time.Minute), ist.IntermediateSessionTokenExpiresAt.UTC())
	clk.Add(10 * time.Minute)
	_, err = c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{IntermediateSessionToken: &ist.IntermediateSessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeIntermediateSessionNotFound)
}

func TestB2BMFAGating(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	required := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	optional := b2bTestOrg(t, c, "Lax", nil)
	for _, tc := range []struct {
		name    string
		org     string
		enroll  bool
		phone   string
		options bool
	}{
		{"organization requires MFA", required.OrganizationID, false, "", false},
		{"member enrolled", optional.OrganizationID, true, "+12025550123", true},
	} {
		m := b2bTestMember(t, c, tc.org, "mfa-"+strings.ReplaceAll(tc.name, " ", "")+"@acme.com", func(p *b2b.OrganizationsMembersCreateParams) {
			p.MFAEnrolled = &tc.enroll
			if tc.phone != "" {
				p.MFAPhoneNumber = &tc.phone
			}
		})
		auth := b2bTestSignIn(t, srv, c, tc.org, m.EmailAddress, map[string]any{"ignored": true})
		require.False(t, auth.MemberAuthenticated, tc.name)
		require.Len(t, auth.IntermediateSessionToken, 44, tc.name)
		require.True(t, strings.HasSuffix(auth.IntermediateSessionToken, "="), tc.name)
		require.NotNil(t, auth.IntermediateSessionTokenExpiresAt, tc.name)
		require.Empty(t, auth.SessionToken, tc.name)
		require.Empty(t, auth.SessionJWT, tc.name)
		require.Nil(t, auth.MemberSession, tc.name)
		require.NotNil(t, auth.MFARequired, tc.name)
		if tc.options {
			require.Equal(t, tc.phone, auth.MFARequired.MemberOptions.MFAPhoneNumber, tc.name)
		} else {
			require.Nil(t, auth.MFARequired.MemberOptions, tc.name)
		}
		sessions, err := c.Sessions.Get(ctx, &b2b.SessionsGetParams{OrganizationID: tc.org, MemberID: m.MemberID})
		require.NoError(t, err)
		require.Empty(t, sessions.MemberSessions, tc.name)
		require.Equal(t, b2b.MemberStatusActive, auth.Member.Status, tc.name)
	}

	// A live session of the member skips MFA.
	m := b2bTestMember(t, c, optional.OrganizationID, "later@acme.com", nil)
	first := b2bTestSignIn(t, srv, c, optional.OrganizationID, m.EmailAddress, nil)
	require.True(t, first.MemberAuthenticated)
	_, err := c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: optional.OrganizationID, MemberID: m.MemberID, MFAEnrolled: stytch.Ptr(true)})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: optional.OrganizationID, EmailAddress: m.EmailAddress})
	require.NoError(t, err)
	tok := b2bTestToken(t, srv, m.EmailAddress, "b2b_magic_link_login")
	auth, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: tok, SessionToken: &first.SessionToken})
	require.NoError(t, err)
	require.True(t, auth.MemberAuthenticated)
	require.Equal(t, first.MemberSession.MemberSessionID, auth.MemberSession.MemberSessionID)
	require.Len(t, auth.MemberSession.AuthenticationFactors, 2)
}

func TestB2BDiscoveryFlow(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	const email = "ada@acme.com"
	member := b2bTestOrg(t, c, "Member Org", nil)
	b2bTestMember(t, c, member.OrganizationID, email, nil)
	invited := b2bTestOrg(t, c, "Invited Org", nil)
	_, err := c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{OrganizationID: invited.OrganizationID, EmailAddress: email})
	require.NoError(t, err)
	jit := b2bTestOrg(t, c, "JIT Org", func(p *b2b.OrganizationsCreateParams) {
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
		p.EmailAllowedDomains = []string{"acme.com"}
	})
	unrelated := b2bTestOrg(t, c, "Unrelated", nil)
	b2bTestMember(t, c, unrelated.OrganizationID, "someone@else.com", nil)

	_, err = c.MagicLinks.Email.Discovery.Send(ctx, &b2b.MagicLinksEmailDiscoverySendParams{EmailAddress: email, DiscoveryRedirectURL: stytch.Ptr("https://app.example/discover")})
	require.NoError(t, err)
	msg, _ := srv.LastMessage(email)
	require.Equal(t, MessageB2BDiscovery, msg.Kind)
	require.Contains(t, msg.URL, "stytch_token_type=discovery")
	disc, err := c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: msg.Token})
	require.NoError(t, err)
	require.Equal(t, email, disc.EmailAddress)
	require.Len(t, disc.IntermediateSessionToken, 44)
	want := map[string]string{
		member.OrganizationID:  "active_member",
		invited.OrganizationID: "invited_member",
		jit.OrganizationID:     "eligible_to_join_by_email_domain",
	}
	require.Equal(t, want, b2bTestMemberships(disc.DiscoveredOrganizations))

	// Listing does not consume the IST.
	for range 2 {
		list, err := c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{IntermediateSessionToken: &disc.IntermediateSessionToken})
		require.NoError(t, err)
		require.Equal(t, email, list.EmailAddress)
		require.Equal(t, want, b2bTestMemberships(list.DiscoveredOrganizations))
	}
	_, err = c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{})
	requireAPIError(t, err, 400, stytch.ErrorTypeNoSessionArguments)
	_, err = c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{IntermediateSessionToken: &disc.IntermediateSessionToken, SessionToken: stytch.Ptr("x")})
	requireAPIError(t, err, 400, stytch.ErrorTypeTooManySessionArguments)

	// Exchanging the IST accepts the invite and consumes the IST.
	_, err = c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: unrelated.OrganizationID})
	requireAPIError(t, err, 403, stytch.ErrorTypeEmailJITProvisioningNotAllowed)
	ex, err := c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{
		IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: invited.OrganizationSlug,
		SessionDurationMinutes: stytch.Ptr(15), SessionCustomClaims: map[string]any{"plan": "pro"},
	})
	require.NoError(t, err)
	require.True(t, ex.MemberAuthenticated)
	require.Equal(t, b2b.MemberStatusActive, ex.Member.Status)
	require.True(t, ex.Member.EmailAddressVerified)
	require.Equal(t, invited.OrganizationID, ex.MemberSession.OrganizationID)
	require.Equal(t, 15*time.Minute, ex.MemberSession.ExpiresAt.Sub(ex.MemberSession.StartedAt))
	require.Equal(t, map[string]any{"plan": "pro"}, ex.MemberSession.CustomClaims)
	require.Len(t, ex.MemberSession.AuthenticationFactors, 1)
	require.NotEmpty(t, ex.MemberSession.AuthenticationFactors[0].EmailFactor.EmailID)
	_, err = c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: member.OrganizationID})
	requireAPIError(t, err, 404, stytch.ErrorTypeIntermediateSessionNotFound)
	_, err = c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{IntermediateSessionToken: &disc.IntermediateSessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeIntermediateSessionNotFound)
	_, err = c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{IntermediateSessionToken: stytch.Ptr("short")})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidSessionToken)

	// A member session lists memberships only.
	list, err := c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{SessionJWT: &ex.SessionJWT})
	require.NoError(t, err)
	require.Equal(t, invited.OrganizationID, list.OrganizationIDHint)
	require.Equal(t, map[string]string{member.OrganizationID: "active_member", invited.OrganizationID: "active_member"}, b2bTestMemberships(list.DiscoveredOrganizations))

	// A fresh IST can join by email domain.
	disc = b2bTestDiscoveryIST(t, srv, c, email)
	ex, err = c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: jit.OrganizationID})
	require.NoError(t, err)
	require.True(t, ex.MemberAuthenticated)
	require.Equal(t, b2b.MemberStatusActive, ex.Member.Status)
	require.Equal(t, time.Hour, ex.MemberSession.ExpiresAt.Sub(ex.MemberSession.StartedAt))
	got, err := c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: jit.OrganizationID, EmailAddress: stytch.Ptr(email)})
	require.NoError(t, err)
	require.Equal(t, ex.MemberID, got.MemberID)

	// MFA in the target organization yields a new IST instead of a session.
	strict := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	b2bTestMember(t, c, strict.OrganizationID, email, nil)
	disc = b2bTestDiscoveryIST(t, srv, c, email)
	for _, d := range disc.DiscoveredOrganizations {
		require.Equal(t, d.Organization.OrganizationID != strict.OrganizationID, d.MemberAuthenticated, d.Organization.OrganizationName)
	}
	ex, err = c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: strict.OrganizationID})
	require.NoError(t, err)
	require.False(t, ex.MemberAuthenticated)
	require.NotEmpty(t, ex.IntermediateSessionToken)
	require.NotEqual(t, disc.IntermediateSessionToken, ex.IntermediateSessionToken)
	require.Nil(t, ex.MemberSession)
	require.NotNil(t, ex.MFARequired)
	list, err = c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{IntermediateSessionToken: &ex.IntermediateSessionToken})
	require.NoError(t, err)
	require.Equal(t, strict.OrganizationID, list.OrganizationIDHint)
}

func b2bTestMemberships(ds []b2b.DiscoveredOrganization) map[string]string {
	out := map[string]string{}
	for _, d := range ds {
		out[d.Organization.OrganizationID] = string(d.Membership.Type)
	}
	return out
}

func TestB2BDiscoveryCreate(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	for _, tc := range []struct {
		email, name, slug string
		params            b2b.DiscoveryOrganizationsCreateParams
	}{
		{"ada@acme.com", "acme.com", "acme.com", b2b.DiscoveryOrganizationsCreateParams{}},
		{"bob.smith@gmail.com", "bob.smith", "bob.smith", b2b.DiscoveryOrganizationsCreateParams{}},
		{"cy@uni.edu", "cy", "cy", b2b.DiscoveryOrganizationsCreateParams{}},
		{"dee@initech.com", "Initech Ltd", "initech-ltd", b2b.DiscoveryOrganizationsCreateParams{OrganizationName: stytch.Ptr("Initech Ltd")}},
		{"eve@globex.com", "Globex", "gx", b2b.DiscoveryOrganizationsCreateParams{OrganizationName: stytch.Ptr("Globex"), OrganizationSlug: stytch.Ptr("gx")}},
	} {
		ist := b2bTestDiscoveryIST(t, srv, c, tc.email)
		p := tc.params
		p.IntermediateSessionToken = ist.IntermediateSessionToken
		resp, err := c.Discovery.Organizations.Create(ctx, &p)
		require.NoError(t, err, tc.email)
		require.Equal(t, tc.name, resp.Organization.OrganizationName, tc.email)
		require.Equal(t, tc.slug, resp.Organization.OrganizationSlug, tc.email)
		require.True(t, resp.MemberAuthenticated, tc.email)
		require.Equal(t, b2b.MemberStatusActive, resp.Member.Status)
		require.True(t, resp.Member.IsAdmin, tc.email)
		require.True(t, resp.Member.EmailAddressVerified)
		require.Contains(t, resp.MemberSession.Roles, "stytch_admin")
		require.Equal(t, resp.Organization.OrganizationSlug, resp.MemberSession.OrganizationSlug)
		require.NotEmpty(t, resp.SessionToken)
		// The IST is spent.
		_, err = c.Discovery.Organizations.Create(ctx, &b2b.DiscoveryOrganizationsCreateParams{IntermediateSessionToken: ist.IntermediateSessionToken, OrganizationName: stytch.Ptr("Twice")})
		requireAPIError(t, err, 404, stytch.ErrorTypeIntermediateSessionNotFound)
	}

	// A taken slug fails and leaves the IST usable.
	ist := b2bTestDiscoveryIST(t, srv, c, "ada@acme.com")
	_, err := c.Discovery.Organizations.Create(ctx, &b2b.DiscoveryOrganizationsCreateParams{IntermediateSessionToken: ist.IntermediateSessionToken})
	requireAPIError(t, err, 400, stytch.ErrorTypeOrganizationSlugAlreadyUsed)
	resp, err := c.Discovery.Organizations.Create(ctx, &b2b.DiscoveryOrganizationsCreateParams{
		IntermediateSessionToken: ist.IntermediateSessionToken, OrganizationSlug: stytch.Ptr("acme-2"), MFAPolicy: stytch.Ptr(b2b.MFAPolicyRequiredForAll),
	})
	require.NoError(t, err)
	require.False(t, resp.MemberAuthenticated)
	require.NotEmpty(t, resp.IntermediateSessionToken)
	require.Empty(t, resp.SessionToken)
	require.True(t, resp.Member.IsAdmin)
}

func TestB2BSessions(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, map[string]any{"plan": "pro", "team": "a", "sub": "not-allowed"})
	require.Equal(t, map[string]any{"plan": "pro", "team": "a"}, login.MemberSession.CustomClaims)

	// Token or JWT, never both or neither.
	for _, p := range []*b2b.SessionsAuthenticateParams{{SessionToken: &login.SessionToken}, {SessionJWT: &login.SessionJWT}} {
		resp, err := c.Sessions.Authenticate(ctx, p)
		require.NoError(t, err)
		require.Equal(t, login.MemberSession.MemberSessionID, resp.MemberSession.MemberSessionID)
		require.Equal(t, m.MemberID, resp.Member.MemberID)
		require.Equal(t, o.OrganizationID, resp.Organization.OrganizationID)
		require.Equal(t, login.SessionToken, resp.SessionToken)
		require.NotEmpty(t, resp.SessionJWT)
	}
	_, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, SessionJWT: &login.SessionJWT})
	requireAPIError(t, err, 400, stytch.ErrorTypeTooManySessionArguments)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{})
	requireAPIError(t, err, 400, stytch.ErrorTypeNoSessionArguments)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: stytch.Ptr("unknown")})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, SessionDurationMinutes: stytch.Ptr(4)})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidSessionDurationMinutes)
	// Authorization checks: the member holds stytch_member only; the
	// check must name the member's own organization.
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, AuthorizationCheck: &b2b.AuthorizationCheckRequest{OrganizationID: o.OrganizationID, ResourceID: "stytch.member", Action: "delete"}})
	requireAPIError(t, err, 403, "session_authorization_error")
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, AuthorizationCheck: &b2b.AuthorizationCheckRequest{OrganizationID: "organization-test-other", ResourceID: "stytch.self", Action: "read"}})
	requireAPIError(t, err, 403, "session_authorization_tenancy_error")
	// The first check after the member's roles change uses the new roles.
	_, err = c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Roles: &[]string{"stytch_admin"}})
	require.NoError(t, err)
	promoted, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, AuthorizationCheck: &b2b.AuthorizationCheckRequest{OrganizationID: o.OrganizationID, ResourceID: "stytch.member", Action: "delete"}})
	require.NoError(t, err)
	require.Contains(t, promoted.Verdict.GrantingRoles, "stytch_admin")
	_, err = c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Roles: &[]string{}})
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, AuthorizationCheck: &b2b.AuthorizationCheckRequest{OrganizationID: o.OrganizationID, ResourceID: "stytch.member", Action: "delete"}})
	requireAPIError(t, err, 403, "session_authorization_error")
	_, err = c.RBAC.Organizations.SetOrgPolicy(ctx, &b2b.RBACOrganizationsSetOrgPolicyParams{OrganizationID: o.OrganizationID, OrgPolicy: b2b.OrgPolicy{Roles: []b2b.PolicyRole{
		{RoleID: "stytch_member", Description: "shadow", Permissions: []b2b.PolicyRolePermission{}},
	}}})
	requireAPIError(t, err, 400, "invalid_role")
	verdict, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, AuthorizationCheck: &b2b.AuthorizationCheckRequest{OrganizationID: o.OrganizationID, ResourceID: "stytch.self", Action: "update"}})
	require.NoError(t, err)
	require.Equal(t, &b2b.AuthorizationVerdict{Authorized: true, GrantingRoles: []string{"stytch_member"}}, verdict.Verdict)

	// Extending and editing claims.
	resp, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{
		SessionToken: &login.SessionToken, SessionDurationMinutes: stytch.Ptr(600), SessionCustomClaims: map[string]any{"team": nil, "level": 3.0},
	})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"plan": "pro", "level": 3.0}, resp.MemberSession.CustomClaims)
	require.Equal(t, 600*time.Minute, resp.MemberSession.ExpiresAt.Sub(resp.MemberSession.LastAccessedAt))

	// Sessions.Get lists live sessions; each revoke form ends one.
	var logins []*b2b.MagicLinksAuthenticateResponse
	for range 3 {
		logins = append(logins, b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil))
	}
	list, err := c.Sessions.Get(ctx, &b2b.SessionsGetParams{OrganizationID: o.OrganizationSlug, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Len(t, list.MemberSessions, 4)
	_, err = c.Sessions.Get(ctx, &b2b.SessionsGetParams{OrganizationID: o.OrganizationID, MemberID: "member-test-nobody"})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
	for i, p := range []*b2b.SessionsRevokeParams{
		{MemberSessionID: &logins[0].MemberSession.MemberSessionID},
		{SessionToken: &logins[1].SessionToken},
		{SessionJWT: &logins[2].SessionJWT},
	} {
		_, err := c.Sessions.Revoke(ctx, p)
		require.NoError(t, err, i)
		_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &logins[i].SessionToken})
		requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
		_, err = c.Sessions.Revoke(ctx, &b2b.SessionsRevokeParams{MemberSessionID: &logins[i].MemberSession.MemberSessionID})
		requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	}
	list, err = c.Sessions.Get(ctx, &b2b.SessionsGetParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Len(t, list.MemberSessions, 1)
	require.Equal(t, login.MemberSession.MemberSessionID, list.MemberSessions[0].MemberSessionID)

	_, err = c.Sessions.Revoke(ctx, &b2b.SessionsRevokeParams{})
	requireAPIError(t, err, 400, stytch.ErrorTypeNoSessionArguments)
	_, err = c.Sessions.Revoke(ctx, &b2b.SessionsRevokeParams{MemberID: &m.MemberID, SessionToken: &login.SessionToken})
	requireAPIError(t, err, 400, stytch.ErrorTypeTooManySessionArguments)
	b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	_, err = c.Sessions.Revoke(ctx, &b2b.SessionsRevokeParams{MemberID: &m.MemberID})
	require.NoError(t, err)
	list, err = c.Sessions.Get(ctx, &b2b.SessionsGetParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Empty(t, list.MemberSessions)

	// Deleting a member revokes its sessions.
	login = b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	_, err = c.Organizations.Members.Delete(ctx, &b2b.OrganizationsMembersDeleteParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
}

func TestB2BSessionExchange(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	const email = "ada@acme.com"
	home := b2bTestOrg(t, c, "Home", nil)
	b2bTestMember(t, c, home.OrganizationID, email, nil)
	away := b2bTestOrg(t, c, "Away", nil)
	_, err := c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{OrganizationID: away.OrganizationID, EmailAddress: email})
	require.NoError(t, err)
	jit := b2bTestOrg(t, c, "JIT", func(p *b2b.OrganizationsCreateParams) {
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
		p.EmailAllowedDomains = []string{"acme.com"}
	})
	strict := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	b2bTestMember(t, c, strict.OrganizationID, email, nil)
	login := b2bTestSignIn(t, srv, c, home.OrganizationID, email, nil)

	ex, err := c.Sessions.Exchange(ctx, &b2b.SessionsExchangeParams{OrganizationID: away.OrganizationID, SessionToken: &login.SessionToken})
	require.NoError(t, err)
	require.True(t, ex.MemberAuthenticated)
	require.Equal(t, b2b.MemberStatusActive, ex.Member.Status, "the invite is accepted")
	require.Equal(t, away.OrganizationID, ex.MemberSession.OrganizationID)
	require.Equal(t, ex.MemberID, ex.MemberSession.MemberID)
	require.NotEqual(t, login.MemberID, ex.MemberID)
	require.Len(t, ex.MemberSession.AuthenticationFactors, 1)
	require.Equal(t, email, ex.MemberSession.AuthenticationFactors[0].EmailFactor.EmailAddress)
	auth, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionJWT: &ex.SessionJWT})
	require.NoError(t, err)
	require.Equal(t, away.OrganizationID, auth.Organization.OrganizationID)

	// No JIT by domain on a session exchange.
	_, err = c.Sessions.Exchange(ctx, &b2b.SessionsExchangeParams{OrganizationID: jit.OrganizationID, SessionToken: &login.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
	_, err = c.Sessions.Exchange(ctx, &b2b.SessionsExchangeParams{OrganizationID: "nope", SessionToken: &login.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeOrganizationNotFound)
	_, err = c.Sessions.Exchange(ctx, &b2b.SessionsExchangeParams{OrganizationID: away.OrganizationID})
	requireAPIError(t, err, 400, stytch.ErrorTypeNoSessionArguments)

	// MFA in the target organization.
	ex, err = c.Sessions.Exchange(ctx, &b2b.SessionsExchangeParams{OrganizationID: strict.OrganizationID, SessionJWT: &login.SessionJWT})
	require.NoError(t, err)
	require.False(t, ex.MemberAuthenticated)
	require.NotEmpty(t, ex.IntermediateSessionToken)
	require.Empty(t, ex.SessionToken)
	require.Nil(t, ex.MemberSession)
	require.NotNil(t, ex.MFARequired)
}

func TestB2BSessionJWT(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) { p.OrganizationSlug = stytch.Ptr("acme") })
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.Roles = []string{"stytch_admin"} })
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, map[string]any{"plan": "pro"})

	jwks, err := c.Sessions.GetJWKS(ctx, &b2b.SessionsGetJWKSParams{ProjectID: srv.ProjectID()})
	require.NoError(t, err)
	require.Len(t, jwks.Keys, 1)
	own, err := c.Sessions.GetJWKS(ctx, &b2b.SessionsGetJWKSParams{}) // the client's own project
	require.NoError(t, err)
	require.Equal(t, jwks.Keys, own.Keys)
	_, err = c.Sessions.GetJWKS(ctx, &b2b.SessionsGetJWKSParams{ProjectID: "project-test-00000000-0000-4000-8000-000000000001"})
	requireAPIError(t, err, 404, "project_not_found")

	key := jwks.Keys[0]
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(login.SessionJWT, claims, func(tok *jwt.Token) (any, error) {
		require.Equal(t, key.KID, tok.Header["kid"])
		n, err := base64.RawURLEncoding.DecodeString(key.N)
		require.NoError(t, err)
		e, err := base64.RawURLEncoding.DecodeString(key.E)
		require.NoError(t, err)
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(srv.ProjectID()), jwt.WithIssuer("stytch.com/"+srv.ProjectID()))
	require.NoError(t, err)
	require.True(t, tok.Valid)
	require.Equal(t, m.MemberID, claims["sub"])
	require.Equal(t, "pro", claims["plan"])
	require.Equal(t, float64(jwtLifetime/time.Second), claims["exp"].(float64)-claims["iat"].(float64))
	require.Equal(t, claims["iat"], claims["nbf"])
	require.Equal(t, map[string]any{"organization_id": o.OrganizationID, "slug": "acme"}, claims[organizationClaim])
	sc, ok := claims[sessionClaim].(map[string]any)
	require.True(t, ok)
	require.Equal(t, login.MemberSession.MemberSessionID, sc["id"])
	require.Equal(t, []any{"stytch_member", "stytch_admin"}, sc["roles"])
	require.Equal(t, login.MemberSession.ExpiresAt.Format(time.RFC3339Nano), sc["expires_at"])
	require.Len(t, sc["authentication_factors"], 1)
	require.Contains(t, sc, "started_at")
	require.Contains(t, sc, "last_accessed_at")
	require.Contains(t, sc, "attributes")

	// A JWT signed by another key is not accepted.
	_, err = c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionJWT: stytch.Ptr(login.SessionJWT[:len(login.SessionJWT)-4] + "AAAA")})
	requireAPIError(t, err, 400, "unable_to_parse_session_jwt")
}

// TestB2BConcurrent hammers one session and one member from many
// goroutines; run with -race it catches state shared with responses.
func TestB2BConcurrent(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken, SessionCustomClaims: map[string]any{fmt.Sprint("k", i): i}})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, TrustedMetadata: map[string]any{fmt.Sprint("k", i): i}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	resp, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &login.SessionToken})
	require.NoError(t, err)
	require.Len(t, resp.MemberSession.CustomClaims, 20)
	require.Len(t, resp.Member.TrustedMetadata, 20)
}

func orgQuery(filters ...b2b.OrganizationSearchFilter) *b2b.OrganizationSearchQuery {
	return &b2b.OrganizationSearchQuery{Operator: b2b.SearchOperatorAnd, Operands: filters}
}
