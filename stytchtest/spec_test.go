package stytchtest

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/internal/specload"
	"github.com/gostytch/stytch/spec"
)

// The emulator parses no spec: its routes and validation are generated.
// The tests load the spec to check both against it, and to validate the
// emulator's responses (validateResponses).

type specSurface struct {
	name   string
	doc    *openapi3.T
	router routers.Router
}

var (
	specOnce     sync.Once
	specSurfaces []*specSurface
	specErr      error
)

// loadSpec loads and routes the embedded spec once per test process.
func loadSpec() ([]*specSurface, error) {
	specOnce.Do(func() {
		for _, name := range []string{"consumer", "b2b"} {
			d, err := specload.Load(spec.FS, "spec", name)
			if err != nil {
				specErr = err
				return
			}
			// Route on paths alone, whatever host the emulator listens on.
			d.T.Servers = nil
			for _, item := range d.T.Paths.Map() {
				item.Servers = nil
				for _, op := range item.Operations() {
					op.Servers = nil
				}
			}
			r, err := legacy.NewRouter(d.T)
			if err != nil {
				specErr = err
				return
			}
			specSurfaces = append(specSurfaces, &specSurface{name: name, doc: d.T, router: r})
		}
	})
	return specSurfaces, specErr
}

// validationMessage turns a kin-openapi validation error into one short
// sentence naming the field at fault.
func validationMessage(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		field := strings.Join(se.JSONPointer(), ".")
		if field == "" {
			return "Response body: " + se.Reason
		}
		return "Response body field " + field + ": " + se.Reason
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Reason != "" {
		return re.Reason
	}
	return err.Error()
}

// TestEveryEndpointAnswers walks both surfaces of the spec: every endpoint
// is routed to its operation (a shared one to the consumer server's), every
// one the emulator does not implement answers 501 naming its operation, and
// every one it does reaches its handler.
func TestEveryEndpointAnswers(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	surfs, err := loadSpec()
	require.NoError(t, err)
	param := regexp.MustCompile(`\{[^}]*\}`)
	implemented, missing := 0, 0
	routed := map[*route]bool{}
	for _, s := range surfs {
		for path, item := range s.doc.Paths.Map() {
			for method, op := range item.Operations() {
				concrete := param.ReplaceAllString(path, "x-1")
				rt, _, _ := srv.router.find(method, concrete)
				require.NotNil(t, rt, "%s %s (%s) is not routed", method, path, op.OperationID)
				require.Equal(t, op.OperationID, rt.op, "%s %s", method, path)
				require.Equal(t, path, rt.pattern)
				// Public: no project secret, whether security is [] or the end
				// user's bearer token (IDP.UserInfo), which the handler checks.
				public := op.Security != nil && !slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool { _, ok := r["projectSecret"]; return ok })
				require.Equal(t, public, rt.public, "%s: public", op.OperationID)
				routed[rt] = true

				req, err := http.NewRequest(method, srv.URL+concrete, strings.NewReader(`{}`))
				require.NoError(t, err)
				req.SetBasicAuth(srv.ProjectID(), srv.Secret())
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				var body struct {
					ErrorType    string `json:"error_type"`
					ErrorMessage string `json:"error_message"`
				}
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), "%s %s", method, path)
				_ = resp.Body.Close()
				if rt.implemented {
					implemented++
					require.NotContains(t, []string{"route_not_found", "method_not_allowed", "not_implemented"}, body.ErrorType, "%s %s (%s)", method, path, op.OperationID)
					continue
				}
				missing++
				require.Equal(t, http.StatusNotImplemented, resp.StatusCode, "%s %s (%s)", method, path, op.OperationID)
				require.Equal(t, "not_implemented", body.ErrorType)
				require.Contains(t, body.ErrorMessage, op.OperationID)
			}
		}
	}
	n := 0
	for _, rts := range srv.router.bySegments {
		n += len(rts)
	}
	for _, rts := range srv.router.bySegments {
		for _, r := range rts {
			require.True(t, routed[r], "route %s %s (%s) is no operation of the spec", r.method, r.pattern, r.op)
		}
	}
	require.Len(t, routed, n)
	t.Logf("%d implemented, %d answered 501", implemented, missing)
	require.Zero(t, missing, "every operation of the spec is implemented")
}

// TestHandlersAreOperations checks that every exported method of the API
// types is an operation of their server interface, so that a handler left
// behind by an operation renamed in the spec fails here rather than go
// unnoticed (the operation, under its new name, would answer 501).
func TestHandlersAreOperations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		api, server reflect.Type
	}{
		{reflect.TypeFor[consumerAPI](), reflect.TypeFor[consumerServer]()},
		{reflect.TypeFor[b2bAPI](), reflect.TypeFor[b2bServer]()},
	} {
		emulator := reflect.TypeFor[*Emulator]()
		for i := range tc.api.NumMethod() {
			m := tc.api.Method(i)
			if _, promoted := emulator.MethodByName(m.Name); promoted {
				continue
			}
			_, ok := tc.server.MethodByName(m.Name)
			require.True(t, ok, "%s.%s is no operation of %s", tc.api.Name(), m.Name, tc.server.Name())
		}
	}
}

// pretendUnimplemented marks one operation of e (the first by pattern
// that takes no member session) as one the emulator does not implement,
// as a spec newer than the emulator's handlers would leave it, and returns
// its method and a concrete path: every operation of today's spec is
// implemented, and the 501 answer is for those of tomorrow's.
func pretendUnimplemented(e *Emulator) (method, path string) {
	var first *route
	for _, rts := range e.router.bySegments {
		for _, r := range rts {
			if !r.memberSession && (first == nil || r.pattern+r.method < first.pattern+first.method) {
				first = r
			}
		}
	}
	first.implemented = false
	return first.method, regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(first.pattern, "x-1")
}
