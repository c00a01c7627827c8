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
	cache     *tokenCache
}

// NewVerifier returns a Verifier that finds keys in keys.
func NewVerifier(keys KeySource, opts VerifierOptions) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("stytch: jwtauth.NewVerifier needs a KeySource")
	}
	if opts.ProjectID == "" {
		return nil, errors.New("stytch: jwtauth.NewVerifier needs a project ID")
	}
	v := &Verifier{
		keys:      keys,
		projectID: opts.ProjectID,
		issuers:   []string{"stytch.com/" + opts.ProjectID},
		leeway:    opts.Leeway,
		maxAge:    opts.MaxTokenAge,
		maxSize:   opts.MaxTokenSize,
		now:       opts.Now,
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

// Verify checks that token is a JWT of the given kind and returns its
// claims, which the caller must treat as read-only (a cached token returns
// the same *Claims to every caller).
//
// Checks: size; RS256 only; a kid known to the KeySource; the signature;
// iss; aud; the kind (see Kind); exp, nbf and iat with the leeway; the
// maximum token age. A token that passed is cached, keyed by its SHA-256 and
// the kind, until its exp, so presenting it again costs a hash and a map
// lookup; the time checks are repeated on a hit. The same keys sign every
// kind of token, so a verdict for one kind is never read back for another.
//
// Errors are *VerifyError; use errors.Is with the Err values and Fallbackable
// to decide whether to ask the API.
func (v *Verifier) Verify(ctx context.Context, token string, kind Kind, opts ...VerifyOption) (*Claims, error) {
	if kind < KindSession || kind > KindAccessToken {
		return nil, failf(ErrWrongKind, "no such kind %d", kind)
	}
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

	var key cacheKey
	if v.cache != nil {
		// Sum256 neither keeps nor changes its input, so the string's bytes
		// can be hashed in place rather than copied on every lookup.
		key = cacheKey{sum: sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token))), kind: kind}
		if c := v.cache.get(key, now); c != nil {
			if err := v.checkTime(c, now, maxAge); err != nil {
				return nil, err
			}
			return c, nil
		}
	}

	c, err := v.parse(ctx, token, kind)
	if err != nil {
		return nil, err
	}
	if err := v.checkTime(c, now, maxAge); err != nil {
		return nil, err
	}
	if v.cache != nil && now.Before(c.ExpiresAt) {
		v.cache.add(key, c)
	}
	return c, nil
}

var (
	errSegments = errors.New("not three dot-separated segments")
	errNoKID    = errors.New("no kid in the header")
	errNoExp    = errors.New("no exp claim")
)

// header is the part of the JOSE header Verify reads.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// decode reads alg and kid from the JSON header b, walked as the payload is.
func (h *header) decode(b []byte) error {
	return eachMember(b, func(key []byte, escaped bool, v []byte) error {
		key, err := memberName(b, key, escaped)
		if err != nil || string(v) == "null" {
			return err
		}
		switch string(key) {
		case "alg":
			return decodeString(v, &h.Alg)
		case "kid":
			return decodeString(v, &h.Kid)
		}
		return nil
	})
}

var b64 = base64.RawURLEncoding.Strict()

// parse checks everything that does not depend on the time.
//
// The JWS steps are golang-jwt's (its strict base64 decoding and its RS256
// signing method), taken one at a time rather than through Parser.Parse:
// the parser decodes the payload into a claims type of its own before it
// checks the signature, and does not hand the payload back, so the Stytch
// claims would be decoded a second time. Here the signature is checked
// before any claim is read, and the payload is decoded once, into Claims.
func (v *Verifier) parse(ctx context.Context, token string, kind Kind) (*Claims, error) {
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if first < 0 || first == last || strings.IndexByte(token[first+1:last], '.') >= 0 {
		return nil, fail(ErrMalformed, errSegments)
	}
	hdrJSON, err := b64.DecodeString(token[:first])
	if err != nil {
		return nil, fail(ErrMalformed, errors.New("header is not base64url"))
	}
	var h header
	if err := h.decode(hdrJSON); err != nil {
		return nil, fail(ErrMalformed, errors.New("header is not a JSON object with string alg and kid"))
	}
	if h.Alg != "RS256" {
		return nil, fail(ErrUnsupportedAlg, nil)
	}
	if h.Kid == "" {
		return nil, fail(ErrMalformed, errNoKID)
	}
	payload, err := b64.DecodeString(token[first+1 : last])
	if err != nil {
		return nil, fail(ErrMalformed, errors.New("payload is not base64url"))
	}
	sig, err := b64.DecodeString(token[last+1:])
	if err != nil {
		return nil, fail(ErrMalformed, errors.New("signature is not base64url"))
	}
	key, err := v.keys.Key(ctx, h.Kid)
	if err != nil {
		var ve *VerifyError
		if errors.As(err, &ve) {
			return nil, ve
		}
		return nil, fail(ErrKeysUnavailable, err)
	}
	if err := jwt.SigningMethodRS256.Verify(token[:last], sig, key); err != nil {
		return nil, fail(ErrBadSignature, nil)
	}

	c := &Claims{Kind: kind, KeyID: h.Kid, Payload: payload}
	if err := c.decode(payload); err != nil {
		return nil, err
	}
	if c.ExpiresAt.IsZero() {
		return nil, fail(ErrMalformed, errNoExp)
	}
	if !v.issuerOK(c.Issuer) {
		return nil, fail(ErrWrongIssuer, nil)
	}
	if !contains(c.Audience, v.projectID) {
		return nil, fail(ErrWrongAudience, nil)
	}
	if err := c.checkKind(); err != nil {
		return nil, err
	}
	return c, nil
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
