package stytchtest

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

func TestB2BTOTPCompletesMFA(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)

	// A magic-link login ends in an MFA step; the member enrolls TOTP in it.
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	require.False(t, login.MemberAuthenticated)
	require.NotNil(t, login.MFARequired)
	ist := login.IntermediateSessionToken

	created, err := c.TOTPs.Create(ctx, &b2b.TOTPsCreateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, IntermediateSessionToken: &ist})
	require.NoError(t, err)
	require.NotEmpty(t, created.Secret)
	require.Contains(t, created.QrCode, "data:image/png;base64,")
	require.Len(t, created.RecoveryCodes, 10)
	require.Empty(t, created.Member.TOTPRegistrationID, "pending until its first code")
	// One live registration at a time.
	_, err = c.TOTPs.Create(ctx, &b2b.TOTPsCreateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	requireAPIError(t, err, 400, "pending_totp_exists")

	code, ok := srv.TOTPCode(created.TOTPRegistrationID)
	require.True(t, ok)
	want, err := totp.GenerateCode(created.Secret, clk.Now())
	require.NoError(t, err)
	require.Equal(t, want, code, "the helper's code is the app's, on the emulator's clock")

	// TOTP is not a primary factor; a wrong code fails and keeps the IST.
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code})
	requireAPIError(t, err, 400, "no_associated_session_passed_in")
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: b2bTestWrongCode(code), IntermediateSessionToken: &ist})
	requireAPIError(t, err, 401, "unable_to_authenticate_totp")
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: created.RecoveryCodes[0], IntermediateSessionToken: &ist})
	requireAPIError(t, err, 400, "recovery_code_used_as_totp_code")

	auth, err := c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{
		OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, IntermediateSessionToken: &ist,
		SessionDurationMinutes: stytch.Ptr(30),
	})
	require.NoError(t, err)
	require.NotEmpty(t, auth.SessionToken)
	require.NotEmpty(t, auth.SessionJWT)
	require.Equal(t, created.TOTPRegistrationID, auth.Member.TOTPRegistrationID)
	require.Equal(t, b2b.MFAMethodTOTP, auth.Member.DefaultMFAMethod, "the first MFA method completed")
	s := auth.MemberSession
	require.Equal(t, 30*time.Minute, s.ExpiresAt.Sub(s.StartedAt))
	require.Len(t, s.AuthenticationFactors, 2, "the magic link's factor and the TOTP factor")
	require.Equal(t, b2b.AuthenticationFactorTypeMagicLink, s.AuthenticationFactors[0].Type)
	f := s.AuthenticationFactors[1]
	require.Equal(t, b2b.AuthenticationFactorTypeTOTP, f.Type)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodAuthenticatorApp, f.DeliveryMethod)
	require.Equal(t, created.TOTPRegistrationID, f.AuthenticatorAppFactor.TOTPID)

	// The IST is consumed; the same code does not work twice.
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, IntermediateSessionToken: &ist})
	requireAPIError(t, err, 404, "intermediate_session_not_found")
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, SessionToken: &auth.SessionToken})
	requireAPIError(t, err, 400, "totp_code_already_authenticated")

	// The next step's code adds a factor to the session.
	clk.Add(30 * time.Second)
	next, _ := srv.TOTPCode(created.TOTPRegistrationID)
	more, err := c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: next, SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	require.Equal(t, s.MemberSessionID, more.MemberSession.MemberSessionID)
	require.Len(t, more.MemberSession.AuthenticationFactors, 3)

	// The next login names the registration among the member's options.
	again := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	require.NotNil(t, again.MFARequired.MemberOptions)
	require.Equal(t, created.TOTPRegistrationID, again.MFARequired.MemberOptions.TOTPRegistrationID)
	_, err = c.TOTPs.Create(ctx, &b2b.TOTPsCreateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	requireAPIError(t, err, 400, "active_totp_exists")

	_, ok = srv.TOTPCode("totp-test-nope")
	require.False(t, ok)
}

func TestB2BRecoveryCodes(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)

	// No registration yet: no codes, nothing to recover with or rotate.
	got, err := c.RecoveryCodes.Get(ctx, &b2b.RecoveryCodesGetParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Empty(t, got.RecoveryCodes)
	_, err = c.RecoveryCodes.Rotate(ctx, &b2b.RecoveryCodesRotateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	requireAPIError(t, err, 404, "totp_not_found")

	created, err := c.TOTPs.Create(ctx, &b2b.TOTPsCreateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	code, _ := srv.TOTPCode(created.TOTPRegistrationID)
	first := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, IntermediateSessionToken: &first.IntermediateSessionToken})
	require.NoError(t, err)

	got, err = c.RecoveryCodes.Get(ctx, &b2b.RecoveryCodesGetParams{OrganizationID: o.OrganizationSlug, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Equal(t, created.RecoveryCodes, got.RecoveryCodes)

	// A recovery code completes another login, once.
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	require.False(t, login.MemberAuthenticated)
	rec, err := c.RecoveryCodes.Recover(ctx, &b2b.RecoveryCodesRecoverParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, RecoveryCode: created.RecoveryCodes[0], IntermediateSessionToken: &login.IntermediateSessionToken})
	require.NoError(t, err)
	require.NotEmpty(t, rec.SessionToken)
	require.Equal(t, 9, rec.RecoveryCodesRemaining)
	factors := rec.MemberSession.AuthenticationFactors
	require.Len(t, factors, 2)
	require.Equal(t, b2b.AuthenticationFactorTypeRecoveryCodes, factors[1].Type)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodRecoveryCode, factors[1].DeliveryMethod)
	require.NotEmpty(t, factors[1].RecoveryCodeFactor.TOTPRecoveryCodeID)

	login = b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	_, err = c.RecoveryCodes.Recover(ctx, &b2b.RecoveryCodesRecoverParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, RecoveryCode: created.RecoveryCodes[0], IntermediateSessionToken: &login.IntermediateSessionToken})
	requireAPIError(t, err, 401, "unable_to_authenticate_recovery_code")
	_, err = c.RecoveryCodes.Recover(ctx, &b2b.RecoveryCodesRecoverParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, RecoveryCode: "123456", IntermediateSessionToken: &login.IntermediateSessionToken})
	requireAPIError(t, err, 400, "totp_code_used_as_recovery_code")
	got, err = c.RecoveryCodes.Get(ctx, &b2b.RecoveryCodesGetParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Equal(t, created.RecoveryCodes[1:], got.RecoveryCodes)

	// Rotation replaces every code: the old ones stop working.
	rot, err := c.RecoveryCodes.Rotate(ctx, &b2b.RecoveryCodesRotateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Len(t, rot.RecoveryCodes, 10)
	for _, old := range created.RecoveryCodes {
		require.NotContains(t, rot.RecoveryCodes, old)
	}
	_, err = c.RecoveryCodes.Recover(ctx, &b2b.RecoveryCodesRecoverParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, RecoveryCode: created.RecoveryCodes[1], IntermediateSessionToken: &login.IntermediateSessionToken})
	requireAPIError(t, err, 401, "unable_to_authenticate_recovery_code")
	rec, err = c.RecoveryCodes.Recover(ctx, &b2b.RecoveryCodesRecoverParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, RecoveryCode: rot.RecoveryCodes[0], IntermediateSessionToken: &login.IntermediateSessionToken})
	require.NoError(t, err)
	require.Equal(t, 9, rec.RecoveryCodesRemaining)
}

func TestB2BTOTPMigrate(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)

	_, err := c.TOTPs.Migrate(ctx, &b2b.TOTPsMigrateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Secret: "not base32!"})
	requireAPIError(t, err, 400, errorTypeBadRequest)

	const secret = "JBSWY3DPEHPK3PXP"
	mig, err := c.TOTPs.Migrate(ctx, &b2b.TOTPsMigrateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Secret: secret, RecoveryCodes: []string{"old-code-1", "old-code-2"}})
	require.NoError(t, err)
	require.Equal(t, []string{"old-code-1", "old-code-2"}, mig.RecoveryCodes)
	require.Equal(t, mig.TOTPRegistrationID, mig.Member.TOTPRegistrationID, "a migrated secret is verified at once")

	code, ok := srv.TOTPCode(mig.TOTPRegistrationID)
	require.True(t, ok)
	want, err := totp.GenerateCode(secret, clk.Now())
	require.NoError(t, err)
	require.Equal(t, want, code)

	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, IntermediateSessionToken: &login.IntermediateSessionToken})
	require.NoError(t, err)
	// Imported recovery codes work too.
	login = b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	rec, err := c.RecoveryCodes.Recover(ctx, &b2b.RecoveryCodesRecoverParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, RecoveryCode: "old-code-2", IntermediateSessionToken: &login.IntermediateSessionToken})
	require.NoError(t, err)
	require.Equal(t, 1, rec.RecoveryCodesRemaining)

	_, err = c.TOTPs.Migrate(ctx, &b2b.TOTPsMigrateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Secret: secret})
	requireAPIError(t, err, 400, "active_totp_exists")
}
