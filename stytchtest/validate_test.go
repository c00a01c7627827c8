package stytchtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGeneratedValidation sends raw requests the spec rejects: each is a
// 400 bad_request in Stytch's error shape, before any handler runs.
func TestGeneratedValidation(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name, method, path, contentType, body string
		want                                  string // in the error message
	}{
		{"required field missing", "POST", "/v1/magic_links/email/login_or_create", "", `{}`, `"email" is missing`},
		{"required field null", "POST", "/v1/magic_links/email/login_or_create", "", `{"email":null}`, "email: value must not be null"},
		{"wrong type", "POST", "/v1/magic_links/email/login_or_create", "", `{"email":42}`, "must be a string"},
		{"nested wrong type", "PUT", "/v1/users/user-test-1", "", `{"name":{"first_name":7}}`, "name.first_name: value must be a string"},
		{"enum", "POST", "/v1/b2b/organizations", "", `{"organization_name":"Acme","email_jit_provisioning":"SOMETIMES"}`, "email_jit_provisioning: value \"SOMETIMES\" is not one of"},
		{"int32 bound", "POST", "/v1/sessions/authenticate", "", `{"session_token":"x","session_duration_minutes":2147483648}`, "out of bounds [-2147483648, 2147483647]"},
		{"not an integer", "POST", "/v1/sessions/authenticate", "", `{"session_token":"x","session_duration_minutes":1.5}`, "must be an integer"},
		{"invalid UTF-8", "POST", "/v1/magic_links/email/login_or_create", "", "{\"email\":\"ada\xff@example.com\"}", "UTF-8"},
		{"not JSON", "POST", "/v1/magic_links/email/login_or_create", "", `{"email":`, "not valid JSON"},
		{"trailing data", "POST", "/v1/magic_links/email/login_or_create", "", `{"email":"ada@example.com"} {}`, "data after the value"},
		{"not an object", "POST", "/v1/magic_links/email/login_or_create", "", `[]`, "must be an object"},
		{"empty body", "POST", "/v1/magic_links/email/login_or_create", "", ``, "required but missing"},
		{"content type", "POST", "/v1/magic_links/email/login_or_create", "text/plain", `{"email":"ada@example.com"}`, "Content-Type"},
		{"required query parameter", "GET", "/v1/sessions", "", ``, "Parameter user_id: value is required but missing"},
		{"form field missing", "POST", "/v1/public/" + srv.ProjectID() + "/oauth2/token", "application/x-www-form-urlencoded", `grant_type=client_credentials&client_id=c`, "client_secret: value is required but missing"},
		{"form enum", "POST", "/v1/public/" + srv.ProjectID() + "/oauth2/token", "application/x-www-form-urlencoded", `grant_type=password&client_id=c&client_secret=s`, "grant_type: value \"password\" is not one of"},
		{"form invalid UTF-8", "POST", "/v1/public/" + srv.ProjectID() + "/oauth2/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=c\xff&client_secret=s", "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.SetBasicAuth(srv.ProjectID(), srv.Secret())
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			var e map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
			require.Equal(t, 400, resp.StatusCode, e)
			require.Equal(t, errorTypeBadRequest, e["error_type"], e)
			require.Contains(t, e["error_message"], tc.want)
			require.Contains(t, e, "request_id")
			require.EqualValues(t, 400, e["status_code"])
		})
	}
}

// TestQueryValidation checks integer and boolean query parameters, which no
// operation the emulator implements takes yet, on a route of its own.
func TestQueryValidation(t *testing.T) {
	t.Parallel()
	r := &route{
		params: []param{
			{name: "limit", in: inQuery, kind: kindInteger, schema: 1},
			{name: "verbose", in: inQuery, kind: kindBoolean},
			{name: "order", in: inQuery, schema: 2},
		},
		schemas: []schema{{}, {kind: kindInteger, hasMin: true, min: 0, hasMax: true, max: 4294967295}, {kind: kindString, enum: []string{"asc", "desc"}}},
	}
	for query, want := range map[string]string{
		"":                         "",
		"limit=10&verbose=true":    "",
		"order=desc":               "",
		"limit=ten":                "Parameter limit: value \"ten\" must be an integer",
		"limit=-1":                 "Parameter limit: number -1 is out of bounds [0, 4294967295]",
		"limit=4294967296":         "Parameter limit: number 4294967296 is out of bounds",
		"verbose=maybe":            "Parameter verbose: value \"maybe\" must be a boolean",
		"order=sideways":           "Parameter order: value \"sideways\" is not one of",
		"limit=1&verbose=0&order=": "Parameter order",
	} {
		c := &call{route: r, http: httptest.NewRequest(http.MethodGet, "/?"+query, nil)}
		err := c.validate()
		if want == "" {
			require.NoError(t, err, query)
			continue
		}
		require.ErrorContains(t, err, want, query)
	}
	c := &call{route: r, http: httptest.NewRequest(http.MethodGet, "/?limit=7&verbose=true", nil)}
	require.NoError(t, c.validate())
	require.Equal(t, 7, *c.queryInt("limit"))
	require.True(t, *c.queryBool("verbose"))
	require.Nil(t, c.query("order"))
}
