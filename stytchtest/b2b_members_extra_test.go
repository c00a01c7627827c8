package stytchtest

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

func TestB2BOrganizationMetrics(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	other := b2bTestOrg(t, c, "Other", nil)
	metrics := func(ref string) int {
		t.Helper()
		resp, err := c.Organizations.Metrics(ctx, &b2b.OrganizationsMetricsParams{OrganizationID: ref})
		require.NoError(t, err)
		return resp.MemberCount
	}
	require.Equal(t, 0, metrics(o.OrganizationID))

	ada := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	b2bTestMember(t, c, o.OrganizationID, "bob@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.CreateMemberAsPending = stytch.Ptr(true) })
	b2bTestMember(t, c, other.OrganizationID, "eve@other.com", nil)
	_, err := c.MagicLinks.Email.Invite(ctx, &b2b.MagicLinksEmailInviteParams{OrganizationID: o.OrganizationID, EmailAddress: "cy@acme.com"})
	require.NoError(t, err)
	_, ok := srv.LastMessage("cy@acme.com")
	require.True(t, ok)
	require.Equal(t, 3, metrics(o.OrganizationSlug), "active, pending and invited members, of this organization only")

	_, err = c.Organizations.Members.Delete(ctx, &b2b.OrganizationsMembersDeleteParams{OrganizationID: o.OrganizationID, MemberID: ada.MemberID})
	require.NoError(t, err)
	require.Equal(t, 2, metrics(o.OrganizationID), "a deleted member no longer counts")

	_, err = c.Organizations.Metrics(ctx, &b2b.OrganizationsMetricsParams{OrganizationID: "organization-test-nope"})
	requireAPIError(t, err, 404, "organization_not_found")
}

func TestB2BDeleteExternalIDs(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) { p.OrganizationExternalID = stytch.Ptr("acme-ext") })
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.ExternalID = stytch.Ptr("ada-ext") })

	// The member by its external ID, in the organization by its own.
	del, err := c.Organizations.Members.DeleteExternalID(ctx, &b2b.OrganizationsMembersDeleteExternalIDParams{OrganizationID: "acme-ext", MemberID: "ada-ext"})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, del.MemberID)
	require.Empty(t, del.Member.ExternalID)
	_, err = c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: o.OrganizationID, MemberID: stytch.Ptr("ada-ext")})
	requireAPIError(t, err, 404, "member_not_found")
	// The freed external ID can go to another member.
	b2bTestMember(t, c, o.OrganizationID, "bob@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.ExternalID = stytch.Ptr("ada-ext") })

	odel, err := c.Organizations.DeleteExternalID(ctx, &b2b.OrganizationsDeleteExternalIDParams{OrganizationID: "acme-ext"})
	require.NoError(t, err)
	require.Equal(t, o.OrganizationID, odel.Organization.OrganizationID)
	require.Empty(t, odel.Organization.OrganizationExternalID)
	_, err = c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: "acme-ext"})
	requireAPIError(t, err, 404, "organization_not_found")
	got, err := c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Empty(t, got.Organization.OrganizationExternalID)

	_, err = c.Organizations.DeleteExternalID(ctx, &b2b.OrganizationsDeleteExternalIDParams{OrganizationID: "acme-ext"})
	requireAPIError(t, err, 404, "organization_not_found")
	_, err = c.Organizations.Members.DeleteExternalID(ctx, &b2b.OrganizationsMembersDeleteExternalIDParams{OrganizationID: o.OrganizationID, MemberID: "member-test-nope"})
	requireAPIError(t, err, 404, "member_not_found")
}

func TestB2BMembersDangerouslyGet(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)

	got, err := c.Organizations.Members.DangerouslyGet(ctx, &b2b.OrganizationsMembersDangerouslyGetParams{MemberID: m.MemberID})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, got.MemberID)
	require.Equal(t, "ada@acme.com", got.Member.EmailAddress)
	require.Equal(t, o.OrganizationID, got.Organization.OrganizationID)

	_, err = c.Organizations.Members.Delete(ctx, &b2b.OrganizationsMembersDeleteParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	_, err = c.Organizations.Members.DangerouslyGet(ctx, &b2b.OrganizationsMembersDangerouslyGetParams{MemberID: m.MemberID})
	requireAPIError(t, err, 404, "member_not_found")
	got, err = c.Organizations.Members.DangerouslyGet(ctx, &b2b.OrganizationsMembersDangerouslyGetParams{MemberID: m.MemberID, IncludeDeleted: stytch.Ptr(true)})
	require.NoError(t, err)
	require.Equal(t, b2b.MemberStatus(b2bDeleted), got.Member.Status)
	_, err = c.Organizations.Members.DangerouslyGet(ctx, &b2b.OrganizationsMembersDangerouslyGetParams{MemberID: "member-test-nope", IncludeDeleted: stytch.Ptr(true)})
	requireAPIError(t, err, 404, "member_not_found")
}

// Each factor delete leaves the member without the factor, which then no
// longer authenticates; the default MFA method follows the factors left.
func TestB2BMemberFactorDeletes(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", func(p *b2b.OrganizationsMembersCreateParams) { p.MFAPhoneNumber = stytch.Ptr("+12025550123") })
	session := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil).SessionToken

	// TOTP: registered and verified on the session, the default method.
	created, err := c.TOTPs.Create(ctx, &b2b.TOTPsCreateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	code, _ := srv.TOTPCode(created.TOTPRegistrationID)
	auth, err := c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, SessionToken: &session})
	require.NoError(t, err)
	require.Equal(t, b2b.MFAMethodTOTP, auth.Member.DefaultMFAMethod)

	delTOTP, err := c.Organizations.Members.DeleteTOTP(ctx, &b2b.OrganizationsMembersDeleteTOTPParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Empty(t, delTOTP.Member.TOTPRegistrationID)
	require.Equal(t, b2b.MFAMethodSMSOTP, delTOTP.Member.DefaultMFAMethod, "the member's other MFA factor")
	_, ok := srv.TOTPCode(created.TOTPRegistrationID)
	require.False(t, ok)
	_, err = c.TOTPs.Authenticate(ctx, &b2b.TOTPsAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: code, SessionToken: &session})
	requireAPIError(t, err, 404, "totp_not_found")
	_, err = c.RecoveryCodes.Recover(ctx, &b2b.RecoveryCodesRecoverParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, RecoveryCode: created.RecoveryCodes[0], SessionToken: &session})
	requireAPIError(t, err, 404, "totp_not_found")
	_, err = c.Organizations.Members.DeleteTOTP(ctx, &b2b.OrganizationsMembersDeleteTOTPParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	requireAPIError(t, err, 404, "totp_not_found")
	// A new registration may be created after the delete.
	_, err = c.TOTPs.Create(ctx, &b2b.TOTPsCreateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)

	// MFA phone number: a code texted before the delete does not authenticate.
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	sms := b2bTestCode(t, srv, "+12025550123", MessageB2BOTPSMS)
	delPhone, err := c.Organizations.Members.DeleteMFAPhoneNumber(ctx, &b2b.OrganizationsMembersDeleteMFAPhoneNumberParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	require.Empty(t, delPhone.Member.MFAPhoneNumber)
	require.False(t, delPhone.Member.MFAPhoneNumberVerified)
	require.Empty(t, delPhone.Member.DefaultMFAMethod, "no verified MFA factor is left")
	_, err = c.OTPs.SMS.Authenticate(ctx, &b2b.OTPsSMSAuthenticateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Code: sms, SessionToken: &session})
	requireAPIError(t, err, 404, "otp_code_not_found")
	_, err = c.OTPs.SMS.Send(ctx, &b2b.OTPsSMSSendParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	requireAPIError(t, err, 400, "member_phone_number_not_found")
	_, err = c.Organizations.Members.DeleteMFAPhoneNumber(ctx, &b2b.OrganizationsMembersDeleteMFAPhoneNumberParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID})
	requireAPIError(t, err, 404, "member_phone_number_not_found")
}

func TestB2BMemberDeletePassword(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	const pw = "correct horse battery staple 41"
	ada := b2bTestMigrate(t, c, o.OrganizationID, "ada@acme.com", pw).Member
	bob := b2bTestMigrate(t, c, o.OrganizationID, "bob@acme.com", pw).Member
	require.NotEmpty(t, ada.MemberPasswordID)
	_, err := c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: pw})
	require.NoError(t, err)
	adaSession := b2bTestSignIn(t, srv, c, o.OrganizationID, "ada@acme.com", nil).SessionToken

	// As a plain member: its own password, not another member's.
	_, err = c.Organizations.Members.DeletePassword(ctx, &b2b.OrganizationsMembersDeletePasswordParams{OrganizationID: o.OrganizationID, MemberPasswordID: bob.MemberPasswordID}, stytch.WithMemberSession(adaSession))
	requireAPIError(t, err, 403, "session_authorization_error")
	del, err := c.Organizations.Members.DeletePassword(ctx, &b2b.OrganizationsMembersDeletePasswordParams{OrganizationID: o.OrganizationID, MemberPasswordID: ada.MemberPasswordID}, stytch.WithMemberSession(adaSession))
	require.NoError(t, err)
	require.Equal(t, ada.MemberID, del.MemberID)
	require.Empty(t, del.Member.MemberPasswordID)

	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com", Password: pw})
	requireAPIError(t, err, 400, "no_user_password")
	_, err = c.Organizations.Members.DeletePassword(ctx, &b2b.OrganizationsMembersDeletePasswordParams{OrganizationID: o.OrganizationID, MemberPasswordID: ada.MemberPasswordID})
	requireAPIError(t, err, 404, "member_password_not_found")
	// Bob's password is untouched, and not found through another organization.
	other := b2bTestOrg(t, c, "Other", nil)
	_, err = c.Organizations.Members.DeletePassword(ctx, &b2b.OrganizationsMembersDeletePasswordParams{OrganizationID: other.OrganizationID, MemberPasswordID: bob.MemberPasswordID})
	requireAPIError(t, err, 404, "member_password_not_found")
	_, err = c.Passwords.Authenticate(ctx, &b2b.PasswordsAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "bob@acme.com", Password: pw})
	require.NoError(t, err)
}

// A self-serve email update: the link goes to the new address, the change
// happens when it is authenticated, and the old address is retired until
// it is unlinked.
func TestB2BMemberEmailUpdate(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	bob := b2bTestMember(t, c, o.OrganizationID, "bob@acme.com", nil)
	start := func(memberID, email string, method *b2b.EmailUpdateDeliveryMethod) (*b2b.OrganizationsMembersStartEmailUpdateResponse, error) {
		return c.Organizations.Members.StartEmailUpdate(ctx, &b2b.OrganizationsMembersStartEmailUpdateParams{
			OrganizationID: o.OrganizationID, MemberID: memberID, EmailAddress: email, DeliveryMethod: method,
		})
	}

	_, err := start(m.MemberID, "ada.new@acme.com", nil)
	requireAPIError(t, err, 400, "email_verification_required")
	b2bTestSignIn(t, srv, c, o.OrganizationID, "ada@acme.com", nil) // verifies the address
	b2bTestSignIn(t, srv, c, o.OrganizationID, "bob@acme.com", nil)
	_, err = start(m.MemberID, "bob@acme.com", nil)
	requireAPIError(t, err, 400, "duplicate_member_email")
	_, err = start(m.MemberID, "not an email", nil)
	requireAPIError(t, err, 400, "invalid_email")

	started, err := start(m.MemberID, "ada.new@acme.com", nil)
	require.NoError(t, err)
	require.Equal(t, "ada@acme.com", started.Member.EmailAddress, "unchanged until the new address is verified")
	token := b2bTestToken(t, srv, "ada.new@acme.com", MessageB2BEmailUpdate)
	_, err = start(bob.MemberID, "ada.new@acme.com", nil)
	requireAPIError(t, err, 400, "duplicate_member_email") // ada is updating to it

	auth, err := c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: token})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, auth.MemberID)
	require.Equal(t, "ada.new@acme.com", auth.Member.EmailAddress)
	require.True(t, auth.Member.EmailAddressVerified)
	require.Len(t, auth.Member.RetiredEmailAddresses, 1)
	retired := auth.Member.RetiredEmailAddresses[0]
	require.Equal(t, "ada@acme.com", retired.EmailAddress)
	require.NotEmpty(t, retired.EmailID)
	require.NotEqual(t, retired.EmailID, auth.MethodID, "the new address has its own email_id")
	f := auth.MemberSession.AuthenticationFactors[0]
	require.Equal(t, "ada.new@acme.com", f.EmailFactor.EmailAddress)
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: token})
	requireAPIError(t, err, 401, "unable_to_auth_magic_link")

	// The retired address stays reserved until it is unlinked.
	_, err = c.Organizations.Members.Create(ctx, &b2b.OrganizationsMembersCreateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada@acme.com"})
	requireAPIError(t, err, 400, "duplicate_member_email")
	_, err = start(bob.MemberID, "ada@acme.com", nil)
	requireAPIError(t, err, 400, "desired_email_deactivated_by_different_member")
	unlink := func(id, addr *string) (*b2b.OrganizationsMembersUnlinkRetiredEmailResponse, error) {
		return c.Organizations.Members.UnlinkRetiredEmail(ctx, &b2b.OrganizationsMembersUnlinkRetiredEmailParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, EmailID: id, EmailAddress: addr})
	}
	_, err = unlink(nil, nil)
	requireAPIError(t, err, 400, "retired_email_missing_email_identifiers")
	_, err = unlink(stytch.Ptr("member-email-test-nope"), nil)
	requireAPIError(t, err, 404, "email_not_found")
	_, err = unlink(&retired.EmailID, stytch.Ptr("bob@acme.com"))
	requireAPIError(t, err, 404, "email_not_found") // both must name the same email
	un, err := unlink(&retired.EmailID, stytch.Ptr("ADA@acme.com"))
	require.NoError(t, err)
	require.Equal(t, o.OrganizationID, un.OrganizationID)
	require.Empty(t, un.Member.RetiredEmailAddresses)
	_, err = unlink(nil, stytch.Ptr("ada@acme.com"))
	requireAPIError(t, err, 404, "email_not_found")
	b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil) // free again

	// A link lasts 5 minutes.
	_, err = start(m.MemberID, "ada.late@acme.com", nil)
	require.NoError(t, err)
	late := b2bTestToken(t, srv, "ada.late@acme.com", MessageB2BEmailUpdate)
	clk.Add(5*time.Minute + time.Second)
	_, err = c.MagicLinks.Authenticate(ctx, &b2b.MagicLinksAuthenticateParams{MagicLinksToken: late})
	requireAPIError(t, err, 401, "unable_to_auth_magic_link")
	_, err = start(bob.MemberID, "ada.late@acme.com", nil)
	require.NoError(t, err, "an expired update frees the address")

	// With EMAIL_OTP, a code to the new address, authenticated with it.
	_, err = start(m.MemberID, "ada.otp@acme.com", stytch.Ptr(b2b.EmailUpdateDeliveryMethodEmailOTP))
	require.NoError(t, err)
	code := b2bTestCode(t, srv, "ada.otp@acme.com", MessageB2BOTPEmail)
	otp, err := c.OTPs.Email.Authenticate(ctx, &b2b.OTPsEmailAuthenticateParams{OrganizationID: o.OrganizationID, EmailAddress: "ada.otp@acme.com", Code: code})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, otp.MemberID)
	require.Equal(t, "ada.otp@acme.com", otp.Member.EmailAddress)
	require.Len(t, otp.Member.RetiredEmailAddresses, 1)
	require.Equal(t, "ada.new@acme.com", otp.Member.RetiredEmailAddresses[0].EmailAddress)

	_, err = start("member-test-nope", "x@acme.com", nil)
	requireAPIError(t, err, 404, "member_not_found")
}

// b2bTestOAuth signs email in to org with provider through the emulated
// provider (OAuthCallback) and OAuth.Authenticate.
func b2bTestOAuth(t *testing.T, srv *Server, c *b2b.Client, orgID, email string, provider b2b.OAuthStartProvider, scopes ...string) *b2b.OAuthAuthenticateResponse {
	t.Helper()
	start, err := c.OAuth.StartURL(&b2b.OAuthStartParams{Provider: provider, PublicToken: srv.PublicToken(), OrganizationID: orgID, CustomScopes: scopes})
	require.NoError(t, err)
	red, err := srv.OAuthCallback(start.URL, email)
	require.NoError(t, err)
	auth, err := c.OAuth.Authenticate(ctx, &b2b.OAuthAuthenticateParams{OAuthToken: red.Token})
	require.NoError(t, err)
	require.NotNil(t, auth.ProviderValues)
	return auth
}

// The tokens a provider issued at a member's OAuth sign-in are saved and
// answered by the OAuthProviders endpoint of that provider only.
func TestB2BMemberOAuthProviderTokens(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) {
		p.EmailAllowedDomains = []string{"acme.com"}
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
	})
	providers := c.Organizations.Members.OAuthProviders
	auth := b2bTestOAuth(t, srv, c, o.OrganizationID, "ada@acme.com", b2b.OAuthStartGoogle, "https://www.googleapis.com/auth/calendar.readonly")
	pv := auth.ProviderValues
	require.NotEmpty(t, pv.AccessToken)
	require.NotEmpty(t, pv.RefreshToken)
	require.NotEmpty(t, pv.IDToken)
	google := func(includeRefresh *bool) *b2b.OrganizationsMembersOAuthProvidersGoogleResponse {
		t.Helper()
		resp, err := providers.Google(ctx, &b2b.OrganizationsMembersOAuthProvidersGoogleParams{OrganizationID: o.OrganizationID, MemberID: auth.MemberID, IncludeRefreshToken: includeRefresh})
		require.NoError(t, err)
		return resp
	}

	g := google(nil)
	require.Equal(t, "Google", g.ProviderType)
	require.Equal(t, auth.ProviderSubject, g.ProviderSubject)
	require.Equal(t, pv.AccessToken, g.AccessToken)
	require.Equal(t, pv.IDToken, g.IDToken)
	require.Equal(t, 3600, g.AccessTokenExpiresIn)
	require.Contains(t, g.Scopes, "openid")
	require.Contains(t, g.Scopes, "https://www.googleapis.com/auth/calendar.readonly", "the start URL's custom scopes")
	require.Empty(t, g.RefreshToken, "only with include_refresh_token")
	require.Equal(t, pv.RefreshToken, google(stytch.Ptr(true)).RefreshToken)
	claims, _, err := jwt.NewParser().ParseUnverified(g.IDToken, jwt.MapClaims{})
	require.NoError(t, err)
	require.Equal(t, auth.ProviderSubject, claims.Claims.(jwt.MapClaims)["sub"])
	require.Equal(t, "ada@acme.com", claims.Claims.(jwt.MapClaims)["email"])

	// Time passes: the access token expires and is refreshed with the refresh token.
	clk.Add(30 * time.Minute)
	require.Equal(t, 1800, google(nil).AccessTokenExpiresIn)
	clk.Add(31 * time.Minute)
	refreshed := google(nil)
	require.NotEqual(t, pv.AccessToken, refreshed.AccessToken)
	require.Equal(t, 3600, refreshed.AccessTokenExpiresIn)
	// A new sign-in saves the new tokens.
	again := b2bTestOAuth(t, srv, c, o.OrganizationID, "ada@acme.com", b2b.OAuthStartGoogle)
	require.Equal(t, again.ProviderValues.AccessToken, google(nil).AccessToken)
	require.NotContains(t, google(nil).Scopes, "https://www.googleapis.com/auth/calendar.readonly", "the last sign-in's scopes")

	// Another provider: its own endpoint, with registrations.
	_, err = providers.Slack(ctx, &b2b.OrganizationsMembersOAuthProvidersSlackParams{OrganizationID: o.OrganizationID, MemberID: auth.MemberID})
	requireAPIError(t, err, 404, "member_oauth_token_not_found")
	slack := b2bTestOAuth(t, srv, c, o.OrganizationID, "ada@acme.com", b2b.OAuthStartSlack)
	require.Empty(t, slack.ProviderValues.RefreshToken, "Slack user tokens do not expire")
	sl, err := providers.Slack(ctx, &b2b.OrganizationsMembersOAuthProvidersSlackParams{OrganizationID: o.OrganizationSlug, MemberID: auth.MemberID})
	require.NoError(t, err)
	require.Equal(t, "Slack", sl.ProviderType)
	require.Len(t, sl.Registrations, 1)
	require.Equal(t, slack.ProviderSubject, sl.Registrations[0].ProviderSubject)
	require.Equal(t, slack.ProviderValues.AccessToken, sl.Registrations[0].AccessToken)
	require.NotEmpty(t, sl.Registrations[0].ProviderTenantID)
	require.Equal(t, google(nil).AccessToken, again.ProviderValues.AccessToken, "the Google tokens are kept")

	hub := b2bTestOAuth(t, srv, c, o.OrganizationID, "bob@acme.com", b2b.OAuthStartHubSpot)
	hs, err := providers.HubSpot(ctx, &b2b.OrganizationsMembersOAuthProvidersHubSpotParams{OrganizationID: o.OrganizationID, MemberID: hub.MemberID, IncludeRefreshToken: stytch.Ptr(true)})
	require.NoError(t, err)
	require.Len(t, hs.Registrations, 1)
	require.Equal(t, hub.ProviderValues.RefreshToken, hs.Registrations[0].RefreshToken)
	require.Equal(t, 3600, hs.Registrations[0].AccessTokenExpiresIn)

	// A member who never signed in with a provider has no tokens for it.
	for _, call := range []func() error{
		func() error {
			_, err := providers.Microsoft(ctx, &b2b.OrganizationsMembersOAuthProvidersMicrosoftParams{OrganizationID: o.OrganizationID, MemberID: auth.MemberID})
			return err
		},
		func() error {
			_, err := providers.GitHub(ctx, &b2b.OrganizationsMembersOAuthProvidersGitHubParams{OrganizationID: o.OrganizationID, MemberID: auth.MemberID})
			return err
		},
		func() error {
			_, err := providers.Google(ctx, &b2b.OrganizationsMembersOAuthProvidersGoogleParams{OrganizationID: o.OrganizationID, MemberID: hub.MemberID})
			return err
		},
	} {
		requireAPIError(t, call(), 404, "member_oauth_token_not_found")
	}
	_, err = providers.Google(ctx, &b2b.OrganizationsMembersOAuthProvidersGoogleParams{OrganizationID: o.OrganizationID, MemberID: "member-test-nope"})
	requireAPIError(t, err, 404, "member_not_found")
}
