package stytchtest

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

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

	mu      sync.Mutex
	clients []io.Closer // made by ConsumerClient and B2BClient, closed by Close
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
//	client, err := consumer.NewClient(srv.ProjectID(), srv.Secret(), srv.Options()...)
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

// Close shuts the server down, closes the clients it made, so that no key
// refresh of theirs outlives it, and stops the test identity providers it
// started.
func (s *Server) Close() {
	s.srv.Close()
	s.Emulator.Close()
	s.mu.Lock()
	clients := s.clients
	s.clients = nil
	s.mu.Unlock()
	for _, c := range clients {
		_ = c.Close()
	}
	if s.hc != nil {
		s.hc.CloseIdleConnections()
	}
}

// ConsumerClient returns a consumer client of this server. Close closes it.
// It cannot fail: the server's own credentials and URL are always valid.
// For a client with options of your own, use NewConsumerClient.
func (s *Server) ConsumerClient() *consumer.Client {
	c, err := s.NewConsumerClient()
	if err != nil {
		panic("stytchtest: " + err.Error()) // unreachable: no option of the caller's is applied
	}
	return c
}

// NewConsumerClient returns a consumer client of this server with opts
// added after the server's own (base URL, and for a TLS server the HTTP
// client that trusts it). A bad option is NewClient's error. Close closes
// the client.
func (s *Server) NewConsumerClient(opts ...stytch.Option) (*consumer.Client, error) {
	c, err := consumer.NewClient(s.projectID, s.secret, append(s.Options(), opts...)...)
	if err != nil {
		return nil, err
	}
	s.track(c)
	return c, nil
}

// B2BClient returns a b2b client of this server; see ConsumerClient.
func (s *Server) B2BClient() *b2b.Client {
	c, err := s.NewB2BClient()
	if err != nil {
		panic("stytchtest: " + err.Error()) // unreachable: no option of the caller's is applied
	}
	return c
}

// NewB2BClient returns a b2b client of this server with opts; see
// NewConsumerClient.
func (s *Server) NewB2BClient(opts ...stytch.Option) (*b2b.Client, error) {
	c, err := b2b.NewClient(s.projectID, s.secret, append(s.Options(), opts...)...)
	if err != nil {
		return nil, err
	}
	s.track(c)
	return c, nil
}

// track remembers a client the server made, for Close.
func (s *Server) track(c io.Closer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients = append(s.clients, c)
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
