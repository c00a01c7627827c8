package stytchtest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
)

// A testHook is one of the emulator's test hooks (LastMessage, TOTPCode,
// OAuthCallback, …) served under /__emulator/ to programs in other
// languages, with the project's credentials. Each family's file lists its
// own (fraudHooks in fraud.go, and so on); serveTestHook does the rest.
type testHook struct {
	method, path string
	// serve answers r. For a POST, decode reads its JSON body (at most
	// maxRequestBytes; an empty body reads as {}). An *apiError it returns
	// is answered as it is; any other error is a 400 bad_request.
	serve func(r *http.Request, decode func(any) error) (any, error)
}

// hookTable indexes hooks by path and then method.
type hookTable map[string]map[string]testHook

func newHookTable(families ...[]testHook) hookTable {
	t := hookTable{}
	for _, hooks := range families {
		for _, h := range hooks {
			if t[h.path] == nil {
				t[h.path] = map[string]testHook{}
			}
			if _, dup := t[h.path][h.method]; dup {
				panic("stytchtest: two test hooks at " + h.method + " " + h.path)
			}
			t[h.path][h.method] = h
		}
	}
	return t
}

// serveTestHook answers hr if its path is a test hook's, and reports
// whether it was.
func (e *Emulator) serveTestHook(w http.ResponseWriter, hr *http.Request, fail func(*apiError)) bool {
	methods, ok := e.testHooks[hr.URL.Path]
	if !ok {
		return false
	}
	if !e.authorized(hr) {
		fail(errUnauthorized)
		return true
	}
	h, ok := methods[hr.Method]
	if !ok {
		allowed := make([]string, 0, len(methods))
		for m := range methods {
			allowed = append(allowed, m)
		}
		slices.Sort(allowed)
		fail(errorf(405, "method_not_allowed", "Use %s.", strings.Join(allowed, " or ")))
		return true
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, hr.Body, maxRequestBytes))
	decode := func(v any) error {
		if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		return nil
	}
	v, err := h.serve(hr, decode)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = errorf(400, errorTypeBadRequest, "%v", err)
		}
		fail(ae)
		return true
	}
	writeJSON(w, http.StatusOK, v)
	return true
}

// messageHooks mirror Messages:
//
//	GET /__emulator/messages?to=ADDRESS -> {"messages": [Message, ...]}, oldest first
func (e *Emulator) messageHooks() []testHook {
	return []testHook{{method: http.MethodGet, path: "/__emulator/messages", serve: func(r *http.Request, _ func(any) error) (any, error) {
		msgs := e.Messages(r.URL.Query().Get("to"))
		if msgs == nil {
			msgs = []Message{}
		}
		return map[string]any{"messages": msgs}, nil
	}}}
}
