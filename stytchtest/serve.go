package stytchtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The glue between the generated route tables (*_server.gen.go) and the
// handlers: routing, binding a request into an operation's Params, and
// running its handler with the emulator locked.

// route is one operation, as the generated tables describe it.
type route struct {
	op, method, pattern string
	public              bool // security: [] in the spec: no credentials
	memberSession       bool // accepts the member-session headers
	form                bool // a form-encoded body
	body                bool // a JSON body
	optionalBody        bool // which the spec does not require
	bodySchema          int  // index in schemas of the JSON body's schema
	params              []param
	schemas             []schema
	// implemented reports whether the surface's API type has a method for
	// the operation; one that has none answers 501 before the request is
	// read, so that a test never mistakes it for a validation error.
	implemented bool
	serve       func(context.Context, *call) (any, error)

	segs []segment // pattern, split on "/"
}

type segment struct {
	lit   string
	param string // the parameter's name, for {name}
}

// call is one request to a route, as its handler and the hook before it see
// it: the path parameters by name, the query and form values, the body.
type call struct {
	e     *Emulator
	route *route
	http  *http.Request
	reqID string
	path  []pathValue
	body  []byte
	// The query and form values, parsed by validate.
	queryValues, formValues url.Values
	// status is the success status a handler answers with, when not 200
	// (setStatus).
	status int
}

// setStatus makes the request ctx serves answer with status on success,
// in the HTTP status line and the body's status_code.
func setStatus(ctx context.Context, status int) { callOf(ctx).status = status }

func (c *call) statusCode() int {
	if c.status == 0 {
		return http.StatusOK
	}
	return c.status
}

type pathValue struct{ name, value string }

type callKey struct{}

// callOf returns the request a handler serves: its route (which names the
// operation and whether it takes a member session), its path parameters
// and its headers.
func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// decodeBody decodes the body of the request ctx serves into v, for a
// handler that reads more from it than its Params holds (b2bOrgSettings
// tells a null from an absent field).
func decodeBody(ctx context.Context, v any) error {
	if err := json.Unmarshal(callOf(ctx).body, v); err != nil {
		return errorf(400, errorTypeBadRequest, "The request body could not be decoded: %v", err)
	}
	return nil
}

// serve is a route's glue: it decodes the JSON body into the operation's
// Params, binds the path, query and form values into it with bind, and runs
// h with the emulator locked, encoding the response (in its envelope) while
// the lock is held. The request has been validated against the route's
// schemas before.
func serve[P, R any](h func(context.Context, *P) (*R, error), bind func(*P, *call)) func(context.Context, *call) (any, error) {
	return func(ctx context.Context, c *call) (any, error) {
		var p P
		if c.route.body && len(c.body) > 0 {
			if err := json.Unmarshal(c.body, &p); err != nil {
				return nil, errorf(400, errorTypeBadRequest, "The request body could not be decoded: %v", err)
			}
		}
		if bind != nil {
			bind(&p, c)
		}
		ctx = context.WithValue(ctx, callKey{}, c)
		c.e.mu.Lock()
		defer c.e.mu.Unlock()
		if err := c.e.beforeHandler(ctx, c, &p); err != nil {
			return nil, err
		}
		resp, err := h(ctx, &p)
		if err != nil {
			return nil, err
		}
		if resp == nil {
			return withEnvelope(struct{}{}, c.reqID, c.statusCode())
		}
		// Encode while the lock is held: a response may share maps and
		// slices with the stored state that the next request changes.
		return withEnvelope(resp, c.reqID, c.statusCode())
	}
}

// beforeHandler runs before every handler, with the emulator locked and the
// request validated and bound into params (the operation's *Params): the
// one place for checks every operation shares. It authorizes the member
// session of an operation whose route takes one (authorizeMember).
func (e *Emulator) beforeHandler(_ context.Context, c *call, _ any) error {
	if !c.route.memberSession {
		return nil
	}
	return e.authorizeMemberHeaders(c)
}

// implements reports whether api has the method of I.
func implements[I any](api any) bool {
	_, ok := api.(I)
	return ok
}

// notImplemented is the answer of an operation the emulator lacks.
func notImplemented(op, method, path string) error {
	return errorf(501, "not_implemented", "The emulator does not implement %s (%s %s) yet.", op, method, path)
}

func (c *call) pathValue(name string) string {
	for _, v := range c.path {
		if v.name == name {
			return v.value
		}
	}
	return ""
}

func (c *call) query(name string) *string {
	if !c.queryValues.Has(name) {
		return nil
	}
	v := c.queryValues.Get(name)
	return &v
}

// queryInt and queryBool read values the validation has parsed already.
func (c *call) queryInt(name string) *int {
	s := c.query(name)
	if s == nil {
		return nil
	}
	n, _ := strconv.Atoi(*s)
	return &n
}

func (c *call) queryBool(name string) *bool {
	s := c.query(name)
	if s == nil {
		return nil
	}
	b, _ := strconv.ParseBool(*s)
	return &b
}

func (c *call) form(name string) *string {
	if !c.formValues.Has(name) {
		return nil
	}
	v := c.formValues.Get(name)
	return &v
}

// formList reads a space-delimited list.
func (c *call) formList(name string) []string { return strings.Fields(c.formValues.Get(name)) }

// router finds the route of a request: among the routes whose pattern
// matches its path, segment by segment, the one whose literal segments
// come first, as http.ServeMux picks the most specific pattern.
type router struct {
	bySegments map[int][]*route
}

func newRouter(tables ...[]route) *router {
	rt := &router{bySegments: map[int][]*route{}}
	for _, table := range tables {
		for i := range table {
			r := &table[i]
			for _, s := range strings.Split(r.pattern, "/") {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
					r.segs = append(r.segs, segment{param: s[1 : len(s)-1]})
				} else {
					r.segs = append(r.segs, segment{lit: s})
				}
			}
			rt.bySegments[len(r.segs)] = append(rt.bySegments[len(r.segs)], r)
		}
	}
	return rt
}

// find returns the route of method and escapedPath and its path values, or
// nil and whether another method is served at that path.
func (rt *router) find(method, escapedPath string) (best *route, values []pathValue, methodNotAllowed bool) {
	parts := strings.Split(escapedPath, "/")
	bestScore := -1
	for _, r := range rt.bySegments[len(parts)] {
		score, ok := r.match(parts)
		if !ok {
			continue
		}
		if r.method != method {
			methodNotAllowed = true
			continue
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	if best == nil {
		return nil, nil, methodNotAllowed
	}
	for i, s := range best.segs {
		if s.param != "" {
			v, _ := url.PathUnescape(parts[i])
			values = append(values, pathValue{s.param, v})
		}
	}
	return best, values, false
}

// match reports whether parts match r's pattern and scores the match: a
// bit per segment, from the first, set for a literal.
func (r *route) match(parts []string) (score int, ok bool) {
	for i, s := range r.segs {
		score <<= 1
		if s.param == "" {
			if parts[i] != s.lit {
				return 0, false
			}
			score |= 1
			continue
		}
		if v, err := url.PathUnescape(parts[i]); err != nil || v == "" {
			return 0, false
		}
	}
	return score, true
}
