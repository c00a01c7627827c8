package stytchtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// The filter constructors against the emulator, for the filters it
// implements.

func TestUsersSearchFilters(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	ada, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	require.NoError(t, err)
	grace, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("grace@example.com"), CreateUserAsPending: stytch.Ptr(true)})
	require.NoError(t, err)
	phone, err := c.Users.Create(ctx, &consumer.UsersCreateParams{PhoneNumber: stytch.Ptr("+12025550162")})
	require.NoError(t, err)

	search := func(filters ...consumer.UserSearchFilter) []string {
		t.Helper()
		resp, err := c.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{Operator: consumer.SearchOperatorAnd, Operands: filters}})
		require.NoError(t, err)
		ids := []string{}
		for _, u := range resp.Results {
			ids = append(ids, u.UserID)
		}
		return ids
	}
	require.Equal(t, []string{ada.UserID, grace.UserID}, search(consumer.UserFilterEmailAddress("ada@example.com", "grace@example.com")))
	require.Equal(t, []string{grace.UserID}, search(consumer.UserFilterStatus(consumer.UserStatusPending)))
	require.Equal(t, []string{ada.UserID, phone.UserID}, search(consumer.UserFilterStatus(consumer.UserStatusActive)))
	require.Equal(t, []string{phone.UserID}, search(consumer.UserFilterPhoneNumber("+12025550162")))
	require.Equal(t, []string{grace.UserID}, search(consumer.UserFilterID(ada.UserID, grace.UserID), consumer.UserFilterStatus(consumer.UserStatusPending)), "AND")
	require.Equal(t, []string{}, search(consumer.UserFilterEmailAddress("nobody@example.com")))

	// A filter the emulator does not apply is refused, not ignored.
	_, err = c.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{Operator: consumer.SearchOperatorAnd,
		Operands: []consumer.UserSearchFilter{consumer.UserFilter("favourite_colour", "blue")}}})
	requireAPIError(t, err, 400, errorTypeBadRequest)
}

func TestOrganizationsSearchFilters(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	acme := b2bTestOrg(t, c, "Acme Corporation", func(p *b2b.OrganizationsCreateParams) {
		p.OrganizationSlug = stytch.Ptr("acme-corp")
		p.EmailAllowedDomains = []string{"acme.com"}
		p.OrganizationExternalID = stytch.Ptr("ext-acme")
	})
	globex := b2bTestOrg(t, c, "Globex", func(p *b2b.OrganizationsCreateParams) { p.OrganizationSlug = stytch.Ptr("globex") })
	b2bTestMember(t, c, globex.OrganizationID, "hank@globex.com", nil)

	search := func(filters ...b2b.OrganizationSearchFilter) []string {
		t.Helper()
		resp, err := c.Organizations.Search(ctx, &b2b.OrganizationsSearchParams{Query: &b2b.OrganizationSearchQuery{Operator: b2b.SearchOperatorAnd, Operands: filters}})
		require.NoError(t, err)
		slugs := []string{}
		for _, o := range resp.Organizations {
			slugs = append(slugs, o.OrganizationSlug)
		}
		return slugs
	}
	require.Equal(t, []string{"acme-corp", "globex"}, search(b2b.OrganizationFilterIDs(acme.OrganizationID, globex.OrganizationID)))
	require.Equal(t, []string{"globex"}, search(b2b.OrganizationFilterSlugs("globex")))
	require.Equal(t, []string{"acme-corp"}, search(b2b.OrganizationFilterSlugFuzzy("acm")))
	require.Equal(t, []string{"acme-corp"}, search(b2b.OrganizationFilterNameFuzzy("corpora")))
	require.Equal(t, []string{"acme-corp"}, search(b2b.OrganizationFilterAllowedDomains("ACME.com")))
	require.Equal(t, []string{"globex"}, search(b2b.OrganizationFilterMemberEmails("hank@globex.com")))
	require.Equal(t, []string{"acme-corp"}, search(b2b.OrganizationFilter("organization_external_ids", []string{"ext-acme"})))
	require.Equal(t, []string{}, search(b2b.OrganizationFilterSlugs("globex"), b2b.OrganizationFilterIDs(acme.OrganizationID)), "AND")

	// A filter the emulator does not implement is refused, not ignored.
	_, err := c.Organizations.Search(ctx, &b2b.OrganizationsSearchParams{Query: &b2b.OrganizationSearchQuery{
		Operator: b2b.SearchOperatorAnd, Operands: []b2b.OrganizationSearchFilter{b2b.OrganizationFilterHasActiveSSOConnection(true)},
	}})
	var apiErr *stytch.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 400, apiErr.StatusCode)
}

func TestMembersSearchFilters(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	org := b2bTestOrg(t, c, "Acme", nil)
	ada := b2bTestMember(t, c, org.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) {
		p.IsBreakglass = stytch.Ptr(true)
		p.Roles = []string{"stytch_admin"}
		p.ExternalID = stytch.Ptr("ext-ada")
	})
	grace := b2bTestMember(t, c, org.OrganizationID, "grace@acme.com", func(p *b2b.OrganizationsMembersCreateParams) {
		p.CreateMemberAsPending = stytch.Ptr(true)
		p.MFAPhoneNumber = stytch.Ptr("+12025550162")
	})

	search := func(filters ...b2b.MemberSearchFilter) []string {
		t.Helper()
		resp, err := c.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{
			OrganizationIDs: []string{org.OrganizationID},
			Query:           &b2b.MemberSearchQuery{Operator: b2b.SearchOperatorAnd, Operands: filters},
		})
		require.NoError(t, err)
		emails := []string{}
		for _, m := range resp.Members {
			emails = append(emails, m.EmailAddress)
		}
		return emails
	}
	require.Equal(t, []string{"ada@acme.com", "grace@acme.com"}, search(b2b.MemberFilterIDs(ada.MemberID, grace.MemberID)))
	require.Equal(t, []string{"grace@acme.com"}, search(b2b.MemberFilterEmails("GRACE@acme.com")))
	require.Equal(t, []string{"ada@acme.com"}, search(b2b.MemberFilterEmailFuzzy("ada@")))
	require.Equal(t, []string{"grace@acme.com"}, search(b2b.MemberFilterStatuses(b2b.MemberStatusPending)))
	require.Equal(t, []string{"ada@acme.com"}, search(b2b.MemberFilterRoles("stytch_admin")))
	require.Equal(t, []string{"ada@acme.com"}, search(b2b.MemberFilterIsBreakglass(true)))
	require.Equal(t, []string{"grace@acme.com"}, search(b2b.MemberFilterIsBreakglass(false)))
	require.Equal(t, []string{"grace@acme.com"}, search(b2b.MemberFilterMFAPhoneNumbers("+12025550162")))
	require.Equal(t, []string{"ada@acme.com"}, search(b2b.MemberFilter("member_external_ids", []string{"ext-ada"})))
	require.Equal(t, []string{}, search(b2b.MemberFilterIDs(ada.MemberID), b2b.MemberFilterStatuses(b2b.MemberStatusPending)), "AND")

	_, err := c.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{
		OrganizationIDs: []string{org.OrganizationID},
		Query:           &b2b.MemberSearchQuery{Operator: b2b.SearchOperatorAnd, Operands: []b2b.MemberSearchFilter{b2b.MemberFilterPasswordExists(true)}},
	})
	var apiErr *stytch.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 400, apiErr.StatusCode)
}
