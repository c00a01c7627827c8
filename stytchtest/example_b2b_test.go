package stytchtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/stytchtest"
)

// The B2B client's main flows, run against the emulator; README.md shows
// them.

// An organization, a member, and the member's magic-link login, tested
// against the in-memory Stytch.
func Example_b2bOrganizationLogin() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.B2BClient()

	org, err := client.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{
		OrganizationName: "Acme",
		OrganizationSlug: stytch.Ptr("acme"),
	})
	if err != nil {
		log.Fatal(err)
	}
	orgID := org.Organization.OrganizationID
	if _, err := client.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{
		OrganizationID: orgID, EmailAddress: "ada@acme.example", Name: stytch.Ptr("Ada"),
	}); err != nil {
		log.Fatal(err)
	}

	if _, err := client.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{
		OrganizationID: orgID, EmailAddress: "ada@acme.example",
	}); err != nil {
		log.Fatal(err)
	}
	msg, _ := srv.LastMessage("ada@acme.example")
	auth, err := client.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: msg.Token})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msg.Kind, auth.Member.Name, auth.Organization.OrganizationSlug, auth.MemberSession != nil)
	// Output: b2b_magic_link_login Ada acme true
}

// Discovery: a person signs in with their email before choosing an
// organization, sees the ones they can join, and creates a new one.
func Example_b2bDiscovery() {
	ctx := context.Background()
	srv := stytchtest.NewServer()
	defer srv.Close()
	client := srv.B2BClient()

	if _, err := client.MagicLinks.Email.Discovery.Send(ctx, &b2b.MagicLinksEmailDiscoverySendParams{EmailAddress: "grace@labs.example"}); err != nil {
		log.Fatal(err)
	}
	msg, _ := srv.LastMessage("grace@labs.example")
	disc, err := client.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: msg.Token})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("organizations to choose from:", len(disc.DiscoveredOrganizations))

	created, err := client.Discovery.Organizations.Create(ctx, &b2b.DiscoveryOrganizationsCreateParams{
		IntermediateSessionToken: disc.IntermediateSessionToken,
		OrganizationName:         stytch.Ptr("Labs"),
		OrganizationSlug:         stytch.Ptr("labs"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", created.Organization.OrganizationSlug, "with", created.Member.EmailAddress, "as admin")
	// Output:
	// organizations to choose from: 0
	// created labs with grace@labs.example as admin
}
