package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestKeySetIsLazy(t *testing.T) {
	defer goleak.VerifyNone(t)
	jwks := &fakeJWKS{}
	ks := NewKeySet(jwks.fetch, KeySetOptions{})
	_, err := NewVerifier(ks, VerifierOptions{ProjectID: testProject})
	require.NoError(t, err)
	time.Sleep(10 * time.Millisecond)
	require.Zero(t, jwks.calls.Load(), "constructing must not fetch")
	require.NoError(t, ks.Close())
	require.Zero(t, jwks.calls.Load())
}

func TestKeySetCloseStopsGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	keys := testKeys(t)
	jwks := &fakeJWKS{}
	jwks.set(keys[0])
	ks := NewKeySet(jwks.fetch, KeySetOptions{TTL: 20 * time.Millisecond})
	_, err := ks.Key(context.Background(), keys[0].kid)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return jwks.calls.Load() >= 3 }, 5*time.Second, 5*time.Millisecond,
		"the background refresh should run every 18ms")
	require.NoError(t, ks.Close())
	n := jwks.calls.Load()
	time.Sleep(60 * time.Millisecond)
	require.Equal(t, n, jwks.calls.Load(), "no fetch after Close")

	// Close does not fail a caller waiting for a fetch in flight: it waits
	// for that fetch, and the caller gets its key. The set stays usable.
	gated := &fakeJWKS{gate: make(chan struct{})}
	gated.set(keys[0])
	ks = NewKeySet(gated.fetch, KeySetOptions{})
	errc := make(chan error, 1)
	go func() { _, err := ks.Key(context.Background(), keys[0].kid); errc <- err }()
	require.Eventually(t, func() bool { return gated.calls.Load() == 1 }, time.Second, time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- ks.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a fetch was in flight")
	case <-time.After(20 * time.Millisecond):
	}
	close(gated.gate)
	require.NoError(t, <-closed)
	require.NoError(t, <-errc, "a caller waiting when Close was called gets its key")
	_, err = ks.Key(context.Background(), keys[0].kid)
	require.NoError(t, err, "keys already fetched still verify after Close")
	time.Sleep(30 * time.Millisecond)
	require.EqualValues(t, 1, gated.calls.Load(), "and nothing is refreshed in the background")
}

func TestKeySetSingleFlight(t *testing.T) {
	keys := testKeys(t)
	clock := newClock()
	jwks := &fakeJWKS{gate: make(chan struct{})}
	jwks.set(keys[0])
	ks := NewKeySet(jwks.fetch, KeySetOptions{Now: clock.Now})
	defer ks.Close()
	v := newTestVerifier(t, ks, clock)
	token := sign(t, keys[0], sessionClaims(clock.Now()))

	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), token, KindSession); err != nil {
				failed.Add(1)
			}
		})
	}
	require.Eventually(t, func() bool { return jwks.calls.Load() == 1 }, time.Second, time.Millisecond)
	time.Sleep(20 * time.Millisecond) // let every caller reach the wait
	close(jwks.gate)
	wg.Wait()
	require.Zero(t, failed.Load())
	require.EqualValues(t, 1, jwks.calls.Load())
}

func TestKeySetWaiterContext(t *testing.T) {
	keys := testKeys(t)
	jwks := &fakeJWKS{gate: make(chan struct{})}
	jwks.set(keys[0])
	ks := NewKeySet(jwks.fetch, KeySetOptions{})
	defer ks.Close()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := ks.Key(ctx, keys[0].kid); errc <- err }()
	require.Eventually(t, func() bool { return jwks.calls.Load() == 1 }, time.Second, time.Millisecond)
	cancel()
	err := <-errc
	requireReason(t, err, ErrKeysUnavailable)
	require.ErrorIs(t, err, context.Canceled)

	// The shared fetch was not cancelled with that caller.
	close(jwks.gate)
	_, err = ks.Key(context.Background(), keys[0].kid)
	require.NoError(t, err)
	require.EqualValues(t, 1, jwks.calls.Load())
}

func TestUnknownKIDFlood(t *testing.T) {
	keys := testKeys(t)
	clock := newClock()
	jwks := &fakeJWKS{}
	jwks.set(keys[0])
	ks := NewKeySet(jwks.fetch, KeySetOptions{Now: clock.Now})
	defer ks.Close()
	v := newTestVerifier(t, ks, clock)
	_, err := v.Verify(context.Background(), sign(t, keys[0], sessionClaims(clock.Now())), KindSession)
	require.NoError(t, err)
	require.EqualValues(t, 1, jwks.calls.Load())

	// One RSA signature serves every forged token: only the kid changes.
	flood := func(n int) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				tok := jwt.NewWithClaims(jwt.SigningMethodRS256, sessionClaims(clock.Now()))
				tok.Header["kid"] = fmt.Sprintf("jwk-random-%d-%d", clock.Now().Unix(), i)
				s, err := tok.SignedString(keys[1].priv)
				if err != nil {
					t.Error(err)
					return
				}
				_, err = v.Verify(context.Background(), s, KindSession)
				// Unknown in keys fetched within the interval: forged, and
				// not worth an API call.
				if !errors.Is(err, ErrUnknownKey) || Fallbackable(err) {
					t.Errorf("want an ErrUnknownKey that is not fallbackable, got %v", err)
				}
			})
		}
		wg.Wait()
	}
	flood(200)
	require.EqualValues(t, 2, jwks.calls.Load(), "200 unknown kids must cost one fetch")
	clock.Advance(4 * time.Minute)
	flood(50)
	require.EqualValues(t, 2, jwks.calls.Load(), "still inside the 5-minute interval")
	clock.Advance(time.Minute)
	flood(50)
	require.EqualValues(t, 3, jwks.calls.Load(), "one more fetch in the next interval")
}

// When the refresh an unknown kid asked for fails, the kid may be a new
// key the client could not fetch: that is ErrKeysUnavailable, which the API
// settles, until a fresh key set says otherwise.
func TestUnknownKIDWithFailingRefresh(t *testing.T) {
	keys := testKeys(t)
	clock := newClock()
	jwks := &fakeJWKS{}
	jwks.set(keys[0])
	ks := NewKeySet(jwks.fetch, KeySetOptions{Now: clock.Now})
	defer ks.Close()
	ctx := context.Background()
	_, err := ks.Key(ctx, keys[0].kid)
	require.NoError(t, err)

	jwks.fail(errors.New("JWKS endpoint down"))
	_, err = ks.Key(ctx, keys[1].kid)
	requireReason(t, err, ErrKeysUnavailable)
	require.True(t, Fallbackable(err))
	require.EqualValues(t, 2, jwks.calls.Load())

	// Rate limited; the keys held are from before the failed refresh and
	// older than the interval allows a verdict on.
	clock.Advance(10 * time.Minute)
	_, err = ks.Key(ctx, keys[1].kid) // refresh allowed again: fails
	requireReason(t, err, ErrKeysUnavailable)
	clock.Advance(time.Minute)
	_, err = ks.Key(ctx, keys[1].kid) // rate limited, keys 11 minutes old
	requireReason(t, err, ErrKeysUnavailable)
	require.True(t, Fallbackable(err))
	require.EqualValues(t, 3, jwks.calls.Load())

	// The endpoint is back: after the interval the kid is looked up afresh,
	// and still unknown, it is forged.
	jwks.fail(nil)
	clock.Advance(5 * time.Minute)
	_, err = ks.Key(ctx, keys[1].kid)
	requireReason(t, err, ErrUnknownKey)
	require.False(t, Fallbackable(err))
	_, err = ks.Key(ctx, keys[2].kid) // rate limited, keys fresh: forged too
	requireReason(t, err, ErrUnknownKey)
	require.EqualValues(t, 4, jwks.calls.Load())
}

func TestKeyRotation(t *testing.T) {
	keys := testKeys(t)
	oldKey, newKey := keys[0], keys[2]
	clock := newClock()
	jwks := &fakeJWKS{}
	jwks.set(oldKey)
	ks := NewKeySet(jwks.fetch, KeySetOptions{Now: clock.Now})
	defer ks.Close()
	v := newTestVerifier(t, ks, clock, func(o *VerifierOptions) { o.CacheSize = -1 })
	ctx := context.Background()

	oldTok := sign(t, oldKey, sessionClaims(clock.Now()))
	_, err := v.Verify(ctx, oldTok, KindSession)
	require.NoError(t, err)

	// Stytch publishes the new key and starts signing with it, serving the
	// old key alongside for a month. Both kinds of token keep verifying,
	// concurrently, from the first new-key token on.
	jwks.set(oldKey, newKey)
	newTok := sign(t, newKey, sessionClaims(clock.Now()))
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				tok := oldTok
				if (g+i)%2 == 0 {
					tok = newTok
				}
				if _, err := v.Verify(ctx, tok, KindSession); err != nil {
					t.Errorf("verification failed during rotation: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 2, jwks.calls.Load())

	// The old key is retired: the next scheduled refresh drops it.
	jwks.set(newKey)
	require.NoError(t, ks.Refresh(ctx))
	_, err = v.Verify(ctx, newTok, KindSession)
	require.NoError(t, err)
	requireReason(t, mustErr(v.Verify(ctx, oldTok, KindSession)), ErrUnknownKey)
}

func TestKeySetFetchFailure(t *testing.T) {
	keys := testKeys(t)
	clock := newClock()
	jwks := &fakeJWKS{}
	jwks.set(keys[0])
	jwks.fail(errors.New("502 from the JWKS endpoint"))
	ks := NewKeySet(jwks.fetch, KeySetOptions{Now: clock.Now})
	defer ks.Close()
	ctx := context.Background()

	_, err := ks.Key(ctx, keys[0].kid)
	requireReason(t, err, ErrKeysUnavailable)
	require.True(t, Fallbackable(err))
	_, err = ks.Key(ctx, keys[0].kid)
	requireReason(t, err, ErrKeysUnavailable)
	require.EqualValues(t, 1, jwks.calls.Load(), "no second fetch within the retry interval")

	jwks.fail(nil)
	clock.Advance(10 * time.Second)
	_, err = ks.Key(ctx, keys[0].kid)
	require.NoError(t, err)
	require.EqualValues(t, 2, jwks.calls.Load())

	// A failed refresh keeps the last good keys.
	jwks.fail(errors.New("down again"))
	require.Error(t, ks.Refresh(ctx))
	_, err = ks.Key(ctx, keys[0].kid)
	require.NoError(t, err)
}

func TestParseJWKS(t *testing.T) {
	t.Parallel()
	keys := testKeys(t)
	good := keys[0].jwk(true)
	mismatch := keys[1].jwk(false)
	mismatch["x5c"] = good["x5c"] // certificate of another key: skipped
	mismatch["kid"] = "mismatch"
	doc := map[string]any{"keys": []any{
		good,
		mismatch,
		map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
		map[string]any{"kty": "RSA", "kid": "enc", "use": "enc", "n": good["n"], "e": good["e"]},
		map[string]any{"kty": "RSA", "kid": "ps", "alg": "PS256", "n": good["n"], "e": good["e"]},
		map[string]any{"kty": "RSA", "n": good["n"], "e": good["e"]}, // no kid
		map[string]any{"kty": "RSA", "kid": "bare", "n": good["n"], "e": good["e"]},
		"not an object",
	}}
	raw, err := jsonMarshal(doc)
	require.NoError(t, err)
	got, err := parseJWKS(raw)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.True(t, got[keys[0].kid].Equal(&keys[0].priv.PublicKey))
	require.NotNil(t, got["bare"])

	empty, err := parseJWKS([]byte(`{"keys":[]}`))
	require.NoError(t, err)
	require.Empty(t, empty)
	for _, bad := range []string{``, `null`, `{}`, `{"keys":{}}`, `<html>502</html>`} {
		_, err := parseJWKS([]byte(bad))
		require.Error(t, err, bad)
	}
}

// TestKeySetOverHTTP fetches the JWKS from a server, as the SDK will.
func TestKeySetOverHTTP(t *testing.T) {
	keys := testKeys(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		require.Equal(t, "/v1/sessions/jwks/"+testProject, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwksJSON(keys[0], keys[1]))
	}))
	defer srv.Close()
	fetch := func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/sessions/jwks/"+testProject, nil)
		if err != nil {
			return nil, err
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %d", resp.StatusCode)
		}
		return readAll(resp)
	}
	ks := NewKeySet(fetch, KeySetOptions{})
	defer ks.Close()
	v, err := NewVerifier(ks, VerifierOptions{ProjectID: testProject})
	require.NoError(t, err)
	for _, k := range keys[:2] {
		_, err := v.Verify(context.Background(), sign(t, k, sessionClaims(time.Now())), KindSession)
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, hits.Load())
	srv.CloseClientConnections()
}
