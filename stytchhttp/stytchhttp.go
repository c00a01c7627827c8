// Package stytchhttp authenticates the requests of a net/http server with
// Stytch sessions: middleware that reads the session JWT from the cookie
// Stytch's frontend SDKs set (or an Authorization: Bearer header), verifies
// it locally with the client's AuthenticateJWT rules, and puts the session
// in the request context.
//
//	auth, err := stytchhttp.NewConsumer(client)
//	if err != nil { ... }
//	mux.Handle("GET /me", auth.RequireSession(meHandler))
//	mux.Handle("POST /documents", auth.RequirePermission("documents", "create")(createHandler))
//	// in a handler:
//	s, _ := stytchhttp.ConsumerSessionFrom(r.Context())
//
// The B2B middleware (NewB2B) also checks tenancy: a route that names an
// organization (by default its {organization_id} path value) is refused,
// 403, to members of any other organization.
//
// Every middleware is a plain func(http.Handler) http.Handler, so it
// composes with any router that takes an http.Handler.
package stytchhttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/config"
)

// The cookies Stytch's frontend SDKs set.
const (
	// DefaultJWTCookie holds the session JWT.
	DefaultJWTCookie = "stytch_session_jwt"
	// DefaultSessionCookie holds the opaque session token.
	DefaultSessionCookie = "stytch_session"
)

// Source is where the middleware looks for a credential. The first source
// that holds one is used; the others are not consulted.
type Source struct {
	kind   sourceKind
	cookie string
}

type sourceKind int

const (
	jwtCookie sourceKind = iota + 1
	bearerJWT
	tokenCookie
)

// JWTCookie reads a session JWT from the cookie name (DefaultJWTCookie is
// the one Stytch's frontend SDKs set). It is verified locally.
func JWTCookie(name string) Source { return Source{kind: jwtCookie, cookie: name} }

// BearerJWT reads a session JWT from an Authorization: Bearer header. It is
// verified locally.
func BearerJWT() Source { return Source{kind: bearerJWT} }

// SessionTokenCookie reads the opaque session token from the cookie name
// (DefaultSessionCookie is the one Stytch's frontend SDKs set). An opaque
// token can only be checked by the API (Sessions.Authenticate): each
// request that carries one costs a round trip to Stytch.
func SessionTokenCookie(name string) Source { return Source{kind: tokenCookie, cookie: name} }

// Option configures a middleware. These configure the middleware itself;
// the options of the verification it runs are stytch.Options, given with
// WithAuthOptions.
type Option func(*settings)

type settings struct {
	sources  []Source
	authOpts []stytch.Option
	orgID    func(*http.Request) string
	orgSet   bool
	onError  func(http.ResponseWriter, *http.Request, *Error)
	problems []string
}

// WithSources replaces where credentials are looked for, in order. The
// default is JWTCookie(DefaultJWTCookie), then BearerJWT().
func WithSources(sources ...Source) Option {
	return func(s *settings) {
		if len(sources) == 0 {
			s.problems = append(s.problems, "WithSources was given no source")
		}
		for _, src := range sources {
			if src.kind == 0 || (src.kind != bearerJWT && src.cookie == "") {
				s.problems = append(s.problems, "WithSources was given a zero Source or an empty cookie name")
			}
		}
		s.sources = append([]Source(nil), sources...)
	}
}

// WithAuthOptions adds options to every AuthenticateJWT call the middleware
// makes, typically stytch.WithMaxTokenAge, which bounds how stale a
// locally trusted session can be (older JWTs are checked by the API). It
// may not hold stytch.WithAuthorizationCheck: RequirePermission sets the
// check.
func WithAuthOptions(opts ...stytch.Option) Option {
	return func(s *settings) {
		st := config.Settings{PerCall: true}
		for _, o := range opts {
			if o == nil {
				s.problems = append(s.problems, "WithAuthOptions was given a nil option")
				continue
			}
			o(&st)
		}
		switch {
		case st.Problem != nil:
			s.problems = append(s.problems, "WithAuthOptions: "+st.Problem.Option+" "+st.Problem.Reason)
		case st.Verify.Check != nil:
			s.problems = append(s.problems, "WithAuthOptions cannot hold WithAuthorizationCheck; use RequirePermission")
		case len(st.Verify.Scopes) > 0:
			s.problems = append(s.problems, "WithAuthOptions cannot hold WithRequiredScopes, which applies to M2M tokens")
		case !onlyVerify(st):
			s.problems = append(s.problems, "WithAuthOptions takes only the options of JWT verification (WithMaxTokenAge)")
		}
		s.authOpts = append(s.authOpts, opts...)
	}
}

// WithOrganizationID tells the B2B middleware which organization a request
// is for; a member session of another organization is refused with 403.
// The default reads the route's {organization_id} path value
// (r.PathValue("organization_id")); a route with none is not checked, and
// RequirePermission then checks the member's own organization. B2B only.
func WithOrganizationID(f func(*http.Request) string) Option {
	return func(s *settings) {
		if f == nil {
			s.problems = append(s.problems, "WithOrganizationID was given a nil func")
			return
		}
		s.orgID, s.orgSet = f, true
	}
}

// WithErrorHandler replaces how a refused request is answered. The default,
// WriteError, writes a JSON body and, on 401 and 403, a WWW-Authenticate
// header.
func WithErrorHandler(f func(http.ResponseWriter, *http.Request, *Error)) Option {
	return func(s *settings) {
		if f == nil {
			s.problems = append(s.problems, "WithErrorHandler was given a nil func")
			return
		}
		s.onError = f
	}
}

// onlyVerify reports whether options wrote nothing but JWT verification
// settings: AuthenticateJWT reads no other (its API fallback runs with the
// client's settings).
func onlyVerify(st config.Settings) bool {
	st.Verify = config.JWTCall{}
	return reflect.DeepEqual(st, config.Settings{PerCall: true})
}

func newSettings(opts []Option, b2b bool) (settings, error) {
	s := settings{
		sources: []Source{JWTCookie(DefaultJWTCookie), BearerJWT()},
		orgID:   func(r *http.Request) string { return r.PathValue("organization_id") },
		onError: WriteError,
	}
	for _, o := range opts {
		if o == nil {
			s.problems = append(s.problems, "nil Option")
			continue
		}
		o(&s)
	}
	if s.orgSet && !b2b {
		s.problems = append(s.problems, "WithOrganizationID applies to B2B sessions; consumer sessions have no organization")
	}
	if len(s.problems) > 0 {
		return s, errors.New("stytchhttp: " + strings.Join(s.problems, "; "))
	}
	return s, nil
}

// Error is why a request was refused.
type Error struct {
	// Status is the HTTP status answered: 401 (no credential, or one that
	// does not authenticate), 403 (authenticated, but not allowed here),
	// 503 (Stytch could not be asked) or 500 (a misconfiguration).
	Status int
	// Code is a short machine-readable reason: "missing_credential",
	// "invalid_session", "wrong_organization", "permission_denied",
	// "unavailable" or "internal".
	Code string
	// Err is the error behind it, when there is one (a stytch.ErrJWT…
	// value, stytch.ErrTenancy, stytch.ErrPermissionDenied, a *stytch.Error).
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("stytchhttp: %d %s: %v", e.Status, e.Code, e.Err)
	}
	return fmt.Sprintf("stytchhttp: %d %s", e.Status, e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

var errMissing = &Error{Status: http.StatusUnauthorized, Code: "missing_credential"}

// classify turns an authentication or authorization failure into the
// answer to give.
func classify(err error) *Error {
	var apiErr *stytch.Error
	var pe *stytch.ParamError
	switch {
	case errors.Is(err, stytch.ErrTenancy):
		return &Error{Status: http.StatusForbidden, Code: "wrong_organization", Err: err}
	case errors.Is(err, stytch.ErrPermissionDenied):
		return &Error{Status: http.StatusForbidden, Code: "permission_denied", Err: err}
	case errors.As(err, &pe):
		return &Error{Status: http.StatusInternalServerError, Code: "internal", Err: err}
	case errors.As(err, &apiErr):
		switch {
		case apiErr.StatusCode == http.StatusForbidden:
			return &Error{Status: http.StatusForbidden, Code: "permission_denied", Err: err}
		case apiErr.StatusCode == http.StatusTooManyRequests, apiErr.StatusCode >= 500:
			return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Err: err}
		case apiErr.StatusCode >= 400:
			// The session is unknown, revoked or expired, or the token
			// malformed.
			return &Error{Status: http.StatusUnauthorized, Code: "invalid_session", Err: err}
		}
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Err: err}
	case errors.Is(err, stytch.ErrJWKSUnavailable), errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Err: err}
	case isJWTError(err):
		return &Error{Status: http.StatusUnauthorized, Code: "invalid_session", Err: err}
	}
	// A transport failure: Stytch could not be asked.
	return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Err: err}
}

var jwtErrors = []error{
	stytch.ErrJWTExpired, stytch.ErrJWTNotYetValid, stytch.ErrJWTTooOld, stytch.ErrJWTUnknownKey,
	stytch.ErrJWTMalformed, stytch.ErrJWTTooLarge, stytch.ErrJWTAlgorithm, stytch.ErrJWTSignature,
	stytch.ErrJWTIssuer, stytch.ErrJWTAudience, stytch.ErrJWTWrongKind,
}

func isJWTError(err error) bool {
	for _, target := range jwtErrors {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// WriteError is the default error handler: a JSON body
// {"error": code, "error_description": text} with e.Status, and on 401 and
// 403 a WWW-Authenticate header in RFC 6750's form. The description never
// holds the token.
func WriteError(w http.ResponseWriter, _ *http.Request, e *Error) {
	h := w.Header()
	switch e.Status {
	case http.StatusUnauthorized:
		if e == errMissing || e.Code == errMissing.Code {
			h.Set("WWW-Authenticate", `Bearer realm="stytch"`)
		} else {
			h.Set("WWW-Authenticate", `Bearer realm="stytch", error="invalid_token"`)
		}
	case http.StatusForbidden:
		h.Set("WWW-Authenticate", `Bearer realm="stytch", error="insufficient_scope"`)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	_, _ = fmt.Fprintf(w, `{"error":%q,"error_description":%q}`+"\n", e.Code, description(e))
}

func description(e *Error) string {
	switch e.Code {
	case "missing_credential":
		return "No Stytch session was presented."
	case "invalid_session":
		return "The Stytch session is invalid, expired or revoked."
	case "wrong_organization":
		return "The session belongs to another organization."
	case "permission_denied":
		return "The session's roles do not grant this action."
	case "unavailable":
		return "The session could not be checked; try again."
	}
	return "The session could not be checked."
}
