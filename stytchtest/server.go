package stytchtest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// Server is an Emulator served over HTTP on a loopback port. It is safe for
// concurrent use, and any number can run side by side.
type Server struct {
	*Emulator
	// URL is the base URL of the server, for stytch.WithBaseURL.
	URL  string
	srv  *httptest.Server
	cert *Certificate // set by NewTLSServer
	hc   *http.Client // trusts cert alone
}

// NewServer starts an emulator on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	e := NewEmulator(opts...)
	srv := httptest.NewServer(e)
	return &Server{Emulator: e, URL: srv.URL, srv: srv}
}

// Options returns the client options that send every call, the fraud API's
// included, to this server. Use them with a client built elsewhere:
//
//	client, err := consumer.NewClient(srv.ProjectID, srv.Secret, srv.Options()...)
//
// For a server started with NewTLSServer they include an HTTP client that
// trusts the server's certificate alone.
func (s *Server) Options() []stytch.Option {
	opts := []stytch.Option{stytch.WithBaseURL(s.URL), stytch.WithFraudBaseURL(s.URL)}
	if s.cert != nil {
		opts = append(opts, stytch.WithHTTPClient(s.hc))
	}
	return opts
}

// Close shuts the server down.
func (s *Server) Close() {
	s.srv.Close()
	if s.hc != nil {
		s.hc.CloseIdleConnections()
	}
}

// ConsumerClient returns a consumer client of this server; opts are added
// after the base URL.
func (s *Server) ConsumerClient(opts ...stytch.Option) *consumer.Client {
	c, err := consumer.NewClient(s.ProjectID, s.Secret, append(s.Options(), opts...)...)
	if err != nil {
		panic("stytchtest: " + err.Error()) // the emulator's own credentials are always valid
	}
	return c
}

// B2BClient returns a b2b client of this server; opts are added after the
// base URL.
func (s *Server) B2BClient(opts ...stytch.Option) *b2b.Client {
	c, err := b2b.NewClient(s.ProjectID, s.Secret, append(s.Options(), opts...)...)
	if err != nil {
		panic("stytchtest: " + err.Error())
	}
	return c
}

// Cursors are opaque to clients; inside they are offsets.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(raw) < len("offset:") || string(raw[:len("offset:")]) != "offset:" {
		return 0, errors.New("bad cursor")
	}
	n, err := strconv.Atoi(string(raw[len("offset:"):]))
	if err != nil || n < 0 {
		return 0, errors.New("bad cursor")
	}
	return n, nil
}
