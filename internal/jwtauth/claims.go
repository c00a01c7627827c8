package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claim names Stytch uses beyond the registered ones.
const (
	// ClaimSession holds the session: id, started_at, last_accessed_at,
	// expires_at, attributes, authentication_factors, roles.
	ClaimSession = "https://stytch.com/session"
	// ClaimOrganization holds a B2B member's organization: organization_id, slug.
	ClaimOrganization = "https://stytch.com/organization"
	// ClaimScope is an M2M token's space-separated scopes.
	ClaimScope = "scope"

	stytchPrefix = "https://stytch.com/"
)

// Kind is the kind of token a caller expects. Stytch signs session JWTs and
// M2M access tokens with the same keys, for the same issuer and audience, so
// a signature proves a token genuine but not what it is for: the claims do.
type Kind uint8

const (
	// KindSession is a consumer session JWT: it carries the session claim
	// and no organization claim.
	KindSession Kind = iota + 1
	// KindMemberSession is a B2B member session JWT: the session claim and
	// the organization claim.
	KindMemberSession
	// KindM2M is an M2M access token: neither claim. A session JWT is never
	// an M2M token, whatever custom claims (a "scope", say) it holds.
	KindM2M
)

func (k Kind) String() string {
	switch k {
	case KindSession:
		return "a consumer session JWT"
	case KindMemberSession:
		return "a B2B member session JWT"
	case KindM2M:
		return "an M2M access token"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Claims are a verified token's claims, decoded once from its payload:
// the registered ones (times in UTC), Stytch's for the token's kind, and the
// custom ones. Treat a *Claims from Verify as read-only: cached tokens share
// one.
type Claims struct {
	Kind      Kind // what the token was verified as
	Issuer    string
	Subject   string // user_id, member_id or M2M client_id
	Audience  []string
	ExpiresAt time.Time
	NotBefore time.Time // zero if absent
	IssuedAt  time.Time // zero if absent
	ID        string    // jti
	KeyID     string    // kid of the key that verified the signature

	// Session is the session claim of a session JWT; nil for M2M.
	Session *SessionClaim
	// Organization is the organization claim of a B2B member session JWT.
	Organization *OrganizationClaim
	// Scopes are an M2M token's scopes (its scope claim, split at spaces).
	Scopes []string
	// Custom are the custom claims, raw: every top-level claim that is not
	// registered nor Stytch's own (IsCustomClaim), and, for M2M, not scope.
	Custom map[string]json.RawMessage

	// Payload is the decoded JSON payload.
	Payload []byte

	memo memo
}

// SessionClaim is the "https://stytch.com/session" claim. Timestamps are
// RFC 3339 strings as Stytch sends them; stytch-go rejects a token whose
// started_at or last_accessed_at does not parse, so callers should too.
// AuthenticationFactors stay raw (the JSON array) for the caller's
// generated types, which decode it once.
type SessionClaim struct {
	ID                    string            `json:"id"`
	StartedAt             string            `json:"started_at"`
	LastAccessedAt        string            `json:"last_accessed_at"`
	ExpiresAt             string            `json:"expires_at"`
	Attributes            SessionAttributes `json:"attributes"`
	AuthenticationFactors json.RawMessage   `json:"authentication_factors"`
	Roles                 []string          `json:"roles"`
}

// SessionAttributes are the client details recorded with a session.
type SessionAttributes struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

// OrganizationClaim is the B2B "https://stytch.com/organization" claim.
type OrganizationClaim struct {
	OrganizationID string `json:"organization_id"`
	Slug           string `json:"slug"`
}

// IsCustomClaim reports whether a top-level claim name is a custom claim:
// not a registered claim and not one of Stytch's own (https://stytch.com/...).
// This is stytch-go's rule. M2M tokens also drop "scope", which the M2M
// result reports on its own.
func IsCustomClaim(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return false
	}
	return !strings.HasPrefix(name, stytchPrefix)
}

var jsonNull = []byte("null")

// decode fills c from payload in one pass over its top level: each value is
// then decoded once, straight into its field, and the custom claims are what
// is left of the same map.
func (c *Claims) decode(payload []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		return fail(ErrMalformed, errors.New("payload is not a JSON object"))
	}
	for name, raw := range m {
		if IsCustomClaim(name) && (name != ClaimScope || c.Kind != KindM2M) {
			continue
		}
		delete(m, name)
		if bytes.Equal(raw, jsonNull) {
			continue // absent, as golang-jwt reads it
		}
		if err := c.decodeClaim(name, raw); err != nil {
			return fail(ErrMalformed, fmt.Errorf("claim %q: %w", name, err))
		}
	}
	c.Custom = m
	return nil
}

func (c *Claims) decodeClaim(name string, raw json.RawMessage) error {
	switch name {
	case "iss":
		return json.Unmarshal(raw, &c.Issuer)
	case "sub":
		return json.Unmarshal(raw, &c.Subject)
	case "jti":
		return json.Unmarshal(raw, &c.ID)
	case "aud":
		var aud jwt.ClaimStrings
		err := aud.UnmarshalJSON(raw)
		c.Audience = aud
		return err
	case "exp":
		return decodeTime(raw, &c.ExpiresAt)
	case "nbf":
		return decodeTime(raw, &c.NotBefore)
	case "iat":
		return decodeTime(raw, &c.IssuedAt)
	case ClaimSession:
		c.Session = new(SessionClaim)
		return json.Unmarshal(raw, c.Session)
	case ClaimOrganization:
		c.Organization = new(OrganizationClaim)
		return json.Unmarshal(raw, c.Organization)
	case ClaimScope: // M2M only; a session's scope is a custom claim
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return errors.New("must be a string")
		}
		c.Scopes = strings.Fields(s)
	}
	return nil // another https://stytch.com/ claim: not ours to read
}

// decodeTime reads a NumericDate as golang-jwt does (seconds, fractions
// allowed).
func decodeTime(raw json.RawMessage, dst *time.Time) error {
	var d jwt.NumericDate
	if err := d.UnmarshalJSON(raw); err != nil {
		return errors.New("not a number of seconds")
	}
	*dst = d.UTC()
	return nil
}

// checkKind makes sure the token is of the kind it is verified as.
func (c *Claims) checkKind() error {
	var is Kind
	switch {
	case c.Session == nil && c.Organization == nil:
		is = KindM2M
	case c.Session != nil && c.Organization == nil:
		is = KindSession
	case c.Session != nil:
		is = KindMemberSession
	default: // an organization claim without a session: no Stytch token
		return failf(ErrWrongKind, "an organization claim without a session claim, not %s", c.Kind)
	}
	if is != c.Kind {
		return failf(ErrWrongKind, "%s, not %s", is, c.Kind)
	}
	return nil
}

// memo holds what a caller derived from a Claims once; see Claims.Memo.
type memo struct {
	once sync.Once
	val  any
	err  error
}

// Memo returns build's result, calling it only the first time for these
// claims: a cached token's claims are shared, so what a caller derives from
// them (a session value, say) can be derived once per token too. The result
// is shared as well and must be treated as read-only. Claims are verified
// and cached per Kind, so one Claims only ever sees the builder of its kind;
// use Derive to get the result back typed, without an assertion that could
// panic.
func (c *Claims) Memo(build func() (any, error)) (any, error) {
	c.memo.once.Do(func() { c.memo.val, c.memo.err = build() })
	return c.memo.val, c.memo.err
}

// Derive is Memo with a typed result. Should the claims' memo hold another
// type (a bug: each kind has one builder), it is an error, not a panic.
func Derive[T any](c *Claims, build func(*Claims) (T, error)) (T, error) {
	v, err := c.Memo(func() (any, error) { return build(c) })
	if err != nil {
		var zero T
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("stytch: internal error: claims verified as %s hold a %T, not a %T", c.Kind, v, zero)
	}
	return t, nil
}
