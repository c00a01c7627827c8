package jwtauth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
)

// FetchFunc returns the raw JWKS document, {"keys":[...]}. The SDK's fetcher
// calls GET /v1/sessions/jwks/{project_id} (or the B2B one) through its own
// transport. It runs on a context that is detached from any single caller:
// it ends at FetchTimeout.
type FetchFunc func(ctx context.Context) ([]byte, error)

// KeySetOptions configures a KeySet. The zero value gives the defaults.
type KeySetOptions struct {
	// TTL is how long a fetched key set counts as fresh. It is refreshed in
	// the background after nine tenths of it, so a good refresh lands before
	// it runs out. Default 1h, as stytch-go and keyfunc do.
	TTL time.Duration

	// UnknownKIDInterval is the least time between two refreshes caused by a
	// token whose kid is not in the set. Default 5 minutes. Stytch rotates keys
	// about every six months, so a real new kid costs one fetch; forged kids
	// cost at most one fetch per interval; and a token rejected inside the
	// interval is ErrUnknownKey, which callers settle through the API.
	UnknownKIDInterval time.Duration

	// RetryInterval is how long after a failed fetch the next one may start,
	// both for callers waiting on the first key set and for the background
	// refresh. Default 10s.
	RetryInterval time.Duration

	// FetchTimeout bounds one fetch. Default 10s.
	FetchTimeout time.Duration

	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time

	// OnRefreshError, if set, hears about failed background refreshes (the
	// last good keys stay in use). It is called from the refresh goroutine.
	OnRefreshError func(error)
}

// KeySet holds a project's RSA signing keys, fetched lazily and kept fresh.
//
// Nothing is fetched by NewKeySet: the first Key call fetches, and concurrent
// callers share that one fetch. After the first good fetch a goroutine
// refreshes the set before its TTL runs out; Close stops it. A refresh that
// fails keeps the last good keys: Stytch serves a retired key for a month
// after a rotation, so they stay right far longer than an outage should
// last, and dropping them would send every request to the API at once.
//
// Only RSA keys whose alg is RS256 (or absent) and whose use is sig (or
// absent) are kept; others in the document are skipped.
type KeySet struct {
	fetch                              FetchFunc
	ttl, unknownKID, retry, fetchLimit time.Duration
	now                                func() time.Time
	onRefreshError                     func(error)

	snap atomic.Pointer[keySnapshot]

	stop chan struct{} // closed by Close: ends the background refresh
	wg   sync.WaitGroup

	mu          sync.Mutex
	inflight    *fetchCall
	lastUnknown time.Time // start of the last unknown-kid refresh
	lastErr     error     // of the last fetch, nil if it succeeded
	lastErrAt   time.Time
	background  bool
	closed      bool
}

type keySnapshot struct {
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time
}

type fetchCall struct {
	done chan struct{}
	snap *keySnapshot
	err  error
}

var (
	errStale = errors.New("no key set fetched within the unknown-kid interval")
)

// NewKeySet returns a KeySet that gets its JWKS from fetch. It does no I/O
// and starts no goroutine.
func NewKeySet(fetch FetchFunc, opts KeySetOptions) *KeySet {
	if fetch == nil {
		panic("stytch: jwtauth.NewKeySet with a nil FetchFunc")
	}
	k := &KeySet{
		fetch:          fetch,
		ttl:            orDefault(opts.TTL, time.Hour),
		unknownKID:     orDefault(opts.UnknownKIDInterval, 5*time.Minute),
		retry:          orDefault(opts.RetryInterval, 10*time.Second),
		fetchLimit:     orDefault(opts.FetchTimeout, 10*time.Second),
		now:            opts.Now,
		onRefreshError: opts.OnRefreshError,
	}
	if k.now == nil {
		k.now = time.Now
	}
	k.stop = make(chan struct{})
	return k
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Key returns the public key with the given kid. Errors are *VerifyError
// with reason ErrUnknownKey or ErrKeysUnavailable.
func (k *KeySet) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	snap := k.snap.Load()
	if snap != nil {
		if key := snap.keys[kid]; key != nil {
			return key, nil
		}
	}
	var err error
	if snap == nil {
		snap, err = k.first(ctx)
	} else {
		snap, err = k.refreshForUnknownKID(ctx)
	}
	if err != nil {
		return nil, err
	}
	if key := snap.keys[kid]; key != nil {
		return key, nil
	}
	return nil, fail(ErrUnknownKey, nil)
}

// Refresh fetches the key set now, or waits for a fetch already under way.
// It is not rate limited; the SDK can call it to warm up.
func (k *KeySet) Refresh(ctx context.Context) error {
	k.mu.Lock()
	c, err := k.startLocked()
	k.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = k.wait(ctx, c)
	return err
}

// Close stops the background refresh and waits for it, and for a fetch in
// flight (at most FetchTimeout). Callers already waiting for keys are not
// failed by it, and the set stays usable: keys already fetched still
// verify, and a key that is needed is fetched on demand, but nothing is
// refreshed in the background any more.
func (k *KeySet) Close() error {
	k.mu.Lock()
	if !k.closed {
		k.closed = true
		close(k.stop)
	}
	k.mu.Unlock()
	k.wg.Wait()
	return nil
}

// first gets the first key set, sharing a fetch in flight and not starting
// one within RetryInterval of a failure (a down JWKS endpoint must not be
// hit by every request).
func (k *KeySet) first(ctx context.Context) (*keySnapshot, error) {
	k.mu.Lock()
	if snap := k.snap.Load(); snap != nil {
		k.mu.Unlock()
		return snap, nil
	}
	c := k.inflight
	if c == nil && k.lastErr != nil && k.now().Sub(k.lastErrAt) < k.retry {
		err := k.lastErr
		k.mu.Unlock()
		return nil, fail(ErrKeysUnavailable, err)
	}
	var err error
	if c == nil {
		c, err = k.startLocked()
	}
	k.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return k.wait(ctx, c)
}

// refreshForUnknownKID refreshes at most once per UnknownKIDInterval; a
// fetch already in flight is joined instead. The keys it returns were
// fetched within the interval, so a kid they lack is forged (ErrUnknownKey,
// which the SDK answers without the API); when it has no such keys, because
// a refresh failed, the error is ErrKeysUnavailable, which the API settles.
func (k *KeySet) refreshForUnknownKID(ctx context.Context) (*keySnapshot, error) {
	k.mu.Lock()
	c := k.inflight
	if c == nil {
		now := k.now()
		if !k.lastUnknown.IsZero() && now.Sub(k.lastUnknown) < k.unknownKID {
			// Rate limited. Another caller's refresh may have finished since
			// this caller looked, bringing the kid: hand back the current
			// keys, and Key looks again.
			snap, lastErr := k.snap.Load(), k.lastErr
			k.mu.Unlock()
			if now.Sub(snap.fetchedAt) >= k.unknownKID {
				// The last refresh failed: these keys may predate the kid.
				if lastErr == nil {
					lastErr = errStale
				}
				return nil, fail(ErrKeysUnavailable, lastErr)
			}
			return snap, nil
		}
		k.lastUnknown = now
		var err error
		if c, err = k.startLocked(); err != nil {
			k.mu.Unlock()
			return nil, err
		}
	}
	k.mu.Unlock()
	return k.wait(ctx, c) // a failed refresh is ErrKeysUnavailable
}

// startLocked starts a fetch, or returns the one in flight. k.mu is held.
func (k *KeySet) startLocked() (*fetchCall, error) {
	if k.inflight != nil {
		return k.inflight, nil
	}
	c := &fetchCall{done: make(chan struct{})}
	k.inflight = c
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		k.run(c)
	}()
	return c, nil
}

func (k *KeySet) run(c *fetchCall) {
	ctx, cancel := context.WithTimeout(context.Background(), k.fetchLimit)
	snap, err := k.load(ctx)
	cancel()

	k.mu.Lock()
	k.inflight = nil
	if err != nil {
		k.lastErr, k.lastErrAt = err, k.now()
		c.err = fail(ErrKeysUnavailable, err)
	} else {
		k.lastErr = nil
		k.snap.Store(snap)
		c.snap = snap
		if !k.background && !k.closed {
			k.background = true
			k.wg.Add(1)
			go func() {
				defer k.wg.Done()
				k.refreshLoop()
			}()
		}
	}
	k.mu.Unlock()
	close(c.done)
}

func (k *KeySet) load(ctx context.Context) (*keySnapshot, error) {
	raw, err := k.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching the JWKS: %w", err)
	}
	keys, err := parseJWKS(raw)
	if err != nil {
		return nil, err
	}
	return &keySnapshot{keys: keys, fetchedAt: k.now()}, nil
}

// wait waits for c; the caller's ctx can stop the wait but not the fetch,
// which other callers may share.
func (k *KeySet) wait(ctx context.Context, c *fetchCall) (*keySnapshot, error) {
	select {
	case <-c.done:
		return c.snap, c.err
	case <-ctx.Done():
		return nil, fail(ErrKeysUnavailable, ctx.Err())
	}
}

// refreshLoop refreshes at nine tenths of the TTL, and every RetryInterval
// after a failure, until Close. The schedule is computed with the injected
// clock but slept on the real one.
func (k *KeySet) refreshLoop() {
	for {
		k.mu.Lock()
		failed := k.lastErr != nil
		k.mu.Unlock()
		wait := k.retry
		if snap := k.snap.Load(); !failed && snap != nil {
			wait = max(snap.fetchedAt.Add(k.ttl*9/10).Sub(k.now()), 0)
		}
		timer := time.NewTimer(wait)
		select {
		case <-k.stop:
			timer.Stop()
			return
		case <-timer.C:
		}
		k.mu.Lock()
		c, err := k.startLocked()
		k.mu.Unlock()
		if err != nil {
			return
		}
		select {
		case <-k.stop:
			return // Close waits for the fetch itself
		case <-c.done:
		}
		if c.err != nil && k.onRefreshError != nil {
			k.onRefreshError(c.err)
		}
	}
}

// parseJWKS keeps the RS256 signing keys of a JWKS document. Each key is
// parsed by jwkset (the parser behind keyfunc), which also checks that a key
// with an x5c certificate matches it. A key that does not parse, or is not
// an RS256 signing key, is skipped so that one odd key cannot hide the rest.
func parseJWKS(raw []byte) (map[string]*rsa.PublicKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decoding the JWKS: %w", err)
	}
	if doc.Keys == nil {
		return nil, errors.New(`decoding the JWKS: no "keys" array`)
	}
	keys := make(map[string]*rsa.PublicKey, len(doc.Keys))
	for _, r := range doc.Keys {
		jwk, err := jwkset.NewJWKFromRawJSON(r, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			continue
		}
		m := jwk.Marshal()
		if m.KID == "" || (m.ALG != "" && m.ALG != jwkset.AlgRS256) || (m.USE != "" && m.USE != jwkset.UseSig) {
			continue
		}
		pub, ok := jwk.Key().(*rsa.PublicKey)
		if !ok {
			continue
		}
		if _, dup := keys[m.KID]; !dup {
			keys[m.KID] = pub
		}
	}
	return keys, nil
}
