package jwtauth

import (
	"errors"
	"fmt"
)

// reason is the class of a verification failure. Each exported Err value is
// one reason; it knows whether the Stytch API could still accept the token.
type reason struct {
	msg      string
	fallback bool
}

func (r *reason) Error() string { return r.msg }

// Failures the API can settle: the token may still be good, and asking
// POST /sessions/authenticate gives the authoritative answer. A JWT past exp
// is accepted there while its session lives, the API has its own clock, and
// it knows keys we have not fetched yet.
var (
	// ErrExpired: exp has passed (beyond the leeway).
	ErrExpired error = &reason{"jwtauth: token expired", true}
	// ErrNotYetValid: nbf or iat lies in the future (beyond the leeway).
	ErrNotYetValid error = &reason{"jwtauth: token not yet valid", true}
	// ErrTokenTooOld: iat is older than the maximum token age asked for.
	ErrTokenTooOld error = &reason{"jwtauth: token older than the maximum token age", true}
	// ErrUnknownKey: no key has the token's kid, even after the rate-limited refresh.
	ErrUnknownKey error = &reason{"jwtauth: no key with the token's key ID", true}
	// ErrKeysUnavailable: the JWKS could not be fetched (or the KeySet is closed).
	ErrKeysUnavailable error = &reason{"jwtauth: signing keys unavailable", true}
)

// Failures the API cannot settle: the token is not a genuine JWT of this
// project and asking the API again would only cost a round trip.
var (
	// ErrMalformed: not three base64url segments of JSON, a missing kid or exp,
	// or claims of the wrong type.
	ErrMalformed error = &reason{"jwtauth: malformed token", false}
	// ErrTooLarge: longer than the maximum token size; rejected before parsing.
	ErrTooLarge error = &reason{"jwtauth: token too large", false}
	// ErrUnsupportedAlg: alg is anything but RS256 (none, HS256, ES256...).
	ErrUnsupportedAlg error = &reason{"jwtauth: unsupported signing algorithm", false}
	// ErrBadSignature: the signature does not verify with the kid's key.
	ErrBadSignature error = &reason{"jwtauth: invalid signature", false}
	// ErrWrongIssuer: iss is neither stytch.com/<project_id> nor a configured issuer.
	ErrWrongIssuer error = &reason{"jwtauth: wrong issuer", false}
	// ErrWrongAudience: aud does not contain the project ID.
	ErrWrongAudience error = &reason{"jwtauth: wrong audience", false}
)

// VerifyError is the error Verify returns. errors.Is matches it against the
// Err values above; Detail explains it further and never holds the token.
type VerifyError struct {
	Reason error // one of the Err values in this package
	Detail error // may be nil
}

func (e *VerifyError) Error() string {
	if e.Detail == nil {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail.Error()
}

// Unwrap exposes both the reason and the detail to errors.Is and errors.As.
func (e *VerifyError) Unwrap() []error {
	if e.Detail == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Detail}
}

// Fallbackable reports whether the Stytch API might still accept a token that
// local verification rejected with err, so that calling it is worthwhile.
// It is false for nil and for errors that did not come from this package.
func Fallbackable(err error) bool {
	var ve *VerifyError
	if !errors.As(err, &ve) {
		return false
	}
	r, ok := ve.Reason.(*reason)
	return ok && r.fallback
}

func fail(r error, detail error) *VerifyError { return &VerifyError{Reason: r, Detail: detail} }

func failf(r error, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: r, Detail: fmt.Errorf(format, args...)}
}
