package stytch

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gostytch/stytch/internal/config"
)

// Option configures a client at construction.
type Option func(*config.Config)

// WithBaseURL sends every call to baseURL instead of the test or live URL
// chosen from the project ID. Use it for a custom domain, a proxy, or a local
// emulator. A path in baseURL is kept as a prefix.
func WithBaseURL(baseURL string) Option {
	return func(c *config.Config) { c.BaseURL = baseURL }
}

// WithFraudBaseURL sends the fraud and risk calls (the Fraud service) to
// baseURL instead of https://telemetry.stytch.com, where Stytch serves them.
// WithBaseURL does not move them: set both to reach a proxy or an emulator
// with every call.
func WithFraudBaseURL(baseURL string) Option {
	return func(c *config.Config) { c.FraudBaseURL = baseURL }
}

// WithHTTPClient makes the client send its requests through hc. The SDK does
// not modify hc; its Timeout, if any, applies in addition to WithTimeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config.Config) { c.HTTPClient = hc }
}

// WithTimeout bounds each attempt of a call, including reading the
// response. The default is 30 seconds; zero or a negative duration leaves
// only the caller's context to bound a call. The caller's context deadline
// always applies to the whole call, retries and waits included.
func WithTimeout(d time.Duration) Option {
	return func(c *config.Config) { c.Timeout = d }
}

// WithUserAgent appends product (for example "billing-service/1.4") to the
// SDK's User-Agent header, so that calls can be told apart in logs.
func WithUserAgent(product string) Option {
	return func(c *config.Config) { c.UserAgent = product }
}

// WithMaxRetries sets how many times a failed attempt may be repeated; the
// default is 2, and 0 turns retries off. Which failures are retried is the
// retry policy's call (see WithRetryPolicy).
func WithMaxRetries(n int) Option {
	return func(c *config.Config) { c.MaxRetries = max(n, 0) }
}

// RetryAttempt describes a failed attempt to a retry policy.
type RetryAttempt struct {
	// Method is the HTTP method of the call.
	Method string
	// StatusCode is the response status, or 0 when no response arrived.
	StatusCode int
	// Err is the transport error, or nil when a response arrived.
	Err error
	// Sent reports whether the request may have reached the server. When
	// it is false (the connection was refused, say) retrying is always safe.
	Sent bool
}

// RetryPolicy reports whether a failed attempt should be retried.
type RetryPolicy func(RetryAttempt) bool

// DefaultRetryPolicy retries what is safe to repeat:
//   - any method when the request never reached the server, or on 429;
//   - GET, PUT and DELETE on a 5xx other than 501, on a timeout of the
//     attempt, or when the connection failed after the request was sent.
//
// POST is not retried on 5xx or timeouts, because repeating it can send a
// second email or SMS.
func DefaultRetryPolicy(a RetryAttempt) bool {
	if a.Err != nil && !a.Sent || a.StatusCode == http.StatusTooManyRequests {
		return true
	}
	switch a.Method {
	case http.MethodGet, http.MethodPut, http.MethodDelete:
		return a.Err != nil || a.StatusCode >= 500 && a.StatusCode != http.StatusNotImplemented
	}
	return false
}

// WithRetryPolicy replaces DefaultRetryPolicy. Waits between attempts grow
// exponentially with full jitter, or follow the server's Retry-After.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config.Config) {
		if p == nil {
			c.ShouldRetry = nil
			return
		}
		c.ShouldRetry = func(method string, status int, err error, sent bool) bool {
			return p(RetryAttempt{Method: method, StatusCode: status, Err: err, Sent: sent})
		}
	}
}

// WithLogger logs each attempt at debug level: method, path, status,
// duration, request ID and retry number. Secrets, tokens, codes, passwords
// and request bodies are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config.Config) { c.Logger = l }
}

// WithMiddleware wraps the client's HTTP transport, for tracing and
// metrics. Each attempt passes through it; the first middleware given is
// the outermost.
func WithMiddleware(mw func(http.RoundTripper) http.RoundTripper) Option {
	return func(c *config.Config) {
		if mw != nil {
			c.Middleware = append(c.Middleware, mw)
		}
	}
}

// RequestOption changes one call. Only the methods whose documentation says
// they accept a member session take request options.
type RequestOption func(*config.Call)

// WithMemberSession makes a B2B call on behalf of the member whose session
// token this is: Stytch then allows the call only if that member's roles
// grant it, and only within their organization. It is sent in the
// X-Stytch-Member-Session header. An empty token is an error.
func WithMemberSession(sessionToken string) RequestOption {
	return func(c *config.Call) { c.SetHeader("X-Stytch-Member-Session", sessionToken) }
}

// WithMemberSessionJWT is WithMemberSession with the member's session JWT
// instead of the session token, sent in the X-Stytch-Member-SessionJWT
// header. An empty JWT is an error.
func WithMemberSessionJWT(sessionJWT string) RequestOption {
	return func(c *config.Call) { c.SetHeader("X-Stytch-Member-SessionJWT", sessionJWT) }
}
