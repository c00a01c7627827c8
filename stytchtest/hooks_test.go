package stytchtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// callHook sends a request to one of srv's test hooks, with the project's
// credentials when auth and body as JSON (a string is sent as it is), and
// returns the status and the answer decoded.
func callHook(t *testing.T, srv *Server, method, path string, body any, auth bool) (int, map[string]any) {
	t.Helper()
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		raw = string(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(raw))
	require.NoError(t, err)
	if auth {
		req.SetBasicAuth(srv.ProjectID(), srv.Secret())
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out), "%s %s", method, path)
	return resp.StatusCode, out
}

// TestTestHooksOverHTTP checks what every test hook under /__emulator/
// shares: the project's credentials, its methods, and a bounded JSON body.
func TestTestHooksOverHTTP(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	call := func(method, path, body string, auth bool) (int, any) {
		status, out := callHook(t, srv, method, path, body, auth)
		return status, out["error_type"]
	}
	require.NotEmpty(t, srv.testHooks)
	for path, methods := range srv.testHooks {
		for method := range methods {
			status, typ := call(method, path, `{}`, false)
			require.Equal(t, http.StatusUnauthorized, status, "%s %s without credentials", method, path)
			require.Equal(t, "unauthorized_credentials", typ)
		}
		status, typ := call(http.MethodDelete, path, ``, true)
		require.Equal(t, http.StatusMethodNotAllowed, status, path)
		require.Equal(t, "method_not_allowed", typ)
		if _, ok := methods[http.MethodPost]; ok {
			status, typ := call(http.MethodPost, path, `{"not json`, true)
			require.Equal(t, http.StatusBadRequest, status, "%s with a malformed body", path)
			require.Equal(t, errorTypeBadRequest, typ, path)
			status, _ = call(http.MethodPost, path, `{"x": "`+strings.Repeat("a", maxRequestBytes)+`"}`, true)
			require.NotEqual(t, http.StatusOK, status, "%s with a body over the limit", path)
		}
	}
}
