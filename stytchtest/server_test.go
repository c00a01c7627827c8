package stytchtest

import (
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// A bad option is an error, not a panic.
func TestNewClientWithABadOption(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	c, err := srv.NewConsumerClient(stytch.WithTimeout(-time.Second))
	require.Nil(t, c)
	require.ErrorContains(t, err, "WithTimeout")
	b, err := srv.NewB2BClient(stytch.WithMemberSession("t"))
	require.Nil(t, b)
	require.ErrorContains(t, err, "WithMemberSession")
}

// OnMessage may be set while the emulator sends.
func TestOnMessageWhileServing(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	c := srv.ConsumerClient()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _ = c.MagicLinks.Email.LoginOrCreate(t.Context(), &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
		}()
		go func() {
			defer wg.Done()
			srv.OnMessage(func(Message) { _ = i })
		}()
	}
	wg.Wait()
}

// Close closes the clients the server made: their key refresh stops with
// it. Not parallel: it checks for goroutines left behind.
func TestServerCloseClosesItsClients(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := NewServer()
	c := srv.ConsumerClient()
	jwt := signIn(t, srv, c, "ada@example.com", nil).SessionJWT
	_, err := c.Sessions.AuthenticateJWTLocal(t.Context(), jwt) // starts the background key refresh
	require.NoError(t, err)
	srv.Close()
}

// Each surface's session JWT carries its own surface's claims only, so one
// cannot pass for the other's.
func TestSessionJWTsCarryTheirSurfacesClaims(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	consumerJWT := signIn(t, srv, srv.ConsumerClient(), "ada@example.com", nil).SessionJWT
	bc := srv.B2BClient()
	resp, err := bc.Organizations.Create(t.Context(), &b2b.OrganizationsCreateParams{OrganizationName: "Acme"})
	require.NoError(t, err)
	_, err = bc.Organizations.Members.Create(t.Context(), &b2b.OrganizationsMembersCreateParams{OrganizationID: resp.Organization.OrganizationID, EmailAddress: "ada@acme.example"})
	require.NoError(t, err)
	b2bJWT := b2bTestSignIn(t, srv, bc, resp.Organization.OrganizationID, "ada@acme.example", nil).SessionJWT
	claimsOf := func(token string) jwt.MapClaims {
		c, err := srv.keys.parse(token)
		require.NoError(t, err)
		return c
	}
	cc, bcl := claimsOf(consumerJWT), claimsOf(b2bJWT)
	require.Contains(t, cc, sessionClaim)
	require.NotContains(t, cc, organizationClaim, "a consumer session JWT names no organization")
	require.Contains(t, bcl, sessionClaim)
	require.Contains(t, bcl, organizationClaim)
}
