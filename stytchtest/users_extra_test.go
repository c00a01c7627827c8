package stytchtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

func TestUsersExchangePrimaryFactor(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	created, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("old@example.com"), ExternalID: stytch.Ptr("ext-1")})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.Send(ctx, &consumer.MagicLinksEmailSendParams{Email: "old@example.com"})
	require.NoError(t, err)
	oldLink, ok := srv.LastMessage("old@example.com")
	require.True(t, ok)

	// Email for phone, by external ID; the old email is free again.
	resp, err := c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: "ext-1", PhoneNumber: stytch.Ptr("+12025550123")})
	require.NoError(t, err)
	require.Equal(t, created.UserID, resp.UserID)
	require.Empty(t, resp.User.Emails)
	require.Len(t, resp.User.PhoneNumbers, 1)
	require.Equal(t, "+12025550123", resp.User.PhoneNumbers[0].PhoneNumber)
	require.False(t, resp.User.PhoneNumbers[0].Verified)
	_, err = c.OTPs.SMS.Send(ctx, &consumer.OTPsSMSSendParams{PhoneNumber: "+12025550123"})
	require.NoError(t, err, "the new phone number reaches the user")
	_, err = c.OTPs.Email.Send(ctx, &consumer.OTPsEmailSendParams{Email: "old@example.com"})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: oldLink.Token, SessionDurationMinutes: stytch.Ptr(60)})
	requireAPIError(t, err, 404, "magic_link_not_found") // a link sent to the old address dies with it, as with Users.DeleteEmail
	other, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("old@example.com")})
	require.NoError(t, err, "the old email is free")

	// And back to an email; the other user's email is taken.
	_, err = c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: created.UserID, EmailAddress: stytch.Ptr("OLD@example.com")})
	requireAPIError(t, err, 400, stytch.ErrorTypeDuplicateEmail)
	resp, err = c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: created.UserID, EmailAddress: stytch.Ptr("new@example.com")})
	require.NoError(t, err)
	require.Empty(t, resp.User.PhoneNumbers)
	require.Equal(t, "new@example.com", resp.User.Emails[0].Email)
	got, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: created.UserID})
	require.NoError(t, err)
	require.Equal(t, resp.User.Emails, got.Emails)

	// Exactly one of the two; exactly one factor on the user; valid values.
	_, err = c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: created.UserID})
	requireAPIError(t, err, 400, "bad_request")
	_, err = c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: created.UserID, EmailAddress: stytch.Ptr("a@example.com"), PhoneNumber: stytch.Ptr("+12025550123")})
	requireAPIError(t, err, 400, "bad_request")
	_, err = c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: created.UserID, PhoneNumber: stytch.Ptr("555")})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidPhoneNumber)
	both, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("both@example.com"), PhoneNumber: stytch.Ptr("+12025550199")})
	require.NoError(t, err)
	_, err = c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: both.UserID, EmailAddress: stytch.Ptr("one@example.com")})
	requireAPIError(t, err, 400, "user_has_multiple_factors")
	_, err = c.Users.ExchangePrimaryFactor(ctx, &consumer.UsersExchangePrimaryFactorParams{UserID: "user-test-00000000-0000-4000-8000-000000000000", EmailAddress: stytch.Ptr("x@example.com")})
	requireAPIError(t, err, 404, stytch.ErrorTypeUserNotFound)
	_, err = c.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: other.UserID})
	require.NoError(t, err)
}

// OAuth.Attach makes the next OAuth flow with the provider a login for the
// named user, whatever email the provider reports, once.
func TestOAuthAttach(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user := signIn(t, srv, c, "ada@example.com", nil)

	attach, err := c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "github", SessionToken: &user.SessionToken})
	require.NoError(t, err)
	require.NotEmpty(t, attach.OAuthAttachToken)
	start, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGitHub, PublicToken: srv.PublicToken(), OAuthAttachToken: attach.OAuthAttachToken})
	require.NoError(t, err)
	red, err := srv.OAuthCallback(start.URL, "ada.github@example.net")
	require.NoError(t, err)
	require.False(t, red.UserCreated, "a login for the attached user, not a sign-up")
	auth, err := c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: red.Token, SessionToken: &user.SessionToken})
	require.NoError(t, err)
	require.Equal(t, user.UserID, auth.UserID)
	require.Len(t, auth.User.Providers, 1)
	require.Equal(t, "GitHub", auth.User.Providers[0].ProviderType)
	require.Len(t, auth.User.Emails, 1, "the provider's email was not added as a user")
	search, err := c.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{Operator: consumer.SearchOperatorAnd, Operands: []consumer.UserSearchFilter{consumer.UserFilterEmailAddress("ada.github@example.net")}}})
	require.NoError(t, err)
	require.Empty(t, search.Results)

	// The token is single-use and for its provider only.
	_, err = srv.OAuthCallback(start.URL, "ada.github@example.net")
	require.ErrorContains(t, err, "already used")
	byID, err := c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "google", UserID: &user.UserID})
	require.NoError(t, err)
	wrong, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGitHub, PublicToken: srv.PublicToken(), OAuthAttachToken: byID.OAuthAttachToken})
	require.NoError(t, err)
	_, err = srv.OAuthCallback(wrong.URL, "ada@example.com")
	require.ErrorContains(t, err, "another provider")
	unknown, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGitHub, PublicToken: srv.PublicToken(), OAuthAttachToken: "made-up"})
	require.NoError(t, err)
	_, err = srv.OAuthCallback(unknown.URL, "ada@example.com")
	require.ErrorContains(t, err, "not issued")

	// By user ID: the provider's other email does not verify the user's.
	grace, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("grace@example.com")})
	require.NoError(t, err)
	byGrace, err := c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "google", UserID: &grace.UserID})
	require.NoError(t, err)
	gstart, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGoogle, PublicToken: srv.PublicToken(), OAuthAttachToken: byGrace.OAuthAttachToken})
	require.NoError(t, err)
	gred, err := srv.OAuthCallback(gstart.URL, "grace.h@gmail.example")
	require.NoError(t, err)
	gauth, err := c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: gred.Token, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	require.Equal(t, grace.UserID, gauth.UserID)
	require.False(t, gauth.User.Emails[0].Verified)
	require.Equal(t, "Google", gauth.User.Providers[0].ProviderType)

	// Exactly one of user_id, session_token and session_jwt; a known provider.
	_, err = c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "google"})
	requireAPIError(t, err, 400, "bad_request")
	_, err = c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "google", UserID: &user.UserID, SessionToken: &user.SessionToken})
	requireAPIError(t, err, 400, "bad_request")
	_, err = c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "myspace", UserID: &user.UserID})
	requireAPIError(t, err, 400, "invalid_oauth_provider")
	_, err = c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "google", SessionToken: stytch.Ptr("no-such-session")})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.OAuth.Attach(ctx, &consumer.OAuthAttachParams{Provider: "google", UserID: stytch.Ptr("user-test-00000000-0000-4000-8000-000000000000")})
	requireAPIError(t, err, 404, stytch.ErrorTypeUserNotFound)
}
