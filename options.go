package stytch

import (
	"net/http"
	"time"

	"github.com/gostytch/stytch/internal/config"
)

// Option configures a client at construction.
type Option func(*config.Config)

// WithBaseURL sends every call to baseURL instead of the test or live URL
// chosen from the project ID. Use it for a custom domain, a proxy, or a local
// emulator. A path in baseURL is kept as a prefix.
func WithBaseURL(baseURL string) Option {
	return func(c *config.Config) { c.BaseURL = baseURL }
}

// WithHTTPClient makes the client send its requests through hc. The SDK does
// not modify hc; its Timeout, if any, applies in addition to WithTimeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config.Config) { c.HTTPClient = hc }
}

// WithTimeout bounds each call, including reading the response. The default
// is 30 seconds; zero or a negative duration leaves only the caller's context
// to bound a call.
func WithTimeout(d time.Duration) Option {
	return func(c *config.Config) { c.Timeout = d }
}

// WithUserAgent appends product (for example "billing-service/1.4") to the
// SDK's User-Agent header, so that calls can be told apart in logs.
func WithUserAgent(product string) Option {
	return func(c *config.Config) { c.UserAgent = product }
}
