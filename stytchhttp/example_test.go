package stytchhttp_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchhttp"
	"github.com/gostytch/stytch/stytchtest"
)

// Routes that need a signed-in user: the middleware reads the session JWT
// from the stytch_session_jwt cookie (or Authorization: Bearer), verifies
// it locally, and hands the handler the session.
func ExampleNewConsumer() {
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.ConsumerClient()
	defer client.Close()

	auth, err := stytchhttp.NewConsumer(client, stytchhttp.WithAuthOptions(stytch.WithMaxTokenAge(time.Minute)))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := stytchhttp.ConsumerSessionFrom(r.Context())
		claims, _ := consumer.CustomClaims[struct {
			Plan string `json:"plan"`
		}](&s.Session)
		fmt.Fprintf(w, "verified %s, %s plan\n", s.Source, claims.Plan)
	})))

	// A user signs in with a magic link; the browser then holds the JWT.
	ctx := context.Background()
	_, _ = client.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
	msg, _ := srv.LastMessage("ada@example.com")
	signedIn, err := client.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{
		Token: msg.Token, SessionDurationMinutes: stytch.Ptr(60), SessionCustomClaims: map[string]any{"plan": "pro"},
	})
	if err != nil {
		log.Fatal(err)
	}

	for _, jwt := range []string{signedIn.SessionJWT, ""} {
		r := httptest.NewRequest("GET", "/me", nil)
		if jwt != "" {
			r.AddCookie(&http.Cookie{Name: stytchhttp.DefaultJWTCookie, Value: jwt})
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 verified local, pro plan
	// 401 {"error":"missing_credential","error_description":"No Stytch session was presented."}
}

// A B2B route names its organization; members of other organizations are
// refused, and RequirePermission checks the member's RBAC roles there.
func ExampleNewB2B() {
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.B2BClient()
	defer client.Close()

	auth, err := stytchhttp.NewB2B(client) // the organization is the route's {organization_id}
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{organization_id}/profile", auth.RequirePermission("stytch.self", "read")(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := stytchhttp.MemberSessionFrom(r.Context())
			fmt.Fprintf(w, "member of %s\n", s.OrganizationSlug)
		})))
	mux.Handle("GET /orgs/{organization_id}/settings", auth.RequirePermission("stytch.organization", "update")(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "settings") })))

	ctx := context.Background()
	acme, _ := client.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "Acme", OrganizationSlug: stytch.Ptr("acme")})
	other, _ := client.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "Other"})
	acmeID := acme.Organization.OrganizationID
	_, _ = client.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{OrganizationID: acmeID, EmailAddress: "ada@acme.example"})
	_, _ = client.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: acmeID, EmailAddress: "ada@acme.example"})
	msg, _ := srv.LastMessage("ada@acme.example")
	signedIn, err := client.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: msg.Token})
	if err != nil {
		log.Fatal(err)
	}

	for _, path := range []string{
		"/orgs/" + acmeID + "/profile",
		"/orgs/" + other.Organization.OrganizationID + "/profile",
		"/orgs/" + acmeID + "/settings",
	} {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", "Bearer "+signedIn.SessionJWT)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(strings.SplitN(w.Body.String(), ",", 2)[0]))
	}
	// Output:
	// 200 member of acme
	// 403 {"error":"wrong_organization"
	// 403 {"error":"permission_denied"
}
