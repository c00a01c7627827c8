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
)

func TestKeySetIsLazy(t *testing.T) {
	defer noLeaks(t)
	jwks := &fakeJWKS{}
	ks := NewKeySet(jwks.fetch, KeySetOptions{})
	_, err := NewVerifier(ks, VerifierOptions{ProjectID: testProject})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if jwks.calls.Load() != 0 {
		t.Fatalf("constructing must not fetch: jwks.calls.Load() = %v, want 0", jwks.calls.Load())
	}
	if err := ks.Close(); err != nil {
		t.Fatal(err)
	}
	if jwks.calls.Load() != 0 {
		t.Fatalf("jwks.calls.Load() = %v, want 0", jwks.calls.Load())
	}
}

func TestKeySetCloseStopsGoroutines(t *testing.T) {
	defer noLeaks(t)
	keys := testKeys(t)
	jwks := &fakeJWKS{}
	jwks.set(keys[0])
	ks := NewKeySet(jwks.fetch, KeySetOptions{TTL: 20 * time.Millisecond})
	_, err := ks.Key(context.Background(), keys[0].kid)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return jwks.calls.Load() >= 3 }, "the background refresh should run every 18ms")
	if err := ks.Close(); err != nil {
		t.Fatal(err)
	}
	n := jwks.calls.Load()
	time.Sleep(60 * time.Millisecond)
	if got := jwks.calls.Load(); got != n {
		t.Fatalf("no fetch after Close: jwks.calls.Load() = %v, want %v", got, n)
	}

	// Close does not fail a caller waiting for a fetch in flight: it waits
	// for that fetch, and the caller gets its key. The set stays usable.
	gated := &fakeJWKS{gate: make(chan struct{})}
	gated.set(keys[0])
	ks = NewKeySet(gated.fetch, KeySetOptions{})
	errc := make(chan error, 1)
	go func() { _, err := ks.Key(context.Background(), keys[0].kid); errc <- err }()
	waitFor(t, time.Second, func() bool { return gated.calls.Load() == 1 }, "a fetch is in flight")
	closed := make(chan error, 1)
	go func() { closed <- ks.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned while a fetch was in flight")
	case <-time.After(20 * time.Millisecond):
	}
	close(gated.gate)
	if <-closed != nil {
		t.Fatal(<-closed)
	}
	if <-errc != nil {
		t.Fatalf("a caller waiting when Close was called gets its key: %v", <-errc)
	}
	_, err = ks.Key(context.Background(), keys[0].kid)
	if err != nil {
		t.Fatalf("keys already fetched still verify after Close: %v", err)
	}
	time.Sleep(30 * time.Millisecond)
	if got := gated.calls.Load(); got != int32(1) {
		t.Fatalf("and nothing is refreshed in the background: gated.calls.Load() = %v, want %v", got, 1)
	}
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
	waitFor(t, time.Second, func() bool { return jwks.calls.Load() == 1 }, "a fetch is in flight")
	time.Sleep(20 * time.Millisecond) // let every caller reach the wait
	close(jwks.gate)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("failed.Load() = %v, want 0", failed.Load())
	}
	if got := jwks.calls.Load(); got != int32(1) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 1)
	}
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
	waitFor(t, time.Second, func() bool { return jwks.calls.Load() == 1 }, "a fetch is in flight")
	cancel()
	err := <-errc
	requireReason(t, err, ErrKeysUnavailable)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want %v", err, context.Canceled)
	}

	// The shared fetch was not cancelled with that caller.
	close(jwks.gate)
	_, err = ks.Key(context.Background(), keys[0].kid)
	if err != nil {
		t.Fatal(err)
	}
	if got := jwks.calls.Load(); got != int32(1) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 1)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if got := jwks.calls.Load(); got != int32(1) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 1)
	}

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
	if got := jwks.calls.Load(); got != int32(2) {
		t.Fatalf("200 unknown kids must cost one fetch: jwks.calls.Load() = %v, want %v", got, 2)
	}
	clock.Advance(4 * time.Minute)
	flood(50)
	if got := jwks.calls.Load(); got != int32(2) {
		t.Fatalf("still inside the 5-minute interval: jwks.calls.Load() = %v, want %v", got, 2)
	}
	clock.Advance(time.Minute)
	flood(50)
	if got := jwks.calls.Load(); got != int32(3) {
		t.Fatalf("one more fetch in the next interval: jwks.calls.Load() = %v, want %v", got, 3)
	}
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
	if err != nil {
		t.Fatal(err)
	}

	jwks.fail(errors.New("JWKS endpoint down"))
	_, err = ks.Key(ctx, keys[1].kid)
	requireReason(t, err, ErrKeysUnavailable)
	if !Fallbackable(err) {
		t.Fatal("Fallbackable(err) = false, want true")
	}
	if got := jwks.calls.Load(); got != int32(2) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 2)
	}

	// Rate limited; the keys held are from before the failed refresh and
	// older than the interval allows a verdict on.
	clock.Advance(10 * time.Minute)
	_, err = ks.Key(ctx, keys[1].kid) // refresh allowed again: fails
	requireReason(t, err, ErrKeysUnavailable)
	clock.Advance(time.Minute)
	_, err = ks.Key(ctx, keys[1].kid) // rate limited, keys 11 minutes old
	requireReason(t, err, ErrKeysUnavailable)
	if !Fallbackable(err) {
		t.Fatal("Fallbackable(err) = false, want true")
	}
	if got := jwks.calls.Load(); got != int32(3) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 3)
	}

	// The endpoint is back: after the interval the kid is looked up afresh,
	// and still unknown, it is forged.
	jwks.fail(nil)
	clock.Advance(5 * time.Minute)
	_, err = ks.Key(ctx, keys[1].kid)
	requireReason(t, err, ErrUnknownKey)
	if Fallbackable(err) {
		t.Fatal("Fallbackable(err) = true, want false")
	}
	_, err = ks.Key(ctx, keys[2].kid) // rate limited, keys fresh: forged too
	requireReason(t, err, ErrUnknownKey)
	if got := jwks.calls.Load(); got != int32(4) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 4)
	}
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
	if err != nil {
		t.Fatal(err)
	}

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
	if got := jwks.calls.Load(); got != int32(2) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 2)
	}

	// The old key is retired: the next scheduled refresh drops it.
	jwks.set(newKey)
	if err := ks.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(ctx, newTok, KindSession)
	if err != nil {
		t.Fatal(err)
	}
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
	if !Fallbackable(err) {
		t.Fatal("Fallbackable(err) = false, want true")
	}
	_, err = ks.Key(ctx, keys[0].kid)
	requireReason(t, err, ErrKeysUnavailable)
	if got := jwks.calls.Load(); got != int32(1) {
		t.Fatalf("no second fetch within the retry interval: jwks.calls.Load() = %v, want %v", got, 1)
	}

	jwks.fail(nil)
	clock.Advance(10 * time.Second)
	_, err = ks.Key(ctx, keys[0].kid)
	if err != nil {
		t.Fatal(err)
	}
	if got := jwks.calls.Load(); got != int32(2) {
		t.Fatalf("jwks.calls.Load() = %v, want %v", got, 2)
	}

	// A failed refresh keeps the last good keys.
	jwks.fail(errors.New("down again"))
	if ks.Refresh(ctx) == nil {
		t.Fatal("got no error, want one")
	}
	_, err = ks.Key(ctx, keys[0].kid)
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseJWKS(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("len(got) = %d, want %d: %v", len(got), 2, got)
	}
	if !got[keys[0].kid].Equal(&keys[0].priv.PublicKey) {
		t.Fatal("got[keys[0].kid].Equal(&keys[0].priv.PublicKey) = false, want true")
	}
	if got["bare"] == nil {
		t.Fatal("got nil, want non-nil")
	}

	empty, err := parseJWKS([]byte(`{"keys":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(empty) != 0 {
		t.Fatalf("empty = %v, want empty", empty)
	}
	for _, bad := range []string{``, `null`, `{}`, `{"keys":{}}`, `<html>502</html>`} {
		_, err := parseJWKS([]byte(bad))
		if err == nil {
			t.Fatalf("%v: got no error, want one", bad)
		}
	}
}

// TestKeySetOverHTTP fetches the JWKS from a server, as the SDK will.
func TestKeySetOverHTTP(t *testing.T) {
	keys := testKeys(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != ("/v1/sessions/jwks/" + testProject) {
			t.Fatalf("r.URL.Path = %q, want %q", r.URL.Path, "/v1/sessions/jwks/"+testProject)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys[:2] {
		_, err := v.Verify(context.Background(), sign(t, k, sessionClaims(time.Now())), KindSession)
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := hits.Load(); got != int32(1) {
		t.Fatalf("hits.Load() = %v, want %v", got, 1)
	}
	srv.CloseClientConnections()
}
