package stytchtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// b2bTestCode returns the code of the last message to, which must be of kind.
func b2bTestCode(t *testing.T, srv *Server, to string, kind MessageKind) string {
	t.Helper()
	msg, ok := srv.LastMessage(to)
	require.True(t, ok, "no message to %s", to)
	require.Equal(t, kind, msg.Kind)
	require.Len(t, msg.Code, 6)
	return msg.Code
}

// b2bTestWrongCode returns a six-digit code other than code.
func b2bTestWrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestB2BEmailOTPLoginOrSignup(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) {
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
		p.EmailAllowedDomains = []string{"acme.com"}
	})

	// JIT by domain: a new member is created pending, then made active.
	sent, err := c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com"})
	require.NoError(t, err)
	require.True(t, sent.MemberCreated)
	require.Equal(t, b2b.MemberStatusPending, sent.Member.Status)
	code := b2bTestCode(t, srv, "ada@acme.com", MessageB2BOTPEmail)

	auth, err := c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: o.OrganizationSlug, EmailAddress: "ADA@acme.com", Code: code, SessionCustomClaims: map[string]any{"plan": "pro"}})
	require.NoError(t, err)
	require.True(t, auth.MemberAuthenticated)
	require.Equal(t, sent.MemberID, auth.MemberID)
	require.Equal(t, o.OrganizationID, auth.OrganizationID)
	require.Equal(t, b2b.MemberStatusActive, auth.Member.Status)
	require.True(t, auth.Member.EmailAddressVerified)
	require.True(t, strings.HasPrefix(auth.MethodID, "member-email-test-"), auth.MethodID)
	require.NotEmpty(t, auth.SessionToken)
	require.NotEmpty(t, auth.SessionJWT)
	require.Empty(t, auth.IntermediateSessionToken)
	require.Nil(t, auth.MFARequired)
	require.Len(t, auth.MemberSession.AuthenticationFactors, 1)
	f := auth.MemberSession.AuthenticationFactors[0]
	require.Equal(t, b2b.AuthenticationFactorTypeEmailOTP, f.Type)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodEmail, f.DeliveryMethod)
	require.Equal(t, auth.MethodID, f.EmailFactor.EmailID)

	sess, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	require.Equal(t, auth.MemberSession.MemberSessionID, sess.MemberSession.MemberSessionID)
	require.Equal(t, "pro", sess.MemberSession.CustomClaims["plan"])

	// An existing member is not created again; a session of it is extended.
	sent, err = c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com"})
	require.NoError(t, err)
	require.False(t, sent.MemberCreated)
	again, err := c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Code: b2bTestCode(t, srv, "ada@acme.com", MessageB2BOTPEmail), SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	require.Equal(t, auth.MemberSession.MemberSessionID, again.MemberSession.MemberSessionID)
	require.Len(t, again.MemberSession.AuthenticationFactors, 2)

	// The magic link's JIT rules apply: another domain, or no JIT at all.
	_, err = c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: "eve@evil.com"})
	requireAPIError(t, err, 400, "invalid_email_for_jit_provisioning")
	closed := b2bTestOrg(t, c, "Closed", nil)
	_, err = c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: closed.OrganizationID, EmailAddress: "ada@acme.com"})
	requireAPIError(t, err, 403, "email_jit_provisioning_not_allowed")

	// Expirations are 2 to 15 minutes.
	_, err = c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", LoginExpirationMinutes: stytch.Ptr(16)})
	requireAPIError(t, err, 400, "invalid_expiration_otp")
	_, err = c.OTPs.Email.Discovery.Send(ctx, &b2b.OTPsEmailDiscoverySendParams{EmailAddress: "ada@acme.com", DiscoveryExpirationMinutes: stytch.Ptr(1)})
	requireAPIError(t, err, 400, "invalid_expiration_otp")
}

func TestB2BOTPCodesFail(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	send := func() string {
		t.Helper()
		_, err := c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress})
		require.NoError(t, err)
		return b2bTestCode(t, srv, m.EmailAddress, MessageB2BOTPEmail)
	}
	authenticate := func(code string) error {
		_, err := c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, Code: code})
		return err
	}

	// A wrong code is not found and does not spend the right one.
	code := send()
	requireAPIError(t, authenticate(b2bTestWrongCode(code)), 404, stytch.ErrorTypeOTPCodeNotFound)
	require.NoError(t, authenticate(code))
	// A used code cannot authenticate again.
	requireAPIError(t, authenticate(code), 401, stytch.ErrorTypeUnableToAuthOTPCode)

	// A resend invalidates the earlier code.
	first := send()
	second := send()
	if first != second {
		requireAPIError(t, authenticate(first), 404, stytch.ErrorTypeOTPCodeNotFound)
	}
	require.NoError(t, authenticate(second))

	// A code is for one organization.
	other := b2bTestOrg(t, c, "Other", nil)
	b2bTestMember(t, c, other.OrganizationID, m.EmailAddress, nil)
	code = send()
	_, err := c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: other.OrganizationID, EmailAddress: m.EmailAddress, Code: code})
	requireAPIError(t, err, 404, stytch.ErrorTypeOTPCodeNotFound)

	// Discovery codes too are single use.
	_, err = c.OTPs.Email.Discovery.Send(ctx, &b2b.OTPsEmailDiscoverySendParams{EmailAddress: m.EmailAddress})
	require.NoError(t, err)
	code = b2bTestCode(t, srv, m.EmailAddress, MessageB2BOTPEmailDiscovery)
	_, err = c.OTPs.Email.Discovery.Authenticate(ctx, &b2b.OTPsEmailDiscoveryAuthenticateParams{EmailAddress: m.EmailAddress, Code: b2bTestWrongCode(code)})
	requireAPIError(t, err, 404, stytch.ErrorTypeOTPCodeNotFound)
	_, err = c.OTPs.Email.Discovery.Authenticate(ctx, &b2b.OTPsEmailDiscoveryAuthenticateParams{EmailAddress: m.EmailAddress, Code: code})
	require.NoError(t, err)
	_, err = c.OTPs.Email.Discovery.Authenticate(ctx, &b2b.OTPsEmailDiscoveryAuthenticateParams{EmailAddress: m.EmailAddress, Code: code})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthOTPCode)
}

func TestB2BOTPExpiry(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.MFAPhoneNumber = stytch.Ptr("+12025550123") })

	// An email code lives 10 minutes by default.
	_, err := c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress})
	require.NoError(t, err)
	code := b2bTestCode(t, srv, m.EmailAddress, MessageB2BOTPEmail)
	clk.Add(10 * time.Minute)
	_, err = c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, Code: code})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthOTPCode)

	// login_expiration_minutes sets it.
	_, err = c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, LoginExpirationMinutes: stytch.Ptr(15)})
	require.NoError(t, err)
	code = b2bTestCode(t, srv, m.EmailAddress, MessageB2BOTPEmail)
	clk.Add(14 * time.Minute)
	auth, err := c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, Code: code})
	require.NoError(t, err)
	require.False(t, auth.MemberAuthenticated)

	// An SMS code lives 2 minutes.
	sms := b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS)
	clk.Add(2 * time.Minute)
	_, err = c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: sms, IntermediateSessionToken: &auth.IntermediateSessionToken})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthOTPCode)
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	clk.Add(2*time.Minute - time.Second)
	_, err = c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS), IntermediateSessionToken: &auth.IntermediateSessionToken})
	require.NoError(t, err)

	// A discovery code lives discovery_expiration_minutes.
	_, err = c.OTPs.Email.Discovery.Send(ctx, &b2b.OTPsEmailDiscoverySendParams{EmailAddress: m.EmailAddress, DiscoveryExpirationMinutes: stytch.Ptr(2)})
	require.NoError(t, err)
	code = b2bTestCode(t, srv, m.EmailAddress, MessageB2BOTPEmailDiscovery)
	clk.Add(2 * time.Minute)
	_, err = c.OTPs.Email.Discovery.Authenticate(ctx, &b2b.OTPsEmailDiscoveryAuthenticateParams{EmailAddress: m.EmailAddress, Code: code})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthOTPCode)
}

func TestB2BSMSOTPCompletesMFA(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Strict", func(p *b2b.OrganizationsCreateParams) { p.MFAPolicy = stytch.Ptr(b2b.MFAPolicyRequiredForAll) })

	// A member with no MFA phone: a magic-link login ends in an MFA step,
	// and nothing is texted.
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	require.False(t, login.MemberAuthenticated)
	require.NotNil(t, login.MFARequired)
	require.Empty(t, login.MFARequired.SecondaryAuthInitiated)
	ist := login.IntermediateSessionToken

	// SMS OTP is not a primary factor.
	_, err := c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: "123456"})
	requireAPIError(t, err, 400, "no_associated_session_passed_in")
	// With no phone on file, send needs one, in E.164.
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, IntermediateSessionToken: &ist})
	requireAPIError(t, err, 400, "member_phone_number_not_found")
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, MFAPhoneNumber: stytch.Ptr("2025550123")})
	requireAPIError(t, err, 400, "invalid_phone_number")

	sent, err := c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, MFAPhoneNumber: stytch.Ptr("+12025550123"), IntermediateSessionToken: &ist})
	require.NoError(t, err)
	require.Equal(t, "+12025550123", sent.Member.MFAPhoneNumber, "the number is linked to the member")
	require.False(t, sent.Member.MFAPhoneNumberVerified)
	// Once linked, another number is refused.
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, MFAPhoneNumber: stytch.Ptr("+12025550199")})
	requireAPIError(t, err, 400, errorTypeBadRequest)
	code := b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS)

	// A wrong code fails and leaves the IST usable.
	_, err = c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: b2bTestWrongCode(code), IntermediateSessionToken: &ist})
	requireAPIError(t, err, 404, stytch.ErrorTypeOTPCodeNotFound)

	auth, err := c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{
		OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, IntermediateSessionToken: &ist,
		SessionDurationMinutes: stytch.Ptr(30), SessionCustomClaims: map[string]any{"mfa": "sms"}, SetDefaultMFA: stytch.Ptr(true),
	})
	require.NoError(t, err)
	require.NotEmpty(t, auth.SessionToken)
	require.NotEmpty(t, auth.SessionJWT)
	require.True(t, auth.Member.MFAPhoneNumberVerified)
	require.Equal(t, b2b.MFAMethodSMSOTP, auth.Member.DefaultMFAMethod)
	s := auth.MemberSession
	require.Equal(t, m.MemberID, s.MemberID)
	require.Equal(t, 30*time.Minute, s.ExpiresAt.Sub(s.StartedAt))
	require.Equal(t, "sms", s.CustomClaims["mfa"])
	require.Len(t, s.AuthenticationFactors, 2, "the magic link's factor and the SMS factor")
	require.Equal(t, b2b.AuthenticationFactorTypeMagicLink, s.AuthenticationFactors[0].Type)
	sms := s.AuthenticationFactors[1]
	require.Equal(t, b2b.AuthenticationFactorTypeOTP, sms.Type)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodSMS, sms.DeliveryMethod)
	require.Equal(t, "+12025550123", sms.PhoneNumberFactor.PhoneNumber)
	require.True(t, strings.HasPrefix(sms.PhoneNumberFactor.PhoneID, "phone-number-test-"), sms.PhoneNumberFactor.PhoneID)

	// The IST and the code are spent.
	_, err = c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, SessionToken: &auth.SessionToken})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthOTPCode)
	_, err = c.Discovery.Organizations.List(ctx, &b2b.DiscoveryOrganizationsListParams{IntermediateSessionToken: &ist})
	requireAPIError(t, err, 404, stytch.ErrorTypeIntermediateSessionNotFound)

	// The next login texts a code by itself (secondary_auth_initiated), and
	// an email OTP login completes with it just as a magic link does.
	_, err = c.OTPs.Email.LoginOrSignup(ctx, &b2b.OTPsEmailLoginOrSignupParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress})
	require.NoError(t, err)
	primary, err := c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: m.EmailAddress, Code: b2bTestCode(t, srv, m.EmailAddress, MessageB2BOTPEmail), SessionDurationMinutes: stytch.Ptr(30)})
	require.NoError(t, err)
	require.False(t, primary.MemberAuthenticated)
	require.Empty(t, primary.SessionToken)
	require.Nil(t, primary.MemberSession)
	require.Equal(t, b2b.MFAMethodSMSOTP, primary.MFARequired.SecondaryAuthInitiated)
	require.Equal(t, "+12025550123", primary.MFARequired.MemberOptions.MFAPhoneNumber)
	done, err := c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS), IntermediateSessionToken: &primary.IntermediateSessionToken})
	require.NoError(t, err)
	require.Equal(t, b2b.AuthenticationFactorTypeEmailOTP, done.MemberSession.AuthenticationFactors[0].Type)
	require.Equal(t, sms.PhoneNumberFactor.PhoneID, done.MemberSession.AuthenticationFactors[1].PhoneNumberFactor.PhoneID, "the phone keeps its ID")

	// With a session, SMS adds a step-up factor to it.
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, SessionToken: &done.SessionToken})
	require.NoError(t, err)
	step, err := c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS), SessionToken: &done.SessionToken})
	require.NoError(t, err)
	require.Equal(t, done.MemberSession.MemberSessionID, step.MemberSession.MemberSessionID)
	require.Len(t, step.MemberSession.AuthenticationFactors, 3)

	// A code to a number the member has since replaced does not authenticate.
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	stale := b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS)
	updated, err := c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, MFAPhoneNumber: stytch.Ptr("+12025550188")})
	require.NoError(t, err)
	require.False(t, updated.Member.MFAPhoneNumberVerified)
	_, err = c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: stale, SessionToken: &done.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeOTPCodeNotFound)

	// Another member's IST or session is refused.
	bob := b2bTestMember(t, c, o.OrganizationID, "bob@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.MFAPhoneNumber = stytch.Ptr("+12025550177") })
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: bob.MemberID, SessionToken: &done.SessionToken})
	requireAPIError(t, err, 400, "member_session_member_id_mismatch")
	bobLogin := b2bTestSignIn(t, srv, c, o.OrganizationID, bob.EmailAddress, nil)
	_, err = c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: "123456", IntermediateSessionToken: &bobLogin.IntermediateSessionToken})
	requireAPIError(t, err, 400, "member_session_member_id_mismatch")
}

func TestB2BSMSOTPRules(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	totpOnly := b2bTestOrg(t, c, "TOTP only", func(p *b2b.OrganizationsCreateParams) {
		p.MFAMethods = stytch.Ptr(b2b.MFAMethodsRestricted)
		p.AllowedMFAMethods = []b2b.MFAMethod{b2b.MFAMethodTOTP}
	})
	m := b2bTestMember(t, c, totpOnly.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.MFAPhoneNumber = stytch.Ptr("+12025550123") })
	_, err := c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: totpOnly.OrganizationID, MemberID: m.MemberID})
	requireAPIError(t, err, 403, "operation_restricted_by_organization_mfa_methods")

	o := b2bTestOrg(t, c, "Acme", nil)
	pending := b2bTestMember(t, c, o.OrganizationID, "new@acme.com", func(p *b2b.OrganizationsMembersCreateParams) {
		p.CreateMemberAsPending = stytch.Ptr(true)
		p.MFAPhoneNumber = stytch.Ptr("+12025550123")
	})
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: pending.MemberID})
	requireAPIError(t, err, 400, "action_available_only_for_active_members")
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: "member-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
}

func TestB2BSMSOTPEnrollment(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Lax", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	require.True(t, login.MemberAuthenticated)

	// A member enrolls from a session; the next login needs MFA.
	_, err := c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, MFAPhoneNumber: stytch.Ptr("+12025550123"), SessionJWT: &login.SessionJWT})
	require.NoError(t, err)
	auth, err := c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS), SessionJWT: &login.SessionJWT, SetMFAEnrollment: stytch.Ptr(b2b.MFAEnrollmentEnroll)})
	require.NoError(t, err)
	require.True(t, auth.Member.MFAEnrolled)
	require.True(t, auth.Member.MFAPhoneNumberVerified)
	again := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)
	require.False(t, again.MemberAuthenticated)
	require.Equal(t, b2b.MFAMethodSMSOTP, again.MFARequired.SecondaryAuthInitiated)
}

func TestB2BEmailOTPDiscovery(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	member := b2bTestOrg(t, c, "Member of", nil)
	b2bTestMember(t, c, member.OrganizationID, "ada@acme.com", nil)
	eligible := b2bTestOrg(t, c, "Eligible", func(p *b2b.OrganizationsCreateParams) {
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
		p.EmailAllowedDomains = []string{"acme.com"}
	})
	b2bTestOrg(t, c, "Stranger", nil)

	_, err := c.OTPs.Email.Discovery.Send(ctx, &b2b.OTPsEmailDiscoverySendParams{EmailAddress: "ada@acme.com"})
	require.NoError(t, err)
	_, err = c.OTPs.Email.Discovery.Send(ctx, &b2b.OTPsEmailDiscoverySendParams{EmailAddress: "not an email"})
	requireAPIError(t, err, 400, "invalid_email")
	code := b2bTestCode(t, srv, "ada@acme.com", MessageB2BOTPEmailDiscovery)

	disc, err := c.OTPs.Email.Discovery.Authenticate(ctx, &b2b.OTPsEmailDiscoveryAuthenticateParams{EmailAddress: "ada@acme.com", Code: code})
	require.NoError(t, err)
	require.Equal(t, "ada@acme.com", disc.EmailAddress)
	require.Len(t, disc.IntermediateSessionToken, 44)
	require.NotNil(t, disc.IntermediateSessionTokenExpiresAt)
	require.Equal(t, map[string]string{
		member.OrganizationID:   "active_member",
		eligible.OrganizationID: "eligible_to_join_by_email_domain",
	}, b2bTestMemberships(disc.DiscoveredOrganizations))

	// The IST joins an organization by domain, with the email OTP factor.
	ex, err := c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: eligible.OrganizationID})
	require.NoError(t, err)
	require.True(t, ex.MemberAuthenticated)
	require.Len(t, ex.MemberSession.AuthenticationFactors, 1)
	f := ex.MemberSession.AuthenticationFactors[0]
	require.Equal(t, b2b.AuthenticationFactorTypeEmailOTP, f.Type)
	require.Equal(t, "ada@acme.com", f.EmailFactor.EmailAddress)
	require.NotEmpty(t, f.EmailFactor.EmailID, "the factor points at the new member's email")
}
