package stytchtest_test

import (
	"context"
	"fmt"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
)

// ExampleNewAuthenticator registers a passkey and signs in with it, with a
// virtual authenticator in place of the browser.
func ExampleNewAuthenticator() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()
	passkey := stytchtest.NewAuthenticator("https://example.com")

	user, err := client.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	if err != nil {
		panic(err)
	}
	reg, err := client.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: user.UserID, Domain: "example.com"})
	if err != nil {
		panic(err)
	}
	created, err := passkey.Create(reg.PublicKeyCredentialCreationOptions) // navigator.credentials.create()
	if err != nil {
		panic(err)
	}
	if _, err := client.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: user.UserID, PublicKeyCredential: created}); err != nil {
		panic(err)
	}

	login, err := client.WebAuthn.AuthenticateStart(ctx, &consumer.WebAuthnAuthenticateStartParams{Domain: "example.com"})
	if err != nil {
		panic(err)
	}
	signed, err := passkey.Get(login.PublicKeyCredentialRequestOptions) // navigator.credentials.get()
	if err != nil {
		panic(err)
	}
	auth, err := client.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: signed, SessionDurationMinutes: stytch.Ptr(60)})
	if err != nil {
		panic(err)
	}
	fmt.Println(auth.UserID == user.UserID, auth.Session.AuthenticationFactors[0].Type)
	// Output: true webauthn
}
