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
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/config"
)

// The API's base URLs. A project ID starting with livePrefix talks to the
// live environment; anything else talks to test.
const (
	LiveBaseURL = "https://api.stytch.com"
	TestBaseURL = "https://test.stytch.com"
	livePrefix  = "project-live-"
)

// MaxResponseBytes bounds how much of a response body is read. The largest
// Stytch responses (a search page of members) are far below it.
const MaxResponseBytes = 16 << 20

// snippetBytes bounds the part of an unexpected body kept in an error.
const snippetBytes = 512

// Client sends requests to one Stytch project. It is safe for concurrent use.
type Client struct {
	baseURL    string
	auth       *credential
	userAgent  string
	timeout    time.Duration
	httpClient *http.Client
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
	cfg := config.Default()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if projectID == "" {
		return nil, errors.New("stytch: project ID is empty")
	}
	if secret == "" {
		return nil, errors.New("stytch: secret is empty")
	}
	base := cfg.BaseURL
	if base == "" {
		base = TestBaseURL
		if strings.HasPrefix(projectID, livePrefix) {
			base = LiveBaseURL
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("stytch: base URL %q must be an absolute http(s) URL with no query or fragment", base)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient
	}
	ua := "gostytch/" + stytch.Version
	if cfg.UserAgent != "" {
		ua += " " + cfg.UserAgent
	}
	token := base64.StdEncoding.EncodeToString([]byte(projectID + ":" + secret))
	return &Client{
		baseURL:    strings.TrimRight(u.String(), "/"),
		auth:       &credential{header: "Basic " + token},
		userAgent:  ua,
		timeout:    cfg.Timeout,
		httpClient: hc,
	}, nil
}

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
	t.ForceAttemptHTTP2 = true
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
}

// Do sends r and decodes a 2xx response's JSON body into out. Any other
// status yields a *stytch.Error; transport and decoding failures are wrapped
// with %w.
func (c *Client) Do(ctx context.Context, r *Request, out any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return err
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("stytch: %s: %w", r.Operation, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("stytch: %s: reading %d response: %w", r.Operation, resp.StatusCode, err)
	}
	if len(body) > MaxResponseBytes {
		return fmt.Errorf("stytch: %s: %d response body exceeds %d bytes", r.Operation, resp.StatusCode, MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return DecodeError(resp.StatusCode, body)
	}
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("stytch: %s: %d response has an empty body", r.Operation, resp.StatusCode)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("stytch: %s: decoding %d response: %w", r.Operation, resp.StatusCode, err)
	}
	return nil
}

func (c *Client) newRequest(ctx context.Context, r *Request) (*http.Request, error) {
	target := c.baseURL + r.Path
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	var body io.Reader
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return nil, fmt.Errorf("stytch: %s: encoding request: %w", r.Operation, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target, body)
	if err != nil {
		return nil, fmt.Errorf("stytch: %s: building request: %w", r.Operation, err)
	}
	req.Header.Set("Authorization", c.auth.header)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
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

// snippet returns the start of body as valid UTF-8, cut at snippetBytes.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > snippetBytes {
		s = s[:snippetBytes] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
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
