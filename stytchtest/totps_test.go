package stytchtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

func newTOTPUser(t *testing.T, c *consumer.Client, email string) string {
	t.Helper()
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: &email})
	require.NoError(t, err)
	return u.UserID
}

// The whole TOTP flow through the SDK: enroll, authenticate with the
// helper's code, the time window, recovery codes, and deletion.
func TestTOTPFlow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	userID := newTOTPUser(t, c, "totp@example.com")

	created, err := c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(created.TOTPID, "totp-test-"), created.TOTPID)
	require.Regexp(t, `^[A-Z2-7]{32}$`, created.Secret)
	require.True(t, strings.HasPrefix(created.QrCode, "data:image/png;base64, "), created.QrCode[:30])
	require.Len(t, created.RecoveryCodes, 10)
	for _, rc := range created.RecoveryCodes {
		require.Regexp(t, `^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`, rc)
	}
	require.Equal(t, []consumer.TOTP{{TOTPID: created.TOTPID}}, created.User.TOTPs)

	// The helper's code is the one an authenticator app computes from the secret.
	code, ok := srv.TOTPCode(created.TOTPID)
	require.True(t, ok)
	want, err := totp.GenerateCode(created.Secret, clock.Now())
	require.NoError(t, err)
	require.Equal(t, want, code)
	_, ok = srv.TOTPCode("totp-test-00000000-0000-4000-8000-000000000000")
	require.False(t, ok)

	// A wrong code fails; a right one verifies the registration and starts a session.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: wrong})
	requireAPIError(t, err, 401, "unable_to_authenticate_totp")
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: "12345"})
	requireAPIError(t, err, 400, "invalid_totp_code")
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: created.RecoveryCodes[0]})
	requireAPIError(t, err, 400, "recovery_code_used_as_totp_code")

	auth, err := c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: code, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	require.Equal(t, created.TOTPID, auth.TOTPID)
	require.Equal(t, []consumer.TOTP{{TOTPID: created.TOTPID, Verified: true}}, auth.User.TOTPs)
	require.NotNil(t, auth.Session)
	require.Len(t, auth.Session.AuthenticationFactors, 1)
	f := auth.Session.AuthenticationFactors[0]
	require.Equal(t, consumer.AuthenticationFactorTypeTOTP, f.Type)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodAuthenticatorApp, f.DeliveryMethod)
	require.Equal(t, &consumer.AuthenticatorAppFactor{TOTPID: created.TOTPID}, f.AuthenticatorAppFactor)
	s, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	require.Equal(t, userID, s.Session.UserID)

	// A code authenticates once, as RFC 6238 §5.2 asks.
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: code})
	requireAPIError(t, err, 400, "totp_code_already_authenticated")

	// Stytch accepts the previous and the next step's code; the next step
	// adds a factor to the session given.
	clock.Add(30 * time.Second)
	next, err := totp.GenerateCode(created.Secret, clock.Now().Add(30*time.Second))
	require.NoError(t, err)
	ext, err := c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: next, SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	require.Equal(t, auth.Session.SessionID, ext.Session.SessionID)
	require.Len(t, ext.Session.AuthenticationFactors, 2)
	clock.Add(90 * time.Second) // now two steps after "next"
	prev, err := totp.GenerateCode(created.Secret, clock.Now().Add(-30*time.Second))
	require.NoError(t, err)
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: prev})
	require.NoError(t, err)
	// Two steps away is outside the window.
	clock.Add(30 * time.Second)
	old, err := totp.GenerateCode(created.Secret, clock.Now().Add(-60*time.Second))
	require.NoError(t, err)
	current, _ := srv.TOTPCode(created.TOTPID)
	if old != current {
		_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: old})
		requireAPIError(t, err, 401, "unable_to_authenticate_totp")
	}

	// One active registration per user.
	_, err = c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID})
	requireAPIError(t, err, 400, "active_totp_exists")

	// Recovery codes: listed, each works once.
	rcs, err := c.TOTPs.RecoveryCodes(ctx, &consumer.TOTPsRecoveryCodesParams{UserID: userID})
	require.NoError(t, err)
	require.Equal(t, []consumer.TOTPRecoveryCodes{{TOTPID: created.TOTPID, Verified: true, RecoveryCodes: created.RecoveryCodes}}, rcs.TOTPs)
	rc := created.RecoveryCodes[3]
	rec, err := c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: rc, SessionDurationMinutes: stytch.Ptr(30)})
	require.NoError(t, err)
	require.Equal(t, created.TOTPID, rec.TOTPID)
	require.NotNil(t, rec.Session)
	rf := rec.Session.AuthenticationFactors[0]
	require.Equal(t, consumer.AuthenticationFactorTypeRecoveryCodes, rf.Type)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodRecoveryCode, rf.DeliveryMethod)
	require.NotNil(t, rf.RecoveryCodeFactor)
	require.NotEmpty(t, rf.RecoveryCodeFactor.TOTPRecoveryCodeID)
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: rc})
	requireAPIError(t, err, 401, "unable_to_authenticate_recovery_code")
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: "aaaa-bbbb-cccc"})
	requireAPIError(t, err, 401, "unable_to_authenticate_recovery_code")
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: "123456"})
	requireAPIError(t, err, 400, "totp_code_used_as_recovery_code")
	rcs, err = c.TOTPs.RecoveryCodes(ctx, &consumer.TOTPsRecoveryCodesParams{UserID: userID})
	require.NoError(t, err)
	require.Len(t, rcs.TOTPs[0].RecoveryCodes, 9)
	require.NotContains(t, rcs.TOTPs[0].RecoveryCodes, rc)

	// Users.DeleteTOTP removes it; then nothing authenticates.
	del, err := c.Users.DeleteTOTP(ctx, &consumer.UsersDeleteTOTPParams{TOTPID: created.TOTPID})
	require.NoError(t, err)
	require.Equal(t, userID, del.UserID)
	require.Empty(t, del.User.TOTPs)
	_, err = c.Users.DeleteTOTP(ctx, &consumer.UsersDeleteTOTPParams{TOTPID: created.TOTPID})
	requireAPIError(t, err, 404, "totp_not_found")
	clock.Add(30 * time.Second)
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: next})
	requireAPIError(t, err, 404, "totp_not_found")
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: created.RecoveryCodes[0]})
	requireAPIError(t, err, 404, "totp_not_found")
	_, ok = srv.TOTPCode(created.TOTPID)
	require.False(t, ok)
	rcs, err = c.TOTPs.RecoveryCodes(ctx, &consumer.TOTPsRecoveryCodesParams{UserID: userID})
	require.NoError(t, err)
	require.Empty(t, rcs.TOTPs)

	// Enrolling again works once the old one is gone.
	_, err = c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID})
	require.NoError(t, err)
}

// A registration never authenticated expires after expiration_minutes;
// until then it blocks another.
func TestTOTPEnrollmentExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	userID := newTOTPUser(t, c, "pending@example.com")

	_, err := c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID, ExpirationMinutes: stytch.Ptr(4)})
	requireAPIError(t, err, 400, "invalid_expiration")
	_, err = c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: "user-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, "user_not_found")

	created, err := c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID, ExpirationMinutes: stytch.Ptr(5)})
	require.NoError(t, err)
	_, err = c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID})
	requireAPIError(t, err, 400, "pending_totp_exists")
	// Recovery needs a verified registration.
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: created.RecoveryCodes[0]})
	requireAPIError(t, err, 404, "totp_not_found")
	rcs, err := c.TOTPs.RecoveryCodes(ctx, &consumer.TOTPsRecoveryCodesParams{UserID: userID})
	require.NoError(t, err)
	require.Equal(t, []consumer.TOTPRecoveryCodes{{TOTPID: created.TOTPID, Verified: false, RecoveryCodes: created.RecoveryCodes}}, rcs.TOTPs)

	clock.Add(5 * time.Minute)
	code, ok := srv.TOTPCode(created.TOTPID)
	require.True(t, ok)
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: code})
	requireAPIError(t, err, 404, "totp_not_found")
	again, err := c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID})
	require.NoError(t, err)
	require.Equal(t, []consumer.TOTP{{TOTPID: again.TOTPID}}, again.User.TOTPs)

	// Without a session duration no session starts.
	code, _ = srv.TOTPCode(again.TOTPID)
	auth, err := c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: code})
	require.NoError(t, err)
	require.Nil(t, auth.Session)
	require.Empty(t, auth.SessionToken)

	// Deleting the user drops its registration.
	_, err = c.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: userID})
	require.NoError(t, err)
	_, ok = srv.TOTPCode(again.TOTPID)
	require.False(t, ok)
}

// The helper's HTTP mirror, for programs in other languages.
func TestTOTPCodeHook(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	userID := newTOTPUser(t, c, "hook@example.com")
	created, err := c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID})
	require.NoError(t, err)

	get := func(id string, auth bool) (int, map[string]any) {
		return callHook(t, srv, http.MethodGet, "/__emulator/totps/code?totp_id="+url.QueryEscape(id), "", auth)
	}
	status, body := get(created.TOTPID, true)
	require.Equal(t, http.StatusOK, status)
	want, _ := srv.TOTPCode(created.TOTPID)
	require.Equal(t, want, body["code"])
	status, body = get(created.TOTPID, false)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "unauthorized_credentials", body["error_type"])
	status, body = get("totp-test-unknown", true)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "totp_not_found", body["error_type"])

	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: want})
	require.NoError(t, err)
}

// Ten wrong codes in a row lock the user for an hour, Stytch's defaults.
func TestTOTPUserLock(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	userID := newTOTPUser(t, c, "locked@example.com")
	created, err := c.TOTPs.Create(ctx, &consumer.TOTPsCreateParams{UserID: userID})
	require.NoError(t, err)
	code, _ := srv.TOTPCode(created.TOTPID)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 9 {
		_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: wrong})
		requireAPIError(t, err, 401, "unable_to_authenticate_totp")
	}
	// A success resets the count.
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: code})
	require.NoError(t, err)
	for range 9 {
		_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: "aaaa-bbbb-cccc"})
		requireAPIError(t, err, 401, "unable_to_authenticate_recovery_code")
	}
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: wrong})
	requireAPIError(t, err, 401, "unable_to_authenticate_totp")

	// Locked: even the right answers are refused.
	clock.Add(30 * time.Second)
	code, _ = srv.TOTPCode(created.TOTPID)
	_, err = c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: code})
	requireAPIError(t, err, 429, "user_lock_limit_reached")
	_, err = c.TOTPs.Recover(ctx, &consumer.TOTPsRecoverParams{UserID: userID, RecoveryCode: created.RecoveryCodes[0]})
	requireAPIError(t, err, 429, "user_lock_limit_reached")
	got, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: userID})
	require.NoError(t, err)
	require.True(t, got.IsLocked)
	require.Equal(t, clock.Now().Add(time.Hour-30*time.Second), *got.LockExpiresAt)

	clock.Add(time.Hour)
	code, _ = srv.TOTPCode(created.TOTPID)
	auth, err := c.TOTPs.Authenticate(ctx, &consumer.TOTPsAuthenticateParams{UserID: userID, TOTPCode: code})
	require.NoError(t, err)
	require.False(t, auth.User.IsLocked)
	require.Nil(t, auth.User.LockExpiresAt)
}
