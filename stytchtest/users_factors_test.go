package stytchtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// Users.DeleteTOTP is tested with the TOTP flow, in totps_test.go.

func TestUsersDeleteEmailAndPhone(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("both@example.com"), PhoneNumber: stytch.Ptr("+12025550188")})
	require.NoError(t, err)

	// A pending code dies with its address.
	_, err = c.OTPs.Email.Send(ctx, &consumer.OTPsEmailSendParams{Email: "both@example.com"})
	require.NoError(t, err)
	msg, ok := srv.LastMessage("both@example.com")
	require.True(t, ok)

	del, err := c.Users.DeleteEmail(ctx, &consumer.UsersDeleteEmailParams{EmailID: u.EmailID})
	require.NoError(t, err)
	require.Equal(t, u.UserID, del.UserID)
	require.Empty(t, del.User.Emails)
	require.Len(t, del.User.PhoneNumbers, 1)
	_, err = c.Users.DeleteEmail(ctx, &consumer.UsersDeleteEmailParams{EmailID: u.EmailID})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)
	_, err = c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: u.EmailID, Code: msg.Code})
	requireAPIError(t, err, 404, "otp_code_not_found")
	_, err = c.OTPs.Email.Send(ctx, &consumer.OTPsEmailSendParams{Email: "both@example.com"})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)
	// The address is free again.
	other, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("both@example.com")})
	require.NoError(t, err)
	require.NotEqual(t, u.UserID, other.UserID)

	del2, err := c.Users.DeletePhoneNumber(ctx, &consumer.UsersDeletePhoneNumberParams{PhoneID: u.PhoneID})
	require.NoError(t, err)
	require.Empty(t, del2.User.PhoneNumbers)
	_, err = c.Users.DeletePhoneNumber(ctx, &consumer.UsersDeletePhoneNumberParams{PhoneID: u.PhoneID})
	requireAPIError(t, err, 404, stytch.ErrorTypePhoneNumberNotFound)
	_, err = c.OTPs.SMS.Send(ctx, &consumer.OTPsSMSSendParams{PhoneNumber: "+12025550188"})
	requireAPIError(t, err, 404, stytch.ErrorTypePhoneNumberNotFound)

	got, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: u.UserID})
	require.NoError(t, err)
	require.Empty(t, got.Emails)
	require.Empty(t, got.PhoneNumbers)
}

func TestUsersDeleteExternalID(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ext@example.com"), ExternalID: stytch.Ptr("crm-42")})
	require.NoError(t, err)
	require.Equal(t, "crm-42", u.User.ExternalID)

	// The path takes the external ID too.
	del, err := c.Users.DeleteExternalID(ctx, &consumer.UsersDeleteExternalIDParams{UserID: "crm-42"})
	require.NoError(t, err)
	require.Equal(t, u.UserID, del.UserID)
	require.Empty(t, del.User.ExternalID)
	_, err = c.Users.DeleteExternalID(ctx, &consumer.UsersDeleteExternalIDParams{UserID: "crm-42"})
	requireAPIError(t, err, 404, "user_not_found")
	again, err := c.Users.DeleteExternalID(ctx, &consumer.UsersDeleteExternalIDParams{UserID: u.UserID})
	require.NoError(t, err)
	require.Empty(t, again.User.ExternalID)
}

func TestUsersDeleteOAuthRegistration(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	start, err := c.OAuth.StartURL(&consumer.OAuthStartParams{Provider: consumer.OAuthStartGitHub, PublicToken: srv.PublicToken(), LoginRedirectURL: "https://app.example/login", SignupRedirectURL: "https://app.example/signup"})
	require.NoError(t, err)
	red, err := srv.OAuthCallback(start.URL, "oauth@example.com")
	require.NoError(t, err)
	auth, err := c.OAuth.Authenticate(ctx, &consumer.OAuthAuthenticateParams{Token: red.Token})
	require.NoError(t, err)
	require.Len(t, auth.User.Providers, 1)

	del, err := c.Users.DeleteOAuthRegistration(ctx, &consumer.UsersDeleteOAuthRegistrationParams{OAuthUserRegistrationID: auth.OAuthUserRegistrationID})
	require.NoError(t, err)
	require.Equal(t, auth.UserID, del.UserID)
	require.Empty(t, del.User.Providers)
	_, err = c.Users.DeleteOAuthRegistration(ctx, &consumer.UsersDeleteOAuthRegistrationParams{OAuthUserRegistrationID: auth.OAuthUserRegistrationID})
	requireAPIError(t, err, 404, "oauth_user_registration_not_found")
}

// The factors the emulator never creates answer their not-found errors.
func TestUsersDeleteUnknownFactors(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	_, err := c.Users.DeleteWebAuthnRegistration(ctx, &consumer.UsersDeleteWebAuthnRegistrationParams{WebAuthnRegistrationID: "webauthn-registration-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, "webauthn_registration_not_found")
	_, err = c.Users.DeleteBiometricRegistration(ctx, &consumer.UsersDeleteBiometricRegistrationParams{BiometricRegistrationID: "biometric-registration-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, "biometric_registration_not_found")
	_, err = c.Users.DeleteCryptoWallet(ctx, &consumer.UsersDeleteCryptoWalletParams{CryptoWalletID: "crypto-wallet-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, "crypto_wallet_not_found")
	_, err = c.Users.DeletePassword(ctx, &consumer.UsersDeletePasswordParams{PasswordID: "password-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, "password_not_found")
}
