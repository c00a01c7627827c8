package jwtauth

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"
)

// KeySource finds a verification key by kid. *KeySet is the real one.
// Errors should be *VerifyError (ErrUnknownKey, ErrKeysUnavailable); any
// other error counts as ErrKeysUnavailable.
type KeySource interface {
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// Defaults for VerifierOptions.
const (
	// DefaultLeeway absorbs clock skew between Stytch and this host on exp,
	// nbf and iat. Session JWTs live five minutes, so 10s widens that by
	// 3%; NTP keeps servers well inside it, and a token rejected for time
	// reasons is Fallbackable, so a tight leeway costs an API call, never a
	// wrong answer.
	DefaultLeeway = 10 * time.Second
	// DefaultMaxTokenSize is far above a real Stytch JWT (custom claims are
	// capped at 4 KB) and bounds the work an attacker can ask for.
	DefaultMaxTokenSize = 16 << 10
	// DefaultCacheSize is the number of verified tokens remembered.
	DefaultCacheSize = 4096
)

// VerifierOptions configures a Verifier.
type VerifierOptions struct {
	// ProjectID is required: the audience must contain it and the default
	// issuer is stytch.com/<ProjectID>.
	ProjectID string

	// Issuers are accepted besides stytch.com/<ProjectID>. Stytch issues the
	// base URL as iss for requests made through a custom domain, so the SDK
	// passes its configured base URL here. A trailing "/" is trimmed.
	Issuers []string

	// Leeway on exp, nbf and iat. Zero means DefaultLeeway; negative, none.
	Leeway time.Duration

	// MaxTokenAge, if positive, rejects tokens whose iat is older with
	// ErrTokenTooOld. WithMaxTokenAge overrides it per call.
	MaxTokenAge time.Duration

	// MaxTokenSize in bytes; longer tokens are rejected before parsing.
	// Zero means DefaultMaxTokenSize.
	MaxTokenSize int

	// CacheSize is the number of verified tokens kept. Zero means
	// DefaultCacheSize; negative turns the cache off.
	CacheSize int

	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
}

// Verifier checks Stytch RS256 JWTs (session JWTs and M2M access tokens)
// without calling the API. It is safe for concurrent use.
type Verifier struct {
	keys      KeySource
	projectID string
	issuers   []string
	leeway    time.Duration
	maxAge    time.Duration
	maxSize   int
	now       func() time.Time
	parser    *jwt.Parser
	cache     *tokenCache
}

// NewVerifier returns a Verifier that finds keys in keys.
func NewVerifier(keys KeySource, opts VerifierOptions) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("jwtauth: NewVerifier needs a KeySource")
	}
	if opts.ProjectID == "" {
		return nil, errors.New("jwtauth: NewVerifier needs a project ID")
	}
	v := &Verifier{
		keys:      keys,
		projectID: opts.ProjectID,
		issuers:   []string{"stytch.com/" + opts.ProjectID},
		leeway:    opts.Leeway,
		maxAge:    opts.MaxTokenAge,
		maxSize:   opts.MaxTokenSize,
		now:       opts.Now,
		// Claims are checked here, not by golang-jwt, so that each failure gets
		// its own class, two issuers are accepted in one pass, and cached
		// tokens are checked by the same code.
		parser: jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding()),
	}
	for _, iss := range opts.Issuers {
		if iss = strings.TrimRight(iss, "/"); iss != "" {
			v.issuers = append(v.issuers, iss)
		}
	}
	switch {
	case v.leeway == 0:
		v.leeway = DefaultLeeway
	case v.leeway < 0:
		v.leeway = 0
	}
	if v.maxSize <= 0 {
		v.maxSize = DefaultMaxTokenSize
	}
	if v.now == nil {
		v.now = time.Now
	}
	switch {
	case opts.CacheSize == 0:
		v.cache = newTokenCache(DefaultCacheSize)
	case opts.CacheSize > 0:
		v.cache = newTokenCache(opts.CacheSize)
	}
	return v, nil
}

// VerifyOption changes one Verify call.
type VerifyOption func(*verifyCall)

type verifyCall struct{ maxAge time.Duration }

// WithMaxTokenAge rejects a token whose iat is older than d with
// ErrTokenTooOld; zero or negative turns the check off for this call.
func WithMaxTokenAge(d time.Duration) VerifyOption {
	return func(c *verifyCall) { c.maxAge = d }
}

// Verify checks token and returns its claims, which the caller must treat as
// read-only (a cached token returns the same *Claims to every caller).
//
// Checks: size; RS256 only; a kid known to the KeySource; the signature;
// iss; aud; exp, nbf and iat with the leeway; the maximum token age. A token
// that passed is cached (keyed by its SHA-256) until its exp, so presenting it
// again costs a hash and a map lookup; the time checks are repeated on a hit.
//
// Errors are *VerifyError; use errors.Is with the Err values and Fallbackable
// to decide whether to ask the API.
func (v *Verifier) Verify(ctx context.Context, token string, opts ...VerifyOption) (*Claims, error) {
	maxAge := v.maxAge
	if len(opts) > 0 { // call escapes to the options; keep the common case allocation-free
		call := verifyCall{maxAge: maxAge}
		for _, o := range opts {
			o(&call)
		}
		maxAge = call.maxAge
	}
	if len(token) > v.maxSize {
		return nil, failf(ErrTooLarge, "%d bytes, limit %d", len(token), v.maxSize)
	}
	now := v.now()

	var sum [sha256.Size]byte
	if v.cache != nil {
		// Sum256 neither keeps nor changes its input, so the string's bytes
		// can be hashed in place rather than copied on every lookup.
		sum = sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
		if c := v.cache.get(sum, now); c != nil {
			if err := v.checkTime(c, now, maxAge); err != nil {
				return nil, err
			}
			return c, nil
		}
	}

	c, err := v.parse(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := v.checkTime(c, now, maxAge); err != nil {
		return nil, err
	}
	if v.cache != nil && now.Before(c.ExpiresAt) {
		v.cache.add(sum, c)
	}
	return c, nil
}

var (
	errNoKID = errors.New("no kid in the header")
	errNoExp = errors.New("no exp claim")
)

// parse checks everything that does not depend on the time.
func (v *Verifier) parse(ctx context.Context, token string) (*Claims, error) {
	var rc jwt.RegisteredClaims
	var kid string
	_, err := v.parser.ParseWithClaims(token, &rc, func(t *jwt.Token) (any, error) {
		// alg is checked here rather than with jwt.WithValidMethods so that it
		// gets its own error class. Comparing the method too makes sure the
		// signature is checked by RS256 whatever the header says.
		if alg, _ := t.Header["alg"].(string); alg != "RS256" || t.Method != jwt.SigningMethodRS256 {
			return nil, fail(ErrUnsupportedAlg, nil)
		}
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			return nil, fail(ErrMalformed, errNoKID)
		}
		key, err := v.keys.Key(ctx, kid)
		if err != nil {
			var ve *VerifyError
			if errors.As(err, &ve) {
				return nil, ve
			}
			return nil, fail(ErrKeysUnavailable, err)
		}
		return key, nil
	})
	if err != nil {
		return nil, classify(err)
	}
	if rc.ExpiresAt == nil {
		return nil, fail(ErrMalformed, errNoExp)
	}
	if !v.issuerOK(rc.Issuer) {
		return nil, fail(ErrWrongIssuer, nil)
	}
	if !contains(rc.Audience, v.projectID) {
		return nil, fail(ErrWrongAudience, nil)
	}
	// golang-jwt decoded this segment too but does not keep the bytes; the
	// second base64 decode is cheaper than capturing them through a custom
	// UnmarshalJSON, which would scan the JSON twice.
	_, rest, _ := strings.Cut(token, ".")
	seg, _, _ := strings.Cut(rest, ".")
	payload, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return nil, fail(ErrMalformed, nil) // cannot happen: golang-jwt decoded it
	}
	c := &Claims{
		Issuer:   rc.Issuer,
		Subject:  rc.Subject,
		Audience: rc.Audience,
		ID:       rc.ID,
		KeyID:    kid,
		Payload:  payload,
	}
	c.ExpiresAt = rc.ExpiresAt.UTC()
	if rc.NotBefore != nil {
		c.NotBefore = rc.NotBefore.UTC()
	}
	if rc.IssuedAt != nil {
		c.IssuedAt = rc.IssuedAt.UTC()
	}
	return c, nil
}

// classify turns a golang-jwt error into a *VerifyError. golang-jwt's own
// messages name the step that failed and never quote the token.
func classify(err error) error {
	var ve *VerifyError
	switch {
	case errors.As(err, &ve):
		return ve // from our keyfunc
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fail(ErrMalformed, err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// alg missing, or one golang-jwt does not know.
		return fail(ErrUnsupportedAlg, nil)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return fail(ErrBadSignature, nil)
	default:
		return fail(ErrMalformed, err)
	}
}

// checkTime runs the checks that depend on the clock, for fresh and cached
// tokens alike.
func (v *Verifier) checkTime(c *Claims, now time.Time, maxAge time.Duration) error {
	if !now.Before(c.ExpiresAt.Add(v.leeway)) {
		return fail(ErrExpired, nil)
	}
	if !c.NotBefore.IsZero() && now.Add(v.leeway).Before(c.NotBefore) {
		return fail(ErrNotYetValid, nil)
	}
	if !c.IssuedAt.IsZero() && now.Add(v.leeway).Before(c.IssuedAt) {
		return failf(ErrNotYetValid, "issued in the future")
	}
	if maxAge > 0 {
		if c.IssuedAt.IsZero() {
			return failf(ErrTokenTooOld, "no iat claim")
		}
		if now.After(c.IssuedAt.Add(maxAge)) {
			return failf(ErrTokenTooOld, "issued %s ago, limit %s", now.Sub(c.IssuedAt).Truncate(time.Second), maxAge)
		}
	}
	return nil
}

func (v *Verifier) issuerOK(iss string) bool {
	for _, want := range v.issuers {
		if iss == want {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
