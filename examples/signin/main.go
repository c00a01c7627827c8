// Command signin walks a consumer and a B2B sign-in end to end, printing a
// line per step. It is what `make demo` runs.
//
// With STYTCH_PROJECT_ID and STYTCH_SECRET set it talks to Stytch's test
// environment and reads tokens from Stytch's sandbox values (the test
// environment's fixed sandbox@stytch.com inbox); without them it starts the
// in-memory emulator of package stytchtest and reads each token from the
// message the emulator "sent". It exits non-zero if any step fails.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
)

// Stytch's sandbox values for the test environment.
const (
	sandboxEmail = "sandbox@stytch.com"
	sandboxToken = "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94="
	sandboxOrgID = "organization-test-007d9d4a-deac-4a87-ba0a-e6e8afba4d4b"
)

// inbox yields the token of the last magic link sent to an address.
type inbox func(address string) (string, error)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("ok: both flows completed")
}

func run(ctx context.Context) error {
	projectID, secret := os.Getenv("STYTCH_PROJECT_ID"), os.Getenv("STYTCH_SECRET")
	var (
		cc   *consumer.Client
		bc   *b2b.Client
		read inbox
		err  error
		live = projectID != "" && secret != ""
	)
	if live {
		fmt.Println("using Stytch's test environment with project", projectID)
		if cc, err = consumer.NewClient(projectID, secret); err != nil {
			return err
		}
		if bc, err = b2b.NewClient(projectID, secret); err != nil {
			return err
		}
		read = func(string) (string, error) { return sandboxToken, nil }
	} else {
		srv := stytchtest.NewServer()
		defer srv.Close()
		fmt.Println("using the embedded emulator at", srv.URL, "(set STYTCH_PROJECT_ID and STYTCH_SECRET to use Stytch)")
		cc, bc = srv.ConsumerClient(), srv.B2BClient()
		read = func(address string) (string, error) {
			msg, ok := srv.LastMessage(address)
			if !ok {
				return "", fmt.Errorf("no message was sent to %s", address)
			}
			return msg.Token, nil
		}
	}
	fmt.Println("\n== consumer sign-in")
	if err := consumerFlow(ctx, cc, read, live); err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	fmt.Println("\n== B2B sign-in")
	if err := b2bFlow(ctx, bc, read, live); err != nil {
		return fmt.Errorf("b2b: %w", err)
	}
	return nil
}

func step(format string, args ...any) { fmt.Printf("  ✓ "+format+"\n", args...) }

func consumerFlow(ctx context.Context, c *consumer.Client, read inbox, live bool) error {
	email := "ada@example.com"
	if live {
		email = sandboxEmail
	}
	sent, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: email})
	if err != nil {
		return fmt.Errorf("sending the magic link: %w", err)
	}
	step("magic link sent to %s (user %s, created: %t)", email, sent.UserID, sent.UserCreated)

	token, err := read(email)
	if err != nil {
		return err
	}
	step("token taken from the email: %s…", token[:8])

	auth, err := c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: token, SessionDurationMinutes: stytch.Ptr(60)})
	if err != nil {
		return fmt.Errorf("authenticating the magic link: %w", err)
	}
	if auth.Session == nil {
		return errors.New("authenticating the magic link started no session")
	}
	step("authenticated %s; session %s until %s", auth.UserID, auth.Session.SessionID, auth.Session.ExpiresAt.Format(time.Kitchen))

	check, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionJWT: &auth.SessionJWT})
	if err != nil {
		return fmt.Errorf("checking the session: %w", err)
	}
	step("session checked by its JWT: %d factor(s), roles %v", len(check.Session.AuthenticationFactors), check.Session.Roles)

	if _, err := c.Sessions.Revoke(ctx, &consumer.SessionsRevokeParams{SessionID: &auth.Session.SessionID}); err != nil {
		return fmt.Errorf("revoking the session: %w", err)
	}
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &auth.SessionToken})
	var apiErr *stytch.Error
	if !errors.As(err, &apiErr) || apiErr.ErrorType != stytch.ErrorTypeSessionNotFound {
		return fmt.Errorf("a revoked session should be session_not_found, got %v", err)
	}
	step("session revoked; its token is now rejected (%s)", apiErr.ErrorType)
	return nil
}

func b2bFlow(ctx context.Context, c *b2b.Client, read inbox, live bool) error {
	suffix := randomSuffix()
	domain := "acme-" + suffix + ".example"
	org, err := c.Organizations.Create(ctx, &b2b.OrganizationsCreateParams{
		OrganizationName:     "Acme " + suffix,
		OrganizationSlug:     stytch.Ptr("acme-" + suffix),
		EmailAllowedDomains:  []string{domain},
		EmailJITProvisioning: stytch.Ptr(b2b.EmailJITProvisioningRestricted),
	})
	if err != nil {
		return fmt.Errorf("creating the organization: %w", err)
	}
	step("organization %q created (%s), sign-up open to @%s", org.Organization.OrganizationSlug, org.Organization.OrganizationID, domain)

	admin, err := c.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{
		OrganizationID: org.Organization.OrganizationID, EmailAddress: "admin@" + domain, Name: stytch.Ptr("Grace Admin"),
	})
	if err != nil {
		return fmt.Errorf("creating a member: %w", err)
	}
	step("member %s created (%s)", admin.Member.EmailAddress, admin.Member.Status)

	orgID, email := org.Organization.OrganizationID, "new.hire@"+domain
	if live {
		// Only the sandbox organization and inbox can be read back from Stytch.
		orgID, email = sandboxOrgID, sandboxEmail
	}
	signup, err := c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: orgID, EmailAddress: email})
	if err != nil {
		return fmt.Errorf("sending the sign-up link: %w", err)
	}
	step("sign-up link sent to %s (member created by allowed domain: %t)", email, signup.MemberCreated)
	token, err := read(email)
	if err != nil {
		return err
	}
	auth, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: token})
	if err != nil {
		return fmt.Errorf("authenticating the sign-up link: %w", err)
	}
	if !auth.MemberAuthenticated || auth.MemberSession == nil {
		return errors.New("the sign-up link did not start a member session")
	}
	step("member %s signed in (%s); session %s", auth.Member.EmailAddress, auth.Member.Status, auth.MemberSession.MemberSessionID)

	if _, err := c.MagicLinks.Email.Discovery.Send(ctx, &b2b.MagicLinksEmailDiscoverySendParams{EmailAddress: email}); err != nil {
		return fmt.Errorf("sending the discovery link: %w", err)
	}
	if token, err = read(email); err != nil {
		return err
	}
	disc, err := c.MagicLinks.Discovery.Authenticate(ctx, &b2b.MagicLinksDiscoveryAuthenticateParams{DiscoveryMagicLinksToken: token})
	if err != nil {
		return fmt.Errorf("authenticating the discovery link: %w", err)
	}
	step("discovery: %s belongs to or may join %d organization(s)", disc.EmailAddress, len(disc.DiscoveredOrganizations))

	second, err := c.Discovery.Organizations.Create(ctx, &b2b.DiscoveryOrganizationsCreateParams{
		IntermediateSessionToken: disc.IntermediateSessionToken,
		OrganizationName:         stytch.Ptr("Acme Labs " + suffix),
		OrganizationSlug:         stytch.Ptr("acme-labs-" + suffix),
	})
	if err != nil {
		return fmt.Errorf("creating an organization from discovery: %w", err)
	}
	step("organization %q created from discovery; %s is its admin", second.Organization.OrganizationSlug, second.Member.EmailAddress)

	moved, err := c.Sessions.Exchange(ctx, &b2b.SessionsExchangeParams{OrganizationID: orgID, SessionToken: &second.SessionToken})
	if err != nil {
		return fmt.Errorf("exchanging the session: %w", err)
	}
	if moved.MemberSession == nil {
		return errors.New("the session exchange returned no member session")
	}
	step("session exchanged back into %s (session %s)", moved.Organization.OrganizationSlug, moved.MemberSession.MemberSessionID)
	return nil
}

func randomSuffix() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
