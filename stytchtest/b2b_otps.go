package stytchtest

import (
	"context"
	"strings"
	"time"

	"github.com/gostytch/stytch/b2b"
)

// B2B passcode expiries, in minutes (§5.3): email codes default to 10 and
// may be set from 2 to 15; SMS MFA codes last 2 minutes and cannot be set.
const (
	b2bEmailOTPMinutes    = 10
	b2bMinEmailOTPMinutes = 2
	b2bMaxEmailOTPMinutes = 15
	b2bSMSOTPMinutes      = 2
)

// b2bOTP is a passcode sent for one B2B flow. There is one live code per
// flow and recipient: a resend replaces it (b2bOTPKey).
type b2bOTP struct {
	code           string
	phone, phoneID string // SMS codes: the number texted
	// updateMemberID is set on an email code that verifies the new address
	// of that member's email update (b2b_members_extra.go).
	updateMemberID string
	expires        time.Time
	used           bool
}

// b2bOTPKey names the slot of a code: an SMS code per member, an email
// code per organization and address, a discovery code per address.
// Unconfirmed: whether a login code and a discovery code to the same
// address invalidate each other; the emulator keeps them apart.
func b2bOTPKey(flow, scope, email string) string {
	return flow + "\x00" + scope + "\x00" + strings.ToLower(email)
}

// b2bIssueOTP stores a new code in key's slot and records its message.
func (e *Emulator) b2bIssueOTP(key, to string, ttl time.Duration, kind MessageKind) *b2bOTP {
	c := &b2bOTP{code: newOTPCode(), expires: e.now().Add(ttl)}
	e.b2b.otps[key] = c
	e.send(Message{To: to, Kind: kind, Code: c.code})
	return c
}

// b2bCheckOTP finds the live code in key's slot without consuming it. The
// errors are the consumer API's: a wrong code is not found; a used or
// expired one cannot authenticate.
func (e *Emulator) b2bCheckOTP(key, code string) (*b2bOTP, error) {
	c, ok := e.b2b.otps[key]
	if !ok || c.code != code {
		return nil, errorf(404, "otp_code_not_found", "The passcode is incorrect or no passcode was sent.")
	}
	if c.used || !e.now().Before(c.expires) {
		return nil, errorf(401, "unable_to_auth_otp_code", "The passcode was already used or has expired.")
	}
	return c, nil
}

// b2bOTPMinutes reads an email code's expiration. Unconfirmed type: the
// catalog's invalid_expiration_otp is the likeliest for these fields.
func b2bOTPMinutes(p *int, field string) (time.Duration, error) {
	d, err := minutes(p, b2bEmailOTPMinutes, b2bMinEmailOTPMinutes, b2bMaxEmailOTPMinutes, field)
	if err != nil {
		err.(*apiError).typ = "invalid_expiration_otp"
		return 0, err
	}
	return d, nil
}

func (e *Emulator) b2bOTPEmailFactor(emailID, email string) b2b.AuthenticationFactor {
	f := e.b2bEmailFactor(emailID, email)
	f.Type = b2b.AuthenticationFactorTypeEmailOTP
	return f
}

// ---- SMS: an MFA factor only ----

// b2bSMSAllowed says whether o accepts SMS OTP as an MFA method.
func b2bSMSAllowed(o *b2b.Organization) error { return b2bMFAAllowed(o, b2b.MFAMethodSMSOTP) }

// b2bMFAAllowed says whether o accepts method as an MFA method.
// Unconfirmed status; the type is from Stytch's catalog.
func b2bMFAAllowed(o *b2b.Organization, method b2b.MFAMethod) error {
	if o.MFAMethods != b2bRestricted {
		return nil
	}
	for _, m := range o.AllowedMFAMethods {
		if m == method {
			return nil
		}
	}
	return errorf(403, "operation_restricted_by_organization_mfa_methods", "This organization's allowed_mfa_methods do not include %s.", method)
}

// b2bSendSMS texts bm a new code at phone, replacing any live one. The
// phone_id of the factor stays the same while the number does.
// Unconfirmed: the real API's phone_id for B2B members.
func (e *Emulator) b2bSendSMS(bm *b2bMember, phone string) {
	key := b2bOTPKey("sms", bm.m.MemberID, "")
	phoneID := newID("phone-number")
	if old := e.b2b.otps[key]; old != nil && old.phone == phone {
		phoneID = old.phoneID
	}
	c := e.b2bIssueOTP(key, phone, b2bSMSOTPMinutes*time.Minute, MessageB2BOTPSMS)
	c.phone, c.phoneID = phone, phoneID
}

// b2bAutoSMS texts a code when a primary authentication ends in an MFA
// step, as Stytch does for a member with an MFA phone number (§5.4:
// secondary_auth_initiated). Unconfirmed: that a member whose default
// MFA method is TOTP gets none.
func (e *Emulator) b2bAutoSMS(o *b2b.Organization, bm *b2bMember) bool {
	if bm.m.MFAPhoneNumber == "" || bm.m.DefaultMFAMethod == b2b.MFAMethodTOTP || b2bSMSAllowed(o) != nil {
		return false
	}
	e.b2bSendSMS(bm, bm.m.MFAPhoneNumber)
	return true
}

// b2bMFAMember resolves the organization and the active member an MFA call
// (SMS OTP, TOTP, recovery codes) names; the organization must allow method.
func (e *Emulator) b2bMFAMember(orgRef, memberRef string, method b2b.MFAMethod) (*b2b.Organization, *b2bMember, error) {
	o, bm, err := e.b2bOrgMember(orgRef, memberRef)
	if err != nil {
		return nil, nil, err
	}
	if bm.m.Status != b2bActive {
		return nil, nil, errorf(400, "action_available_only_for_active_members", "This action is available only for active members.")
	}
	if err := b2bMFAAllowed(o, method); err != nil {
		return nil, nil, err
	}
	return o, bm, nil
}

// b2bMemberIST resolves an IST that must wait on bm. Unconfirmed statuses;
// the types are from Stytch's catalog.
func (e *Emulator) b2bMemberIST(token string, bm *b2bMember) (*b2bIST, error) {
	ist, err := e.b2bFindIST(token)
	if err != nil {
		return nil, err
	}
	if ist.orgID != bm.m.OrganizationID {
		return nil, errorf(400, "invalid_intermediate_session_token_for_organization", "The intermediate session token was not issued for this organization.")
	}
	if ist.memberID != bm.m.MemberID {
		return nil, errorf(400, "member_session_member_id_mismatch", "The intermediate session token belongs to another member.")
	}
	return ist, nil
}

// b2bMemberSession resolves a live session that must be bm's.
// Unconfirmed status.
func (e *Emulator) b2bMemberSession(token, jwtStr *string, bm *b2bMember) (*b2bSession, error) {
	bs, err := e.b2bFindSession(token, jwtStr)
	if err != nil {
		return nil, err
	}
	if bs.s.MemberID != bm.m.MemberID {
		return nil, errorf(400, "member_session_member_id_mismatch", "The session belongs to another member.")
	}
	return bs, nil
}

// b2bMFAStep resolves what an MFA factor (SMS OTP, TOTP, a recovery code)
// of bm completes: an IST waiting on bm, or a session of bm to add the
// factor to; exactly one is required.
func (e *Emulator) b2bMFAStep(bm *b2bMember, istToken, token, jwtStr *string, factor string) (*b2bIST, *b2bSession, error) {
	ist, hasSession := deref(istToken), deref(token) != "" || deref(jwtStr) != ""
	switch {
	case ist != "" && hasSession:
		// Unconfirmed type.
		return nil, nil, errorf(400, "too_many_session_arguments", "Pass intermediate_session_token or a session, not both.")
	case ist != "":
		is, err := e.b2bMemberIST(ist, bm)
		return is, nil, err
	case hasSession:
		bs, err := e.b2bMemberSession(token, jwtStr, bm)
		return nil, bs, err
	default:
		// Unconfirmed status; the type is from Stytch's catalog.
		return nil, nil, errorf(400, "no_associated_session_passed_in", "%s is not a primary factor: pass intermediate_session_token, session_token or session_jwt.", factor)
	}
}

// OTPsSMSSend texts a code to the member's mfa_phone_number, or to the
// number given when the member has none yet, which becomes theirs,
// unverified until a code sent to it authenticates. An IST or session,
// when given, must be the member's.
func (e b2bAPI) OTPsSMSSend(ctx context.Context, p *b2b.OTPsSMSSendParams) (*b2b.OTPsSMSSendResponse, error) {
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodSMSOTP)
	if err != nil {
		return nil, err
	}
	if tok := deref(p.IntermediateSessionToken); tok != "" {
		if _, err := e.b2bMemberIST(tok, bm); err != nil {
			return nil, err
		}
	}
	if deref(p.SessionToken) != "" || deref(p.SessionJWT) != "" {
		if _, err := e.b2bMemberSession(p.SessionToken, p.SessionJWT, bm); err != nil {
			return nil, err
		}
	}
	phone := bm.m.MFAPhoneNumber
	switch given := deref(p.MFAPhoneNumber); {
	case given != "":
		if err := checkPhone(given); err != nil {
			return nil, err
		}
		if phone != "" && given != phone {
			// Unconfirmed type: the reference says only that this errors.
			return nil, errorf(400, errorTypeBadRequest, "mfa_phone_number does not match the member's MFA phone number.")
		}
		phone = given
	case phone == "":
		// Unconfirmed status; the type is from Stytch's catalog.
		return nil, errorf(400, "member_phone_number_not_found", "The member has no MFA phone number; pass mfa_phone_number.")
	}
	if bm.m.MFAPhoneNumber == "" {
		bm.m.MFAPhoneNumber, bm.m.MFAPhoneNumberVerified = phone, false
		now := e.now()
		bm.m.UpdatedAt = &now
	}
	e.b2bSendSMS(bm, phone)
	return &b2b.OTPsSMSSendResponse{MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o}, nil
}

// OTPsSMSAuthenticate checks a texted code. SMS OTP is never a primary
// factor: it completes the MFA step of an IST, which it consumes, into a
// session, or adds a factor to an existing session.
func (e b2bAPI) OTPsSMSAuthenticate(ctx context.Context, p *b2b.OTPsSMSAuthenticateParams) (*b2b.OTPsSMSAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	if err := b2bOneOf("set_mfa_enrollment", p.SetMFAEnrollment, string(b2b.MFAEnrollmentEnroll), string(b2b.MFAEnrollmentUnenroll)); err != nil {
		return nil, err
	}
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodSMSOTP)
	if err != nil {
		return nil, err
	}
	is, existing, err := e.b2bMFAStep(bm, p.IntermediateSessionToken, p.SessionToken, p.SessionJWT, "SMS OTP")
	if err != nil {
		return nil, err
	}
	c, err := e.b2bCheckOTP(b2bOTPKey("sms", bm.m.MemberID, ""), p.Code)
	if err != nil {
		return nil, err
	}
	if c.phone != bm.m.MFAPhoneNumber {
		// The member's number changed since: unconfirmed, the emulator
		// treats the code as one never sent.
		return nil, errorf(404, "otp_code_not_found", "The passcode is incorrect or no passcode was sent.")
	}
	c.used = true
	bm.m.MFAPhoneNumberVerified = true
	if p.SetMFAEnrollment != nil && o.MFAPolicy != b2bRequiredForAll {
		bm.m.MFAEnrolled = *p.SetMFAEnrollment == b2b.MFAEnrollmentEnroll
	}
	if deref(p.SetDefaultMFA) {
		bm.m.DefaultMFAMethod = b2b.MFAMethodSMSOTP
	}
	now := e.now()
	bm.m.UpdatedAt = &now
	factor := b2b.AuthenticationFactor{
		Type: b2b.AuthenticationFactorTypeOTP, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethodSMS,
		LastAuthenticatedAt: &now, CreatedAt: &now, UpdatedAt: &now,
		PhoneNumberFactor: &b2b.PhoneNumberFactor{PhoneID: c.phoneID, PhoneNumber: c.phone},
	}
	out := e.b2bCompleteMFA(bm, is, existing, factor, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.OTPsSMSAuthenticateResponse{
		MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session,
	}, nil
}

// ---- Email: a primary factor, to one organization or for discovery ----

// OTPsEmailLoginOrSignup emails a code to log in to an organization,
// creating a pending member by the same JIT rules as the magic-link
// login_or_signup.
func (e b2bAPI) OTPsEmailLoginOrSignup(ctx context.Context, p *b2b.OTPsEmailLoginOrSignupParams) (*b2b.OTPsEmailLoginOrSignupResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	if err := checkEmail(p.EmailAddress); err != nil {
		return nil, err
	}
	loginTTL, err := b2bOTPMinutes(p.LoginExpirationMinutes, "login_expiration_minutes")
	if err != nil {
		return nil, err
	}
	signupTTL, err := b2bOTPMinutes(p.SignupExpirationMinutes, "signup_expiration_minutes")
	if err != nil {
		return nil, err
	}
	bm, created, err := e.b2bLoginOrSignupMember(o, p.EmailAddress)
	if err != nil {
		return nil, err
	}
	ttl := signupTTL
	if bm.m.Status == b2bActive {
		ttl = loginTTL
	}
	e.b2bIssueOTP(b2bOTPKey("email", o.OrganizationID, bm.m.EmailAddress), bm.m.EmailAddress, ttl, MessageB2BOTPEmail)
	return &b2b.OTPsEmailLoginOrSignupResponse{MemberID: bm.m.MemberID, MemberCreated: created, Member: e.b2b.view(bm), Organization: *o}, nil
}

// OTPsEmailAuthenticate checks an emailed code: the member becomes active
// with a verified email, then gets a session or an MFA step (b2bLogin).
// A session of another member is ignored, as the spec says; an IST's
// factors carry over, as in the magic-link authenticate.
func (e b2bAPI) OTPsEmailAuthenticate(ctx context.Context, p *b2b.OTPsEmailAuthenticateParams) (*b2b.OTPsEmailAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	existing, ist, err := e.b2bPriorSessions(o, p.SessionToken, p.SessionJWT, p.IntermediateSessionToken)
	if err != nil {
		return nil, err
	}
	c, err := e.b2bCheckOTP(b2bOTPKey("email", o.OrganizationID, p.EmailAddress), p.Code)
	if err != nil {
		return nil, err
	}
	bm := e.b2b.memberByEmail(o.OrganizationID, p.EmailAddress)
	if c.updateMemberID != "" {
		bm = e.b2b.members[c.updateMemberID]
	}
	if bm == nil || bm.m.Status == b2bDeleted {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	if existing != nil && existing.s.MemberID != bm.m.MemberID {
		existing = nil
	}
	c.used = true
	if c.updateMemberID != "" {
		if err := e.b2bFinishEmailUpdate(bm, p.EmailAddress); err != nil {
			return nil, err
		}
	}
	e.b2bJoin(bm)
	var factors []b2b.AuthenticationFactor
	if ist != nil {
		ist.used = true
		factors = append(factors, e.b2bCarryFactors(ist.factors, bm)...)
	}
	factors = append(factors, e.b2bOTPEmailFactor(bm.emailID, bm.m.EmailAddress))
	out := e.b2bLogin(bm, factors, existing, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.OTPsEmailAuthenticateResponse{
		MemberID: bm.m.MemberID, MethodID: bm.emailID, OrganizationID: o.OrganizationID,
		Member: e.b2b.view(bm), Organization: *o, SessionToken: out.token, SessionJWT: out.jwt,
		MemberSession: out.session, MemberAuthenticated: out.authenticated, IntermediateSessionToken: out.ist,
		IntermediateSessionTokenExpiresAt: out.istExpires, MFARequired: out.mfa,
	}, nil
}

// OTPsEmailDiscoverySend emails a discovery code, which names no
// organization; any address may receive one.
func (e b2bAPI) OTPsEmailDiscoverySend(ctx context.Context, p *b2b.OTPsEmailDiscoverySendParams) (*b2b.OTPsEmailDiscoverySendResponse, error) {
	if err := checkEmail(p.EmailAddress); err != nil {
		return nil, err
	}
	ttl, err := b2bOTPMinutes(p.DiscoveryExpirationMinutes, "discovery_expiration_minutes")
	if err != nil {
		return nil, err
	}
	e.b2bIssueOTP(b2bOTPKey("discovery", "", p.EmailAddress), p.EmailAddress, ttl, MessageB2BOTPEmailDiscovery)
	return &b2b.OTPsEmailDiscoverySendResponse{}, nil
}

// OTPsEmailDiscoveryAuthenticate checks a discovery code and, as the
// discovery magic link does, returns an IST and the organizations the
// address may enter.
func (e b2bAPI) OTPsEmailDiscoveryAuthenticate(ctx context.Context, p *b2b.OTPsEmailDiscoveryAuthenticateParams) (*b2b.OTPsEmailDiscoveryAuthenticateResponse, error) {
	c, err := e.b2bCheckOTP(b2bOTPKey("discovery", "", p.EmailAddress), p.Code)
	if err != nil {
		return nil, err
	}
	c.used = true
	// No member yet: b2bCarryFactors fills in the email_id on exchange.
	ist := e.b2bIssueIST(p.EmailAddress, "", "", []b2b.AuthenticationFactor{e.b2bOTPEmailFactor("", p.EmailAddress)})
	return &b2b.OTPsEmailDiscoveryAuthenticateResponse{
		IntermediateSessionToken: ist.token, EmailAddress: p.EmailAddress,
		DiscoveredOrganizations: e.b2bDiscovered(p.EmailAddress, true), IntermediateSessionTokenExpiresAt: &ist.expires,
	}, nil
}
