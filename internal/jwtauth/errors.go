package jwtauth

import (
	"errors"
	"fmt"

	"github.com/gostytch/stytch"
)

// The reasons a verification fails. They are the SDK's public sentinels, so
// that callers match them with errors.Is without importing this package.
var (
	// ErrExpired: exp has passed (beyond the leeway).
	ErrExpired = stytch.ErrJWTExpired
	// ErrNotYetValid: nbf or iat lies in the future (beyond the leeway).
	ErrNotYetValid = stytch.ErrJWTNotYetValid
	// ErrTokenTooOld: iat is older than the maximum token age asked for.
	ErrTokenTooOld = stytch.ErrJWTTooOld
	// ErrUnknownKey: no key has the token's kid in a key set fetched within
	// UnknownKIDInterval (so after a refresh, or one refused by the limit).
	ErrUnknownKey = stytch.ErrJWTUnknownKey
	// ErrKeysUnavailable: the JWKS could not be fetched (or the KeySet is closed).
	ErrKeysUnavailable = stytch.ErrJWKSUnavailable
	// ErrMalformed: not three base64url segments of JSON, a missing kid or exp,
	// or claims of the wrong type.
	ErrMalformed = stytch.ErrJWTMalformed
	// ErrTooLarge: longer than the maximum token size; rejected before parsing.
	ErrTooLarge = stytch.ErrJWTTooLarge
	// ErrUnsupportedAlg: alg is anything but RS256 (none, HS256, ES256...).
	ErrUnsupportedAlg = stytch.ErrJWTAlgorithm
	// ErrBadSignature: the signature does not verify with the kid's key.
	ErrBadSignature = stytch.ErrJWTSignature
	// ErrWrongIssuer: iss is neither stytch.com/<project_id> nor a configured issuer.
	ErrWrongIssuer = stytch.ErrJWTIssuer
	// ErrWrongAudience: aud does not contain the project ID.
	ErrWrongAudience = stytch.ErrJWTAudience
	// ErrWrongKind: a genuine token of another kind than the one asked for
	// (a session JWT given as an M2M token, a B2B one as a consumer one...).
	ErrWrongKind = stytch.ErrJWTWrongKind
)

// fallbackable are the failures the API can settle: the token may still be
// good, and asking POST /sessions/authenticate gives the authoritative
// answer. A JWT past exp is accepted there while its session lives, the API
// has its own clock, and it can answer when we could not fetch the keys.
// The others mean the token is not a genuine session JWT of this project.
// That includes ErrUnknownKey: KeySet returns it only for a kid missing
// from keys fetched within UnknownKIDInterval, so a flood of forged kids
// costs one JWKS fetch and never the project's API rate limit.
var fallbackable = map[error]bool{
	ErrExpired: true, ErrNotYetValid: true, ErrTokenTooOld: true, ErrKeysUnavailable: true,
}

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
	return fallbackable[ve.Reason]
}

func fail(r error, detail error) *VerifyError { return &VerifyError{Reason: r, Detail: detail} }

func failf(r error, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: r, Detail: fmt.Errorf(format, args...)}
}
