package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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
	// ClaimScope is an M2M or Connected App access token's space-separated
	// scopes.
	ClaimScope = "scope"
	// ClaimClientID names the Connected App an access token was issued to.
	// Only Connected App access tokens carry it: an M2M token's client is
	// its sub.
	ClaimClientID = "client_id"

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
	// KindM2M is an M2M access token: neither claim, and no client_id. A
	// session JWT is never an M2M token, whatever custom claims (a "scope",
	// say) it holds.
	KindM2M
	// KindAccessToken is a Connected App access token, issued to an app
	// acting for a user or member: a client_id claim and no session claim
	// (a B2B one carries the organization claim). It is never an M2M token,
	// though both carry scope.
	KindAccessToken
)

func (k Kind) String() string {
	switch k {
	case KindSession:
		return "a consumer session JWT"
	case KindMemberSession:
		return "a B2B member session JWT"
	case KindM2M:
		return "an M2M access token"
	case KindAccessToken:
		return "a Connected App access token"
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
	ClientID  string // a Connected App access token's client_id
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
	// Scopes are an M2M or access token's scopes (its scope claim, split at
	// spaces).
	Scopes []string
	// Custom are the custom claims, raw: every top-level claim that is not
	// registered nor Stytch's own (IsCustomClaim), and, for M2M, not scope.
	Custom map[string]json.RawMessage

	// Payload is the decoded JSON payload.
	Payload []byte

	hasClientID bool // a client_id claim, whatever the kind

	memo memo
}

// SessionClaim is the "https://stytch.com/session" claim. Timestamps must be
// RFC 3339, as Stytch sends them: stytch-go rejects a token whose started_at
// or last_accessed_at does not parse, and so does Verify (ErrMalformed).
// AuthenticationFactors stay raw (the JSON array) for the caller's
// generated types, which decode it once.
type SessionClaim struct {
	ID                    string            `json:"id"`
	StartedAt             time.Time         `json:"started_at"`
	LastAccessedAt        time.Time         `json:"last_accessed_at"`
	ExpiresAt             time.Time         `json:"expires_at"`
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

// decode fills c from payload in one pass over its top level (see
// eachMember): each value is decoded once, straight into its field, and the
// custom claims keep their raw bytes, which alias the payload.
func (c *Claims) decode(payload []byte) error {
	err := eachMember(payload, func(key []byte, escaped bool, raw []byte) error {
		key, err := memberName(payload, key, escaped)
		if err != nil {
			return err
		}
		if string(key) == ClaimClientID && string(raw) != "null" {
			// Read for every kind, since it says what the token is; a
			// custom claim of sessions (which may hold anything).
			c.hasClientID = true
			if c.Kind != KindAccessToken {
				if c.Custom == nil {
					c.Custom = make(map[string]json.RawMessage, 4)
				}
				c.Custom[ClaimClientID] = raw
				return nil
			}
			if err := decodeString(raw, &c.ClientID); err != nil {
				return fmt.Errorf("claim %q: must be a string", key)
			}
			return nil
		}
		if isCustom(key) && (string(key) != ClaimScope || c.Kind != KindM2M && c.Kind != KindAccessToken) {
			if c.Custom == nil {
				c.Custom = make(map[string]json.RawMessage, 4)
			}
			c.Custom[string(key)] = raw
			return nil
		}
		if string(raw) == "null" {
			return nil // absent, as golang-jwt reads it
		}
		if err := c.decodeClaim(key, raw); err != nil {
			return fmt.Errorf("claim %q: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return fail(ErrMalformed, err)
	}
	return nil
}

// memberName returns the name of a member whose raw key, a subslice of
// the object b, is key: as it stands, or decoded when it holds escapes or
// non-ASCII bytes (rare; encoding/json's reading).
func memberName(b, key []byte, escaped bool) ([]byte, error) {
	if !escaped {
		return key, nil
	}
	off := cap(b) - cap(key) // key is b[off:off+len(key)], between quotes
	var name string
	if err := json.Unmarshal(b[off-1:off+len(key)+1], &name); err != nil {
		return nil, err
	}
	return []byte(name), nil
}

// isCustom is IsCustomClaim for a key still in the payload's bytes.
func isCustom(key []byte) bool {
	switch string(key) {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return false
	}
	return !bytes.HasPrefix(key, []byte(stytchPrefix))
}

func (c *Claims) decodeClaim(name []byte, raw []byte) error {
	switch string(name) {
	case "iss":
		return decodeString(raw, &c.Issuer)
	case "sub":
		return decodeString(raw, &c.Subject)
	case "jti":
		return decodeString(raw, &c.ID)
	case "aud":
		if raw[0] == '"' { // a single audience
			var a string
			if err := decodeString(raw, &a); err != nil {
				return err
			}
			c.Audience = []string{a}
			return nil
		}
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
		if err := c.Session.decode(raw); err != nil {
			return err
		}
		if c.Session.StartedAt.IsZero() || c.Session.LastAccessedAt.IsZero() || c.Session.ExpiresAt.IsZero() {
			return errors.New("started_at, last_accessed_at and expires_at are required")
		}
		return nil
	case ClaimOrganization:
		c.Organization = new(OrganizationClaim)
		return json.Unmarshal(raw, c.Organization)
	case ClaimScope: // M2M and access tokens only; a session's scope is a custom claim
		var s string
		if err := decodeString(raw, &s); err != nil {
			return errors.New("must be a string")
		}
		c.Scopes = strings.Fields(s)
	}
	return nil // another https://stytch.com/ claim: not ours to read
}

// decodeString decodes a JSON string. Most claims are plain ASCII with no
// escapes, and are then copied as they stand rather than through a
// json.Unmarshal of their own; anything else goes to encoding/json.
func decodeString(raw json.RawMessage, dst *string) error {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && plainASCII(raw[1:n-1]) {
		*dst = string(raw[1 : n-1])
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// plainASCII reports whether b is printable ASCII without '"' or '\\', so
// that as the inside of a JSON string it means itself.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// decodeTime reads a NumericDate as golang-jwt does: seconds, fractions
// allowed and truncated to jwt.TimePrecision. Whole seconds, which Stytch
// issues, are parsed directly; anything else goes to jwt.NumericDate.
func decodeTime(raw json.RawMessage, dst *time.Time) error {
	if len(raw) > 0 && len(raw) < 19 && allDigits(raw) && jwt.TimePrecision == time.Second {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err == nil {
			*dst = time.Unix(n, 0).UTC()
			return nil
		}
	}
	var d jwt.NumericDate
	if err := d.UnmarshalJSON(raw); err != nil {
		return errors.New("not a number of seconds")
	}
	*dst = d.UTC()
	return nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return b[0] != '0' || len(b) == 1 // JSON numbers have no leading zeros
}

// checkKind makes sure the token is of the kind it is verified as.
func (c *Claims) checkKind() error {
	var is Kind
	switch {
	case c.Session == nil && c.hasClientID:
		is = KindAccessToken
	case c.Session == nil && c.Organization == nil:
		is = KindM2M
	case c.Session != nil && c.Organization == nil:
		is = KindSession
	case c.Session != nil:
		is = KindMemberSession
	default: // an organization claim without a session or a client: no Stytch token
		return failf(ErrWrongKind, "an organization claim without a session claim or client_id, not %s", c.Kind)
	}
	if is != c.Kind {
		return failf(ErrWrongKind, "%s, not %s", is, c.Kind)
	}
	if is == KindAccessToken && c.ClientID == "" {
		return failf(ErrMalformed, "an empty client_id")
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

var errNotSessionObject = errors.New("not a JSON object")

// decode reads the session claim from raw, a valid JSON value, walking it as
// the payload is walked: the claim is most of a session JWT, and decoding it
// by reflection cost more than all the rest. Field names match exactly, as
// Stytch writes them; values decode as encoding/json would decode them into
// the struct's fields (null leaves a field as it is).
func (s *SessionClaim) decode(raw []byte) error {
	if i := skipSpace(raw, 0); i == len(raw) || raw[i] != '{' {
		return errNotSessionObject
	}
	return walkObject(raw, func(key []byte, escaped bool, v []byte) error {
		if string(v) == "null" {
			return nil
		}
		key, err := memberName(raw, key, escaped)
		if err != nil {
			return err
		}
		switch string(key) {
		case "id":
			err = decodeString(v, &s.ID)
		case "started_at":
			err = s.StartedAt.UnmarshalJSON(v)
		case "last_accessed_at":
			err = s.LastAccessedAt.UnmarshalJSON(v)
		case "expires_at":
			err = s.ExpiresAt.UnmarshalJSON(v)
		case "authentication_factors":
			s.AuthenticationFactors = v // aliases the payload, which Claims keeps
		case "roles":
			s.Roles = make([]string, 0, 4)
			err = walkArray(v, func(r []byte) error {
				var role string
				if err := decodeString(r, &role); err != nil {
					return err
				}
				s.Roles = append(s.Roles, role)
				return nil
			})
		case "attributes":
			if v[0] != '{' {
				return fmt.Errorf("attributes: %w", errNotSessionObject)
			}
			err = walkObject(v, func(k []byte, escaped bool, a []byte) error {
				k, err := memberName(v, k, escaped)
				if err != nil {
					return err
				}
				switch {
				case string(a) == "null":
					return nil
				case string(k) == "ip_address":
					return decodeString(a, &s.Attributes.IPAddress)
				case string(k) == "user_agent":
					return decodeString(a, &s.Attributes.UserAgent)
				}
				return nil
			})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	})
}

// DecodeValue decodes a raw claim as encoding/json decodes into an any:
// strings, float64 numbers, bools, nil, []any and map[string]any. Plain
// strings, whole numbers and literals, which most custom claims are, skip
// encoding/json.
func DecodeValue(raw json.RawMessage) (any, error) {
	switch {
	case len(raw) == 0:
	case raw[0] == '"':
		var s string
		if err := decodeString(raw, &s); err != nil {
			return nil, err
		}
		return s, nil
	case string(raw) == "true":
		return true, nil
	case string(raw) == "false":
		return false, nil
	case string(raw) == "null":
		return nil, nil
	case len(raw) < 16 && allDigits(raw):
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return f, nil
		}
	}
	var v any
	err := json.Unmarshal(raw, &v)
	return v, err
}
