// Package config holds the settings that stytch.Option values write and the
// transport reads. It sits apart from both so that the root package can name
// it in the public Option type without an import cycle.
package config

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults. An auth call that has not answered in 30 seconds is not going
// to; two retries ride out a blip without stretching an outage.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 2
)

// RetryFunc decides whether a failed attempt is retried: method is the HTTP
// method, status the response status (0 when none arrived), err the
// transport error (nil when a response arrived), and sent whether the
// request may have reached the server.
type RetryFunc func(method string, status int, err error, sent bool) bool

// Settings is what options write: the client's configuration when they are
// given to NewClient, and one call's when they are given to a method. An
// option that cannot apply where it was given records an error instead of
// being ignored.
type Settings struct {
	// PerCall is set while a method's options are applied.
	PerCall bool
	Config
	Call   Call
	Verify JWTCall
	// Problem is the first option that could not be applied.
	Problem *Problem
	// API names the first option given to a call that shapes its HTTP
	// request or response, for the methods that make none of their own.
	API string
}

// ForAPI records that option, given to a call, shapes its HTTP exchange.
func (s *Settings) ForAPI(option string) {
	if s.PerCall && s.API == "" {
		s.API = option
	}
}

// Problem names an option that was refused, and why.
type Problem struct {
	Option string
	Reason string
}

// Fail records that option cannot be applied; the first failure wins.
func (s *Settings) Fail(option, reason string) {
	if s.Problem == nil {
		s.Problem = &Problem{Option: option, Reason: reason}
	}
}

// ClientOnly records a failure when a client-wide option is given to one
// call, and reports whether the option may go on.
func (s *Settings) ClientOnly(option string) bool {
	if s.PerCall {
		s.Fail(option, "applies to a client (NewClient), not to one call")
		return false
	}
	return true
}

// CallOnly records a failure when a per-call option is given to NewClient,
// and reports whether the option may go on.
func (s *Settings) CallOnly(option string) bool {
	if !s.PerCall {
		s.Fail(option, "applies to one call, not to a client; pass it to the method")
		return false
	}
	return true
}

// Config is the client-wide configuration assembled from options. Timeout,
// MaxRetries, ShouldRetry, UserAgent and Logger may be changed for one call.
type Config struct {
	// BaseURL, when set, replaces the test/live URL chosen from the project ID.
	BaseURL string
	// FraudBaseURL, when set, replaces the fraud API's URL.
	FraudBaseURL string
	// ProjectDomain, when set, is the project domain (a custom domain) the
	// OpenID Connect endpoints are sent to.
	ProjectDomain string
	// HTTPClient, when set, is used as is; the SDK does not modify it.
	HTTPClient *http.Client
	// Timeout bounds each attempt; zero or less disables the SDK's own bound.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt may be repeated.
	MaxRetries int
	// ShouldRetry replaces the default retry policy when set.
	ShouldRetry RetryFunc
	// Logger receives a debug record per attempt when set.
	Logger *slog.Logger
	// Middleware wraps the HTTP client's RoundTripper, outermost first.
	Middleware []func(http.RoundTripper) http.RoundTripper
	// UserAgent is appended to the SDK's own User-Agent product token.
	UserAgent string
	// Header holds headers added to every request (WithHeader).
	Header http.Header
	// JWT configures local JWT verification.
	JWT JWT
}

// JWT configures local verification of session JWTs and M2M tokens. Zero
// values mean the defaults of internal/jwtauth.
type JWT struct {
	// Leeway is allowed on exp, nbf and iat.
	Leeway time.Duration
	// UnknownKIDInterval is the least time between two JWKS refreshes caused
	// by tokens signed with a key the client does not know.
	UnknownKIDInterval time.Duration
	// CacheSize is how many verified tokens are remembered; negative turns
	// the cache off.
	CacheSize int
}

// JWTCall is what the options of one local verification write.
type JWTCall struct {
	// MaxTokenAge, if positive, rejects tokens issued longer ago.
	MaxTokenAge time.Duration
	// Check, if set, is an RBAC authorization check for a session.
	Check *AuthorizationCheck
	// Scopes, if set, must all be granted to an M2M token.
	Scopes []string
	// Set names the first option that wrote here, for the error a method
	// that verifies no JWT gives.
	Set string
}

// AuthorizationCheck is an RBAC check: may the subject do Action on
// ResourceID (within OrganizationID, for B2B)?
type AuthorizationCheck struct {
	OrganizationID string
	ResourceID     string
	Action         string
}

// Default returns the configuration a client starts from.
func Default() Config {
	return Config{Timeout: DefaultTimeout, MaxRetries: DefaultMaxRetries}
}

// Call is what the options of one API call write beyond Config.
type Call struct {
	// MemberSession is the member-session header and value to send, when
	// the call acts as a member (WithMemberSession, WithMemberSessionJWT).
	MemberSession, MemberSessionHeader string
	// OnResponse, when set, hears about the response the call ended with
	// (WithResponseInto): its status, headers, request ID, and how many
	// attempts were made.
	OnResponse func(status int, header http.Header, requestID string, attempts int)
}
