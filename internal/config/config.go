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

// Config is the client-wide configuration assembled from options.
type Config struct {
	// BaseURL, when set, replaces the test/live URL chosen from the project ID.
	BaseURL string
	// FraudBaseURL, when set, replaces the fraud API's URL.
	FraudBaseURL string
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

// Call is what request options write for one call.
type Call struct {
	// Header holds headers to add to the request.
	Header map[string]string
	// Empty names a header an option was given an empty value for; the call
	// fails before any I/O.
	Empty string
}

// SetHeader records a header for the call; an empty value is remembered as
// an error rather than sent or dropped.
func (c *Call) SetHeader(name, value string) {
	if value == "" {
		if c.Empty == "" {
			c.Empty = name
		}
		return
	}
	if c.Header == nil {
		c.Header = map[string]string{}
	}
	c.Header[name] = value
}
