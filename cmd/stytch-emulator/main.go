// Command stytch-emulator serves the in-memory Stytch of package stytchtest
// on a TCP address, for tests written in any language.
//
//	go run ./cmd/stytch-emulator -addr 127.0.0.1:8787
//
// Point a Stytch client at the printed URL with the emulator's project ID
// and secret. What Stytch would have emailed or texted is logged, and
// served at GET /__emulator/messages?to=ADDRESS (same Basic auth) as
// {"messages":[{"to","kind","token","code","url","sent_at"}]}, oldest first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
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

// run serves until ctx is done. It writes one "listening on URL" line to
// stdout once the listener is ready, and logs to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on (port 0 picks a free port)")
	projectID := fs.String("project-id", stytchtest.DefaultProjectID, "project ID the emulator accepts")
	secret := fs.String("secret", stytchtest.DefaultSecret, "secret the emulator accepts")
	if err := fs.Parse(args); err != nil {
		return err
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
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	logger.Printf("project ID %s", *projectID)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Printf("stopped")
	return nil
}
