package stytch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is an error answered by the Stytch API: any response whose status is
// not 2xx. Find it with errors.As:
//
//	var apiErr *stytch.Error
//	if errors.As(err, &apiErr) && apiErr.ErrorType == stytch.ErrorTypeSessionNotFound { ... }
//
// A response that is not Stytch's JSON error object (a proxy's HTML 502, say)
// still yields an Error: StatusCode is the HTTP status and Body holds the
// start of what was received.
type Error struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int `json:"status_code"`
	// RequestID identifies the request to Stytch support.
	RequestID string `json:"request_id"`
	// ErrorType is the machine-readable kind of error; compare it with the
	// ErrorType constants.
	ErrorType ErrorType `json:"error_type"`
	// ErrorMessage is the human-readable explanation.
	ErrorMessage string `json:"error_message"`
	// ErrorURL links to Stytch's documentation of the error.
	ErrorURL string `json:"error_url"`
	// ErrorDetails carries extra structured context for some errors.
	ErrorDetails map[string]any `json:"error_details,omitempty"`
	// Body is a bounded, valid UTF-8 snippet of a response body that was not
	// a Stytch error object. It is empty when the body decoded.
	Body string `json:"-"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("stytch: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.ErrorType != "" {
		b.WriteString(" ")
		b.WriteString(printable(string(e.ErrorType)))
	}
	if e.ErrorMessage != "" {
		b.WriteString(": ")
		b.WriteString(printable(e.ErrorMessage))
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": unexpected response body %q", e.Body)
	}
	if e.RequestID != "" {
		b.WriteString(" (request_id ")
		b.WriteString(printable(e.RequestID))
		b.WriteString(")")
	}
	return b.String()
}

// printable returns s as it is when every rune of it prints on one line,
// and quoted with its control characters escaped otherwise: the fields of an
// Error come from the server, and a hostile or broken proxy must not be able
// to write lines of its own into a log.
func printable(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(s)
		}
	}
	return s
}

// ResponseError is a response whose body could not be read whole: the
// connection failed or timed out part way, or the body was longer than the
// SDK reads (ErrBodyTooLarge). It is not an *Error, since no API error was
// decoded, but it keeps the status and request ID that support needs, and
// wraps the cause.
type ResponseError struct {
	// Operation is the method that was called, for example "Users.Get".
	Operation string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// RequestID is the body's request_id when the part that was read names
	// it, else the X-Request-Id or Request-Id header; it may be empty.
	RequestID string
	// Err is why the body could not be read.
	Err error
}

func (e *ResponseError) Error() string {
	id := ""
	if e.RequestID != "" {
		id = " (request_id " + printable(e.RequestID) + ")"
	}
	if errors.Is(e.Err, ErrBodyTooLarge) {
		return fmt.Sprintf("stytch: %s: %d response%s %v", e.Operation, e.StatusCode, id, e.Err)
	}
	return fmt.Sprintf("stytch: %s: reading %d response%s: %v", e.Operation, e.StatusCode, id, e.Err)
}

func (e *ResponseError) Unwrap() error { return e.Err }

// MaxResponseBytes bounds how much of a response body is read. The largest
// Stytch responses (a search page of members) are far below it.
const MaxResponseBytes = 16 << 20

// ErrBodyTooLarge is the cause of a ResponseError for a body longer than
// MaxResponseBytes.
var ErrBodyTooLarge = fmt.Errorf("body exceeds %d bytes", MaxResponseBytes)

// ParamError reports request parameters that were rejected before any
// network I/O, such as an empty path parameter.
type ParamError struct {
	// Operation is the method that was called, for example "Users.Get".
	Operation string
	// Param is the JSON name of the offending parameter.
	Param string
	// Reason says what is wrong with it.
	Reason string
}

func (e *ParamError) Error() string {
	return "stytch: " + e.Operation + ": " + e.Param + " " + e.Reason
}

// ErrorType is the error_type of an API error.
type ErrorType string

// Common error types. The API may answer others; compare with these rather
// than with raw strings.
const (
	// Credentials and access.
	ErrorTypeUnauthorizedCredentials           ErrorType = "unauthorized_credentials"
	ErrorTypeInvalidProjectIDAuthentication    ErrorType = "invalid_project_id_authentication"
	ErrorTypeInvalidSecretAuthentication       ErrorType = "invalid_secret_authentication"
	ErrorTypeUseHTTPS                          ErrorType = "use_https"
	ErrorTypeTooManyRequests                   ErrorType = "too_many_requests"
	ErrorTypeInternalServerError               ErrorType = "internal_server_error"
	ErrorTypeRouteNotFound                     ErrorType = "route_not_found"
	ErrorTypeMethodNotAllowed                  ErrorType = "method_not_allowed"
	ErrorTypeSessionAuthorizationError         ErrorType = "session_authorization_error"
	ErrorTypeSessionAuthorizationTenancyError  ErrorType = "session_authorization_tenancy_error"
	ErrorTypeConsumerSessionAuthorizationError ErrorType = "consumer_session_authorization_error"
	ErrorTypeM2MAuthorizationError             ErrorType = "m2m_authorization_error"

	// Users and contact details.
	ErrorTypeUserNotFound         ErrorType = "user_not_found"
	ErrorTypeEmailNotFound        ErrorType = "email_not_found"
	ErrorTypePhoneNumberNotFound  ErrorType = "phone_number_not_found"
	ErrorTypeDuplicateEmail       ErrorType = "duplicate_email"
	ErrorTypeInvalidEmail         ErrorType = "invalid_email"
	ErrorTypeInvalidPhoneNumber   ErrorType = "invalid_phone_number"
	ErrorTypeInvalidUserID        ErrorType = "invalid_user_id"
	ErrorTypeInvalidMethodID      ErrorType = "invalid_method_id"
	ErrorTypeUserLockLimitReached ErrorType = "user_lock_limit_reached"

	// Magic links, OTPs and PKCE.
	ErrorTypeMagicLinkNotFound                   ErrorType = "magic_link_not_found"
	ErrorTypeUnableToAuthMagicLink               ErrorType = "unable_to_auth_magic_link"
	ErrorTypeInvalidMagicLinkURL                 ErrorType = "invalid_magic_link_url"
	ErrorTypeNoMatchForProvidedMagicLinkURL      ErrorType = "no_match_for_provided_magic_link_url"
	ErrorTypeOTPCodeNotFound                     ErrorType = "otp_code_not_found"
	ErrorTypeUnableToAuthOTPCode                 ErrorType = "unable_to_auth_otp_code"
	ErrorTypePKCEMismatch                        ErrorType = "pkce_mismatch"
	ErrorTypePKCEExpectedCodeVerifier            ErrorType = "pkce_expected_code_verifier"
	ErrorTypePKCEDidNotExpectCodeVerifier        ErrorType = "pkce_did_not_expect_code_verifier"
	ErrorTypeWeakPassword                        ErrorType = "weak_password"
	ErrorTypeAttributeMismatch                   ErrorType = "attribute_mismatch"
	ErrorTypeOAuthTokenNotFound                  ErrorType = "oauth_token_not_found"
	ErrorTypeActionAvailableOnlyForActiveMembers ErrorType = "action_available_only_for_active_members"

	// Sessions.
	ErrorTypeSessionNotFound               ErrorType = "session_not_found"
	ErrorTypeInvalidSessionToken           ErrorType = "invalid_session_token"
	ErrorTypeTooManySessionArguments       ErrorType = "too_many_session_arguments"
	ErrorTypeNoSessionArguments            ErrorType = "no_session_arguments"
	ErrorTypeInvalidSessionDurationMinutes ErrorType = "invalid_session_duration_minutes"

	// B2B organizations, members and discovery.
	ErrorTypeOrganizationNotFound                ErrorType = "organization_not_found"
	ErrorTypeMemberNotFound                      ErrorType = "member_not_found"
	ErrorTypeIntermediateSessionNotFound         ErrorType = "intermediate_session_not_found"
	ErrorTypeOrganizationSlugAlreadyUsed         ErrorType = "organization_slug_already_used"
	ErrorTypeInvalidOrganizationSlug             ErrorType = "invalid_organization_slug"
	ErrorTypeInvalidOrganizationID               ErrorType = "invalid_organization_id"
	ErrorTypeDuplicateMemberEmail                ErrorType = "duplicate_member_email"
	ErrorTypeOrganizationSettingsDomainTooCommon ErrorType = "organization_settings_domain_too_common"
	ErrorTypeEmailJITProvisioningNotAllowed      ErrorType = "email_jit_provisioning_not_allowed"
	ErrorTypeInvalidEmailForJITProvisioning      ErrorType = "invalid_email_for_jit_provisioning"

	// Other factors, clients and connections.
	ErrorTypeTOTPNotFound                 ErrorType = "totp_not_found"
	ErrorTypeActiveTOTPExists             ErrorType = "active_totp_exists"
	ErrorTypeWebAuthnRegistrationNotFound ErrorType = "webauthn_registration_not_found"
	ErrorTypeCryptoWalletNotFound         ErrorType = "crypto_wallet_not_found"
	ErrorTypeUnableToParseSessionJWT      ErrorType = "unable_to_parse_session_jwt"
	ErrorTypeM2MClientNotFound            ErrorType = "m2m_client_not_found"
	ErrorTypeConnectedAppNotFound         ErrorType = "connected_app_not_found"
	ErrorTypeIDPAccessTokenNotFound       ErrorType = "idp_access_token_not_found"
	ErrorTypeActiveSCIMConnectionExists   ErrorType = "active_scim_connection_exists"
	ErrorTypeTelemetryIDNotFound          ErrorType = "telemetry_id_not_found"
)

// ErrPaginationStuck ends a SearchAll iteration whose pages would never
// end: the API returned a cursor it had returned before, or several empty
// pages in a row that each named a next cursor.
var ErrPaginationStuck = errors.New("stytch: pagination does not advance")
