// Package b2b is a client of Stytch's B2B API: organizations and their
// members, discovery, email magic links and member sessions.
//
//	client, err := b2b.NewClient(projectID, secret) // no network I/O
//	if err != nil {
//		return err
//	}
//	org, err := client.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "Acme"})
//
// Each method takes a context and a *Params value and returns a *Response
// value or an error, never both. An API error is a *stytch.Error; a
// parameter rejected before any I/O is a *stytch.ParamError. Optional fields
// are pointers, so that false, 0 and "" can be sent: a member's MFA
// enrolment is switched off with MFAEnrolled: stytch.Ptr(false).
//
// A search's filters are built with constructors named after the filter,
// which send its value in the shape Stytch expects: OrganizationFilterSlugs,
// OrganizationFilterAllowedDomains and the rest for organizations,
// MemberFilterEmails, MemberFilterStatuses, MemberFilterRoles and the rest
// for members, M2MFilterScopes and the rest for M2M clients.
// OrganizationFilter, MemberFilter and M2MFilter send a filter the SDK does
// not know yet.
//
// The types and methods in *.gen.go files are generated from spec/b2b by
// ./gen; change the spec, not those files.
package b2b
