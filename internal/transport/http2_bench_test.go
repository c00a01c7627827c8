package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gostytch/stytch"
)

// BenchmarkProtocols calls a TLS server on loopback through the SDK with its
// default transport settings, over HTTP/2 (one connection, multiplexed) and
// over HTTP/1.1 (a pool), with 1, 8 and 32 concurrent callers. h2x4 is
// HTTP/2 with a server that allows 4 streams a connection, so that the
// client spreads the callers over several connections: it tells whether
// HTTP/2 is slow in itself or for sharing one connection. ns/op is wall time
// per call (the inverse of throughput); ns/call is the latency one caller
// sees; conns is how many connections the server accepted, warm-up included.
func BenchmarkProtocols(b *testing.B) {
	body := `{"status_code":200,"request_id":"request-id-test-bench","user":{"name":"` + strings.Repeat("a", 3000) + `"}}`
	for _, proto := range []string{"h2", "h2x4", "http1.1"} {
		for _, callers := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("proto=%s/callers=%d", proto, callers), func(b *testing.B) {
				var conns atomic.Int64
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("X-Proto", r.Proto)
					_, _ = io.WriteString(w, body)
				}))
				srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
					if s == http.StateNew {
						conns.Add(1)
					}
				}
				// Connections still in their handshake when the server closes
				// log an error; they are of no interest here.
				srv.Config.ErrorLog = log.New(io.Discard, "", 0)
				srv.EnableHTTP2 = true
				if proto == "h2x4" {
					srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 4}
				}
				srv.StartTLS()
				b.Cleanup(srv.Close)

				tr := newDefaultTransport()
				tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
				// Whatever the default, each case asks for its protocol.
				tr.Protocols = new(http.Protocols)
				tr.Protocols.SetHTTP1(proto == "http1.1")
				tr.Protocols.SetHTTP2(proto != "http1.1")
				b.Cleanup(tr.CloseIdleConnections)
				c, err := New(testProject, testSecret, stytch.WithBaseURL(srv.URL), stytch.WithHTTPClient(&http.Client{Transport: tr}))
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				call := func() error {
					var out struct {
						RequestID string `json:"request_id"`
					}
					return c.Do(ctx, &Request{Operation: "Bench.Call", Method: http.MethodPost, Path: "/v1/bench", Body: map[string]string{"token": "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="}}, &out)
				}
				// Check the protocol once, outside the timing.
				resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if want := map[string]int{"h2": 2, "h2x4": 2, "http1.1": 1}[proto]; resp.ProtoMajor != want {
					b.Fatalf("got %s, want HTTP/%d", resp.Proto, want)
				}
				if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
					b.Fatal("not over TLS")
				}

				// run makes n calls from callers goroutines.
				run := func(n int) error {
					var next atomic.Int64
					var wg sync.WaitGroup
					var failed atomic.Value
					for range callers {
						wg.Go(func() {
							for next.Add(1) <= int64(n) {
								if err := call(); err != nil {
									failed.Store(err)
									return
								}
							}
						})
					}
					wg.Wait()
					err, _ := failed.Load().(error)
					return err
				}
				// Warm up first: the pool of HTTP/1.1 connections fills as the
				// callers arrive (more connections than callers, as dials race
				// with connections coming back), and the handshakes are a cost
				// paid once, not per call.
				if err := run(callers * 20); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				if err := run(b.N); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(elapsed.Nanoseconds())*float64(callers)/float64(b.N), "ns/call")
				b.ReportMetric(float64(conns.Load()), "conns")
			})
		}
	}
}

// BenchmarkProtocolsColdBurst is the other side of BenchmarkProtocols: a
// burst of 32 concurrent calls on a transport with no connection yet, as
// after a deploy or once idle connections time out. Each op is one whole
// burst, handshakes included: HTTP/2 makes one TLS handshake for it, HTTP/1.1
// one per caller.
func BenchmarkProtocolsColdBurst(b *testing.B) {
	const callers = 32
	for _, proto := range []string{"h2", "http1.1"} {
		b.Run("proto="+proto, func(b *testing.B) {
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"status_code":200,"request_id":"request-id-test-bench"}`)
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.EnableHTTP2 = true
			srv.StartTLS()
			b.Cleanup(srv.Close)
			tlsConfig := srv.Client().Transport.(*http.Transport).TLSClientConfig
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				tr := newDefaultTransport()
				tr.TLSClientConfig = tlsConfig.Clone()
				tr.Protocols = new(http.Protocols)
				tr.Protocols.SetHTTP1(proto == "http1.1")
				tr.Protocols.SetHTTP2(proto != "http1.1")
				c, err := New(testProject, testSecret, stytch.WithBaseURL(srv.URL), stytch.WithHTTPClient(&http.Client{Transport: tr}))
				if err != nil {
					b.Fatal(err)
				}
				var wg sync.WaitGroup
				var failed atomic.Value
				for range callers {
					wg.Go(func() {
						var out struct {
							RequestID string `json:"request_id"`
						}
						if err := c.Do(ctx, &Request{Operation: "Bench.Call", Method: http.MethodPost, Path: "/v1/bench", Body: map[string]string{"token": "x"}}, &out); err != nil {
							failed.Store(err)
						}
					})
				}
				wg.Wait()
				tr.CloseIdleConnections()
				if err, _ := failed.Load().(error); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(conns.Load())/float64(b.N), "conns/burst")
		})
	}
}
