// Command stytch-emulator serves the in-memory Stytch of package stytchtest
// on a TCP address, for tests written in any language.
//
//	go run ./cmd/stytch-emulator -addr 127.0.0.1:8787
//
// Point a Stytch client at the printed URL with the emulator's project ID
// and secret. What Stytch would have emailed or texted is logged, and
// served at GET /__emulator/messages?to=ADDRESS (same Basic auth) as
// {"messages":[{"to","kind","token","code","url","sent_at"}]}, oldest first.
//
// With -tls it serves HTTPS (HTTP/2 and HTTP/1.1), as SDKs that refuse a
// plain http base URL need, with a self-signed certificate made at start
// for 127.0.0.1, ::1 and localhost and valid for a day. The certificate is
// written, PEM-encoded, to the -ca-file printed at start: the CA file that
// clients trust (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE).
//
//	go run ./cmd/stytch-emulator -tls
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gostytch/stytch/stytchtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stytch-emulator:", err)
		os.Exit(1)
	}
}

// certValidity is how long a -tls certificate is valid: a day of tests, and
// worthless soon after if it leaks.
const certValidity = 24 * time.Hour

// run serves until ctx is done. It writes one "listening on URL" line to
// stdout once the listener is ready (with -tls, followed by a "CA
// certificate in FILE" line), and logs to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on (port 0 picks a free port)")
	projectID := fs.String("project-id", stytchtest.DefaultProjectID, "project ID the emulator accepts")
	secret := fs.String("secret", stytchtest.DefaultSecret, "secret the emulator accepts")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate for 127.0.0.1, ::1 and localhost, made at start")
	caFile := fs.String("ca-file", filepath.Join(os.TempDir(), "stytch-emulator-ca.pem"), "with -tls, where to write the certificate (PEM) for clients to trust")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	logger := log.New(stderr, "", log.LstdFlags)
	emu := stytchtest.NewEmulator(stytchtest.WithCredentials(*projectID, *secret))
	emu.OnMessage(func(m stytchtest.Message) {
		logger.Printf("message to %s: kind=%s token=%s code=%s url=%s", m.To, m.Kind, m.Token, m.Code, m.URL)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if *useTLS {
		cert, err := stytchtest.NewCertificate(certValidity)
		if err != nil {
			_ = ln.Close()
			return err
		}
		// Written before the URL is printed, so that a client that waits
		// for the URL finds the file.
		if err := os.WriteFile(*caFile, cert.PEM, 0o644); err != nil {
			_ = ln.Close()
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	fmt.Fprintf(stdout, "listening on %s://%s\n", scheme, ln.Addr())
	if *useTLS {
		fmt.Fprintf(stdout, "CA certificate in %s\n", *caFile)
	}
	logger.Printf("project ID %s", *projectID)

	errc := make(chan error, 1)
	go func() {
		if *useTLS {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	emu.Close() // the test identity providers it started
	if err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Printf("stopped")
	return nil
}
