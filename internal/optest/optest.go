// Package optest runs the generated per-operation tests of the consumer and
// b2b packages: each operation is called once against an httptest server
// that records what arrived on the wire.
package optest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

// Test credentials; the secret must reach the server only in the
// Authorization header.
const (
	ProjectID = "project-test-00000000-0000-4000-8000-000000000000"
	Secret    = "secret-test-optest-optest-optest-optest0="
)

// Case is one generated operation and what the server must see.
type Case[C any] struct {
	ID     string
	Method string
	// Path is the escaped path expected on the wire.
	Path      string
	Query     url.Values
	HasBody   bool
	BodyKeys  []string // the JSON keys the body must hold, exactly
	NotInBody []string // path and query parameters, which must stay out of it
	Call      func(context.Context, C) (any, error)
	// CallEmpty calls with nil params; set for operations with path
	// parameters, which must then fail before any I/O.
	CallEmpty func(context.Context, C) (any, error)
}

// Run calls every case against one server. newClient builds a client whose
// base URL is the server's.
func Run[C any](t *testing.T, cases []Case[C], newClient func(baseURL string) (C, error)) {
	t.Helper()
	type seen struct {
		method, path, auth, contentType string
		query                           url.Values
		body                            []byte
	}
	var last atomic.Pointer[seen]
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		last.Store(&seen{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.URL.Query(), body})
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"request_id":"request-id-test-1","status_code":200}`)
	}))
	t.Cleanup(srv.Close)
	client, err := newClient(srv.URL)
	require.NoError(t, err)
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(ProjectID+":"+Secret))

	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			last.Store(nil)
			resp, err := c.Call(context.Background(), client)
			require.NoError(t, err)
			require.NotNil(t, resp)
			got := last.Load()
			require.NotNil(t, got, "no request reached the server")
			require.Equal(t, c.Method, got.method)
			require.Equal(t, c.Path, got.path)
			require.Equal(t, wantAuth, got.auth)
			if len(c.Query) > 0 {
				require.Equal(t, c.Query, got.query)
			} else {
				require.Empty(t, got.query)
			}
			if !c.HasBody {
				require.Empty(t, got.body)
				return
			}
			require.Equal(t, "application/json", got.contentType)
			var body map[string]any
			require.NoError(t, json.Unmarshal(got.body, &body), "body %s", got.body)
			keys := make([]string, 0, len(body))
			for k := range body {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			want := append([]string{}, c.BodyKeys...)
			sort.Strings(want)
			require.Equal(t, want, keys, "body %s", got.body)
			for _, k := range c.NotInBody {
				require.NotContains(t, body, k)
			}
		})
		if c.CallEmpty != nil {
			t.Run(c.ID+"/empty-path-param", func(t *testing.T) {
				before := hits.Load()
				resp, err := c.CallEmpty(context.Background(), client)
				require.Nil(t, resp)
				var pe *stytch.ParamError
				require.True(t, errors.As(err, &pe), "want *stytch.ParamError, got %v", err)
				require.Equal(t, c.ID, pe.Operation)
				require.Equal(t, before, hits.Load(), "a request was sent")
			})
		}
	}
}
