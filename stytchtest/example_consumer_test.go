package stytchtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
)

// The consumer client's main flows, run against the emulator. They live
// here rather than in consumer's own tests so that a module importing
// consumer never reads the emulator's imports; README.md shows them.

// A magic-link sign-in, tested against the in-memory Stytch: the emulator
// records the email it would have sent, and the test reads the token from it.
func Example_consumerMagicLinkSignIn() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()

	sent, err := client.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}
	msg, _ := srv.LastMessage("ada@example.com") // what the user would click
	auth, err := client.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{
		Token:                  msg.Token,
		SessionDurationMinutes: stytch.Ptr(60),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", sent.UserCreated, "kind:", msg.Kind)
	fmt.Println("signed in:", auth.UserID == sent.UserID, "session:", auth.Session != nil)
	// Output:
	// created: true kind: magic_link_signup
	// signed in: true session: true
}

// Errors from the API are a *stytch.Error; compare ErrorType with the
// stytch.ErrorType… constants.
func Example_consumerErrors() {
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()

	_, err := client.Users.Get(context.Background(), &consumer.UsersGetParams{UserID: "user-test-00000000-0000-4000-8000-000000000000"})
	var apiErr *stytch.Error
	if errors.As(err, &apiErr) && apiErr.ErrorType == stytch.ErrorTypeUserNotFound {
		fmt.Println(apiErr.StatusCode, apiErr.ErrorType)
	}
	// Output: 404 user_not_found
}

// SearchAll fetches page after page as the loop goes; an error ends it.
func Example_consumerUsersSearchAll() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()
	for _, email := range []string{"ada@example.com", "grace@example.com", "alan@example.com"} {
		if _, err := client.Users.Create(ctx, &consumer.UsersCreateParams{Email: &email}); err != nil {
			log.Fatal(err)
		}
	}

	n := 0
	for user, err := range client.Users.SearchAll(ctx, &consumer.UsersSearchParams{Limit: stytch.Ptr(2)}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		_ = user.UserID
	}
	fmt.Println(n, "users")
	// Output: 3 users
}

// AuthenticateJWT checks a session JWT locally, with the project's keys,
// and asks the API only when that could change the answer. Custom claims
// come out typed.
func Example_consumerSessionsAuthenticateJWT() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()
	defer client.Close()

	_, _ = client.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
	msg, _ := srv.LastMessage("ada@example.com")
	auth, err := client.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{
		Token:                  msg.Token,
		SessionDurationMinutes: stytch.Ptr(60),
		SessionCustomClaims:    map[string]any{"plan": "pro", "seats": 5},
	})
	if err != nil {
		log.Fatal(err)
	}

	res, err := client.Sessions.AuthenticateJWT(ctx, auth.SessionJWT, stytch.WithMaxTokenAge(time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	type claims struct {
		Plan  string `json:"plan"`
		Seats int    `json:"seats"`
	}
	c, err := consumer.CustomClaims[claims](&res.Session)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Source, c.Plan, c.Seats)
	// Output: local pro 5
}

// An M2M client gets an access token (cached until shortly before it
// expires), and the service it calls checks it locally, scopes included.
func Example_consumerM2MAuthenticateToken() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()
	defer client.Close()

	created, err := client.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users", "write:users"}})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := client.M2M.Token(ctx, &consumer.M2MTokenParams{
		ClientID: created.M2MClient.ClientID, ClientSecret: created.M2MClient.ClientSecret, Scopes: []string{"read:users"},
	})
	if err != nil {
		log.Fatal(err)
	}

	res, err := client.M2M.AuthenticateToken(ctx, tok.AccessToken, stytch.WithRequiredScopes("read:users"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.ClientID == created.M2MClient.ClientID, res.Scopes)
	_, err = client.M2M.AuthenticateToken(ctx, tok.AccessToken, stytch.WithRequiredScopes("write:users"))
	fmt.Println(errors.Is(err, stytch.ErrPermissionDenied))
	// Output:
	// true [read:users]
	// true
}

// A Connected App's access token, checked with the project's keys: no API
// call, and the scope rule of M2M tokens.
func Example_consumerIDPIntrospectTokenLocal() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()
	defer client.Close()

	user, err := client.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	if err != nil {
		log.Fatal(err)
	}
	// What Stytch's token endpoint issues at the end of an OAuth flow.
	accessToken := srv.IssueAccessToken(stytchtest.AccessTokenParams{
		Subject: user.UserID, ClientID: "connected-app-test-00000000-0000-4000-8000-000000000000",
		Scopes: []string{"openid", "email", "read:documents"},
	})

	tok, err := client.IDP.IntrospectTokenLocal(ctx, accessToken, stytch.WithRequiredScopes("read:documents"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Subject == user.UserID, tok.Scopes)
	_, err = client.IDP.IntrospectTokenLocal(ctx, accessToken, stytch.WithRequiredScopes("write:documents"))
	fmt.Println(errors.Is(err, stytch.ErrPermissionDenied))

	// The app's own call: authenticated with the access token, not the secret.
	info, err := client.IDP.UserInfo(ctx, &consumer.IDPUserInfoParams{AccessToken: accessToken})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*info.Email)
	// Output:
	// true [openid email read:documents]
	// true
	// ada@example.com
}

// An OAuth sign-in starts with a browser redirect that the SDK builds
// without a request; the emulator plays the provider.
func Example_consumerOAuthStartURL() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()

	start, err := client.OAuth.StartURL(&consumer.OAuthStartParams{
		Provider:         consumer.OAuthStartGoogle,
		PublicToken:      srv.PublicToken(), // the dashboard's public token
		LoginRedirectURL: "https://app.example.com/authenticate",
		PKCE:             true, // keep start.CodeVerifier for Authenticate, in a cookie say
	})
	if err != nil {
		log.Fatal(err)
	}
	// http.Redirect(w, r, start.URL, http.StatusFound) ... and back at the redirect URL:
	back, err := srv.OAuthCallback(start.URL, "ada@example.com")
	if err != nil {
		log.Fatal(err)
	}
	auth, err := client.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{
		Token: back.Token, CodeVerifier: &start.CodeVerifier, SessionDurationMinutes: stytch.Ptr(60),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(auth.ProviderType, auth.User.Emails[0].Email, auth.UserSession != nil)
	// Output: Google ada@example.com true
}

// Search with filters built by constructors: each names its filter and
// sends its value in the shape Stytch expects.
func Example_consumerUsersSearch() {
	srv := stytchtest.NewServer()
	defer srv.Close()
	client, ctx := srv.ConsumerClient(), context.Background()
	for _, email := range []string{"ada@example.com", "grace@example.com"} {
		if _, err := client.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr(email), CreateUserAsPending: stytch.Ptr(email == "grace@example.com")}); err != nil {
			log.Fatal(err)
		}
	}

	resp, err := client.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{
		Operator: consumer.SearchOperatorAnd, // every filter must match
		Operands: []consumer.UserSearchFilter{
			consumer.UserFilterEmailAddress("ada@example.com", "grace@example.com"),
			consumer.UserFilterStatus(consumer.UserStatusActive),
		},
	}})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range resp.Results {
		fmt.Println(u.Emails[0].Email, u.Status)
	}
	// Output: ada@example.com active
}
