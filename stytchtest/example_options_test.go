package stytchtest_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
)

// WithLogger records each attempt at debug level, never with secrets or
// bodies; WithMiddleware sees each attempt on its way out, for tracing
// and metrics.
func Example_loggerAndMiddleware() {
	srv := stytchtest.NewServer()
	defer srv.Close()

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "request_id": // they change from run to run
				return slog.Attr{}
			}
			return a
		},
	}))
	tracing := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context()) // a RoundTripper must not change the request it is given
			r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			fmt.Println("middleware:", r.Method, r.URL.Path)
			return next.RoundTrip(r)
		})
	}
	client, err := srv.NewConsumerClient(stytch.WithLogger(logger), stytch.WithMiddleware(tracing))
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.Users.Get(context.Background(), &consumer.UsersGetParams{UserID: "user-test-00000000-0000-4000-8000-000000000000"})
	fmt.Println(err != nil)
	// Output:
	// middleware: GET /v1/users/user-test-00000000-0000-4000-8000-000000000000
	// level=DEBUG msg="stytch attempt" operation=Users.Get method=GET path=/v1/users/user-test-00000000-0000-4000-8000-000000000000 status=404 retry=0
	// true
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
