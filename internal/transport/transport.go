// Package transport is the SDK's one HTTP layer: it authenticates, routes,
// encodes and decodes every call the generated services make.
package transport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/config"
)

// The API's base URLs. A project ID starting with livePrefix talks to the
// live environment; anything else talks to test.
const (
	LiveBaseURL  = "https://api.stytch.com"
	TestBaseURL  = "https://test.stytch.com"
	FraudBaseURL = "https://telemetry.stytch.com"
	livePrefix   = "project-live-"
)

// Base names the base URL a request is sent to.
type Base int

const (
	// BaseAPI is the API's base URL: test or live, or WithBaseURL's.
	BaseAPI Base = iota
	// BaseFraud is the fraud and risk API's: telemetry.stytch.com, or
	// WithFraudBaseURL's.
	BaseFraud
	// BaseProject is the project domain, where Stytch serves the OpenID
	// Connect endpoints of Connected Apps: WithCustomDomain's URL, or else
	// the backwards-compatible path below the API's base URL (see
	// ProjectPublicPath).
	BaseProject
)

// ProjectPublicPath is where the API's base URL serves a path of the
// project domain for backwards compatibility: below /v1/public/{project_id},
// without the path's own leading /v1. /v1/oauth2/userinfo becomes
// /v1/public/{project_id}/oauth2/userinfo, and
// /.well-known/openid-configuration
// /v1/public/{project_id}/.well-known/openid-configuration.
func ProjectPublicPath(projectID, path string) string {
	if rest, ok := strings.CutPrefix(path, "/v1/"); ok {
		path = "/" + rest
	}
	return "/v1/public/" + PathEscape(projectID) + path
}

// snippetBytes bounds the part of an unexpected body kept in an error.
const snippetBytes = 512

// Client sends requests to one Stytch project. It is safe for concurrent use.
type Client struct {
	projectID  string
	baseURL    string
	fraudURL   string
	projectURL string // WithCustomDomain's; empty for the public path
	auth       *credential
	userAgent  string        // for cfg.UserAgent
	cfg        config.Config // the defaults a call's options start from
	httpClient *http.Client
	locals     *locals
}

// credential holds the Authorization header value. The client keeps it
// behind a pointer, which fmt prints as an address, and it formats as a
// placeholder itself, so that no %v of a client ever prints the secret.
type credential struct{ header string }

func (*credential) String() string   { return "[redacted]" }
func (*credential) GoString() string { return "[redacted]" }

// New builds a Client from the credentials and options. It validates them
// and does no I/O.
func New(projectID, secret string, opts ...stytch.Option) (*Client, error) {
	st := config.Settings{Config: config.Default()}
	for _, o := range opts {
		if o != nil {
			o(&st)
		}
	}
	if p := st.Problem; p != nil {
		return nil, fmt.Errorf("stytch: %s %s", p.Option, p.Reason)
	}
	cfg := st.Config
	if err := checkCredential("project ID", projectID); err != nil {
		return nil, err
	}
	if err := checkCredential("secret", secret); err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = TestBaseURL
		if strings.HasPrefix(projectID, livePrefix) {
			base = LiveBaseURL
		}
	}
	baseURL, err := checkBaseURL(base)
	if err != nil {
		return nil, err
	}
	fraudURL := FraudBaseURL
	if cfg.FraudBaseURL != "" {
		fraudURL = cfg.FraudBaseURL
	}
	if fraudURL, err = checkBaseURL(fraudURL); err != nil {
		return nil, err
	}
	projectURL := ""
	if cfg.ProjectDomain != "" {
		if projectURL, err = checkBaseURL(cfg.ProjectDomain); err != nil {
			return nil, err
		}
	}
	hc := defaultHTTPClient
	if cfg.HTTPClient != nil {
		hc = cfg.HTTPClient
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	for i := len(cfg.Middleware) - 1; i >= 0; i-- {
		rt = cfg.Middleware[i](rt)
	}
	// A copy, so that the caller's client is left as it was, that never
	// follows a redirect: a 3xx is answered as the error it is, and neither
	// the credentials, the member-session headers nor the body (tokens,
	// codes) travel to wherever a Location points.
	hc = &http.Client{Transport: rt, CheckRedirect: noRedirects, Jar: hc.Jar, Timeout: hc.Timeout}
	token := base64.StdEncoding.EncodeToString([]byte(projectID + ":" + secret))
	return &Client{
		projectID:  projectID,
		baseURL:    baseURL,
		fraudURL:   fraudURL,
		projectURL: projectURL,
		auth:       &credential{header: "Basic " + token},
		userAgent:  userAgent(cfg.UserAgent),
		cfg:        cfg,
		httpClient: hc,
		locals:     &locals{},
	}, nil
}

func userAgent(product string) string {
	if product == "" {
		return "gostytch/" + stytch.Version
	}
	return "gostytch/" + stytch.Version + " " + product
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// checkBaseURL validates a base URL and returns it without a trailing slash.
// The URL is not printed in the error: a user:password in it would be a secret.
func checkBaseURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", errors.New("stytch: a base URL must be an absolute http(s) URL with a host and no query or fragment")
	}
	if u.User != nil {
		return "", errors.New("stytch: a base URL must not hold a user name or password; credentials are sent in the Authorization header")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("stytch: the base URL's port %q is not a port number (1 to 65535)", p)
		}
	}
	if u.Hostname() == "" {
		return "", errors.New("stytch: a base URL must name a host")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkCredential refuses an empty project ID or secret, and one that holds
// white space or control characters: none of Stytch's does, and such a value
// could only fail on every call, or split a header.
func checkCredential(what, v string) error {
	if v == "" {
		return fmt.Errorf("stytch: %s is empty", what)
	}
	for _, c := range []byte(v) {
		if c <= ' ' || c == 0x7f {
			return fmt.Errorf("stytch: %s holds white space or a control character", what)
		}
	}
	return nil
}

// ProjectID is the ID of the project the client was created for.
func (c *Client) ProjectID() string { return c.projectID }

// BaseURL is the API's base URL the client calls, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// ProjectDomain is WithCustomDomain's URL without a trailing slash, or ""
// when none was given.
func (c *Client) ProjectDomain() string { return c.projectURL }

// defaultHTTPClient is shared by every client that brings none of its own, so
// that they share one connection pool. Timeouts are applied per call through
// the context rather than here.
var defaultHTTPClient = &http.Client{Transport: newDefaultTransport()}

func newDefaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Many goroutines of one service call the same host; keep enough idle
	// connections for them instead of net/http's default of two.
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	// HTTP/1.1, over a pool of connections. BenchmarkProtocols (TLS on
	// loopback, warm pools, a quiet 2-core machine) measured it 1.4-1.7x
	// faster a call than HTTP/2 with 1, 8 and 32 concurrent callers, and
	// BenchmarkProtocolsColdBurst found no handshake that HTTP/2 saves: from
	// no connection, 32 concurrent calls dial about 31 connections either
	// way. HTTP/2 holds fewer connections once warm; to use it, pass a
	// client whose transport enables it (Protocols) with
	// stytch.WithHTTPClient.
	t.ForceAttemptHTTP2 = false
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	return t
}

// Request is one API call, as the generated services describe it.
type Request struct {
	// Operation names the method, such as "Users.Get", for error messages.
	Operation string
	// Method is the HTTP method.
	Method string
	// Path is the escaped path below the base URL, starting with "/".
	Path string
	// Query is encoded into the URL when not empty.
	Query url.Values
	// Body is encoded as JSON when not nil.
	Body any
	// Form, when not nil, is sent as an application/x-www-form-urlencoded
	// body instead of Body.
	Form url.Values
	// Base is the base URL the path is below.
	Base Base
	// Public marks an endpoint that is not authenticated with the project's
	// credentials (security: [] in the spec): OAuth 2.0 endpoints that take
	// client credentials in the body, and the public key sets. The
	// project's credentials are never sent to it.
	Public bool
	// Bearer, on a Public request, is sent as "Authorization: Bearer …":
	// the end user's token for the endpoints it authenticates (OIDC
	// UserInfo). It must not be empty there, nor hold control characters.
	Bearer string
	// MemberSession reports an endpoint that takes the calling member's
	// session (stytch.WithMemberSession); other endpoints refuse it.
	MemberSession bool
	// Options are the caller's per-call options.
	Options []stytch.Option
}

// Do sends r and decodes a 2xx response's JSON body into out. Any other
// status yields a *stytch.Error; transport and decoding failures are wrapped
// with %w, and a body that cannot be read whole yields a *stytch.ResponseError
// naming the status and request ID. Failed attempts are retried as the
// retry policy allows, waiting with exponential backoff and full jitter, or
// as long as Retry-After asks (capped), and never past the caller's context
// deadline.
func (c *Client) Do(ctx context.Context, r *Request, out any) error {
	if err := CheckContext(ctx, r.Operation); err != nil {
		return err
	}
	st, err := c.settings(r.Operation, r.MemberSession, r.Options)
	if err != nil {
		return err
	}
	switch {
	case r.Bearer != "" && !r.Public:
		return &stytch.ParamError{Operation: r.Operation, Param: "access token", Reason: "is only sent to endpoints that take no project secret"}
	case r.Bearer != "" && !validToken(r.Bearer):
		return &stytch.ParamError{Operation: r.Operation, Param: "access token",
			Reason: "holds a byte that cannot be in an HTTP header (CR, LF, NUL, white space or another control character)"}
	}
	var payload []byte
	contentType := ""
	switch {
	case r.Form != nil:
		payload, contentType = []byte(r.Form.Encode()), "application/x-www-form-urlencoded"
	case r.Body != nil:
		var err error
		if payload, err = json.Marshal(r.Body); err != nil {
			return fmt.Errorf("stytch: %s: encoding request: %w", r.Operation, err)
		}
		contentType = "application/json"
	}
	ua := c.userAgent
	if st.UserAgent != c.cfg.UserAgent {
		ua = userAgent(st.UserAgent)
	}
	send := sendable{payload: payload, contentType: contentType, st: &st, userAgent: ua}
	for retry := 0; ; retry++ {
		o := c.attempt(ctx, r, &send, retry)
		if st.Call.OnResponse != nil && o.header != nil {
			st.Call.OnResponse(o.status, o.header, requestID(o.header, o.body), retry+1)
		}
		if o.err == nil && o.status >= 200 && o.status <= 299 {
			return decodeSuccess(r, o, out)
		}
		if o.final || retry >= st.MaxRetries || ctx.Err() != nil || !shouldRetry(&st, r.Method, o.status, o.err, o.sent) {
			return o.failure()
		}
		wait := backoff(retry, o.header)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return o.failure() // the caller's deadline comes before the next attempt could
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("stytch: %s: %w while waiting to retry after: %w", r.Operation, ctx.Err(), o.failure())
		case <-timer.C:
		}
	}
}

// settings applies a call's options over the client's configuration. An
// option that cannot apply to this call is a *stytch.ParamError.
func (c *Client) settings(operation string, memberSession bool, opts []stytch.Option) (config.Settings, error) {
	st := config.Settings{PerCall: true, Config: c.cfg}
	for _, opt := range opts {
		if opt != nil {
			opt(&st)
		}
	}
	switch {
	case st.Problem != nil:
		return st, &stytch.ParamError{Operation: operation, Param: st.Problem.Option, Reason: st.Problem.Reason}
	case st.Verify.Set != "":
		return st, &stytch.ParamError{Operation: operation, Param: st.Verify.Set,
			Reason: "applies to the methods that verify a JWT (AuthenticateJWT, AuthenticateJWTLocal, M2M.AuthenticateToken, IDP.IntrospectTokenLocal), not to an API call"}
	case st.Call.MemberSession != "" && !memberSession:
		opt := "WithMemberSession"
		if st.Call.MemberSessionHeader != "X-Stytch-Member-Session" {
			opt = "WithMemberSessionJWT"
		}
		return st, &stytch.ParamError{Operation: operation, Param: opt, Reason: "does not apply: this endpoint does not take a member session"}
	}
	return st, nil
}

// CheckCall reports the error Do would give for ctx and opts, for a method
// that may answer without calling Do (from a cache).
func (c *Client) CheckCall(ctx context.Context, operation string, memberSession bool, opts []stytch.Option) error {
	if err := CheckContext(ctx, operation); err != nil {
		return err
	}
	_, err := c.settings(operation, memberSession, opts)
	return err
}

// CheckContext refuses a nil context with a *stytch.ParamError rather than
// a panic deep inside net/http.
func CheckContext(ctx context.Context, operation string) error {
	if ctx == nil {
		return &stytch.ParamError{Operation: operation, Param: "ctx", Reason: "is nil; pass context.Background() or a request's context"}
	}
	return nil
}

// sendable is a request's encoded body and the call's settings, built once
// and used by every attempt.
type sendable struct {
	payload     []byte
	contentType string
	userAgent   string
	st          *config.Settings
}

// outcome is what one attempt came to.
type outcome struct {
	status int
	header http.Header
	body   []byte
	err    error // a transport or read failure, wrapped
	sent   bool  // whether the request may have reached the server
	final  bool  // never retried (the request could not be built, the body is too large)
}

func (o outcome) failure() error {
	if o.err != nil {
		return o.err
	}
	return DecodeError(o.status, o.body)
}

// attempt makes one request, bounded by the per-attempt timeout, and reads
// its whole response.
func (c *Client) attempt(ctx context.Context, r *Request, send *sendable, retry int) (o outcome) {
	timeout := send.st.Timeout
	actx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	start := time.Now()
	defer func() { logAttempt(ctx, send.st.Logger, r, o, retry, time.Since(start)) }()

	req, err := c.newRequest(actx, r, send)
	if err != nil {
		return outcome{err: err, final: true}
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			return outcome{err: fmt.Errorf("stytch: %s: attempt timed out after %s: %w", r.Operation, timeout, err), sent: true}
		}
		return outcome{err: fmt.Errorf("stytch: %s: %w", r.Operation, err), sent: !neverSent(err)}
	}
	defer resp.Body.Close()
	o = outcome{status: resp.StatusCode, header: resp.Header, sent: true}
	o.body, err = io.ReadAll(io.LimitReader(resp.Body, stytch.MaxResponseBytes+1))
	switch {
	case err != nil:
		o.err = &stytch.ResponseError{Operation: r.Operation, StatusCode: resp.StatusCode, RequestID: requestID(resp.Header, o.body), Err: err}
	case len(o.body) > stytch.MaxResponseBytes:
		o.err = &stytch.ResponseError{Operation: r.Operation, StatusCode: resp.StatusCode, RequestID: requestID(resp.Header, o.body), Err: stytch.ErrBodyTooLarge}
		o.final = true
	}
	return o
}

// requestIDScan bounds how much of a body that could not be decoded is
// searched for its request_id. Stytch writes it among the first fields; a
// scan of 16 MiB would cost more than the ID is worth.
const requestIDScan = 4 << 10

// requestID finds the request ID of a response whose body may be cut short
// or too large to decode. Stytch documents the ID only as the body's
// request_id, so that comes first; the X-Request-Id and Request-Id headers,
// which gateways and proxies in front of the API commonly set, are the
// fallback.
func requestID(h http.Header, body []byte) string {
	if id := scanRequestID(body[:min(len(body), requestIDScan)]); id != "" {
		return id
	}
	for _, k := range []string{"X-Request-Id", "Request-Id"} {
		if id := h.Get(k); plausibleID(id) {
			return id
		}
	}
	return ""
}

// scanRequestID finds the first "request_id": "..." in b without decoding
// it, since b may be incomplete JSON.
func scanRequestID(b []byte) string {
	key := []byte(`"request_id"`)
	for {
		i := bytes.Index(b, key)
		if i < 0 {
			return ""
		}
		b = b[i+len(key):]
		v := bytes.TrimLeft(b, " \t\r\n")
		if len(v) == 0 || v[0] != ':' {
			continue
		}
		v = bytes.TrimLeft(v[1:], " \t\r\n")
		if len(v) == 0 || v[0] != '"' {
			continue
		}
		end := bytes.IndexByte(v[1:], '"')
		if end < 0 {
			return ""
		}
		if id := string(v[1 : 1+end]); plausibleID(id) {
			return id
		}
	}
}

// plausibleID reports whether id looks like a request ID. Only short IDs of
// letters, digits and -_.: are kept, so that whatever a broken body or a
// proxy's header holds cannot inject text into an error message or a log.
func plausibleID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

func decodeSuccess(r *Request, o outcome, out any) error {
	if out == nil {
		return nil
	}
	body := bytes.TrimSpace(o.body)
	if len(body) == 0 {
		return fmt.Errorf("stytch: %s: %d response has an empty body", r.Operation, o.status)
	}
	if body[0] != '{' {
		// null, an array, a string or a number would decode into a zero
		// response without complaint.
		return fmt.Errorf("stytch: %s: %d response is not a JSON object", r.Operation, o.status)
	}
	if err := json.Unmarshal(o.body, out); err != nil {
		return fmt.Errorf("stytch: %s: decoding %d response: %w", r.Operation, o.status, err)
	}
	return nil
}

// neverSent reports whether err happened before the request could reach
// the server: the connection was never made.
func neverSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}

// Backoff bounds: the first retry waits up to baseBackoff, doubling each
// time up to maxBackoff; a server's Retry-After is honoured up to
// maxRetryAfter.
const (
	baseBackoff   = 250 * time.Millisecond
	maxBackoff    = 5 * time.Second
	maxRetryAfter = 30 * time.Second
)

// backoff is how long to wait before retry number retry+1.
func backoff(retry int, h http.Header) time.Duration {
	if d, ok := retryAfter(h.Get("Retry-After"), time.Now()); ok {
		return d
	}
	ceiling := min(maxBackoff, baseBackoff<<min(retry, 16))
	return rand.N(ceiling) + 1 // full jitter
}

// retryAfter parses a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, 0), maxRetryAfter), true
}

func shouldRetry(st *config.Settings, method string, status int, err error, sent bool) bool {
	if st.ShouldRetry != nil {
		return st.ShouldRetry(method, status, err, sent)
	}
	return stytch.DefaultRetryPolicy(stytch.RetryAttempt{Method: method, StatusCode: status, Err: err, Sent: sent})
}

// log records one attempt at debug level. It names the path, never the
// body or the headers, where tokens, codes, passwords and the secret live.
func logAttempt(ctx context.Context, logger *slog.Logger, r *Request, o outcome, retry int, d time.Duration) {
	if logger == nil || !logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", r.Operation), slog.String("method", r.Method), slog.String("path", r.Path),
		slog.Int("status", o.status), slog.Duration("duration", d), slog.Int("retry", retry),
	}
	var id struct {
		RequestID string `json:"request_id"`
	}
	var re *stytch.ResponseError
	if json.Unmarshal(o.body, &id) == nil && id.RequestID != "" {
		attrs = append(attrs, slog.String("request_id", id.RequestID))
	} else if errors.As(o.err, &re) && re.RequestID != "" {
		attrs = append(attrs, slog.String("request_id", re.RequestID))
	}
	if o.err != nil {
		attrs = append(attrs, slog.String("error", o.err.Error()))
	}
	logger.LogAttrs(ctx, slog.LevelDebug, "stytch attempt", attrs...)
}

func (c *Client) newRequest(ctx context.Context, r *Request, send *sendable) (*http.Request, error) {
	target := c.baseURL + r.Path
	switch {
	case r.Base == BaseFraud:
		target = c.fraudURL + r.Path
	case r.Base == BaseProject && c.projectURL != "":
		target = c.projectURL + r.Path
	case r.Base == BaseProject:
		target = c.baseURL + ProjectPublicPath(c.projectID, r.Path)
	}
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	var body io.Reader
	if send.payload != nil {
		body = bytes.NewReader(send.payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target, body)
	if err != nil {
		return nil, fmt.Errorf("stytch: %s: building request: %w", r.Operation, err)
	}
	switch {
	case r.Bearer != "":
		req.Header.Set("Authorization", "Bearer "+r.Bearer)
	case !r.Public:
		req.Header.Set("Authorization", c.auth.header)
	}
	for k, v := range send.st.Header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", send.userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", send.contentType)
	}
	if call := send.st.Call; call.MemberSession != "" {
		// Set as spelt: http.Header.Set would canonicalise the JWT header
		// to X-Stytch-Member-Sessionjwt. Header names are case-insensitive
		// on the wire, so either reaches Stytch.
		req.Header[call.MemberSessionHeader] = []string{call.MemberSession}
	}
	return req, nil
}

// errorBody is the union of Stytch's error object and the OAuth2 error shape
// some endpoints answer with.
type errorBody struct {
	stytch.Error
	OAuth2Error       string `json:"error"`
	OAuth2Description string `json:"error_description"`
	OAuth2URI         string `json:"error_uri"`
}

// DecodeError turns a non-2xx response into a *stytch.Error. StatusCode is
// always the HTTP status, whatever the body claims.
func DecodeError(status int, body []byte) *stytch.Error {
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err == nil && (eb.ErrorType != "" || eb.OAuth2Error != "") {
		e := eb.Error
		if e.ErrorType == "" {
			e.ErrorType = stytch.ErrorType(eb.OAuth2Error)
			e.ErrorMessage = eb.OAuth2Description
			e.ErrorURL = eb.OAuth2URI
		}
		e.StatusCode = status
		return &e
	}
	return &stytch.Error{StatusCode: status, ErrorMessage: http.StatusText(status), Body: snippet(body)}
}

// snippet returns the start of body as valid UTF-8, at most snippetBytes
// long plus an ellipsis when cut. Invalid bytes are replaced before the cut,
// and the cut falls on a rune boundary.
func snippet(body []byte) string {
	if len(body) > 4*snippetBytes {
		body = body[:4*snippetBytes] // enough for snippetBytes once sanitised
	}
	s := strings.ToValidUTF8(strings.TrimSpace(string(body)), "\uFFFD")
	if len(s) <= snippetBytes {
		return s
	}
	cut := snippetBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// validToken reports whether a bearer token can be sent as is: printable
// ASCII with no white space (RFC 6750's b64token is narrower still).
func validToken(v string) bool {
	for _, c := range []byte(v) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// Required reports an empty required path or query parameter before any I/O.
func Required(operation, param, value string) error {
	if value == "" {
		return &stytch.ParamError{Operation: operation, Param: param, Reason: "is required and must not be empty"}
	}
	return nil
}

// PathEscape escapes one path parameter so that whatever it contains, it
// stays one segment of the path it was put in: "/", "?", "#" and "%" are
// escaped by url.PathEscape, and the dot segments "." and ".." are escaped
// too, so that no URL normalisation can climb out of the segment.
func PathEscape(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}
