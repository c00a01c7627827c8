// Package stytch holds what the consumer and b2b clients share: client
// options, the API error type with its error_type constants, and Ptr.
//
// Most programs import one surface and this package:
//
//	client, err := consumer.NewClient(projectID, secret, stytch.WithTimeout(10*time.Second))
//	if err != nil { return err }
//	resp, err := client.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
//	var apiErr *stytch.Error
//	if errors.As(err, &apiErr) && apiErr.ErrorType == stytch.ErrorTypeInvalidEmail { /* ... */ }
package stytch

// Version is the SDK's version; it is sent in the User-Agent header.
const Version = "0.1.0"

// Ptr returns a pointer to v. Optional request fields are pointers so that
// false, 0 and "" can be sent explicitly:
//
//	params.MFAEnrolled = stytch.Ptr(false)
func Ptr[T any](v T) *T { return &v }
