package stytchtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

func TestImpersonationConsumer(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	require.NoError(t, err)
	_, err = srv.ImpersonateUser("user-test-00000000-0000-4000-8000-000000000000", Impersonator{})
	require.Error(t, err)

	token, err := srv.ImpersonateUser(u.UserID, Impersonator{ID: "member-test-support-1", EmailAddress: "support@acme.example"})
	require.NoError(t, err)
	resp, err := c.Impersonation.Authenticate(ctx, &consumer.ImpersonationAuthenticateParams{ImpersonationToken: token})
	require.NoError(t, err)
	require.Equal(t, u.UserID, resp.UserID)
	require.NotNil(t, resp.Session)
	require.Equal(t, clock.Now().Add(60*time.Minute), resp.Session.ExpiresAt)
	f := resp.Session.AuthenticationFactors[0]
	require.Equal(t, consumer.AuthenticationFactorTypeImpersonated, f.Type)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodImpersonation, f.DeliveryMethod)
	require.Equal(t, &consumer.ImpersonatedFactor{ImpersonatorID: "member-test-support-1", ImpersonatorEmailAddress: "support@acme.example"}, f.ImpersonatedFactor)
	// Impersonated sessions cannot be extended (Stytch's reference).
	sess, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &resp.SessionToken, SessionDurationMinutes: stytch.Ptr(600)})
	require.NoError(t, err)
	require.Equal(t, u.UserID, sess.User.UserID)
	require.Equal(t, resp.Session.ExpiresAt, sess.Session.ExpiresAt)

	// Single use; unknown tokens; a token past its 5 minutes.
	_, err = c.Impersonation.Authenticate(ctx, &consumer.ImpersonationAuthenticateParams{ImpersonationToken: token})
	requireAPIError(t, err, 401, "unable_to_auth_impersonation_token")
	_, err = c.Impersonation.Authenticate(ctx, &consumer.ImpersonationAuthenticateParams{ImpersonationToken: "made-up"})
	requireAPIError(t, err, 404, "impersonation_token_not_found")
	late, err := srv.ImpersonateUser(u.UserID, Impersonator{})
	require.NoError(t, err)
	clock.Add(5 * time.Minute)
	_, err = c.Impersonation.Authenticate(ctx, &consumer.ImpersonationAuthenticateParams{ImpersonationToken: late})
	requireAPIError(t, err, 401, "unable_to_auth_impersonation_token")

	// A user's token does not open a member session.
	other, err := srv.ImpersonateUser(u.UserID, Impersonator{})
	require.NoError(t, err)
	_, err = b2bClient(t, srv).Impersonation.Authenticate(ctx, &b2b.ImpersonationAuthenticateParams{ImpersonationToken: other})
	requireAPIError(t, err, 404, "impersonation_token_not_found")
}

func TestImpersonationB2B(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.example", nil)

	token, err := srv.ImpersonateMember(m.MemberID, Impersonator{EmailAddress: "support@vendor.example"})
	require.NoError(t, err)
	resp, err := c.Impersonation.Authenticate(ctx, &b2b.ImpersonationAuthenticateParams{ImpersonationToken: token})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, resp.MemberID)
	require.Equal(t, o.OrganizationID, resp.OrganizationID)
	require.True(t, resp.MemberAuthenticated)
	require.NotNil(t, resp.MemberSession)
	f := resp.MemberSession.AuthenticationFactors[0]
	require.Equal(t, b2b.AuthenticationFactorTypeImpersonated, f.Type)
	require.Equal(t, "support@vendor.example", f.ImpersonatedFactor.ImpersonatorEmailAddress)
	require.Regexp(t, `^member-test-`, f.ImpersonatedFactor.ImpersonatorID)
	sess, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &resp.SessionToken, SessionDurationMinutes: stytch.Ptr(600)})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, sess.Member.MemberID)
	require.Equal(t, resp.MemberSession.ExpiresAt, sess.MemberSession.ExpiresAt, "impersonated sessions cannot be extended")

	_, err = c.Impersonation.Authenticate(ctx, &b2b.ImpersonationAuthenticateParams{ImpersonationToken: token})
	requireAPIError(t, err, 401, "unable_to_auth_impersonation_token")
	// A member deleted after the token was minted cannot be impersonated.
	late, err := srv.ImpersonateMember(m.MemberID, Impersonator{})
	require.NoError(t, err)
	_, err = c.Organizations.Members.Delete(ctx, &b2b.OrganizationsMembersDeleteParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	_, err = c.Impersonation.Authenticate(ctx, &b2b.ImpersonationAuthenticateParams{ImpersonationToken: late})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
	_, err = srv.ImpersonateMember(m.MemberID, Impersonator{})
	require.Error(t, err)
}
