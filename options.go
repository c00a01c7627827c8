package stytch

import (
	"log/slog"
	"net/http"
	"net/textproto"
	"strconv"
	"time"

	"github.com/gostytch/stytch/internal/config"
)

// Option configures a client when given to NewClient, or one call when
// given to a method: every method takes options last, as in
// client.Users.Get(ctx, params, stytch.WithTimeout(5*time.Second)).
//
// Most options apply in both places, the call's value winning over the
// client's: WithTimeout, WithMaxRetries, WithRetryPolicy, WithHeader,
// WithUserAgent and WithLogger. Some can only be set for a client, because
// they decide what the client is (where it sends calls and which keys it
// trusts): WithBaseURL, WithFraudBaseURL, WithHTTPClient, WithMiddleware,
// WithJWTLeeway, WithJWKSRefreshLimit and WithVerifiedTokenCache. Some only
// make sense for one call: WithResponseInto, WithMemberSession and
// WithMemberSessionJWT (on the methods whose endpoint takes a member
// session), and WithMaxTokenAge, WithAuthorizationCheck and
// WithRequiredScopes (on the methods that verify a JWT). An option given
// where it cannot apply, or with a value that cannot be right, is an error:
// from NewClient, or a *ParamError from the call before any I/O. It is
// never ignored.
type Option func(*config.Settings)

// WithBaseURL sends every call to baseURL instead of the test or live URL
// chosen from the project ID. Use it for a custom domain, a proxy, or a local
// emulator. A path in baseURL is kept as a prefix. It may hold no user name,
// password, query or fragment. Client only.
func WithBaseURL(baseURL string) Option {
	return func(s *config.Settings) {
		if s.ClientOnly("WithBaseURL") {
			s.BaseURL = baseURL
		}
	}
}

// WithFraudBaseURL sends the fraud and risk calls (the Fraud service) to
// baseURL instead of https://telemetry.stytch.com, where Stytch serves them.
// WithBaseURL does not move them: set both to reach a proxy or an emulator
// with every call. Client only.
func WithFraudBaseURL(baseURL string) Option {
	return func(s *config.Settings) {
		if s.ClientOnly("WithFraudBaseURL") {
			s.FraudBaseURL = baseURL
		}
	}
}

// WithCustomDomain sets the project domain: the custom domain (a CNAME
// such as "https://login.example.com") or the default domain Stytch gave
// the project ("https://…customers.stytch.dev"). The OpenID Connect
// endpoints of Connected Apps (IDP.OpenIDConfiguration, IDP.UserInfo,
// IDP.RevokeToken) are sent there, and tokens issued through it, whose iss
// is that URL, verify locally. Without it those endpoints are called at
// their backwards-compatible path below the API's base URL,
// /v1/public/{project_id}/…. Other endpoints keep the base URL. It is an
// absolute http(s) URL with no user, query or fragment. Client only.
func WithCustomDomain(domainURL string) Option {
	return func(s *config.Settings) {
		if !s.ClientOnly("WithCustomDomain") {
			return
		}
		if domainURL == "" {
			s.Fail("WithCustomDomain", "was given an empty URL")
			return
		}
		s.ProjectDomain = domainURL
	}
}

// WithHTTPClient makes the client send its requests through hc. The SDK does
// not modify hc; its Timeout, if any, applies in addition to WithTimeout.
// Whatever hc's CheckRedirect says, redirects are never followed: a 3xx is
// an *Error. Client only.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *config.Settings) {
		if !s.ClientOnly("WithHTTPClient") {
			return
		}
		if hc == nil {
			s.Fail("WithHTTPClient", "was given a nil *http.Client")
			return
		}
		s.HTTPClient = hc
	}
}

// WithTimeout bounds each attempt of a call, including reading the
// response. The default is 30 seconds; zero leaves only the caller's context
// to bound a call, and a negative duration is an error. The caller's context
// deadline always applies to the whole call, retries and waits included.
func WithTimeout(d time.Duration) Option {
	return func(s *config.Settings) {
		if d < 0 {
			s.Fail("WithTimeout", "was given a negative duration")
			return
		}
		s.ForAPI("WithTimeout")
		s.Timeout = d
	}
}

// WithUserAgent appends product (for example "billing-service/1.4") to the
// SDK's User-Agent header, so that calls can be told apart in logs. It may
// not hold control characters.
func WithUserAgent(product string) Option {
	return func(s *config.Settings) {
		if !validHeaderValue(product) {
			s.Fail("WithUserAgent", "holds a byte that cannot be in an HTTP header (CR, LF, NUL or another control character)")
			return
		}
		s.ForAPI("WithUserAgent")
		s.UserAgent = product
	}
}

// WithMaxRetries sets how many times a failed attempt may be repeated; the
// default is 2, 0 turns retries off, and a negative count is an error. Which
// failures are retried is the retry policy's call (see WithRetryPolicy).
func WithMaxRetries(n int) Option {
	return func(s *config.Settings) {
		if n < 0 {
			s.Fail("WithMaxRetries", "was given a negative count")
			return
		}
		s.ForAPI("WithMaxRetries")
		s.MaxRetries = n
	}
}

// WithHeader adds a header to every request of a client, or to one call.
// The name must be a valid header name and the value hold no control
// characters. The headers the SDK owns are refused: Authorization (the
// credentials), the member-session headers (WithMemberSession),
// User-Agent (WithUserAgent), and Content-Type, Content-Length and Host.
func WithHeader(name, value string) Option {
	return func(s *config.Settings) {
		canonical := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case !validHeaderName(name):
			s.Fail("WithHeader", "was given "+strconv.Quote(name)+", which is not a valid header name")
		case reservedHeaders[canonical]:
			s.Fail("WithHeader", "cannot set "+canonical+", which the SDK sets itself")
		case !validHeaderValue(value):
			s.Fail("WithHeader", "was given a value for "+canonical+" holding a byte that cannot be in an HTTP header (CR, LF, NUL or another control character)")
		default:
			if s.Header == nil {
				s.Header = http.Header{}
			} else if s.PerCall {
				s.Header = s.Header.Clone() // the client's stays as it was
			}
			s.ForAPI("WithHeader")
			s.Header.Set(canonical, value)
		}
	}
}

var reservedHeaders = map[string]bool{
	"Authorization": true, "X-Stytch-Member-Session": true, "X-Stytch-Member-Sessionjwt": true,
	"User-Agent": true, "Content-Type": true, "Content-Length": true, "Host": true,
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

// WithRetryPolicy replaces DefaultRetryPolicy; nil restores it. Waits
// between attempts grow exponentially with full jitter, or follow the
// server's Retry-After.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *config.Settings) {
		s.ForAPI("WithRetryPolicy")
		if p == nil {
			s.ShouldRetry = nil
			return
		}
		s.ShouldRetry = func(method string, status int, err error, sent bool) bool {
			return p(RetryAttempt{Method: method, StatusCode: status, Err: err, Sent: sent})
		}
	}
}

// WithLogger logs each attempt at debug level: method, path, status,
// duration, request ID and retry number. Secrets, tokens, codes, passwords
// and request bodies are never logged. nil turns logging off.
func WithLogger(l *slog.Logger) Option {
	return func(s *config.Settings) {
		s.ForAPI("WithLogger")
		s.Logger = l
	}
}

// WithMiddleware wraps the client's HTTP transport, for tracing and
// metrics. Each attempt passes through it; the first middleware given is
// the outermost. Client only.
func WithMiddleware(mw func(http.RoundTripper) http.RoundTripper) Option {
	return func(s *config.Settings) {
		if !s.ClientOnly("WithMiddleware") {
			return
		}
		if mw == nil {
			s.Fail("WithMiddleware", "was given a nil middleware")
			return
		}
		s.Middleware = append(s.Middleware, mw)
	}
}

// WithMemberSession makes a B2B call on behalf of the member whose session
// token this is: Stytch then allows the call only if that member's roles
// grant it, and only within their organization. It is sent in the
// X-Stytch-Member-Session header. Only the methods whose documentation says
// they accept a member session take it; on any other, and with an empty or
// unsendable token, it is an error.
func WithMemberSession(sessionToken string) Option {
	return memberSession("WithMemberSession", "X-Stytch-Member-Session", sessionToken)
}

// WithMemberSessionJWT is WithMemberSession with the member's session JWT
// instead of the session token, sent in the X-Stytch-Member-SessionJWT
// header.
func WithMemberSessionJWT(sessionJWT string) Option {
	return memberSession("WithMemberSessionJWT", "X-Stytch-Member-SessionJWT", sessionJWT)
}

func memberSession(option, header, value string) Option {
	return func(s *config.Settings) {
		switch {
		case !s.CallOnly(option):
		case value == "":
			s.Fail(option, "was given an empty value")
		case !validHeaderValue(value):
			s.Fail(option, "was given a value holding a byte that cannot be in an HTTP header (CR, LF, NUL or another control character)")
		case s.Call.MemberSessionHeader != "" && s.Call.MemberSessionHeader != header:
			s.Fail(option, "cannot be combined with the other member-session option")
		default:
			s.ForAPI(option)
			s.Call.MemberSessionHeader, s.Call.MemberSession = header, value
		}
	}
}

// Response is what a call received, for WithResponseInto.
type Response struct {
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Header holds the response headers of the last attempt.
	Header http.Header
	// RequestID is the response's request_id (or its X-Request-Id header),
	// for Stytch support.
	RequestID string
	// Attempts is how many attempts the call made, retries included.
	Attempts int
}

// WithResponseInto makes a call write what it received into dst: status,
// headers, request ID and number of attempts, on success and on failure
// (dst stays zero when no response arrived at all). Per call only.
func WithResponseInto(dst *Response) Option {
	return func(s *config.Settings) {
		if !s.CallOnly("WithResponseInto") {
			return
		}
		if dst == nil {
			s.Fail("WithResponseInto", "was given a nil *stytch.Response")
			return
		}
		s.ForAPI("WithResponseInto")
		s.Call.OnResponse = func(status int, h http.Header, requestID string, attempts int) {
			*dst = Response{StatusCode: status, Header: h, RequestID: requestID, Attempts: attempts}
		}
	}
}

// validHeaderValue reports whether v can be sent as an HTTP header value
// (RFC 9110 field-value): no control characters other than tab.
func validHeaderValue(v string) bool {
	for _, c := range []byte(v) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c < 0x80 && c > ' ' && c != 0x7f && !isSeparator(c):
		default:
			return false
		}
	}
	return true
}

func isSeparator(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
		return true
	}
	return false
}
