// Package config holds the settings that stytch.Option values write and the
// transport reads. It sits apart from both so that the root package can name
// it in the public Option type without an import cycle.
package config

import (
	"net/http"
	"time"
)

// DefaultTimeout bounds one API call when the caller sets no timeout of its
// own. An auth call that has not answered in this long is not going to.
const DefaultTimeout = 30 * time.Second

// Config is the client-wide configuration assembled from options.
type Config struct {
	// BaseURL, when set, replaces the test/live URL chosen from the project ID.
	BaseURL string
	// HTTPClient, when set, is used as is; the SDK does not modify it.
	HTTPClient *http.Client
	// Timeout bounds each call; zero or less disables the SDK's own bound.
	Timeout time.Duration
	// UserAgent is appended to the SDK's own User-Agent product token.
	UserAgent string
}

// Default returns the configuration a client starts from.
func Default() Config {
	return Config{Timeout: DefaultTimeout}
}
