package stytchtest

import (
	"context"
	"encoding/base32"
	"strings"

	"github.com/gostytch/stytch/b2b"
)

// B2B TOTP registrations and recovery codes: the consumer's registrations
// (totps.go: the same codes on the emulator's clock, window, replay refusal
// and recovery codes), owned by a member and used as an MFA factor. A
// member has at most one verified registration, shown as its
// totp_registration_id. Unlike consumer users, members have no lock after
// repeated failures in the emulator.

// b2bTOTPReg returns the registration id of a member that still exists, or
// nil; TOTPCode uses it.
func (e *Emulator) b2bTOTPReg(id string) *totpReg {
	r := e.b2b.totps[id]
	if r == nil {
		return nil
	}
	if bm := e.b2b.members[r.memberID]; bm == nil || bm.m.Status == b2bDeleted {
		return nil
	}
	return r
}

// memberTOTP returns bm's live registration, or nil: the verified one wins
// over a pending one. Expired pending registrations are dropped.
func (e *Emulator) memberTOTP(bm *b2bMember) *totpReg {
	var pending *totpReg
	for id, r := range e.b2b.totps {
		switch {
		case r.memberID != bm.m.MemberID:
		case r.verified:
			return r
		case r.live(e.now()):
			pending = r
		default:
			delete(e.b2b.totps, id)
		}
	}
	return pending
}

// b2bActiveTOTP returns bm's verified registration. Unconfirmed: the
// consumer API's totp_not_found for a member without one.
func (e *Emulator) b2bActiveTOTP(bm *b2bMember) (*totpReg, error) {
	r := e.memberTOTP(bm)
	if r == nil || !r.verified {
		return nil, errorf(404, "totp_not_found", "The member has no active TOTP registration.")
	}
	return r, nil
}

// b2bNoTOTP refuses a new registration for a member who has a live one,
// with the consumer API's errors (unconfirmed for B2B).
func (e *Emulator) b2bNoTOTP(bm *b2bMember) error {
	r := e.memberTOTP(bm)
	switch {
	case r == nil:
		return nil
	case r.verified:
		return errorf(400, "active_totp_exists", "Cannot create a new TOTP for the specified member since the member already has an active TOTP. Members may only have one active TOTP at a time.")
	default:
		return errorf(400, "pending_totp_exists", "The member already has a TOTP registration waiting for its first authentication; authenticate it or let it expire first.")
	}
}

// TOTPsCreate registers a new authenticator app for a member, pending until
// its first code authenticates. An IST or session, when given, must be the
// member's.
func (e b2bAPI) TOTPsCreate(ctx context.Context, p *b2b.TOTPsCreateParams) (*b2b.TOTPsCreateResponse, error) {
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodTOTP)
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
	ttl, err := minutes(p.ExpirationMinutes, totpDefaultMinutes, totpMinMinutes, totpMaxMinutes, "expiration_minutes")
	if err != nil {
		return nil, err
	}
	if err := e.b2bNoTOTP(bm); err != nil {
		return nil, err
	}
	r, qr, err := e.newTOTPReg(bm.m.EmailAddress, ttl)
	if err != nil {
		return nil, err
	}
	r.memberID = bm.m.MemberID
	e.b2b.totps[r.id] = r
	return &b2b.TOTPsCreateResponse{
		MemberID: bm.m.MemberID, TOTPRegistrationID: r.id, Secret: r.secret, QrCode: qr,
		RecoveryCodes: append([]string(nil), r.recovery...), Member: e.b2b.view(bm), Organization: *o,
	}, nil
}

// b2bTOTPVerified makes r bm's verified registration, its
// totp_registration_id. Unconfirmed: that a pending registration is not
// shown on the member before it authenticates.
func (e *Emulator) b2bTOTPVerified(bm *b2bMember, r *totpReg) {
	r.verified = true
	bm.m.TOTPRegistrationID = r.id
	now := e.now()
	bm.m.UpdatedAt = &now
}

// TOTPsAuthenticate checks a code from the member's app. TOTP is never a
// primary factor: it completes the MFA step of an IST, which it consumes,
// into a session, or adds a factor to a session of the member. The first
// success verifies a pending registration.
func (e b2bAPI) TOTPsAuthenticate(ctx context.Context, p *b2b.TOTPsAuthenticateParams) (*b2b.TOTPsAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	if err := b2bOneOf("set_mfa_enrollment", p.SetMFAEnrollment, string(b2b.MFAEnrollmentEnroll), string(b2b.MFAEnrollmentUnenroll)); err != nil {
		return nil, err
	}
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodTOTP)
	if err != nil {
		return nil, err
	}
	is, existing, err := e.b2bMFAStep(bm, p.IntermediateSessionToken, p.SessionToken, p.SessionJWT, "TOTP")
	if err != nil {
		return nil, err
	}
	r := e.memberTOTP(bm)
	if r == nil {
		// Unconfirmed: the consumer API's totp_not_found, including for a
		// registration whose enrollment expired.
		return nil, errorf(404, "totp_not_found", "The member has no TOTP registration that can authenticate.")
	}
	step, _, err := checkTOTPCode(r, p.Code, e.now(), "/v1/b2b/recovery_codes/recover")
	if err != nil {
		return nil, err
	}
	r.lastStep = step
	e.b2bTOTPVerified(bm, r)
	if p.SetMFAEnrollment != nil && o.MFAPolicy != b2bRequiredForAll {
		bm.m.MFAEnrolled = *p.SetMFAEnrollment == b2b.MFAEnrollmentEnroll
	}
	// The spec: the first MFA method a member completes becomes the default.
	if deref(p.SetDefaultMFA) || bm.m.DefaultMFAMethod == "" {
		bm.m.DefaultMFAMethod = b2b.MFAMethodTOTP
	}
	now := e.now()
	factor := b2b.AuthenticationFactor{
		Type: b2b.AuthenticationFactorTypeTOTP, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethodAuthenticatorApp,
		LastAuthenticatedAt: &now, CreatedAt: &now, UpdatedAt: &now,
		AuthenticatorAppFactor: &b2b.AuthenticatorAppFactor{TOTPID: r.id},
	}
	out := e.b2bCompleteMFA(bm, is, existing, factor, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.TOTPsAuthenticateResponse{
		MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session,
	}, nil
}

// b2bCompleteMFA consumes is, when given, and starts a session with its
// factors and factor, or adds factor to existing.
func (e *Emulator) b2bCompleteMFA(bm *b2bMember, is *b2bIST, existing *b2bSession, factor b2b.AuthenticationFactor, duration *int, claims map[string]any) b2bOutcome {
	var factors []b2b.AuthenticationFactor
	if is != nil {
		is.used = true
		factors = append(factors, is.factors...)
	}
	return e.b2bSession(bm, append(factors, factor), existing, duration, claims)
}

// TOTPsMigrate imports a secret from another system as a verified
// registration, with the recovery codes given or 10 new ones.
func (e b2bAPI) TOTPsMigrate(ctx context.Context, p *b2b.TOTPsMigrateParams) (*b2b.TOTPsMigrateResponse, error) {
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodTOTP)
	if err != nil {
		return nil, err
	}
	secret := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(p.Secret), " ", ""))
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "=")); err != nil || secret == "" {
		// Unconfirmed type and status.
		return nil, errorf(400, errorTypeBadRequest, "secret must be a base32-encoded TOTP secret.")
	}
	var codes []string
	for _, c := range p.RecoveryCodes {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" || totpCodeFormat.MatchString(c) {
			// Unconfirmed type and status.
			return nil, errorf(400, errorTypeBadRequest, "recovery_codes must not be empty or look like TOTP codes.")
		}
		if !contains(codes, c) {
			codes = append(codes, c)
		}
	}
	if err := e.b2bNoTOTP(bm); err != nil {
		return nil, err
	}
	r := &totpReg{id: newID("totp"), memberID: bm.m.MemberID, secret: strings.TrimRight(secret, "=")}
	r.setRecovery(codes)
	e.b2b.totps[r.id] = r
	e.b2bTOTPVerified(bm, r)
	return &b2b.TOTPsMigrateResponse{
		MemberID: bm.m.MemberID, TOTPRegistrationID: r.id, RecoveryCodes: append([]string(nil), r.recovery...),
		Member: e.b2b.view(bm), Organization: *o,
	}, nil
}

// RecoveryCodesGet lists the unused recovery codes of the member's verified
// registration. Unconfirmed: a member without one gets an empty list, as
// the consumer API's recovery_codes answers.
func (e b2bAPI) RecoveryCodesGet(ctx context.Context, p *b2b.RecoveryCodesGetParams) (*b2b.RecoveryCodesGetResponse, error) {
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodTOTP)
	if err != nil {
		return nil, err
	}
	codes := []string{}
	if r := e.memberTOTP(bm); r != nil && r.verified {
		codes = r.remainingRecovery()
	}
	return &b2b.RecoveryCodesGetResponse{MemberID: bm.m.MemberID, RecoveryCodes: codes, Member: e.b2b.view(bm), Organization: *o}, nil
}

// RecoveryCodesRecover completes an MFA step, or adds a factor to a
// session, with one unused recovery code, which it consumes.
func (e b2bAPI) RecoveryCodesRecover(ctx context.Context, p *b2b.RecoveryCodesRecoverParams) (*b2b.RecoveryCodesRecoverResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodTOTP)
	if err != nil {
		return nil, err
	}
	is, existing, err := e.b2bMFAStep(bm, p.IntermediateSessionToken, p.SessionToken, p.SessionJWT, "A recovery code")
	if err != nil {
		return nil, err
	}
	r, err := e.b2bActiveTOTP(bm)
	if err != nil {
		return nil, err
	}
	code, _, err := checkRecoveryCode(r, p.RecoveryCode, "/v1/b2b/totp/authenticate")
	if err != nil {
		return nil, err
	}
	r.usedRecovery[code] = true
	now := e.now()
	factor := b2b.AuthenticationFactor{
		Type: b2b.AuthenticationFactorTypeRecoveryCodes, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethodRecoveryCode,
		LastAuthenticatedAt: &now, CreatedAt: &now, UpdatedAt: &now,
		RecoveryCodeFactor: &b2b.RecoveryCodeFactor{TOTPRecoveryCodeID: r.recoveryIDs[code]},
	}
	out := e.b2bCompleteMFA(bm, is, existing, factor, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.RecoveryCodesRecoverResponse{
		MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session,
		RecoveryCodesRemaining: len(r.remainingRecovery()),
	}, nil
}

// RecoveryCodesRotate replaces all the recovery codes of the member's
// verified registration with 10 new ones.
func (e b2bAPI) RecoveryCodesRotate(ctx context.Context, p *b2b.RecoveryCodesRotateParams) (*b2b.RecoveryCodesRotateResponse, error) {
	o, bm, err := e.b2bMFAMember(p.OrganizationID, p.MemberID, b2b.MFAMethodTOTP)
	if err != nil {
		return nil, err
	}
	r, err := e.b2bActiveTOTP(bm)
	if err != nil {
		return nil, err
	}
	r.setRecovery(nil)
	return &b2b.RecoveryCodesRotateResponse{MemberID: bm.m.MemberID, RecoveryCodes: append([]string(nil), r.recovery...), Member: e.b2b.view(bm), Organization: *o}, nil
}
