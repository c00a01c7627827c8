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
// The types and methods in *.gen.go files are generated from spec/b2b by
// ./gen; change the spec, not those files.
package b2b
