package jwtauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
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

// Claims are a verified token's registered claims (times in UTC) and its
// whole payload. Treat a *Claims from Verify as read-only: cached tokens
// share one.
type Claims struct {
	Issuer    string
	Subject   string // user_id, member_id or M2M client_id
	Audience  []string
	ExpiresAt time.Time
	NotBefore time.Time // zero if absent
	IssuedAt  time.Time // zero if absent
	ID        string    // jti
	KeyID     string    // kid of the key that verified the signature

	// Payload is the decoded JSON payload, for Stytch's own claims and
	// custom claims: see DecodeClaim and DecodeCustomClaims.
	Payload []byte

	memo memo
}

// SessionClaim is the "https://stytch.com/session" claim. Timestamps are
// RFC 3339 strings as Stytch sends them; stytch-go rejects a token whose
// started_at or last_accessed_at does not parse, so callers should too.
// AuthenticationFactors stay raw for the caller's generated types.
type SessionClaim struct {
	ID                    string            `json:"id"`
	StartedAt             string            `json:"started_at"`
	LastAccessedAt        string            `json:"last_accessed_at"`
	ExpiresAt             string            `json:"expires_at"`
	Attributes            SessionAttributes `json:"attributes"`
	AuthenticationFactors []json.RawMessage `json:"authentication_factors"`
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

// ErrClaimMissing is returned by DecodeClaim when the claim is absent.
var ErrClaimMissing = errors.New("jwtauth: claim missing")

// DecodeClaim decodes the top-level claim name of payload into T.
func DecodeClaim[T any](payload []byte, name string) (T, error) {
	var out T
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		return out, fmt.Errorf("jwtauth: decoding the payload: %w", err)
	}
	raw, ok := m[name]
	if !ok {
		return out, fmt.Errorf("%w: %q", ErrClaimMissing, name)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("jwtauth: decoding claim %q: %w", name, err)
	}
	return out, nil
}

// Session decodes the Stytch session claim.
func (c *Claims) Session() (SessionClaim, error) {
	return DecodeClaim[SessionClaim](c.Payload, ClaimSession)
}

// Organization decodes the B2B organization claim.
func (c *Claims) Organization() (OrganizationClaim, error) {
	return DecodeClaim[OrganizationClaim](c.Payload, ClaimOrganization)
}

// Scopes returns an M2M token's scopes. The scope claim must be a string, as
// stytch-go requires; a token without one has no scopes.
func (c *Claims) Scopes() ([]string, error) {
	s, err := DecodeClaim[string](c.Payload, ClaimScope)
	if errors.Is(err, ErrClaimMissing) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Fields(s), nil
}

// IsCustomClaim reports whether a top-level claim name is a custom claim:
// not a registered claim and not one of Stytch's own (https://stytch.com/...).
// This is stytch-go's rule. M2M callers also drop "scope", which the M2M
// response reports on its own.
func IsCustomClaim(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return false
	}
	return !strings.HasPrefix(name, stytchPrefix)
}

// CustomClaims returns the custom claims of payload, raw.
func CustomClaims(payload []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		return nil, fmt.Errorf("jwtauth: decoding the payload: %w", err)
	}
	for k := range m {
		if !IsCustomClaim(k) {
			delete(m, k)
		}
	}
	return m, nil
}

// DecodeCustomClaims decodes just the custom claims of payload into T, a
// struct or a map. Registered and Stytch claims are never seen by T even if
// it has fields with their names.
func DecodeCustomClaims[T any](payload []byte) (T, error) {
	var out T
	m, err := CustomClaims(payload)
	if err != nil {
		return out, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return out, fmt.Errorf("jwtauth: re-encoding custom claims: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("jwtauth: decoding custom claims: %w", err)
	}
	return out, nil
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
// is shared as well and must be treated as read-only.
func (c *Claims) Memo(build func() (any, error)) (any, error) {
	c.memo.once.Do(func() { c.memo.val, c.memo.err = build() })
	return c.memo.val, c.memo.err
}
