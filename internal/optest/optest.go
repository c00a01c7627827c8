// Package optest runs the generated per-operation tests of the consumer and
// b2b packages: each operation is called once against an httptest server
// that records what arrived on the wire. The tests live in optest/consumer
// and optest/b2b, folders of tests only that no package imports, so that
// neither they nor the spec loader they check coverage with reach a user's
// `go mod tidy`, which reads the tests of every package it imports.
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
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/specload"
	"github.com/gostytch/stytch/spec"
)

// Test credentials; the secret must reach the server only in the
// Authorization header.
const (
	ProjectID = "project-test-00000000-0000-4000-8000-000000000000"
	Secret    = "secret-test-optest-optest-optest-optest0="
	// MemberSession is the member session token the cases of operations
	// that accept one pass with stytch.WithMemberSession.
	MemberSession = "member-session-token-optest"
	// FraudPrefix is the path under the test server that stands for the
	// fraud API's base URL, so that a call sent to the wrong base fails.
	FraudPrefix = "/telemetry"
)

// Case is one generated operation and what the server must see.
type Case[C any] struct {
	ID     string
	Method string
	// Path is the escaped path expected on the wire.
	Path      string
	Query     url.Values
	HasBody   bool
	Form      bool     // the body is form-encoded rather than JSON
	BodyKeys  []string // the keys the body must hold, exactly
	NotInBody []string // path and query parameters, which must stay out of it
	// MemberSession reports that Call passes stytch.WithMemberSession, whose
	// header the server must see; other calls must send no such header.
	MemberSession bool
	// Public reports an endpoint that takes no project credentials: the
	// server must see no Authorization header.
	Public bool
	// Bearer is the token a bearer-authenticated endpoint's case passes as
	// its AccessToken: the server must see it as the Authorization, and
	// never the project's credentials.
	Bearer string
	// Call makes the call with opts, as a user would pass them.
	Call func(ctx context.Context, client C, opts ...stytch.Option) (any, error)
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
		memberSession, callHeader       string
		query                           url.Values
		body                            []byte
	}
	var last atomic.Pointer[seen]
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		last.Store(&seen{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"),
			r.Header.Get("X-Stytch-Member-Session"), r.Header.Get("X-Optest-Call"), r.URL.Query(), body})
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
			// Every method takes per-call options and honours them.
			var meta stytch.Response
			opts := []stytch.Option{stytch.WithHeader("X-Optest-Call", c.ID), stytch.WithResponseInto(&meta)}
			if c.MemberSession {
				opts = append(opts, stytch.WithMemberSession(MemberSession))
			}
			resp, err := c.Call(context.Background(), client, opts...)
			require.NoError(t, err)
			require.NotNil(t, resp)
			got := last.Load()
			require.NotNil(t, got, "no request reached the server")
			require.Equal(t, c.ID, got.callHeader, "the call's WithHeader was not sent")
			require.Equal(t, stytch.Response{StatusCode: 200, Header: meta.Header, RequestID: "request-id-test-1", Attempts: 1}, meta)
			require.Equal(t, c.Method, got.method)
			require.Equal(t, c.Path, got.path)
			switch {
			case c.Bearer != "":
				require.Equal(t, "Bearer "+c.Bearer, got.auth, "the end user's token, and only it")
			case c.Public:
				require.Empty(t, got.auth, "the project's credentials are not sent to a public endpoint")
			default:
				require.Equal(t, wantAuth, got.auth)
			}
			if len(c.Query) > 0 {
				require.Equal(t, c.Query, got.query)
			} else {
				require.Empty(t, got.query)
			}
			if c.MemberSession {
				require.Equal(t, MemberSession, got.memberSession)
			} else {
				require.Empty(t, got.memberSession)
			}
			if !c.HasBody {
				require.Empty(t, got.body)
				return
			}
			var body map[string]any
			if c.Form {
				require.Equal(t, "application/x-www-form-urlencoded", got.contentType)
				form, err := url.ParseQuery(string(got.body))
				require.NoError(t, err, "body %s", got.body)
				body = map[string]any{}
				for k, v := range form {
					body[k] = v
				}
			} else {
				require.Equal(t, "application/json", got.contentType)
				require.NoError(t, json.Unmarshal(got.body, &body), "body %s", got.body)
			}
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
		if !c.MemberSession {
			t.Run(c.ID+"/no-member-session", func(t *testing.T) {
				before := hits.Load()
				resp, err := c.Call(context.Background(), client, stytch.WithMemberSessionJWT("member-session-jwt-optest"))
				require.Nil(t, resp)
				var pe *stytch.ParamError
				require.True(t, errors.As(err, &pe), "want *stytch.ParamError, got %v", err)
				require.Equal(t, "WithMemberSessionJWT", pe.Param)
				require.Equal(t, before, hits.Load(), "a request was sent")
			})
		}
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

// Coverage walks the surface's spec and fails for any operation that the
// client lacks as a method of the right shape, or that no case checks on
// the wire, or whose case disagrees with the spec about the member-session
// headers, the form body or the base URL. It is written apart from the
// generator, so that a generator bug cannot hide an endpoint from it.
func Coverage[C any](t *testing.T, surface string, client C, cases []Case[C]) {
	t.Helper()
	doc, err := specload.Load(spec.FS, "spec", surface)
	require.NoError(t, err)
	byID := map[string]Case[C]{}
	for _, c := range cases {
		byID[c.ID] = c
	}
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	optionsType := reflect.TypeOf([]stytch.Option(nil))
	errType := reflect.TypeOf((*error)(nil)).Elem()
	n := 0
	for path, item := range doc.T.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			id := op.OperationID
			// The method: follow the service fields from the client.
			v := reflect.ValueOf(client)
			parts := strings.Split(id, ".")
			for _, field := range parts[:len(parts)-1] {
				v = reflect.Indirect(v).FieldByName(field)
				require.True(t, v.IsValid() && !v.IsNil(), "%s: the client has no service %s", id, field)
			}
			m := v.MethodByName(parts[len(parts)-1])
			require.True(t, m.IsValid(), "%s: no generated method", id)
			mt := m.Type()
			require.True(t, mt.NumIn() >= 2 && mt.In(0) == ctxType && mt.NumOut() == 2 && mt.Out(1) == errType,
				"%s: method has signature %s", id, mt)

			c, ok := byID[id]
			require.True(t, ok, "%s: no httptest case checks it", id)
			require.Equal(t, method, c.Method, id)
			member := false
			for _, p := range op.Parameters {
				if p.Value.In == "header" && strings.HasPrefix(p.Value.Name, "X-Stytch-Member-Session") {
					member = true
				}
			}
			require.Equal(t, member, c.MemberSession, "%s: member-session headers", id)
			require.True(t, mt.IsVariadic() && mt.In(mt.NumIn()-1) == optionsType, "%s: takes ...stytch.Option last", id)
			form := op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded") != nil
			require.Equal(t, form, c.Form, "%s: form body", id)
			require.Equal(t, op.RequestBody != nil, c.HasBody, "%s: body", id)
			fraud := len(item.Servers) > 0 && item.Servers[0].URL == "https://telemetry.stytch.com"
			require.Equal(t, fraud, strings.HasPrefix(c.Path, FraudPrefix+"/"), "%s: sent to the fraud API's base URL", id)
			bearer := op.Security != nil && len(*op.Security) == 1 && (*op.Security)[0]["connectedAppAccessToken"] != nil
			require.Equal(t, bearer, c.Bearer != "", "%s: authenticated with the end user's bearer token", id)
			if len(item.Servers) > 0 && item.Servers[0].URL == "https://{project_domain}" {
				// With no custom domain, the backwards-compatible path
				// below the base URL: /v1/public/{project_id}, and the
				// path without its /v1.
				want := "/v1/public/" + ProjectID + strings.TrimPrefix(path, "/v1")
				require.Equal(t, want, c.Path, "%s: sent to the project domain's public path", id)
				continue
			}
			require.Equal(t, strings.Count(path, "/"), strings.Count(strings.TrimPrefix(c.Path, map[bool]string{true: FraudPrefix}[fraud]), "/"),
				"%s: case path %s does not follow %s", id, c.Path, path)
		}
	}
	require.Len(t, cases, n, "every case must be an operation of the spec")
}
