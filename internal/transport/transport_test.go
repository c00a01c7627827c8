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
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

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
	if err != nil {
		t.Fatal(err)
	}
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
			if err != nil {
				t.Fatal(err)
			}
			if c.baseURL != tc.want {
				t.Fatalf("c.baseURL = %q, want %q", c.baseURL, tc.want)
			}
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
			if c != nil {
				t.Fatalf("c = %+v, want nil", c)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("a password in a base URL is never printed: err.Error() = %q, want it not to contain %q", err.Error(), "hunter2")
			}
		})
	}
	for _, ua := range []string{"billing\r\nX-Evil: 1", "billing\x00", "billing\n"} {
		c, err := New(testProject, testSecret, stytch.WithUserAgent(ua))
		if c != nil {
			t.Fatalf("c = %+v, want nil", c)
		}
		if want := "stytch: WithUserAgent holds a byte that cannot be in an HTTP header"; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want an error containing %q", err, want)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	if !out.OK {
		t.Fatal("out.OK = false, want true")
	}
	req := last()
	if got := req.URL.EscapedPath(); got != "/v1/things/a%2Fb" {
		t.Fatalf("req.URL.EscapedPath() = %q, want %q", got, "/v1/things/a%2Fb")
	}
	if got := req.URL.Query().Get("q"); got != "x y" {
		t.Fatalf("got %q, want %q", got, "x y")
	}
	if got := req.Header.Get("Authorization"); got != ("Basic " + base64.StdEncoding.EncodeToString([]byte(testProject+":"+testSecret))) {
		t.Fatalf("got %q, want %q", got, "Basic "+base64.StdEncoding.EncodeToString([]byte(testProject+":"+testSecret)))
	}
	if got := req.Header.Get("Content-Type"); got != "application/json" {
		t.Fatalf("got %q, want %q", got, "application/json")
	}
	if got := req.Header.Get("User-Agent"); got != ("gostytch/" + stytch.Version + " billing/1.4") {
		t.Fatalf("got %q, want %q", got, "gostytch/"+stytch.Version+" billing/1.4")
	}
	body, _ := io.ReadAll(req.Body)
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil || !reflect.DeepEqual(got, map[string]any{"flag": false}) {
		t.Fatalf("body %s, want {\"flag\":false}", body)
	}
}

func TestNoBodyNoContentType(t *testing.T) {
	t.Parallel()
	c, last := setup(t, reply{status: 200, body: `{}`})
	if err := c.Do(context.Background(), &Request{Operation: "T.Get", Method: http.MethodGet, Path: "/v1/x"}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if got := last().Header.Get("Content-Type"); got != "" {
		t.Fatalf("Content-Type = %q, want none", got)
	}
	if ua := last().Header.Get("User-Agent"); !strings.HasPrefix(ua, "gostytch/") {
		t.Fatalf("User-Agent %q, want it to start with %q", ua, "gostytch/")
	}
}

func TestEvery2xxIsSuccess(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 201, 202, 299} {
		c, _ := setup(t, reply{status: status, body: `{"request_id":"r"}`})
		var out struct {
			RequestID string `json:"request_id"`
		}
		if err := c.Do(context.Background(), &Request{Operation: "T", Method: "GET", Path: "/"}, &out); err != nil {
			t.Fatalf("status %d: %v", status, err)
		}
		if out.RequestID != "r" {
			t.Fatalf("out.RequestID = %q, want %q", out.RequestID, "r")
		}
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
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a %T", err, apiErr)
	}
	if apiErr.StatusCode != 404 {
		t.Fatalf("the HTTP status wins over the body's status_code: apiErr.StatusCode = %v, want %v", apiErr.StatusCode, 404)
	}
	if want := stytch.ErrorTypeSessionNotFound; apiErr.ErrorType != want {
		t.Fatalf("apiErr.ErrorType = %q, want %q", apiErr.ErrorType, want)
	}
	if apiErr.RequestID != "request-id-test-1" {
		t.Fatalf("apiErr.RequestID = %q, want %q", apiErr.RequestID, "request-id-test-1")
	}
	if apiErr.ErrorMessage != "Session could not be found." {
		t.Fatalf("apiErr.ErrorMessage = %q, want %q", apiErr.ErrorMessage, "Session could not be found.")
	}
	if want := "https://stytch.com/docs/api/errors/404"; apiErr.ErrorURL != want {
		t.Fatalf("apiErr.ErrorURL = %q, want %q", apiErr.ErrorURL, want)
	}
	if want := map[string]any{"hint": "x"}; !reflect.DeepEqual(apiErr.ErrorDetails, want) {
		t.Fatalf("apiErr.ErrorDetails = %v, want %v", apiErr.ErrorDetails, want)
	}
	if apiErr.Body != "" {
		t.Fatalf("apiErr.Body = %q, want empty", apiErr.Body)
	}
	if got, want := err.Error(), "stytch: 404 session_not_found: Session could not be found. (request_id request-id-test-1)"; got != want {
		t.Fatalf("err.Error() = %q, want %q", got, want)
	}
}

func TestOAuth2ErrorDecoded(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, reply{status: 400, body: `{"error":"invalid_client","error_description":"Client authentication failed.","error_uri":"https://stytch.com/docs"}`})
	err := c.Do(context.Background(), &Request{Operation: "M2M.Token", Method: "POST", Path: "/"}, &struct{}{})
	var apiErr *stytch.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a %T", err, apiErr)
	}
	if apiErr.StatusCode != 400 {
		t.Fatalf("apiErr.StatusCode = %v, want %v", apiErr.StatusCode, 400)
	}
	if want := stytch.ErrorType("invalid_client"); apiErr.ErrorType != want {
		t.Fatalf("apiErr.ErrorType = %q, want %q", apiErr.ErrorType, want)
	}
	if want := "Client authentication failed."; apiErr.ErrorMessage != want {
		t.Fatalf("apiErr.ErrorMessage = %q, want %q", apiErr.ErrorMessage, want)
	}
	if apiErr.ErrorURL != "https://stytch.com/docs" {
		t.Fatalf("apiErr.ErrorURL = %q, want %q", apiErr.ErrorURL, "https://stytch.com/docs")
	}
}

func TestNonJSONErrorKeepsStatusAndSnippet(t *testing.T) {
	t.Parallel()
	page := "<html><body><h1>502 Bad Gateway</h1>" + strings.Repeat("x", 4000) + "</body></html>"
	c, _ := setup(t, reply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: page})
	err := c.Do(context.Background(), &Request{Operation: "Users.Get", Method: "GET", Path: "/"}, &struct{}{})
	var apiErr *stytch.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a %T", err, apiErr)
	}
	if apiErr.StatusCode != 502 {
		t.Fatalf("apiErr.StatusCode = %v, want %v", apiErr.StatusCode, 502)
	}
	if apiErr.ErrorType != "" {
		t.Fatalf("apiErr.ErrorType = %q, want empty", apiErr.ErrorType)
	}
	if apiErr.ErrorMessage != "Bad Gateway" {
		t.Fatalf("apiErr.ErrorMessage = %q, want %q", apiErr.ErrorMessage, "Bad Gateway")
	}
	if !strings.HasPrefix(apiErr.Body, "<html><body><h1>502 Bad Gateway</h1>") {
		t.Fatalf("apiErr.Body = %q, want it to start with the proxy's page", apiErr.Body)
	}
	if len(apiErr.Body) > (snippetBytes + len("…")) {
		t.Fatalf("len(apiErr.Body) = %v, want <= %v", len(apiErr.Body), snippetBytes+len("…"))
	}
	if want := "stytch: 502: Bad Gateway: unexpected response body"; !strings.Contains(err.Error(), want) {
		t.Fatalf("err.Error() = %q, want it to contain %q", err.Error(), want)
	}
}

func TestErrorSnippetIsValidUTF8(t *testing.T) {
	t.Parallel()
	// Invalid bytes first, then two-byte runes so that the cut lands inside one.
	e := DecodeError(500, []byte("\xff\xfe"+strings.Repeat("é", snippetBytes)))
	if !utf8.ValidString(e.Body) {
		t.Fatal("utf8.ValidString(e.Body) = false, want true")
	}
	if !strings.HasPrefix(e.Body, "\uFFFD") {
		t.Fatalf("e.Body = %q, want it to start with U+FFFD", e.Body)
	}
	if len(e.Body) > (snippetBytes + len("\uFFFD") + len("…")) {
		t.Fatalf("len(e.Body) = %v, want <= %v", len(e.Body), snippetBytes+len("\uFFFD")+len("…"))
	}
}

func TestJSONWithoutErrorTypeIsNotAnAPIError(t *testing.T) {
	t.Parallel()
	e := DecodeError(503, []byte(`{"message":"upstream unavailable"}`))
	if e.StatusCode != 503 {
		t.Fatalf("e.StatusCode = %v, want %v", e.StatusCode, 503)
	}
	if e.ErrorType != "" {
		t.Fatalf("e.ErrorType = %q, want empty", e.ErrorType)
	}
	if want := `{"message":"upstream unavailable"}`; e.Body != want {
		t.Fatalf("e.Body = %q, want %q", e.Body, want)
	}
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
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an error containing %q", err, tc.want)
			}
			if err == nil || !strings.Contains(err.Error(), "Users.Get") {
				t.Fatalf("err = %v, want an error containing %q", err, "Users.Get")
			}
			var apiErr *stytch.Error
			if errors.As(err, &apiErr) {
				t.Fatal("a decoding failure is not an API error")
			}
		})
	}
	c, _ := setup(t, reply{status: 200, body: `{"n":"x"}`})
	err := c.Do(context.Background(), &Request{Operation: "T", Method: "GET", Path: "/"}, &struct{ N int }{})
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		t.Fatal("the decoding error is wrapped with %%w")
	}
}

func TestWithHTTPClientIsUsed(t *testing.T) {
	t.Parallel()
	var used bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{}`)), Header: http.Header{}, Request: r}, nil
	})}
	c, err := New(testProject, testSecret, stytch.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), &Request{Operation: "T", Method: "GET", Path: "/"}, &struct{}{}); err != nil {
		t.Fatal(err)
	}
	if !used {
		t.Fatal("used = false, want true")
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	c, err := New(testProject, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	encoded := base64.StdEncoding.EncodeToString([]byte(testProject + ":" + testSecret))
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%v %+v %#v", *c, *c, *c), fmt.Sprint(c.auth), fmt.Sprintf("%#v", c.auth)} {
		if strings.Contains(out, testSecret) {
			t.Fatalf("out = %q, want it not to contain %q", out, testSecret)
		}
		if strings.Contains(out, encoded) {
			t.Fatalf("out = %q, want it not to contain %q", out, encoded)
		}
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
		if got := PathEscape(in); got != want {
			t.Fatalf("%v: PathEscape(in) = %q, want %q", in, got, want)
		}
	}
}

func TestRequired(t *testing.T) {
	t.Parallel()
	if err := Required("Users.Get", "user_id", "u"); err != nil {
		t.Fatal(err)
	}
	err := Required("Users.Get", "user_id", "")
	var pe *stytch.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a %T", err, pe)
	}
	if got, want := err.Error(), "stytch: Users.Get: user_id is required and must not be empty"; got != want {
		t.Fatalf("err.Error() = %q, want %q", got, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
