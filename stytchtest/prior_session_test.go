package stytchtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// TestAnotherUsersSessionSpendsNothing checks that an authenticate naming
// another user's session is refused with session_user_mismatch before it
// spends anything: the OTP, the TOTP and recovery codes, the magic link and
// the OAuth token still work afterwards, and the password is not changed.
func TestAnotherUsersSessionSpendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	other, err := c.Passwords.Create(ctx, &consumer.PasswordsCreateParams{Email: "eve@example.com", Password: strongPassword, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	foreign := &other.SessionToken

	sent, err := c.OTPs.Email.LoginOrCreate(ctx, &consumer.OTPsEmailLoginOrCreateParams{Email: "ada@example.com"})
	require.NoError(t, err)
	msg, _ := srv.LastMessage("ada@example.com")
	_, err = c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: sent.EmailID, Code: msg.Code, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_user_mismatch")
	_, err = c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: sent.EmailID, Code: msg.Code})
	require.NoError(t, err, "the code was spent by the refused call")

	totp, err := c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: sent.UserID})
	require.NoError(t, err)
	code, _ := srv.TOTPCode(totp.TOTPID)
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: sent.UserID, TOTPCode: code, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_user_mismatch")
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: sent.UserID, TOTPCode: code})
	require.NoError(t, err, "the TOTP code was spent by the refused call")
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: sent.UserID, RecoveryCode: totp.RecoveryCodes[0], SessionToken: foreign})
	requireAPIError(t, err, 400, "session_user_mismatch")
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: sent.UserID, RecoveryCode: totp.RecoveryCodes[0]})
	require.NoError(t, err, "the recovery code was spent by the refused call")

	link, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
	require.NoError(t, err)
	require.Equal(t, sent.UserID, link.UserID)
	msg, _ = srv.LastMessage("ada@example.com")
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_user_mismatch")
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token})
	require.NoError(t, err, "the magic link was spent by the refused call")

	start, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGoogle, PublicToken: srv.PublicToken()})
	require.NoError(t, err)
	back, err := srv.OAuthCallback(start.URL, "ada@example.com")
	require.NoError(t, err)
	_, err = c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: back.Token, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_user_mismatch")
	_, err = c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: back.Token})
	require.NoError(t, err, "the OAuth token was spent by the refused call")

	_, err = c.Passwords.Create(ctx, &consumer.PasswordsCreateParams{Email: "grace@example.com", Password: strongPassword})
	require.NoError(t, err)
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: "grace@example.com", Password: strongPassword, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_user_mismatch")
	const newPassword = "amber-Lantern-81-slowly-Turn"
	_, err = c.Passwords.ExistingPassword.Reset(ctx, &consumer.PasswordsExistingPasswordResetParams{Email: "grace@example.com", ExistingPassword: strongPassword, NewPassword: newPassword, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_user_mismatch")
	_, err = c.Passwords.Authenticate(ctx, &consumer.PasswordsAuthenticateParams{Email: "grace@example.com", Password: strongPassword})
	require.NoError(t, err, "the refused reset changed the password")
}

// TestAnotherMembersSessionSpendsNothing is the B2B side: a magic link or
// an OAuth token authenticated with another member's session is refused
// with session_member_mismatch and still works afterwards.
func TestAnotherMembersSessionSpendsNothing(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) { p.EmailAllowedDomains = []string{"acme.example"} })
	b2bTestMember(t, c, o.OrganizationID, "eve@acme.example", nil)
	ada := b2bTestMember(t, c, o.OrganizationID, "ada@acme.example", nil)
	foreign := &b2bTestSignIn(t, srv, c, o.OrganizationID, "eve@acme.example", nil).SessionToken

	_, err := c.MagicLinks.Email.LoginOrSignup(ctx, &b2b.MagicLinksEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: ada.EmailAddress})
	require.NoError(t, err)
	msg, _ := srv.LastMessage(ada.EmailAddress)
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: msg.Token, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_member_mismatch")
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: msg.Token})
	require.NoError(t, err, "the magic link was spent by the refused call")

	start, err := c.OAuth.StartURL(&b2b.OAuthStartParams{Provider: b2b.OAuthStartGoogle, PublicToken: srv.PublicToken(), OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	red, err := srv.OAuthCallback(start.URL, ada.EmailAddress)
	require.NoError(t, err)
	_, err = c.OAuth.Authenticate(ctx, &b2b.OAuthAuthenticateParams{OAuthToken: red.Token, SessionToken: foreign})
	requireAPIError(t, err, 400, "session_member_mismatch")
	_, err = c.OAuth.Authenticate(ctx, &b2b.OAuthAuthenticateParams{OAuthToken: red.Token})
	require.NoError(t, err, "the OAuth token was spent by the refused call")
}
