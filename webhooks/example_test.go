package webhooks_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
	"github.com/gostytch/stytch/webhooks"
)

// A webhook endpoint, tested end to end: the emulator signs and sends a
// webhook for each change it makes, as Stytch does through Svix.
func ExampleHandler() {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // os.Getenv("STYTCH_WEBHOOK_SECRET")
	v, err := webhooks.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	endpoint := webhooks.Handler(v, func(ctx context.Context, e *webhooks.Event) error {
		switch e.Type() {
		case webhooks.DirectUserCreate, webhooks.DirectUserUpdate:
			fmt.Println(e.Type(), e.User.Emails[0].Email, e.User.TrustedMetadata["plan"])
		case webhooks.DirectUserDelete:
			fmt.Println(e.Type(), e.User == nil) // a delete carries only the ID
		}
		return nil // an error answers 500, and Svix sends the event again later
	})

	srv := stytchtest.NewServer()
	defer srv.Close()
	hook := httptest.NewServer(endpoint) // mux.Handle("POST /webhooks/stytch", endpoint)
	defer hook.Close()
	srv.SendWebhooks(hook.URL, secret)

	ctx, client := context.Background(), srv.ConsumerClient()
	u, _ := client.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	_, _ = client.Users.Update(ctx, &consumer.UsersUpdateParams{UserID: u.UserID, TrustedMetadata: map[string]any{"plan": "pro"}})
	_, _ = client.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: u.UserID})
	srv.WaitWebhooks()
	// Output:
	// direct.user.create ada@example.com <nil>
	// direct.user.update ada@example.com pro
	// direct.user.delete true
}
