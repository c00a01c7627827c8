package stytchtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gostytch/stytch/b2b"
)

// The Organizations and Members endpoints beyond create, get, update and
// delete (b2b.go): metrics, external ID deletes, the factor deletes, the
// self-serve email update and retired emails, and the OAuth provider
// tokens saved at sign-in.
//
// The factor deletes change the stored member as Stytch does: the factor's
// fields are cleared, and a default_mfa_method that named the deleted
// factor moves to the member's other MFA factor, or is cleared
// (unconfirmed: Stytch's exact rule for the default is not documented).
// Sessions that were started with a deleted factor stay live (unconfirmed,
// as for the consumer Users factor deletes).

// b2bOrgMember resolves the organization and the member, deleted ones
// included, that a path names.
func (e *Emulator) b2bOrgMember(orgRef, memberRef string) (*b2b.Organization, *b2bMember, error) {
	o, err := e.b2b.org(orgRef)
	if err != nil {
		return nil, nil, err
	}
	bm, err := e.b2b.member(o, memberRef)
	if err != nil {
		return nil, nil, err
	}
	return o, bm, nil
}

// b2bMemberChanged stamps bm's updated_at and emits its webhook.
func (e *Emulator) b2bMemberChanged(bm *b2bMember) {
	now := e.now()
	bm.m.UpdatedAt = &now
	e.emit("member", "UPDATE", bm.m.MemberID, e.b2b.view(bm))
}

// OrganizationsMetrics counts the organization's members. Unconfirmed:
// deleted members are not counted; pending and invited ones are.
func (e b2bAPI) OrganizationsMetrics(_ context.Context, p *b2b.OrganizationsMetricsParams) (*b2b.OrganizationsMetricsResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, bm := range e.b2b.members {
		if bm.m.OrganizationID == o.OrganizationID && bm.m.Status != b2bDeleted {
			n++
		}
	}
	return &b2b.OrganizationsMetricsResponse{MemberCount: n}, nil
}

// OrganizationsDeleteExternalID clears organization_external_id.
// Unconfirmed: an organization without one is answered unchanged, as the
// consumer Users.DeleteExternalID does in the emulator.
func (e b2bAPI) OrganizationsDeleteExternalID(_ context.Context, p *b2b.OrganizationsDeleteExternalIDParams) (*b2b.OrganizationsDeleteExternalIDResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	o.OrganizationExternalID = ""
	now := e.now()
	o.UpdatedAt = &now
	e.emit("organization", "UPDATE", o.OrganizationID, o)
	return &b2b.OrganizationsDeleteExternalIDResponse{Organization: *o}, nil
}

// OrganizationsMembersDeleteExternalID clears a member's external_id, as
// OrganizationsDeleteExternalID does for the organization.
func (e b2bAPI) OrganizationsMembersDeleteExternalID(_ context.Context, p *b2b.OrganizationsMembersDeleteExternalIDParams) (*b2b.OrganizationsMembersDeleteExternalIDResponse, error) {
	o, bm, err := e.b2bOrgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	bm.m.ExternalID = ""
	e.b2bMemberChanged(bm)
	return &b2b.OrganizationsMembersDeleteExternalIDResponse{MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o}, nil
}

// OrganizationsMembersDangerouslyGet finds a member by member_id alone; a
// deleted member only with include_deleted.
func (e b2bAPI) OrganizationsMembersDangerouslyGet(_ context.Context, p *b2b.OrganizationsMembersDangerouslyGetParams) (*b2b.OrganizationsMembersDangerouslyGetResponse, error) {
	bm := e.b2b.members[p.MemberID]
	if bm == nil || bm.m.Status == b2bDeleted && !deref(p.IncludeDeleted) {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	return &b2b.OrganizationsMembersDangerouslyGetResponse{MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *e.b2b.orgs[bm.m.OrganizationID]}, nil
}

// b2bDropDefaultMFA moves a default_mfa_method of gone to the member's
// other MFA factor, or clears it.
func b2bDropDefaultMFA(bm *b2bMember, gone b2b.MFAMethod) {
	if bm.m.DefaultMFAMethod != gone {
		return
	}
	switch {
	case gone == b2b.MFAMethodSMSOTP && bm.m.TOTPRegistrationID != "":
		bm.m.DefaultMFAMethod = b2b.MFAMethodTOTP
	case gone == b2b.MFAMethodTOTP && bm.m.MFAPhoneNumber != "":
		bm.m.DefaultMFAMethod = b2b.MFAMethodSMSOTP
	default:
		bm.m.DefaultMFAMethod = ""
	}
}

// OrganizationsMembersDeleteMFAPhoneNumber removes the member's MFA phone
// number and any code texted to it.
func (e b2bAPI) OrganizationsMembersDeleteMFAPhoneNumber(_ context.Context, p *b2b.OrganizationsMembersDeleteMFAPhoneNumberParams) (*b2b.OrganizationsMembersDeleteMFAPhoneNumberResponse, error) {
	o, bm, err := e.b2bOrgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	if bm.m.MFAPhoneNumber == "" {
		// Unconfirmed status; the type is from Stytch's catalog.
		return nil, errorf(404, "member_phone_number_not_found", "The member has no MFA phone number.")
	}
	bm.m.MFAPhoneNumber, bm.m.MFAPhoneNumberVerified = "", false
	delete(e.b2b.otps, b2bOTPKey("sms", bm.m.MemberID, ""))
	b2bDropDefaultMFA(bm, b2b.MFAMethodSMSOTP)
	e.b2bMemberChanged(bm)
	return &b2b.OrganizationsMembersDeleteMFAPhoneNumberResponse{MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o}, nil
}

// OrganizationsMembersDeleteTOTP removes the member's TOTP registration,
// verified or pending, with its recovery codes.
func (e b2bAPI) OrganizationsMembersDeleteTOTP(_ context.Context, p *b2b.OrganizationsMembersDeleteTOTPParams) (*b2b.OrganizationsMembersDeleteTOTPResponse, error) {
	o, bm, err := e.b2bOrgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	if e.memberTOTP(bm) == nil {
		// Unconfirmed: the consumer API's totp_not_found, as in b2b_totps.go.
		return nil, errorf(404, "totp_not_found", "The member has no TOTP registration.")
	}
	for id, r := range e.b2b.totps {
		if r.memberID == bm.m.MemberID {
			delete(e.b2b.totps, id)
		}
	}
	bm.m.TOTPRegistrationID = ""
	b2bDropDefaultMFA(bm, b2b.MFAMethodTOTP)
	e.b2bMemberChanged(bm)
	return &b2b.OrganizationsMembersDeleteTOTPResponse{MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o}, nil
}

// OrganizationsMembersDeletePassword removes the password with
// member_password_id from its member in the organization.
func (e b2bAPI) OrganizationsMembersDeletePassword(_ context.Context, p *b2b.OrganizationsMembersDeletePasswordParams) (*b2b.OrganizationsMembersDeletePasswordResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	bm := e.b2b.memberByPassword(o.OrganizationID, p.MemberPasswordID)
	if bm == nil {
		// Unconfirmed status; the type is from Stytch's catalog.
		return nil, errorf(404, "member_password_not_found", "Password could not be found.")
	}
	bm.password, bm.passwordReset, bm.m.MemberPasswordID = nil, false, ""
	e.b2bMemberChanged(bm)
	return &b2b.OrganizationsMembersDeletePasswordResponse{MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o}, nil
}

// memberByPassword finds the member of orgID whose password has id, or nil.
func (st *b2bState) memberByPassword(orgID, id string) *b2bMember {
	for _, bm := range st.members {
		if id != "" && bm.m.OrganizationID == orgID && bm.password != nil && bm.m.MemberPasswordID == id {
			return bm
		}
	}
	return nil
}

// ---- Email updates and retired emails ----

// b2bEmailUpdateMinutes is how long a self-serve email update's link or
// code lasts (Stytch's reference: 5 minutes, not configurable).
const b2bEmailUpdateMinutes = 5

// b2bEmailUpdatePending reports whether a live email update of another
// member than self, in orgID, is verifying email.
func (e *Emulator) b2bEmailUpdatePending(orgID, email, self string) bool {
	now := e.now()
	for _, l := range e.b2b.links {
		if l.kind == MessageB2BEmailUpdate && !l.used && now.Before(l.expires) &&
			l.orgID == orgID && l.userID != self && strings.EqualFold(l.email, email) {
			return true
		}
	}
	if c := e.b2b.otps[b2bOTPKey("email", orgID, email)]; c != nil && c.updateMemberID != "" && c.updateMemberID != self && !c.used && now.Before(c.expires) {
		return true
	}
	return false
}

// b2bCheckNewEmail checks that email may become bm's address: no other
// member of the organization holds it, has it retired, or is verifying
// it. Unconfirmed statuses; the types are from Stytch's catalog.
func (e *Emulator) b2bCheckNewEmail(bm *b2bMember, email string) error {
	if err := checkEmail(email); err != nil {
		return err
	}
	orgID := bm.m.OrganizationID
	if other := e.b2b.memberByEmail(orgID, email); other != nil && other != bm {
		return errorf(400, "duplicate_member_email", "A member with this email already exists in this organization.")
	}
	if e.b2b.emailTaken(orgID, email, bm.m.MemberID) {
		return errorf(400, "desired_email_deactivated_by_different_member", "This email is a retired email of another member of this organization; unlink it first.")
	}
	if e.b2bEmailUpdatePending(orgID, email, bm.m.MemberID) {
		// Unconfirmed type.
		return errorf(400, "duplicate_member_email", "Another member of this organization is updating their email to this address.")
	}
	return nil
}

// OrganizationsMembersStartEmailUpdate sends a magic link (or, with
// delivery_method EMAIL_OTP, a code) to the member's new address; the
// address changes when it is authenticated (b2bFinishEmailUpdate), by
// MagicLinks.Authenticate or OTPs.Email.Authenticate with the new address.
// The member must be active with a verified email.
func (e b2bAPI) OrganizationsMembersStartEmailUpdate(_ context.Context, p *b2b.OrganizationsMembersStartEmailUpdateParams) (*b2b.OrganizationsMembersStartEmailUpdateResponse, error) {
	o, bm, err := e.b2bOrgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	if err := b2bOneOf("delivery_method", p.DeliveryMethod, string(b2b.EmailUpdateDeliveryMethodEmailMagicLink), string(b2b.EmailUpdateDeliveryMethodEmailOTP)); err != nil {
		return nil, err
	}
	switch {
	case bm.m.Status != b2bActive:
		return nil, errorf(400, "action_available_only_for_active_members", "This action is available only for active members.")
	case !bm.m.EmailAddressVerified:
		// Unconfirmed status; the type is from Stytch's catalog.
		return nil, errorf(400, "email_verification_required", "The member's current email address must be verified before it is updated.")
	case strings.EqualFold(p.EmailAddress, bm.m.EmailAddress):
		// Unconfirmed type.
		return nil, errorf(400, "duplicate_member_email", "The new email address is the member's current one.")
	}
	if err := e.b2bCheckNewEmail(bm, p.EmailAddress); err != nil {
		return nil, err
	}
	ttl := b2bEmailUpdateMinutes * time.Minute
	if deref(p.DeliveryMethod) == b2b.EmailUpdateDeliveryMethodEmailOTP {
		c := e.b2bIssueOTP(b2bOTPKey("email", o.OrganizationID, p.EmailAddress), p.EmailAddress, ttl, MessageB2BOTPEmail)
		c.updateMemberID = bm.m.MemberID
	} else {
		link := &magicLink{userID: bm.m.MemberID, email: p.EmailAddress, orgID: o.OrganizationID}
		e.issueLink(e.b2b.links, link, ttl, deref(p.LoginRedirectURL), MessageB2BEmailUpdate)
	}
	return &b2b.OrganizationsMembersStartEmailUpdateResponse{MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o}, nil
}

// b2bFinishEmailUpdate makes email, just proven by an email update's link
// or code, bm's verified address; the old one is retired. The checks of
// the start are made again, since the organization may have changed.
func (e *Emulator) b2bFinishEmailUpdate(bm *b2bMember, email string) error {
	if bm.m.Status != b2bActive {
		return errorf(400, "action_available_only_for_active_members", "This action is available only for active members.")
	}
	if err := e.b2bCheckNewEmail(bm, email); err != nil {
		return err
	}
	m := &bm.m
	m.RetiredEmailAddresses = append(append([]b2b.RetiredEmail{}, m.RetiredEmailAddresses...), b2b.RetiredEmail{EmailID: bm.emailID, EmailAddress: m.EmailAddress})
	bm.emailID = newID("member-email")
	m.EmailAddress, m.EmailAddressVerified = email, true
	e.b2bMemberChanged(bm)
	return nil
}

// OrganizationsMembersUnlinkRetiredEmail removes a retired email from the
// member, freeing the address in the organization. email_id and
// email_address, when both are given, must name the same retired email.
func (e b2bAPI) OrganizationsMembersUnlinkRetiredEmail(_ context.Context, p *b2b.OrganizationsMembersUnlinkRetiredEmailParams) (*b2b.OrganizationsMembersUnlinkRetiredEmailResponse, error) {
	o, bm, err := e.b2bOrgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	id, addr := deref(p.EmailID), deref(p.EmailAddress)
	if id == "" && addr == "" {
		// Unconfirmed status; the type is from Stytch's catalog.
		return nil, errorf(400, "retired_email_missing_email_identifiers", "Pass email_id, email_address or both.")
	}
	kept := make([]b2b.RetiredEmail, 0, len(bm.m.RetiredEmailAddresses))
	for _, re := range bm.m.RetiredEmailAddresses {
		if (id == "" || re.EmailID == id) && (addr == "" || strings.EqualFold(re.EmailAddress, addr)) {
			continue
		}
		kept = append(kept, re)
	}
	if len(kept) == len(bm.m.RetiredEmailAddresses) {
		// Unconfirmed: the catalog names no retired-email type; this is
		// the consumer API's for an email a user does not hold.
		return nil, errorf(404, "email_not_found", "The member has no such retired email.")
	}
	bm.m.RetiredEmailAddresses = kept
	e.b2bMemberChanged(bm)
	return &b2b.OrganizationsMembersUnlinkRetiredEmailResponse{
		MemberID: bm.m.MemberID, OrganizationID: o.OrganizationID, Member: e.b2b.view(bm), Organization: *o,
	}, nil
}

// ---- OAuth provider tokens ----

// memberOAuthTokens are the tokens a provider issued at a member's OAuth
// sign-in, as Stytch saves them for the OAuthProviders endpoints.
type memberOAuthTokens struct {
	provider, subject string   // provider as in the start URL: google, microsoft, ...
	tenantIDs         []string // Slack workspace, HubSpot account, GitHub organizations
	access, refresh   string
	idToken           string
	scopes            []string
	expires           time.Time
}

// oauthAccessLifetime is how long a provider's access token lasts.
// Unconfirmed: providers differ; an hour is Google's and Microsoft's.
const oauthAccessLifetime = time.Hour

// oauthDefaultScopes are the scopes the emulated providers grant besides
// a start URL's custom_scopes. Unconfirmed: Stytch's defaults per provider.
var oauthDefaultScopes = map[string][]string{
	"google": {"openid", "email", "profile"}, "microsoft": {"openid", "email", "profile", "offline_access"},
	"github": {"read:user", "user:email"}, "slack": {"openid", "email", "profile"}, "hubspot": {"oauth"},
}

// oauthIssuesRefresh lists the providers that issue refresh tokens
// (unconfirmed: GitHub and Slack user tokens do not expire, so none).
var oauthIssuesRefresh = map[string]bool{"google": true, "microsoft": true, "hubspot": true}

// oauthTenantIDs are the provider's tenants of an address: one per email
// domain, derived from it so that colleagues share theirs. Unconfirmed
// shapes; providers without tenants have none.
func oauthTenantIDs(provider, email string) []string {
	sum := sha256.Sum256([]byte(provider + "\x00tenant\x00" + b2bEmailDomain(email)))
	h := hex.EncodeToString(sum[:])
	switch provider {
	case "slack":
		return []string{"T" + strings.ToUpper(h[:10])}
	case "hubspot", "github":
		n, _ := strconv.ParseUint(h[:7], 16, 32)
		return []string{strconv.FormatUint(n, 10)}
	}
	return []string{}
}

// oauthIDToken is an OpenID Connect ID token for the sign-in, for the
// providers that issue one. Unconfirmed: the emulator does not play the
// provider's signing keys, so it is unsigned (alg "none").
func (e *Emulator) oauthIDToken(l *oauthLogin) string {
	iss := map[string]string{"google": "https://accounts.google.com", "microsoft": "https://login.microsoftonline.com/common/v2.0"}[l.provider]
	if iss == "" {
		return ""
	}
	now := e.now()
	header, _ := json.Marshal(map[string]any{"alg": "none", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"iss": iss, "sub": l.subject, "aud": e.projectID, "email": l.email, "email_verified": true,
		"iat": now.Unix(), "exp": now.Add(oauthAccessLifetime).Unix(),
	})
	return base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims) + "."
}

// b2bOAuthSignedIn records l, an OAuth sign-in of bm: the member's OAuth
// registration for the provider and subject, and the tokens the provider
// issued, which replace those of an earlier sign-in with the same provider
// and subject. It returns the tokens as the authenticate's provider_values.
func (e *Emulator) b2bOAuthSignedIn(bm *b2bMember, l *oauthLogin) *b2b.ProviderValues {
	name := oauthProviderName(l.provider)
	found := false
	for _, reg := range bm.m.OAuthRegistrations {
		found = found || reg.ProviderType == name && reg.ProviderSubject == l.subject
	}
	if !found {
		bm.m.OAuthRegistrations = append(bm.m.OAuthRegistrations, b2b.OAuthRegistration{
			ProviderType: name, ProviderSubject: l.subject, MemberOAuthRegistrationID: newID("member-oauth-registration"),
		})
	}
	var t *memberOAuthTokens
	for _, old := range bm.oauthTokens {
		if old.provider == l.provider && old.subject == l.subject {
			t = old
		}
	}
	if t == nil {
		t = &memberOAuthTokens{provider: l.provider, subject: l.subject, tenantIDs: oauthTenantIDs(l.provider, l.email)}
		bm.oauthTokens = append(bm.oauthTokens, t)
	}
	scopes := append([]string{}, oauthDefaultScopes[l.provider]...)
	for _, s := range l.scopes {
		if !contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	t.scopes, t.idToken = scopes, e.oauthIDToken(l)
	t.access, t.expires = newSessionToken(), e.now().Add(oauthAccessLifetime)
	if oauthIssuesRefresh[l.provider] {
		t.refresh = newSessionToken()
	}
	expires := t.expires
	return &b2b.ProviderValues{AccessToken: t.access, RefreshToken: t.refresh, IDToken: t.idToken, Scopes: append([]string{}, t.scopes...), ExpiresAt: &expires}
}

// b2bMemberOAuthTokens returns the organization and the member's saved
// tokens for provider, newest sign-in first, refreshing an expired access
// token with its refresh token as Stytch does. A member who never signed
// in with the provider has none: member_oauth_token_not_found
// (unconfirmed status; the type is from Stytch's catalog).
func (e *Emulator) b2bMemberOAuthTokens(orgRef, memberRef, provider string) (*b2b.Organization, []*memberOAuthTokens, error) {
	o, bm, err := e.b2bOrgMember(orgRef, memberRef)
	if err != nil {
		return nil, nil, err
	}
	now := e.now()
	var out []*memberOAuthTokens
	for i := len(bm.oauthTokens) - 1; i >= 0; i-- {
		t := bm.oauthTokens[i]
		if t.provider != provider {
			continue
		}
		if !now.Before(t.expires) && t.refresh != "" {
			t.access, t.expires = newSessionToken(), now.Add(oauthAccessLifetime)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, nil, errorf(404, "member_oauth_token_not_found", "The member has no saved %s OAuth tokens.", oauthProviderName(provider))
	}
	return o, out, nil
}

func (t *memberOAuthTokens) expiresIn(now time.Time) int {
	return max(int(t.expires.Sub(now)/time.Second), 0)
}

// refreshIf is t's refresh token when include is set.
func (t *memberOAuthTokens) refreshIf(include *bool) string {
	if deref(include) {
		return t.refresh
	}
	return ""
}

func (e b2bAPI) OrganizationsMembersOAuthProvidersGoogle(_ context.Context, p *b2b.OrganizationsMembersOAuthProvidersGoogleParams) (*b2b.OrganizationsMembersOAuthProvidersGoogleResponse, error) {
	_, ts, err := e.b2bMemberOAuthTokens(p.OrganizationID, p.MemberID, "google")
	if err != nil {
		return nil, err
	}
	t := ts[0]
	return &b2b.OrganizationsMembersOAuthProvidersGoogleResponse{
		ProviderType: "Google", ProviderSubject: t.subject, IDToken: t.idToken, Scopes: t.scopes, AccessToken: t.access,
		AccessTokenExpiresIn: t.expiresIn(e.now()), RefreshToken: t.refreshIf(p.IncludeRefreshToken),
	}, nil
}

func (e b2bAPI) OrganizationsMembersOAuthProvidersMicrosoft(_ context.Context, p *b2b.OrganizationsMembersOAuthProvidersMicrosoftParams) (*b2b.OrganizationsMembersOAuthProvidersMicrosoftResponse, error) {
	_, ts, err := e.b2bMemberOAuthTokens(p.OrganizationID, p.MemberID, "microsoft")
	if err != nil {
		return nil, err
	}
	t := ts[0]
	return &b2b.OrganizationsMembersOAuthProvidersMicrosoftResponse{
		ProviderType: "Microsoft", ProviderSubject: t.subject, IDToken: t.idToken, Scopes: t.scopes, AccessToken: t.access,
		AccessTokenExpiresIn: t.expiresIn(e.now()), RefreshToken: t.refreshIf(p.IncludeRefreshToken),
	}, nil
}

func (e b2bAPI) OrganizationsMembersOAuthProvidersGitHub(_ context.Context, p *b2b.OrganizationsMembersOAuthProvidersGitHubParams) (*b2b.OrganizationsMembersOAuthProvidersGitHubResponse, error) {
	_, ts, err := e.b2bMemberOAuthTokens(p.OrganizationID, p.MemberID, "github")
	if err != nil {
		return nil, err
	}
	regs := make([]b2b.GitHubProviderInfo, 0, len(ts))
	for _, t := range ts {
		regs = append(regs, b2b.GitHubProviderInfo{ProviderSubject: t.subject, ProviderTenantIDs: t.tenantIDs, AccessToken: t.access, Scopes: t.scopes})
	}
	return &b2b.OrganizationsMembersOAuthProvidersGitHubResponse{ProviderType: "GitHub", Registrations: regs}, nil
}

// OrganizationsMembersOAuthProvidersSlack answers the user tokens; the
// emulated Slack installs no bot, so the bot token is empty (unconfirmed).
func (e b2bAPI) OrganizationsMembersOAuthProvidersSlack(_ context.Context, p *b2b.OrganizationsMembersOAuthProvidersSlackParams) (*b2b.OrganizationsMembersOAuthProvidersSlackResponse, error) {
	_, ts, err := e.b2bMemberOAuthTokens(p.OrganizationID, p.MemberID, "slack")
	if err != nil {
		return nil, err
	}
	regs := make([]b2b.SlackProviderInfo, 0, len(ts))
	for _, t := range ts {
		regs = append(regs, b2b.SlackProviderInfo{ProviderSubject: t.subject, ProviderTenantID: t.tenantIDs[0], AccessToken: t.access, Scopes: t.scopes, BotScopes: []string{}})
	}
	return &b2b.OrganizationsMembersOAuthProvidersSlackResponse{ProviderType: "Slack", Registrations: regs}, nil
}

func (e b2bAPI) OrganizationsMembersOAuthProvidersHubSpot(_ context.Context, p *b2b.OrganizationsMembersOAuthProvidersHubSpotParams) (*b2b.OrganizationsMembersOAuthProvidersHubSpotResponse, error) {
	_, ts, err := e.b2bMemberOAuthTokens(p.OrganizationID, p.MemberID, "hubspot")
	if err != nil {
		return nil, err
	}
	now := e.now()
	regs := make([]b2b.HubSpotProviderInfo, 0, len(ts))
	for _, t := range ts {
		regs = append(regs, b2b.HubSpotProviderInfo{
			ProviderSubject: t.subject, ProviderTenantID: t.tenantIDs[0], AccessToken: t.access,
			AccessTokenExpiresIn: t.expiresIn(now), Scopes: t.scopes, RefreshToken: t.refreshIf(p.IncludeRefreshToken),
		})
	}
	return &b2b.OrganizationsMembersOAuthProvidersHubSpotResponse{ProviderType: "HubSpot", Registrations: regs}, nil
}
