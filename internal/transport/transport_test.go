package transport

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

const (
	testProject = "project-test-11111111-2222-4333-8444-555555555555"
	testSecret  = "secret-test-do-not-print-me-0123456789abcd="
)

type reply struct {
	status int
	header map[string]string
	body   string
}

// setup starts a server answering every request with r and returns a
// client pointed at it and the last request the server saw.
func setup(t *testing.T, r reply, opts ...stytch.Option) (*Client, func() *http.Request) {
	t.Helper()
	var last *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		last = req
		for k, v := range r.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(testProject, testSecret, append([]stytch.Option{stytch.WithBaseURL(srv.URL)}, opts...)...)
	require.NoError(t, err)
	return c, func() *http.Request { return last }
}

func TestRouting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, project, base, want string
	}{
		{"test project", "project-test-abc", "", TestBaseURL},
		{"live project", "project-live-abc", "", LiveBaseURL},
		{"anything else is test", "my-project", "", TestBaseURL},
		{"override wins over live", "project-live-abc", "https://auth.example.com", "https://auth.example.com"},
		{"trailing slash trimmed", "project-test-abc", "https://auth.example.com/", "https://auth.example.com"},
		{"path prefix kept", "project-test-abc", "https://proxy.example.com/stytch/", "https://proxy.example.com/stytch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []stytch.Option
			if tc.base != "" {
				opts = append(opts, stytch.WithBaseURL(tc.base))
			}
			c, err := New(tc.project, "secret", opts...)
			require.NoError(t, err)
			require.Equal(t, tc.want, c.baseURL)
		})
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, project, secret, base, want string
	}{
		{"empty project", "", "s", "", "project ID is empty"},
		{"empty secret", "p", "", "", "secret is empty"},
		{"relative base URL", "p", "s", "/v1", "absolute http(s) URL"},
		{"other scheme", "p", "s", "ftp://example.com", "absolute http(s) URL"},
		{"query in base URL", "p", "s", "https://example.com?x=1", "no query"},
		{"unparsable base URL", "p", "s", "http://[::1", "absolute http(s) URL"},
		{"user and password in base URL", "p", "s", "https://admin:hunter2@example.com", "must not hold a user name or password"},
		{"port out of range", "p", "s", "https://example.com:99999", `port "99999" is not a port number`},
		{"port zero", "p", "s", "https://example.com:0", `port "0" is not a port number`},
		{"no host name", "p", "s", "https://:443", "must name a host"},
		{"CRLF in project ID", "p\r\nX-Evil: 1", "s", "", "project ID holds white space or a control character"},
		{"NUL in secret", "p", "s\x00", "", "secret holds white space or a control character"},
		{"space in secret", "p", "s s", "", "secret holds white space"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.project, tc.secret, stytch.WithBaseURL(tc.base))
			require.Nil(t, c)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "hunter2", "a password in a base URL is never printed")
		})
	}
	for _, ua := range []string{"billing\r\nX-Evil: 1", "billing\x00", "billing\n"} {
		c, err := New(testProject, testSecret, stytch.WithUserAgent(ua))
		require.Nil(t, c)
		require.ErrorContains(t, err, "stytch: WithUserAgent holds a byte that cannot be in an HTTP header")
	}
}

func TestRequestHeadersAndBody(t *testing.T) {
	t.Parallel()
	c, last := setup(t, reply{status: 200, body: `{"ok":true}`}, stytch.WithUserAgent("billing/1.4"))
	var out struct{ OK bool }
	err := c.Do(context.Background(), &Request{
		Operation: "Test.Post", Method: http.MethodPost, Path: "/v1/things/" + PathEscape("a/b"),
		Query: url.Values{"q": {"x y"}}, Body: map[string]any{"flag": false},
	}, &out)
	require.NoError(t, err)
	require.True(t, out.OK)
	req := last()
	require.Equal(t, "/v1/things/a%2Fb", req.URL.EscapedPath())
	require.Equal(t, "x y", req.URL.Query().Get("q"))
	require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(testProject+":"+testSecret)), req.Header.Get("Authorization"))
	require.Equal(t, "application/json", req.Header.Get("Content-Type"))
	require.Equal(t, "gostytch/"+stytch.Version+" billing/1.4", req.Header.Get("User-Agent"))
	body, _ := io.ReadAll(req.Body)
	require.JSONEq(t, `{"flag":false}`, string(body))
}

func TestNoBodyNoContentType(t *testing.T) {
	t.Parallel()
	c, last := setup(t, reply{status: 200, body: `{}`})
	require.NoError(t, c.Do(context.Background(), &Request{Operation: "T.Get", Method: http.MethodGet, Path: "/v1/x"}, &struct{}{}))
	require.Empty(t, last().Header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(last().Header.Get("User-Agent"), "gostytch/"))
}

func TestEvery2xxIsSuccess(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 201, 202, 299} {
		c, _ := setup(t, reply{status: status, body: `{"request_id":"r"}`})
		var out struct {
			RequestID string `json:"request_id"`
		}
		require.NoError(t, c.Do(context.Background(), &Request{Operation: "T", Method: "GET", Path: "/"}, &out), "status %d", status)
		require.Equal(t, "r", out.RequestID)
	}
}

func TestAPIErrorDecoded(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, reply{status: 404, header: map[string]string{"Content-Type": "application/json"}, body: `{
		"status_code": 400, "request_id": "request-id-test-1", "error_type": "session_not_found",
		"error_message": "Session could not be found.", "error_url": "https://stytch.com/docs/api/errors/404",
		"error_details": {"hint": "x"}}`})
	err := c.Do(context.Background(), &Request{Operation: "Sessions.Authenticate", Method: "POST", Path: "/"}, &struct{}{})
	var apiErr *stytch.Error
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, 404, apiErr.StatusCode, "the HTTP status wins over the body's status_code")
	require.Equal(t, stytch.ErrorTypeSessionNotFound, apiErr.ErrorType)
	require.Equal(t, "request-id-test-1", apiErr.RequestID)
	require.Equal(t, "Session could not be found.", apiErr.ErrorMessage)
	require.Equal(t, "https://stytch.com/docs/api/errors/404", apiErr.ErrorURL)
	require.Equal(t, map[string]any{"hint": "x"}, apiErr.ErrorDetails)
	require.Empty(t, apiErr.Body)
	require.Equal(t, "stytch: 404 session_not_found: Session could not be found. (request_id request-id-test-1)", err.Error())
}

func TestOAuth2ErrorDecoded(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, reply{status: 400, body: `{"error":"invalid_client","error_description":"Client authentication failed.","error_uri":"https://stytch.com/docs"}`})
	err := c.Do(context.Background(), &Request{Operation: "M2M.Token", Method: "POST", Path: "/"}, &struct{}{})
	var apiErr *stytch.Error
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, 400, apiErr.StatusCode)
	require.Equal(t, stytch.ErrorType("invalid_client"), apiErr.ErrorType)
	require.Equal(t, "Client authentication failed.", apiErr.ErrorMessage)
	require.Equal(t, "https://stytch.com/docs", apiErr.ErrorURL)
}

func TestNonJSONErrorKeepsStatusAndSnippet(t *testing.T) {
	t.Parallel()
	page := "<html><body><h1>502 Bad Gateway</h1>" + strings.Repeat("x", 4000) + "</body></html>"
	c, _ := setup(t, reply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: page})
	err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: "GET", Path: "/"}, &struct{}{})
	var apiErr *stytch.Error
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, 502, apiErr.StatusCode)
	require.Empty(t, apiErr.ErrorType)
	require.Equal(t, "Bad Gateway", apiErr.ErrorMessage)
	require.True(t, strings.HasPrefix(apiErr.Body, "<html><body><h1>502 Bad Gateway</h1>"))
	require.LessOrEqual(t, len(apiErr.Body), snippetBytes+len("…"))
	require.Contains(t, err.Error(), "stytch: 502: Bad Gateway: unexpected response body")
}

func TestErrorSnippetIsValidUTF8(t *testing.T) {
	t.Parallel()
	// Invalid bytes first, then two-byte runes so that the cut lands inside one.
	e := DecodeError(500, []byte("\xff\xfe"+strings.Repeat("é", snippetBytes)))
	require.True(t, utf8.ValidString(e.Body))
	require.True(t, strings.HasPrefix(e.Body, "\uFFFD"))
	require.LessOrEqual(t, len(e.Body), snippetBytes+len("\uFFFD")+len("…"))
}

func TestJSONWithoutErrorTypeIsNotAnAPIError(t *testing.T) {
	t.Parallel()
	e := DecodeError(503, []byte(`{"message":"upstream unavailable"}`))
	require.Equal(t, 503, e.StatusCode)
	require.Empty(t, e.ErrorType)
	require.Equal(t, `{"message":"upstream unavailable"}`, e.Body)
}

func TestSuccessDecodingFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty body", "", "200 response has an empty body"},
		{"truncated JSON", `{"user_id":"u`, "decoding 200 response"},
		{"wrong type", `{"n":"not a number"}`, "decoding 200 response"},
		{"null", `null`, "200 response is not a JSON object"},
		{"array", ` [{"n":1}]`, "200 response is not a JSON object"},
		{"string", `"ok"`, "200 response is not a JSON object"},
		{"number", `42`, "200 response is not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := setup(t, reply{status: 200, body: tc.body})
			var out struct{ N int }
			err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: "GET", Path: "/"}, &out)
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "Users.Get")
			var apiErr *stytch.Error
			require.False(t, errors.As(err, &apiErr), "a decoding failure is not an API error")
		})
	}
	c, _ := setup(t, reply{status: 200, body: `{"n":"x"}`})
	err := c.Do(context.Background(), &Request{Operation: "T", Method: "GET", Path: "/"}, &struct{ N int }{})
	var typeErr *json.UnmarshalTypeError
	require.True(t, errors.As(err, &typeErr), "the decoding error is wrapped with %%w")
}

func TestWithHTTPClientIsUsed(t *testing.T) {
	t.Parallel()
	var used bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{}`)), Header: http.Header{}, Request: r}, nil
	})}
	c, err := New(testProject, testSecret, stytch.WithHTTPClient(hc))
	require.NoError(t, err)
	require.NoError(t, c.Do(context.Background(), &Request{Operation: "T", Method: "GET", Path: "/"}, &struct{}{}))
	require.True(t, used)
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	c, err := New(testProject, testSecret)
	require.NoError(t, err)
	encoded := base64.StdEncoding.EncodeToString([]byte(testProject + ":" + testSecret))
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%v %+v %#v", *c, *c, *c), fmt.Sprint(c.auth), fmt.Sprintf("%#v", c.auth)} {
		require.NotContains(t, out, testSecret)
		require.NotContains(t, out, encoded)
	}
}

func TestPathEscapeKeepsOneSegment(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"member-test-1": "member-test-1",
		"a/b":           "a%2Fb",
		"..":            "%2E%2E",
		".":             "%2E",
		"a?b#c":         "a%3Fb%23c",
		"100%":          "100%25",
		"a b":           "a%20b",
		"../../admin":   "..%2F..%2Fadmin",
	} {
		require.Equal(t, want, PathEscape(in), in)
	}
}

func TestRequired(t *testing.T) {
	t.Parallel()
	require.NoError(t, Required("Users.Get", "user_id", "u"))
	err := Required("Users.Get", "user_id", "")
	var pe *stytch.ParamError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "stytch: Users.Get: user_id is required and must not be empty", err.Error())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
