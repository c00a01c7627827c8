package stytchtest_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
)

// ExampleNewTLSServer serves the emulator over HTTPS. Its own clients trust
// its certificate; a client built elsewhere trusts srv.CertPool().
func ExampleNewTLSServer() {
	srv := stytchtest.NewTLSServer()
	defer srv.Close()

	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool()}}}
	client, err := consumer.NewClient(srv.ProjectID(), srv.Secret(), stytch.WithBaseURL(srv.URL), stytch.WithHTTPClient(hc))
	if err != nil {
		panic(err)
	}
	user, err := client.Users.Create(context.Background(), &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	if err != nil {
		panic(err)
	}
	fmt.Println(srv.URL[:8], user.StatusCode)
	// Output: https:// 200
}
