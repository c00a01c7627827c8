package b2b

// The constructors below build the operands of an organization search
// (OrganizationSearchQuery.Operands) and of a member search
// (MemberSearchQuery.Operands), one per filter Stytch documents for
// POST /v1/b2b/organizations/search and POST /v1/b2b/organizations/members/search.
// Each is named after its filter_name, less a leading "organization_" or
// "member_" that the prefix already says, and encodes filter_value in the JSON
// shape Stytch expects for that filter: a list of strings, a string or a
// boolean. Stytch refuses fuzzy filters shorter than three characters.
// OrganizationFilter and MemberFilter send any other filter as they are given.
//
//	client.Organizations.Members.Search(ctx, &b2b.OrganizationsMembersSearchParams{
//		OrganizationIDs: []string{orgID},
//		Query: &b2b.MemberSearchQuery{
//			Operator: b2b.SearchOperatorAnd,
//			Operands: []b2b.MemberSearchFilter{b2b.MemberFilterRoles("admin")},
//		},
//	})

// OrganizationFilter is the escape hatch for an organization filter this SDK
// has no constructor for yet: name is sent as filter_name and value, encoded
// with encoding/json, as filter_value.
func OrganizationFilter(name string, value any) OrganizationSearchFilter {
	return OrganizationSearchFilter{FilterName: name, FilterValue: value}
}

// OrganizationFilterIDs keeps the organizations whose organization_id is one
// of ids.
func OrganizationFilterIDs(ids ...string) OrganizationSearchFilter {
	return OrganizationFilter("organization_ids", searchList(ids))
}

// OrganizationFilterSlugs keeps the organizations whose slug is exactly one
// of slugs.
func OrganizationFilterSlugs(slugs ...string) OrganizationSearchFilter {
	return OrganizationFilter("organization_slugs", searchList(slugs))
}

// OrganizationFilterSlugFuzzy keeps the organizations whose slug partly
// matches part.
func OrganizationFilterSlugFuzzy(part string) OrganizationSearchFilter {
	return OrganizationFilter("organization_slug_fuzzy", part)
}

// OrganizationFilterNameFuzzy keeps the organizations whose name partly
// matches part.
func OrganizationFilterNameFuzzy(part string) OrganizationSearchFilter {
	return OrganizationFilter("organization_name_fuzzy", part)
}

// OrganizationFilterMemberEmails keeps the organizations with a member whose
// email address is exactly one of emails.
func OrganizationFilterMemberEmails(emails ...string) OrganizationSearchFilter {
	return OrganizationFilter("member_emails", searchList(emails))
}

// OrganizationFilterMemberEmailFuzzy keeps the organizations with a member
// whose email address partly matches part.
func OrganizationFilterMemberEmailFuzzy(part string) OrganizationSearchFilter {
	return OrganizationFilter("member_email_fuzzy", part)
}

// OrganizationFilterAllowedDomains keeps the organizations that list one of
// domains among their allowed email domains.
func OrganizationFilterAllowedDomains(domains ...string) OrganizationSearchFilter {
	return OrganizationFilter("allowed_domains", searchList(domains))
}

// OrganizationFilterAllowedDomainFuzzy keeps the organizations with an
// allowed email domain that partly matches part.
func OrganizationFilterAllowedDomainFuzzy(part string) OrganizationSearchFilter {
	return OrganizationFilter("allowed_domain_fuzzy", part)
}

// OrganizationFilterClaimedEmailDomains keeps the organizations that have
// claimed one of domains.
func OrganizationFilterClaimedEmailDomains(domains ...string) OrganizationSearchFilter {
	return OrganizationFilter("claimed_email_domains", searchList(domains))
}

// OrganizationFilterHasActiveSSOConnection keeps the organizations that have
// (true) or have not (false) an active SSO connection, whether SAML, OIDC or
// external.
func OrganizationFilterHasActiveSSOConnection(has bool) OrganizationSearchFilter {
	return OrganizationFilter("has_active_sso_connection", has)
}

// OrganizationFilterSSOConnectionID keeps the organizations that own the SSO
// connection id (SAML, OIDC or external). Unlike the ID filters above, it
// takes one ID, sent as a string.
func OrganizationFilterSSOConnectionID(id string) OrganizationSearchFilter {
	return OrganizationFilter("sso_connection_id", id)
}

// MemberFilter is the escape hatch for a member filter this SDK has no
// constructor for yet: name is sent as filter_name and value, encoded with
// encoding/json, as filter_value.
func MemberFilter(name string, value any) MemberSearchFilter {
	return MemberSearchFilter{FilterName: name, FilterValue: value}
}

// MemberFilterIDs keeps the members whose member_id is one of ids.
func MemberFilterIDs(ids ...string) MemberSearchFilter {
	return MemberFilter("member_ids", searchList(ids))
}

// MemberFilterEmails keeps the members whose email address is exactly one of
// emails.
func MemberFilterEmails(emails ...string) MemberSearchFilter {
	return MemberFilter("member_emails", searchList(emails))
}

// MemberFilterEmailFuzzy keeps the members whose email address partly
// matches part.
func MemberFilterEmailFuzzy(part string) MemberSearchFilter {
	return MemberFilter("member_email_fuzzy", part)
}

// MemberFilterStatuses keeps the members in one of the states given. A
// search leaves deleted members out unless this filter names
// MemberStatusDeleted.
func MemberFilterStatuses(statuses ...MemberStatus) MemberSearchFilter {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return MemberFilter("statuses", out)
}

// MemberFilterRoles keeps the members who hold one of the roles given, by
// role ID, however the role was assigned.
func MemberFilterRoles(roleIDs ...string) MemberSearchFilter {
	return MemberFilter("member_roles", searchList(roleIDs))
}

// MemberFilterIsBreakglass keeps the members who are (true) or are not
// (false) break glass members, allowed to bypass their organization's
// authentication settings.
func MemberFilterIsBreakglass(is bool) MemberSearchFilter {
	return MemberFilter("member_is_breakglass", is)
}

// MemberFilterMFAPhoneNumbers keeps the members whose MFA phone number is
// exactly one of numbers, in E.164 format.
func MemberFilterMFAPhoneNumbers(numbers ...string) MemberSearchFilter {
	return MemberFilter("member_mfa_phone_numbers", searchList(numbers))
}

// MemberFilterMFAPhoneNumberFuzzy keeps the members whose MFA phone number
// contains digits.
func MemberFilterMFAPhoneNumberFuzzy(digits string) MemberSearchFilter {
	return MemberFilter("member_mfa_phone_number_fuzzy", digits)
}

// MemberFilterPasswordExists keeps the members who have (true) or have not
// (false) set a password.
func MemberFilterPasswordExists(exists bool) MemberSearchFilter {
	return MemberFilter("member_password_exists", exists)
}

// searchList copies a variadic list so that it is never nil: Stytch wants a
// JSON array, and a nil slice would be sent as null.
func searchList(v []string) []string {
	return append([]string{}, v...)
}
