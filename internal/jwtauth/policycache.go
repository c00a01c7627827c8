package jwtauth

import (
	"context"
	"sync"
	"time"
)

// DefaultPolicyTTL is how long a fetched RBAC policy is used, as stytch-go
// does: policy edits reach local checks within five minutes, and a denial
// caused by a stale policy is settled by the API.
const DefaultPolicyTTL = 5 * time.Minute

// PolicyCache caches the result of fetch (an RBAC policy, or anything else)
// for a TTL. Concurrent callers share one fetch, and it starts no goroutine,
// so there is nothing to close. A failed fetch is not cached: the next Get
// tries again. It is safe for concurrent use.
type PolicyCache[T any] struct {
	fetch func(context.Context) (T, error)
	ttl   time.Duration
	now   func() time.Time

	mu        sync.Mutex
	val       T
	fetchedAt time.Time
	have      bool
	inflight  *policyCall[T]
}

type policyCall[T any] struct {
	done chan struct{}
	val  T
	err  error
	// abandoned is set when the fetch failed because its own caller's ctx
	// ended; waiters with a live ctx then fetch again rather than inherit
	// someone else's cancellation.
	abandoned bool
}

// NewPolicyCache returns a cache over fetch. A ttl of zero or less means
// DefaultPolicyTTL; now may be nil for time.Now.
func NewPolicyCache[T any](fetch func(context.Context) (T, error), ttl time.Duration, now func() time.Time) *PolicyCache[T] {
	if fetch == nil {
		panic("stytch: jwtauth.NewPolicyCache with a nil fetch")
	}
	if now == nil {
		now = time.Now
	}
	return &PolicyCache[T]{fetch: fetch, ttl: orDefault(ttl, DefaultPolicyTTL), now: now}
}

// Get returns the cached value, fetching it if absent or older than the TTL.
// The fetch runs on the first caller's goroutine with its ctx.
func (c *PolicyCache[T]) Get(ctx context.Context) (T, error) {
	for {
		c.mu.Lock()
		if c.have && c.now().Sub(c.fetchedAt) < c.ttl {
			v := c.val
			c.mu.Unlock()
			return v, nil
		}
		if call := c.inflight; call != nil {
			c.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				var zero T
				return zero, ctx.Err()
			}
			if call.abandoned {
				if err := ctx.Err(); err != nil {
					var zero T
					return zero, err
				}
				continue
			}
			return call.val, call.err
		}
		call := &policyCall[T]{done: make(chan struct{})}
		c.inflight = call
		c.mu.Unlock()
		return c.lead(ctx, call)
	}
}

func (c *PolicyCache[T]) lead(ctx context.Context, call *policyCall[T]) (T, error) {
	defer close(call.done)
	var v T
	var err error
	defer func() {
		// Runs even if fetch panics, so waiters are never stuck.
		c.mu.Lock()
		c.inflight = nil
		if err == nil && !call.abandoned {
			c.val, c.fetchedAt, c.have = v, c.now(), true
		}
		c.mu.Unlock()
	}()
	call.abandoned = true // until fetch returns
	v, err = c.fetch(ctx)
	call.val, call.err = v, err
	call.abandoned = err != nil && ctx.Err() != nil
	return v, err
}

// Invalidate drops the cached value; the next Get fetches.
func (c *PolicyCache[T]) Invalidate() {
	c.mu.Lock()
	c.have = false
	c.mu.Unlock()
}
