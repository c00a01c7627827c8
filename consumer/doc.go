// Package consumer is a client of Stytch's consumer API: users, email magic
// links, one-time passcodes by SMS, WhatsApp and email, and sessions.
//
//	client, err := consumer.NewClient(projectID, secret) // no network I/O
//	if err != nil {
//		return err
//	}
//	sent, err := client.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
//
// Each method takes a context and a *Params value and returns a *Response
// value or an error, never both. An API error is a *stytch.Error; a
// parameter rejected before any I/O is a *stytch.ParamError. Optional fields
// are pointers, so that false, 0 and "" can be sent: use stytch.Ptr.
//
// A search's filters are built with constructors named after the filter,
// which send its value in the shape Stytch expects: UserFilterEmailAddress,
// UserFilterStatus, UserFilterCreatedAtBetween and the rest for users,
// M2MFilterScopes and the rest for M2M clients. UserFilter and M2MFilter send
// a filter the SDK does not know yet.
//
// The types and methods in *.gen.go files are generated from spec/consumer
// by ./gen; change the spec, not those files.
package consumer
