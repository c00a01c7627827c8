package consumer_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// heldTokenServer answers POST .../oauth2/token only when release is
// closed (or the request's context ends), telling arrived about each
// request first.
type heldTokenServer struct {
	requests atomic.Int32
	arrived  chan int32
	release  chan struct{}
	once     sync.Once
}

func (h *heldTokenServer) Release() { h.once.Do(func() { close(h.release) }) }

func newHeldTokenServer(t *testing.T) (*heldTokenServer, *consumer.Client) {
	t.Helper()
	h := &heldTokenServer{arrived: make(chan int32, 16), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/oauth2/token") {
			http.NotFound(w, r)
			return
		}
		n := h.requests.Add(1)
		h.arrived <- n
		select {
		case <-h.release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "access-token-test-" + string(rune('0'+n)), "token_type": "bearer", "expires_in": 3600})
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(h.Release) // runs first: a failed test must not leave handlers blocked
	c, err := consumer.NewClient("project-test-11111111-2222-4333-8444-555555555555", "secret-test-m2m-wait-0000",
		stytch.WithBaseURL(srv.URL), stytch.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return h, c
}

var tokenParams = &consumer.M2MTokenParams{ClientID: "m2m-client-test-1", ClientSecret: "m2m-secret-test-1"}

type tokenResult struct {
	resp *consumer.M2MTokenResponse
	err  error
}

func fetchToken(ctx context.Context, c *consumer.Client) <-chan tokenResult {
	ch := make(chan tokenResult, 1)
	go func() {
		resp, err := c.M2M.Token(ctx, tokenParams)
		ch <- tokenResult{resp, err}
	}()
	return ch
}

// wait fails the test rather than hang when a call does not return.
func wait(t *testing.T, ch <-chan tokenResult, what string) tokenResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still blocked after 10s", what)
		return tokenResult{}
	}
}

// A caller whose deadline ends while another caller's token request is in
// flight returns then, with an error wrapping its ctx's; the request goes
// on for the first caller, and serves it.
func TestM2MTokenWaiterHonoursItsDeadline(t *testing.T) {
	t.Parallel()
	h, c := newHeldTokenServer(t)
	first := fetchToken(context.Background(), c)
	<-h.arrived

	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r := wait(t, fetchToken(short, c), "the waiter with a 200ms deadline")
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("r.err = %v, want %v", r.err, context.DeadlineExceeded)
	}
	if !strings.HasPrefix(r.err.Error(), "stytch:") {
		t.Fatalf("%v", r.err.Error())
	}
	if strings.Contains(r.err.Error(), tokenParams.ClientSecret) {
		t.Fatalf("r.err.Error() = %q, want it not to contain %q", r.err.Error(), tokenParams.ClientSecret)
	}
	if r.resp != nil {
		t.Fatalf("r.resp = %+v, want nil", r.resp)
	}

	h.Release() // only now does the token request finish
	r = wait(t, first, "the first caller")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.resp.AccessToken != "access-token-test-1" {
		t.Fatalf("r.resp.AccessToken = %q, want %q", r.resp.AccessToken, "access-token-test-1")
	}
	if got := h.requests.Load(); got != int32(1) {
		t.Fatalf("h.requests.Load() = %v, want %v", got, 1)
	}
}

// Callers that keep waiting share the one request.
func TestM2MTokenOneRequestServesAllWaiters(t *testing.T) {
	t.Parallel()
	h, c := newHeldTokenServer(t)
	first := fetchToken(context.Background(), c)
	<-h.arrived
	var waiters []<-chan tokenResult
	for range 8 {
		waiters = append(waiters, fetchToken(context.Background(), c))
	}
	h.Release()
	for i, ch := range append(waiters, first) {
		r := wait(t, ch, "caller")
		if r.err != nil {
			t.Fatalf("caller %d: %v", i, r.err)
		}
		if r.resp.AccessToken != "access-token-test-1" {
			t.Fatalf("r.resp.AccessToken = %q, want %q", r.resp.AccessToken, "access-token-test-1")
		}
	}
	if got := h.requests.Load(); got != int32(1) {
		t.Fatalf("h.requests.Load() = %v, want %v", got, 1)
	}
}

// When the first caller's ctx ends, its request ends with it; a caller
// still waiting, with a live ctx, makes the next request rather than
// inherit the cancellation.
func TestM2MTokenWaiterRetriesWhenTheFirstCallerGivesUp(t *testing.T) {
	t.Parallel()
	h, c := newHeldTokenServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	first := fetchToken(ctx, c)
	<-h.arrived
	second := fetchToken(context.Background(), c)
	time.Sleep(50 * time.Millisecond) // let it start waiting; if not, it fetches itself, which is fine too
	cancel()
	r := wait(t, first, "the cancelled caller")
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("r.err = %v, want %v", r.err, context.Canceled)
	}

	<-h.arrived // the waiter's own request
	h.Release()
	r = wait(t, second, "the waiter")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.resp.AccessToken != "access-token-test-2" {
		t.Fatalf("r.resp.AccessToken = %q, want %q", r.resp.AccessToken, "access-token-test-2")
	}
	if got := h.requests.Load(); got != int32(2) {
		t.Fatalf("h.requests.Load() = %v, want %v", got, 2)
	}

	// And it is cached.
	again, err := c.M2M.Token(context.Background(), tokenParams)
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessToken != "access-token-test-2" {
		t.Fatalf("again.AccessToken = %q, want %q", again.AccessToken, "access-token-test-2")
	}
	if got := h.requests.Load(); got != int32(2) {
		t.Fatalf("h.requests.Load() = %v, want %v", got, 2)
	}
}
