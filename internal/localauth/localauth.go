// Package localauth connects internal/jwtauth to a client: it keeps each
// client's JWKS, verified tokens, RBAC policy and M2M tokens, fetched
// through the client's own transport. The consumer and b2b packages call it
// from their handwritten local-authentication methods.
package localauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/config"
	"github.com/gostytch/stytch/internal/jwtauth"
	"github.com/gostytch/stytch/internal/transport"
)

// Options checks and applies the options of a call that verifies a JWT.
// With api false (AuthenticateJWTLocal, M2M.AuthenticateToken) the call
// makes no request of its own, so an option that shapes one is refused;
// with api true (AuthenticateJWT) the options that do are returned, ready
// for the API call it may make, and the JWT options are left out of them.
func Options(ctx context.Context, operation string, api bool, opts []stytch.Option) (config.JWTCall, []stytch.Option, error) {
	if err := transport.CheckContext(ctx, operation); err != nil {
		return config.JWTCall{}, nil, err
	}
	st := config.Settings{PerCall: true}
	for _, o := range opts {
		if o != nil {
			o(&st)
		}
	}
	switch {
	case st.Problem != nil:
		return config.JWTCall{}, nil, &stytch.ParamError{Operation: operation, Param: st.Problem.Option, Reason: st.Problem.Reason}
	case st.Call.MemberSession != "":
		return config.JWTCall{}, nil, &stytch.ParamError{Operation: operation, Param: st.API, Reason: "does not apply: verifying a JWT takes no member session"}
	case st.API != "" && !api:
		return config.JWTCall{}, nil, &stytch.ParamError{Operation: operation, Param: st.API,
			Reason: "does not apply: this method makes no API request of its own (the keys it fetches are shared by every call)"}
	}
	if !api || st.API == "" {
		return st.Verify, nil, nil
	}
	forAPI := func(s *config.Settings) {
		for _, o := range opts {
			if o != nil {
				o(s)
			}
		}
		s.Verify = config.JWTCall{}
	}
	return st.Verify, []stytch.Option{forAPI}, nil
}

type verifierKey struct{ jwksPath string }

// verifier is a client's key set and verifier for one JWKS endpoint.
type verifier struct {
	keys *jwtauth.KeySet
	v    *jwtauth.Verifier
	err  error
}

func (v *verifier) Close() error { return v.keys.Close() }

// The kinds of token Verify checks.
const (
	KindSession       = jwtauth.KindSession
	KindMemberSession = jwtauth.KindMemberSession
	KindM2M           = jwtauth.KindM2M
)

// Verify checks that token is a token of the given kind, against the keys
// served at jwksPath (fetched on first use, through the client's transport)
// and the client's project.
func Verify(ctx context.Context, t *transport.Client, operation, jwksPath, token string, kind jwtauth.Kind, call config.JWTCall) (*jwtauth.Claims, error) {
	vr := t.Local(verifierKey{jwksPath}, func() any {
		cfg := t.JWTConfig()
		keys := jwtauth.NewKeySet(func(ctx context.Context) ([]byte, error) {
			var raw json.RawMessage
			err := t.Do(ctx, &transport.Request{Operation: operation, Method: http.MethodGet, Path: jwksPath}, &raw)
			return raw, err
		}, jwtauth.KeySetOptions{UnknownKIDInterval: cfg.UnknownKIDInterval})
		v, err := jwtauth.NewVerifier(keys, jwtauth.VerifierOptions{
			ProjectID: t.ProjectID(), Issuers: []string{t.BaseURL(), t.ProjectDomain()}, Leeway: cfg.Leeway, CacheSize: cfg.CacheSize,
		})
		return &verifier{keys: keys, v: v, err: err}
	}).(*verifier)
	if vr.err != nil {
		return nil, vr.err
	}
	var opts []jwtauth.VerifyOption
	if call.MaxTokenAge > 0 {
		opts = append(opts, jwtauth.WithMaxTokenAge(call.MaxTokenAge))
	}
	return vr.v.Verify(ctx, token, kind, opts...)
}

// Fallbackable reports whether the API could still accept a token that
// local verification rejected with err.
func Fallbackable(err error) bool { return jwtauth.Fallbackable(err) }

type policyKey struct{ name string }

// Policy returns the client's policy cache named name, which fetches with
// fetch at most once per five minutes, one fetch at a time.
func Policy(t *transport.Client, name string, fetch func(context.Context) (*jwtauth.Policy, error)) *jwtauth.PolicyCache[*jwtauth.Policy] {
	return t.Local(policyKey{name}, func() any {
		return jwtauth.NewPolicyCache(fetch, 0, nil)
	}).(*jwtauth.PolicyCache[*jwtauth.Policy])
}

// Authorize checks roles against policy: nil when a role grants the
// action, else an error matching stytch.ErrPermissionDenied.
func Authorize(policy *jwtauth.Policy, roles []string, check *config.AuthorizationCheck) ([]string, error) {
	granting, ok := jwtauth.Authorized(policy, roles, check.ResourceID, check.Action)
	if !ok {
		return nil, &DeniedError{ResourceID: check.ResourceID, Action: check.Action}
	}
	return granting, nil
}

// DeniedError is a local RBAC or scope denial.
type DeniedError struct {
	ResourceID, Action string
	Missing            []string // for required scopes
	Scopes             bool     // a check against the policy's scopes rather than its roles
}

func (e *DeniedError) Error() string {
	if e.Missing != nil {
		return "stytch: the token's scopes do not grant " + strings.Join(e.Missing, " ")
	}
	if e.Scopes {
		return "stytch: the token's scopes do not grant " + e.Action + " on " + e.ResourceID
	}
	return "stytch: the session's roles do not grant " + e.Action + " on " + e.ResourceID
}

// Is makes errors.Is(err, stytch.ErrPermissionDenied) true.
func (e *DeniedError) Is(target error) bool { return target == stytch.ErrPermissionDenied }

// RequireScopes checks an M2M token's scopes with Stytch's rule.
func RequireScopes(granted, required []string) error {
	if jwtauth.ScopesSatisfied(granted, required) {
		return nil
	}
	var missing []string
	for _, r := range required {
		if !jwtauth.ScopesSatisfied(granted, []string{r}) {
			missing = append(missing, r)
		}
	}
	return &DeniedError{Missing: missing}
}

// CheckTenancy is the B2B check that a session's organization is the one
// an authorization check names.
func CheckTenancy(sessionOrgID, checkOrgID string) error {
	return jwtauth.CheckTenancy(sessionOrgID, checkOrgID)
}

// CustomClaims decodes the raw custom claims of verified claims into values.
func CustomClaims(raw map[string]json.RawMessage) (map[string]any, error) {
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		x, err := jwtauth.DecodeValue(v)
		if err != nil {
			return nil, Malformed(err)
		}
		out[k] = x
	}
	return out, nil
}

// Malformed wraps a failure to read Stytch's claims of a verified token.
func Malformed(err error) error {
	return &jwtauth.VerifyError{Reason: jwtauth.ErrMalformed, Detail: err}
}

// DecodeInto re-encodes v as JSON into a T: typed custom claims.
func DecodeInto[T any](v map[string]any) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, fmt.Errorf("stytch: encoding the custom claims: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("stytch: decoding the custom claims into %T: %w", out, err)
	}
	return out, nil
}

// Token is a cached M2M access token.
type Token struct {
	AccessToken string
	TokenType   string
	Expires     time.Time
	Lifetime    time.Duration
}

type tokenKey struct{}

// tokenCache keeps M2M access tokens until shortly before they expire. One
// mutex guards it all; it is never held across a fetch.
type tokenCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]*tokenEntry
}

type tokenEntry struct {
	token Token
	call  *tokenCall // the fetch in flight, if any
}

// tokenCall is one fetch, shared by every caller that wants the same token
// while it runs.
type tokenCall struct {
	done  chan struct{}
	token Token
	err   error
	// abandoned is set when the fetch failed because its own caller's ctx
	// ended: waiters whose ctx is still live fetch again rather than inherit
	// someone else's cancellation.
	abandoned bool
}

// maxCachedTokens bounds the M2M token cache; a service uses a handful of
// client credentials, not thousands.
const maxCachedTokens = 256

// CachedToken returns a cached access token for the credentials and scopes
// while more than a tenth of its lifetime (at least 30 s) is left, and
// otherwise gets a new one with fetch.
//
// Concurrent callers with the same credentials share one fetch, which runs
// on the first caller's goroutine and ctx. The others wait for it only as
// long as their own ctx lets them (then the error wraps ctx.Err()); if the
// first caller's ctx ends and takes the fetch with it, a waiter still
// waiting starts the next one.
func CachedToken(ctx context.Context, t *transport.Client, clientID, secret string, scopes []string, now func() time.Time, fetch func(context.Context) (Token, error)) (Token, error) {
	c := t.Local(tokenKey{}, func() any { return &tokenCache{entries: map[[sha256.Size]byte]*tokenEntry{}} }).(*tokenCache)
	sorted := append([]string{}, scopes...)
	sort.Strings(sorted)
	key := sha256.Sum256([]byte(clientID + "\x00" + secret + "\x00" + strings.Join(sorted, " ")))
	for {
		c.mu.Lock()
		e := c.entryLocked(key)
		margin := max(e.token.Lifetime/10, 30*time.Second)
		if e.token.AccessToken != "" && now().Add(margin).Before(e.token.Expires) {
			tok := e.token
			c.mu.Unlock()
			return tok, nil
		}
		if call := e.call; call != nil {
			c.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return Token{}, fmt.Errorf("stytch: M2M.Token: gave up waiting for the token request in flight: %w", ctx.Err())
			}
			if call.abandoned {
				if err := ctx.Err(); err != nil {
					return Token{}, fmt.Errorf("stytch: M2M.Token: %w", err)
				}
				continue
			}
			return call.token, call.err
		}
		call := &tokenCall{done: make(chan struct{})}
		e.call = call
		c.mu.Unlock()
		return c.lead(ctx, e, call, fetch)
	}
}

// entryLocked returns key's entry, making one if need be. c.mu is held.
func (c *tokenCache) entryLocked(key [sha256.Size]byte) *tokenEntry {
	if e, ok := c.entries[key]; ok {
		return e
	}
	if len(c.entries) >= maxCachedTokens {
		for k, e := range c.entries { // drop any idle one; the map holds few
			if e.call == nil {
				delete(c.entries, k)
				break
			}
		}
	}
	e := &tokenEntry{}
	c.entries[key] = e
	return e
}

func (c *tokenCache) lead(ctx context.Context, e *tokenEntry, call *tokenCall, fetch func(context.Context) (Token, error)) (Token, error) {
	call.abandoned = true // until fetch returns; also if it panics
	defer func() {
		c.mu.Lock()
		e.call = nil
		if call.err == nil && !call.abandoned {
			e.token = call.token
		}
		c.mu.Unlock()
		close(call.done)
	}()
	call.token, call.err = fetch(ctx)
	call.abandoned = call.err != nil && ctx.Err() != nil
	return call.token, call.err
}

// DecodeList decodes a raw JSON array (absent or null: empty) into a []T;
// a failure is a malformed token.
func DecodeList[T any](raw json.RawMessage) ([]T, error) {
	out := []T{}
	if len(raw) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, Malformed(err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// M2MToken is what local verification of an M2M access token found.
type M2MToken struct {
	ClientID     string
	Scopes       []string
	CustomClaims map[string]any
	ExpiresAt    time.Time
}

// AuthenticateM2M verifies an M2M access token against the keys at
// jwksPath and checks the required scopes of call.
func AuthenticateM2M(ctx context.Context, t *transport.Client, operation, jwksPath, token string, call config.JWTCall) (*M2MToken, error) {
	if call.Check != nil {
		return nil, &stytch.ParamError{Operation: operation, Param: "WithAuthorizationCheck", Reason: "applies to sessions; use WithRequiredScopes"}
	}
	claims, err := Verify(ctx, t, "Sessions.GetJWKS", jwksPath, token, KindM2M, call)
	if err != nil {
		return nil, err
	}
	v, err := jwtauth.Derive(claims, func(c *jwtauth.Claims) (*M2MToken, error) {
		custom, err := CustomClaims(c.Custom)
		if err != nil {
			return nil, err
		}
		return &M2MToken{ClientID: c.Subject, Scopes: c.Scopes, CustomClaims: custom, ExpiresAt: c.ExpiresAt}, nil
	})
	if err != nil {
		return nil, err
	}
	m := *v
	m.Scopes = append([]string{}, m.Scopes...)
	m.CustomClaims = maps.Clone(m.CustomClaims)
	if err := RequireScopes(m.Scopes, call.Scopes); err != nil {
		return nil, err
	}
	return &m, nil
}

// CachedM2MToken is M2M.Token with the token cache in front: call is the
// generated request, and the result's expiresIn counts from now.
func CachedM2MToken(ctx context.Context, t *transport.Client, clientID, secret string, scopes []string,
	call func(context.Context) (accessToken, tokenType string, expiresIn int, err error)) (accessToken, tokenType string, expiresIn int, err error) {
	tok, err := CachedToken(ctx, t, clientID, secret, scopes, time.Now, func(ctx context.Context) (Token, error) {
		access, typ, in, err := call(ctx)
		if err != nil {
			return Token{}, err
		}
		life := time.Duration(in) * time.Second
		return Token{AccessToken: access, TokenType: typ, Expires: time.Now().Add(life), Lifetime: life}, nil
	})
	if err != nil {
		return "", "", 0, err
	}
	return tok.AccessToken, tok.TokenType, int(time.Until(tok.Expires).Round(time.Second) / time.Second), nil
}
