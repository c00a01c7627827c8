package stytchtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// Certificate is a self-signed TLS certificate for the loopback names
// 127.0.0.1, ::1 and localhost, made for one run of the emulator. It is its
// own CA: a client trusts it by adding PEM to its roots, and nothing else
// signed by anyone is trusted through it.
type Certificate struct {
	// TLS is the certificate and its private key, for tls.Config.
	TLS tls.Certificate
	// PEM is the certificate alone, PEM-encoded: the CA file to hand to
	// clients (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE).
	PEM  []byte
	leaf *x509.Certificate
}

// NewCertificate makes a certificate valid from a minute ago for validFor,
// with a fresh ECDSA P-256 key.
func NewCertificate(validFor time.Duration) (*Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"stytchtest"}, CommonName: "stytch emulator"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(validFor),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Certificate{
		TLS:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		PEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		leaf: leaf,
	}, nil
}

// CertPool returns a pool holding this certificate only.
func (c *Certificate) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.leaf)
	return pool
}

// HTTPClient returns an HTTP client that trusts this certificate and no
// other, speaking HTTP/2 as the SDK's default transport does.
func (c *Certificate) HTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: c.CertPool(), MinVersion: tls.VersionTLS12}
	t.ForceAttemptHTTP2 = true
	return &http.Client{Transport: t}
}

// tlsValidity is how long a test server's certificate lives: longer than
// any test, short enough that a leaked one is soon worthless.
const tlsValidity = 24 * time.Hour

// NewTLSServer starts an emulator served over HTTPS (HTTP/2 and HTTP/1.1)
// on a loopback port, with a certificate made for it (see NewCertificate).
// Its ConsumerClient, B2BClient and Options trust that certificate alone;
// CertificatePEM and CertPool hand it to clients built elsewhere. Close it
// when done.
func NewTLSServer(opts ...Option) *Server {
	cert, err := NewCertificate(tlsValidity)
	if err != nil {
		panic("stytchtest: making a TLS certificate: " + err.Error())
	}
	e := NewEmulator(opts...)
	srv := httptest.NewUnstartedServer(e)
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	return &Server{Emulator: e, URL: srv.URL, srv: srv, cert: cert, hc: cert.HTTPClient()}
}

// CertificatePEM returns the PEM-encoded certificate of a server started
// with NewTLSServer, for a CA file; nil for a plain HTTP server.
func (s *Server) CertificatePEM() []byte {
	if s.cert == nil {
		return nil
	}
	return s.cert.PEM
}

// CertPool returns a pool holding only the certificate of a server started
// with NewTLSServer, for a client's tls.Config.RootCAs; nil for a plain
// HTTP server.
func (s *Server) CertPool() *x509.CertPool {
	if s.cert == nil {
		return nil
	}
	return s.cert.CertPool()
}
