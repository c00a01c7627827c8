package transport

import (
	"errors"
	"io"
	"sync"

	"github.com/gostytch/stytch/internal/config"
)

// locals are a client's values kept between calls; see Local.
type locals struct {
	mu sync.Mutex
	m  map[any]any
}

// Local returns the client's value for key, made by create the first time
// it is asked for. It holds what one client keeps between calls, such as
// its JWKS cache, so that the services of one client share it and two
// clients never do. Values that are io.Closers are closed by Close.
func (c *Client) Local(key any, create func() any) any {
	l := c.locals
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.m[key]; ok {
		return v
	}
	if l.m == nil {
		l.m = map[any]any{}
	}
	v := create()
	l.m[key] = v
	return v
}

// Close closes and forgets the client's local values. The client stays
// usable: a later call that needs one makes it again.
func (c *Client) Close() error {
	c.locals.mu.Lock()
	values := c.locals.m
	c.locals.m = nil
	c.locals.mu.Unlock()
	var errs []error
	for _, v := range values {
		if cl, ok := v.(io.Closer); ok {
			errs = append(errs, cl.Close())
		}
	}
	return errors.Join(errs...)
}

// JWTConfig is the client's configuration of local JWT verification.
func (c *Client) JWTConfig() config.JWT { return c.cfg.JWT }
