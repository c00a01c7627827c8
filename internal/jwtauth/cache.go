package jwtauth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// cacheKey names a verified token by its SHA-256, so that the cache never
// holds a token itself, and by the kind it was verified as: a session JWT's
// entry must never answer an M2M check of the same string, or the reverse.
type cacheKey struct {
	sum  [sha256.Size]byte
	kind Kind
}

// tokenCache remembers verified tokens by cacheKey. It is a mutex-guarded LRU: a hit is a
// map lookup and two pointer moves, far below the cost of the RSA check it
// saves, so a single lock is enough. An entry lives until the token's exp.
type tokenCache struct {
	mu    sync.Mutex
	max   int
	items map[cacheKey]*cacheEntry
	root  cacheEntry // sentinel: root.next is the most recently used
}

type cacheEntry struct {
	key        cacheKey
	claims     *Claims
	prev, next *cacheEntry
}

func newTokenCache(max int) *tokenCache {
	c := &tokenCache{max: max, items: make(map[cacheKey]*cacheEntry, min(max, 1024))}
	c.root.next, c.root.prev = &c.root, &c.root
	return c
}

// get returns the claims for key, or nil if absent or past exp.
func (c *tokenCache) get(key cacheKey, now time.Time) *Claims {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.items[key]
	if e == nil {
		return nil
	}
	if !now.Before(e.claims.ExpiresAt) {
		c.remove(e)
		return nil
	}
	c.unlink(e)
	c.pushFront(e)
	return e.claims
}

func (c *tokenCache) add(key cacheKey, claims *Claims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.items[key]; e != nil {
		e.claims = claims
		c.unlink(e)
		c.pushFront(e)
		return
	}
	e := &cacheEntry{key: key, claims: claims}
	c.items[key] = e
	c.pushFront(e)
	if len(c.items) > c.max {
		c.remove(c.root.prev)
	}
}

func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

func (c *tokenCache) remove(e *cacheEntry) {
	c.unlink(e)
	delete(c.items, e.key)
}

func (c *tokenCache) unlink(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *tokenCache) pushFront(e *cacheEntry) {
	e.prev, e.next = &c.root, c.root.next
	c.root.next.prev = e
	c.root.next = e
}
