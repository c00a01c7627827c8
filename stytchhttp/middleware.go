package stytchhttp

import (
	"context"
	"net/http"
	"strings"

	"github.com/gostytch/stytch"
)

// surface is what differs between the consumer and B2B middleware: how a
// credential becomes a session S. Everything else is shared.
type surface[S any] interface {
	// fromJWT authenticates a session JWT with AuthenticateJWT (local
	// first, the API where it can help), checking check when not nil.
	fromJWT(ctx context.Context, jwt string, check *stytch.AuthorizationCheck, opts []stytch.Option) (*S, error)
	// fromToken authenticates an opaque session token with the API.
	fromToken(ctx context.Context, token string, check *stytch.AuthorizationCheck) (*S, error)
	// organizationID is the session's organization; "" for consumer ones.
	organizationID(*S) string
}

// Middleware authenticates requests with one client's sessions. S is
// ConsumerSession (NewConsumer) or MemberSession (NewB2B). It is safe for
// concurrent use; build it once and reuse its middleware on every route.
type Middleware[S any] struct {
	surf surface[S]
	cfg  settings
	b2b  bool
}

// ctxKey is the context key of a session of type S; each instantiation is
// its own type, so the two surfaces never collide.
type ctxKey[S any] struct{}

// entry is what the context holds: the session, and the credential it came
// from, so that a later RequirePermission checks the same one.
type entry[S any] struct {
	session *S
	cred    credential
	owner   *Middleware[S] // only its own middleware reuses it
}

type credential struct {
	value  string
	opaque bool
}

func sessionFrom[S any](ctx context.Context) (*S, bool) {
	e, ok := ctx.Value(ctxKey[S]{}).(*entry[S])
	if !ok {
		return nil, false
	}
	return e.session, true
}

// credential finds the request's credential in the configured sources.
func (m *Middleware[S]) credential(r *http.Request) (credential, bool) {
	for _, src := range m.cfg.sources {
		switch src.kind {
		case jwtCookie, tokenCookie:
			if v := cookieValue(r, src.cookie); v != "" {
				return credential{value: v, opaque: src.kind == tokenCookie}, true
			}
		case bearerJWT:
			h := r.Header.Get("Authorization")
			if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
				if v := strings.TrimSpace(h[7:]); v != "" {
					return credential{value: v}, true
				}
			}
		}
	}
	return credential{}, false
}

func (m *Middleware[S]) authenticate(ctx context.Context, c credential, check *stytch.AuthorizationCheck) (*S, error) {
	if c.opaque {
		return m.surf.fromToken(ctx, c.value, check)
	}
	return m.surf.fromJWT(ctx, c.value, check, m.cfg.authOpts)
}

// session returns the request's session: the one an earlier middleware of
// m put in the context, or a newly authenticated one, with the request
// carrying it.
func (m *Middleware[S]) session(r *http.Request) (*http.Request, *entry[S], *Error) {
	if e := m.reuse(r); e != nil {
		return r, e, nil
	}
	c, ok := m.credential(r)
	if !ok {
		return r, nil, errMissing
	}
	s, err := m.authenticate(r.Context(), c, nil)
	if err != nil {
		return r, nil, classify(err)
	}
	e := &entry[S]{session: s, cred: c, owner: m}
	return r.WithContext(context.WithValue(r.Context(), ctxKey[S]{}, e)), e, nil
}

// reuse returns the session m put in r's context earlier, if it did; one a
// middleware of another client put there is not m's to trust.
func (m *Middleware[S]) reuse(r *http.Request) *entry[S] {
	if e, ok := r.Context().Value(ctxKey[S]{}).(*entry[S]); ok && e.owner == m {
		return e
	}
	return nil
}

// tenancy refuses a B2B session on a route naming another organization.
func (m *Middleware[S]) tenancy(r *http.Request, e *entry[S]) *Error {
	if !m.b2b {
		return nil
	}
	want := m.cfg.orgID(r)
	if want == "" || want == m.surf.organizationID(e.session) {
		return nil
	}
	return &Error{Status: http.StatusForbidden, Code: "wrong_organization", Err: stytch.ErrTenancy}
}

// Authenticate puts the request's session in its context when it carries a
// valid one, and passes every request on: a handler behind it reads
// ConsumerSessionFrom / MemberSessionFrom to tell signed-in requests from
// the others. RequireSession and RequirePermission behind it reuse the
// session instead of verifying it again.
func (m *Middleware[S]) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, _, _ := m.session(r)
		next.ServeHTTP(w, r2)
	})
}

// RequireSession passes on only the requests that carry a valid session,
// with the session in their context; the others are answered 401. For B2B,
// a session of another organization than the one the route names is
// answered 403.
func (m *Middleware[S]) RequireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, e, fail := m.session(r)
		if fail == nil {
			fail = m.tenancy(r, e)
		}
		if fail != nil {
			m.cfg.onError(w, r, fail)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequirePermission returns middleware that passes on only the requests
// whose session's roles grant action on resource under the project's RBAC
// policy (stytch.WithAuthorizationCheck: checked locally against the cached
// policy, and by the API when the cache denies, in case it is stale). No
// session is 401; a denial is 403. For B2B the check is made in the
// organization the route names (403 for members of another), or in the
// member's own when the route names none, with that organization's custom
// roles.
func (m *Middleware[S]) RequirePermission(resource, action string) func(http.Handler) http.Handler {
	if resource == "" || action == "" {
		panic("stytchhttp: RequirePermission needs a resource and an action")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, fail := m.permit(r, resource, action)
			if fail != nil {
				m.cfg.onError(w, r, fail)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// permit authenticates r's session, if no earlier middleware did, and
// checks the permission. When the organization to check in is known before
// the session is (always for consumer sessions; for B2B when the route
// names it), one AuthenticateJWT call does both.
func (m *Middleware[S]) permit(r *http.Request, resource, action string) (*http.Request, *Error) {
	check := &stytch.AuthorizationCheck{ResourceID: resource, Action: action}
	ok := m.reuse(r) != nil
	if !ok && m.b2b {
		check.OrganizationID = m.cfg.orgID(r)
	}
	if !ok && (!m.b2b || check.OrganizationID != "") {
		c, found := m.credential(r)
		if !found {
			return r, errMissing
		}
		s, err := m.authenticate(r.Context(), c, check)
		if err != nil {
			return r, classify(err)
		}
		e := &entry[S]{session: s, cred: c, owner: m}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey[S]{}, e))
		return r, m.tenancy(r, e)
	}
	r, e, fail := m.session(r)
	if fail == nil {
		fail = m.tenancy(r, e)
	}
	if fail != nil {
		return r, fail
	}
	if m.b2b {
		if check.OrganizationID = m.cfg.orgID(r); check.OrganizationID == "" {
			check.OrganizationID = m.surf.organizationID(e.session)
		}
	}
	if _, err := m.authenticate(r.Context(), e.cred, check); err != nil {
		return r, classify(err)
	}
	return r, nil
}

// cookieValue returns the value of the first cookie called name, as
// r.Cookie would, without parsing and validating every cookie of the
// request into a new value: that took a fifth of the middleware's time,
// for values the verifier (or the API) checks anyway.
func cookieValue(r *http.Request, name string) string {
	for _, line := range r.Header["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || k != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return v
		}
	}
	return ""
}
