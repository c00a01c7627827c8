package stytch

import (
	"errors"
	"strings"
	"time"

	"github.com/gostytch/stytch/internal/config"
)

// Why a JWT failed local verification (Sessions.AuthenticateJWTLocal,
// M2M.AuthenticateToken). The error returned matches one of these with
// errors.Is, and never contains the token.
//
// The first four are failures the API could still settle: Stytch accepts
// an expired session JWT while its session lives, has its own clock, and
// can answer when the client could not fetch the keys.
// Sessions.AuthenticateJWT asks the API after them. The others mean the
// token is not a genuine session JWT of this project, and asking the API
// would only cost a round trip (and a share of the project's rate limit),
// so AuthenticateJWT returns them as they are:
//
//   - ErrJWTUnknownKey: the token's kid is in no key of a key set fetched
//     within the JWKS refresh limit (WithJWKSRefreshLimit, default 5
//     minutes), so the token is taken for a forged one: any number of them
//     cost at most one JWKS fetch per limit and no authenticate call. The
//     price is that a token under a key Stytch published after that fetch
//     is refused until the next fetch the limit allows.
//   - ErrJWTWrongKind: a genuine token of the project, but not of the kind
//     the method verifies. The same keys sign consumer session JWTs, B2B
//     member session JWTs and M2M access tokens: a session JWT (it carries
//     the https://stytch.com/session claim) is never accepted as an M2M
//     token, nor a B2B member session JWT (https://stytch.com/organization)
//     as a consumer one, nor the reverse.
var (
	ErrJWTExpired       = errors.New("stytch: JWT expired")
	ErrJWTNotYetValid   = errors.New("stytch: JWT not yet valid")
	ErrJWTTooOld        = errors.New("stytch: JWT older than the maximum token age")
	ErrJWKSUnavailable  = errors.New("stytch: the project's JWKS could not be fetched")
	ErrJWTUnknownKey    = errors.New("stytch: JWT signed with a key the project's JWKS does not hold")
	ErrJWTMalformed     = errors.New("stytch: malformed JWT")
	ErrJWTTooLarge      = errors.New("stytch: JWT too large")
	ErrJWTAlgorithm     = errors.New("stytch: JWT not signed with RS256")
	ErrJWTSignature     = errors.New("stytch: JWT signature does not verify")
	ErrJWTIssuer        = errors.New("stytch: JWT issued by someone other than the project")
	ErrJWTAudience      = errors.New("stytch: JWT audience does not include the project")
	ErrJWTWrongKind     = errors.New("stytch: JWT is another kind of token than the one expected")
	ErrPermissionDenied = errors.New("stytch: the roles or scopes held do not grant the permission")
	ErrTenancy          = errors.New("stytch: the session belongs to another organization than the one checked")
)

// jwtOption is a per-call option of local JWT verification.
func jwtOption(name string, apply func(*config.JWTCall) string) Option {
	return func(s *config.Settings) {
		if !s.CallOnly(name) {
			return
		}
		if reason := apply(&s.Verify); reason != "" {
			s.Fail(name, reason)
			return
		}
		if s.Verify.Set == "" {
			s.Verify.Set = name
		}
	}
}

// WithMaxTokenAge rejects a JWT issued (iat) longer than d ago with
// ErrJWTTooOld. Stytch refreshes a session JWT on every authenticate call,
// so a small age bounds how stale a locally trusted session can be. It
// applies to the methods that verify a JWT; d must be positive.
func WithMaxTokenAge(d time.Duration) Option {
	return jwtOption("WithMaxTokenAge", func(c *config.JWTCall) string {
		if d <= 0 {
			return "was given a duration that is not positive"
		}
		c.MaxTokenAge = d
		return ""
	})
}

// AuthorizationCheck asks whether a session may perform Action on
// ResourceID under the project's RBAC policy. OrganizationID is for B2B
// sessions: it must be the session's organization. Consumer checks leave it
// empty.
type AuthorizationCheck struct {
	OrganizationID string
	ResourceID     string
	Action         string
}

// WithAuthorizationCheck makes session verification also check check
// against the project's RBAC policy (cached for five minutes) and, for
// B2B, the organization's custom roles. A denial is ErrPermissionDenied (or
// ErrTenancy) from the local path, and the API's 403 from the remote one.
// ResourceID and Action must not be empty.
func WithAuthorizationCheck(check AuthorizationCheck) Option {
	return jwtOption("WithAuthorizationCheck", func(c *config.JWTCall) string {
		if check.ResourceID == "" || check.Action == "" {
			return "needs a ResourceID and an Action"
		}
		cc := config.AuthorizationCheck(check)
		c.Check = &cc
		return ""
	})
}

// WithRequiredScopes makes M2M.AuthenticateToken require every scope
// listed. Scopes are "action:resource"; a granted scope covers a required
// one with the same action when its resource is equal or "*" (so
// "read:*" covers "read:users", but "*:users" covers nothing). A scope may
// not be empty or hold white space.
func WithRequiredScopes(scopes ...string) Option {
	return jwtOption("WithRequiredScopes", func(c *config.JWTCall) string {
		for _, sc := range scopes {
			if sc == "" || strings.ContainsAny(sc, " \t\r\n") {
				return "was given an empty scope or one holding white space"
			}
		}
		c.Scopes = append([]string{}, scopes...)
		return ""
	})
}

// AuthSource says which path authenticated a session.
type AuthSource string

const (
	// AuthenticatedLocally: the JWT was verified with the project's keys, no API call.
	AuthenticatedLocally AuthSource = "local"
	// AuthenticatedByAPI: local verification could not settle it, and the API did.
	AuthenticatedByAPI AuthSource = "api"
)

// WithJWTLeeway sets the clock skew allowed on a JWT's exp, nbf and iat
// when it is verified locally; the default is 10 seconds. Client only.
func WithJWTLeeway(d time.Duration) Option {
	return func(s *config.Settings) {
		switch {
		case !s.ClientOnly("WithJWTLeeway"):
		case d < 0:
			s.Fail("WithJWTLeeway", "was given a negative duration")
		default:
			s.JWT.Leeway = d
		}
	}
}

// WithJWKSRefreshLimit sets the least time between two JWKS fetches caused
// by JWTs signed with a key the client does not know (default 5 minutes),
// so that forged key IDs cannot make the client hammer the API. Client only.
func WithJWKSRefreshLimit(d time.Duration) Option {
	return func(s *config.Settings) {
		switch {
		case !s.ClientOnly("WithJWKSRefreshLimit"):
		case d <= 0:
			s.Fail("WithJWKSRefreshLimit", "was given a duration that is not positive")
		default:
			s.JWT.UnknownKIDInterval = d
		}
	}
}

// WithVerifiedTokenCache sets how many verified JWTs a client remembers, so
// that a token presented again is not verified again (default 4096; each
// is kept no longer than the token is valid). Zero or less turns it off.
// Client only.
func WithVerifiedTokenCache(n int) Option {
	return func(s *config.Settings) {
		if !s.ClientOnly("WithVerifiedTokenCache") {
			return
		}
		if n <= 0 {
			n = -1
		}
		s.JWT.CacheSize = n
	}
}
