package stytchtest

import (
	"context"
	"strings"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// The B2B Passwords family. It shares the consumer side's machinery
// (passwords.go): bcrypt hashing, the zxcvbn strength policy with the
// offline breach list, the imported hash algorithms of Migrate, and the
// verification rules (verifyPassword). A member's password is stored on
// the member (b2bMember.password); passwords are per member, so a person
// in two organizations has two (unconfirmed: Stytch's cross-organization
// passwords setting is not emulated). Errors are the consumer side's
// unless marked otherwise.

// b2bSetPassword checks password against the strength policy for bm's
// address and stores it, replacing any earlier one.
func (e *Emulator) b2bSetPassword(bm *b2bMember, password string) error {
	if err := requireStrong(password, bm.m.EmailAddress); err != nil {
		return err
	}
	sp, err := bcryptPassword(password)
	if err != nil {
		return err
	}
	e.b2bStorePassword(bm, sp)
	return nil
}

func (e *Emulator) b2bStorePassword(bm *b2bMember, sp *storedPassword) {
	bm.password, bm.passwordReset = sp, false
	if bm.m.MemberPasswordID == "" {
		bm.m.MemberPasswordID = newID("member-password")
	}
	now := e.now()
	bm.m.UpdatedAt = &now
}

// b2bCheckPassword verifies password for bm (verifyPassword), keeping the
// rehash of a verified import.
func (e *Emulator) b2bCheckPassword(bm *b2bMember, password string) error {
	keep, err := verifyPassword(bm.password, password, &bm.passwordReset)
	if err != nil {
		return err
	}
	bm.password = keep
	return nil
}

// b2bPasswordFactor is a password factor for an address; discovery
// factors have no email_id until the IST is exchanged (b2bCarryFactors).
func (e *Emulator) b2bPasswordFactor(emailID, email string) b2b.AuthenticationFactor {
	f := e.b2bEmailFactor(emailID, email)
	f.Type, f.DeliveryMethod = b2b.AuthenticationFactorTypePassword, b2b.AuthenticationFactorDeliveryMethodKnowledge
	return f
}

// b2bPasswordMember finds the member of o with email for a password call.
// Unconfirmed: the type for an address with no member (the consumer side
// answers email_not_found; the B2B emulator answers member_not_found
// elsewhere, and does here). A deleted member cannot sign in.
func (e *Emulator) b2bPasswordMember(o *b2b.Organization, email string) (*b2bMember, error) {
	if err := checkEmail(email); err != nil {
		return nil, err
	}
	bm := e.b2b.memberByEmail(o.OrganizationID, email)
	if bm == nil || bm.m.Status == b2bDeleted {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	return bm, nil
}

// b2bPasswordLogin finishes a password authentication of bm: the IST's
// factors carry over, then a session or an MFA step (b2bLogin).
func (e *Emulator) b2bPasswordLogin(bm *b2bMember, existing *b2bSession, ist *b2bIST, duration *int, claims map[string]any) b2bOutcome {
	if existing != nil && existing.s.MemberID != bm.m.MemberID {
		existing = nil
	}
	var factors []b2b.AuthenticationFactor
	if ist != nil {
		ist.used = true
		factors = append(factors, e.b2bCarryFactors(ist.factors, bm)...)
	}
	return e.b2bLogin(bm, append(factors, e.b2bPasswordFactor(bm.emailID, bm.m.EmailAddress)), existing, duration, claims)
}

// b2bRevokeOtherSessions revokes every live session of bm but keep.
func (e *Emulator) b2bRevokeOtherSessions(bm *b2bMember, keep *b2bSession) {
	for _, bs := range e.b2b.sessions {
		if bs.s.MemberID == bm.m.MemberID && bs != keep && !bs.revoked {
			e.b2bRevoke(bs)
		}
	}
}

// PasswordsAuthenticate signs a member in with their password. The
// password does not prove the address: the member's status and
// email_address_verified are left as they are (unconfirmed: whether
// Stytch refuses a pending or invited member here).
func (e b2bAPI) PasswordsAuthenticate(ctx context.Context, p *b2b.PasswordsAuthenticateParams) (*b2b.PasswordsAuthenticateResponse, error) {
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
	bm, err := e.b2bPasswordMember(o, p.EmailAddress)
	if err != nil {
		return nil, err
	}
	if err := e.b2bCheckPassword(bm, p.Password); err != nil {
		return nil, err
	}
	out := e.b2bPasswordLogin(bm, existing, ist, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.PasswordsAuthenticateResponse{
		MemberID: bm.m.MemberID, OrganizationID: o.OrganizationID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session, MemberAuthenticated: out.authenticated,
		IntermediateSessionToken: out.ist, IntermediateSessionTokenExpiresAt: out.istExpires, MFARequired: out.mfa,
	}, nil
}

// PasswordsStrengthCheck scores a password as the consumer call does; the
// B2B response splits the feedback into zxcvbn and LUDS parts.
func (e b2bAPI) PasswordsStrengthCheck(ctx context.Context, p *b2b.PasswordsStrengthCheckParams) (*b2b.PasswordsStrengthCheckResponse, error) {
	if email := deref(p.EmailAddress); email != "" {
		if err := checkEmail(email); err != nil {
			return nil, err
		}
	}
	s := checkStrength(p.Password, deref(p.EmailAddress))
	out := &b2b.PasswordsStrengthCheckResponse{
		ValidPassword: s.valid, Score: s.score, BreachedPassword: s.breached,
		StrengthPolicy: "zxcvbn", BreachDetectionOnCreate: true,
		ZxcvbnFeedback: &b2b.ZxcvbnFeedback{Warning: s.feedback.Warning, Suggestions: append([]string{}, s.feedback.Suggestions...)},
	}
	if l := s.feedback.LudsRequirements; l != nil {
		lf := b2b.LudsFeedback(*l)
		out.LudsFeedback = &lf
	}
	return out, nil
}

// b2bImportedHash checks a B2B Migrate request's hash with the consumer
// side's importedHash: the hash configurations are the same shapes.
func b2bImportedHash(p *b2b.PasswordsMigrateParams) (func(string) bool, error) {
	cp := &consumer.PasswordsMigrateParams{
		Hash: p.Hash, HashType: consumer.HashType(p.HashType),
		Md5Config:    (*consumer.MD5Config)(p.Md5Config),
		Sha1Config:   (*consumer.SHA1Config)(p.Sha1Config),
		Sha512Config: (*consumer.SHA512Config)(p.Sha512Config),
		Argon2Config: (*consumer.Argon2Config)(p.Argon2Config),
		ScryptConfig: (*consumer.ScryptConfig)(p.ScryptConfig),
	}
	if c := p.Pbkdf2Config; c != nil {
		cp.Pbkdf2Config = &consumer.PBKDF2Config{Salt: c.Salt, IterationAmount: c.IterationAmount, KeyLength: c.KeyLength,
			Algorithm: (*consumer.PBKDF2Algorithm)(c.Algorithm)}
	}
	return importedHash(cp)
}

// PasswordsMigrate gives a member a password from another system's hash,
// creating an active member when the organization has none with the
// address (unconfirmed: Stytch's JIT rules are not applied to migrations).
func (e b2bAPI) PasswordsMigrate(ctx context.Context, p *b2b.PasswordsMigrateParams) (*b2b.PasswordsMigrateResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	if err := checkEmail(p.EmailAddress); err != nil {
		return nil, err
	}
	if err := checkMemberMetadata(p.TrustedMetadata, p.UntrustedMetadata); err != nil {
		return nil, err
	}
	verify, err := b2bImportedHash(p)
	if err != nil {
		return nil, err
	}
	bm := e.b2b.memberByEmail(o.OrganizationID, p.EmailAddress)
	created := false
	switch {
	case bm != nil && bm.m.Status == b2bDeleted:
		// Unconfirmed: a deleted member must be reactivated first.
		return nil, errorf(404, "member_not_found", "The member with this email was deleted; reactivate it first.")
	case bm != nil && bm.password != nil:
		// The type is from Stytch's migrate reference; the status is unconfirmed.
		return nil, errorf(400, "password_already_exists", "The member already has a password.")
	case bm == nil:
		phone := deref(p.MFAPhoneNumber)
		if phone != "" {
			if err := checkPhone(phone); err != nil {
				return nil, err
			}
		}
		if e.b2b.externalIDTaken(o.OrganizationID, deref(p.ExternalID), "") {
			// Unconfirmed type, as in Members.Create.
			return nil, errorf(400, "duplicate_member_external_id", "A member with this external_id already exists in this organization.")
		}
		bm = e.newMember(o, p.EmailAddress, b2bActive)
		created = true
		bm.m.Name = deref(p.Name)
		bm.m.TrustedMetadata = mergeMetadata(nil, p.TrustedMetadata)
		bm.m.UntrustedMetadata = mergeMetadata(nil, p.UntrustedMetadata)
		bm.m.MFAPhoneNumber = phone
		bm.m.MFAPhoneNumberVerified = phone != "" && deref(p.SetPhoneNumberVerified)
		bm.m.ExternalID = deref(p.ExternalID)
		bm.roles = b2bRoles(p.Roles)
	}
	e.b2bStorePassword(bm, &storedPassword{verify: verify, imported: true})
	if !deref(p.PreserveExistingSessions) && !created {
		// Unconfirmed: migrating a password onto an existing member revokes
		// its sessions unless preserve_existing_sessions is set.
		e.b2bRevokeMember(bm.m.MemberID)
	}
	if created {
		e.emit("member", "CREATE", bm.m.MemberID, e.b2b.view(bm))
	} else {
		e.emit("member", "UPDATE", bm.m.MemberID, e.b2b.view(bm))
	}
	return &b2b.PasswordsMigrateResponse{MemberID: bm.m.MemberID, MemberCreated: created, Member: e.b2b.view(bm), Organization: *o}, nil
}

// ---- Resets by email ----

// PasswordsEmailResetStart emails a member a reset link. The emulator
// sends the reset link only, not the email's log-in link
// (login_redirect_url), as on the consumer side.
func (e b2bAPI) PasswordsEmailResetStart(ctx context.Context, p *b2b.PasswordsEmailResetStartParams) (*b2b.PasswordsEmailResetStartResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	bm, err := e.b2bPasswordMember(o, p.EmailAddress)
	if err != nil {
		return nil, err
	}
	ttl, err := minutes(p.ResetPasswordExpirationMinutes, resetLinkMinutes, minLinkMinutes, maxLinkMinutes, "reset_password_expiration_minutes")
	if err != nil {
		return nil, err
	}
	link := &magicLink{userID: bm.m.MemberID, emailID: bm.emailID, email: bm.m.EmailAddress, orgID: o.OrganizationID, challenge: deref(p.CodeChallenge)}
	e.issueLink(e.b2b.resets, link, ttl, deref(p.ResetPasswordRedirectURL), MessageB2BPasswordReset)
	return &b2b.PasswordsEmailResetStartResponse{MemberID: bm.m.MemberID, MemberEmailID: bm.emailID, Member: e.b2b.view(bm)}, nil
}

// b2bConsumeReset consumes a reset link of the wanted kind after checking
// password's strength for the link's address: a weak password leaves the
// token unused. A token of the other kind counts as unknown (unconfirmed).
// Reset tokens fail as magic-link tokens do (unconfirmed, as on the
// consumer side).
func (e *Emulator) b2bConsumeReset(token, password, verifier string, discovery bool) (*magicLink, error) {
	if l, ok := e.b2b.resets[token]; ok {
		if (l.kind == MessageB2BPasswordDiscoveryReset) != discovery {
			return nil, errorf(404, "magic_link_not_found", "Magic link could not be found.")
		}
		if err := requireStrong(password, l.email); err != nil {
			return nil, err
		}
	}
	return e.consumeLink(e.b2b.resets, token, verifier, nil)
}

// PasswordsEmailReset sets a member's password from a reset link, which
// proves the address (the member becomes active and verified), revokes
// the member's other sessions, then signs the member in or starts an MFA
// step (b2bLogin).
func (e b2bAPI) PasswordsEmailReset(ctx context.Context, p *b2b.PasswordsEmailResetParams) (*b2b.PasswordsEmailResetResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	var o *b2b.Organization
	if l, ok := e.b2b.resets[p.PasswordResetToken]; ok {
		o = e.b2b.orgs[l.orgID]
	}
	var (
		existing *b2bSession
		ist      *b2bIST
		err      error
	)
	if o != nil {
		if existing, ist, err = e.b2bPriorSessions(o, p.SessionToken, p.SessionJWT, p.IntermediateSessionToken); err != nil {
			return nil, err
		}
	}
	l, err := e.b2bConsumeReset(p.PasswordResetToken, p.Password, deref(p.CodeVerifier), false)
	if err != nil {
		return nil, err
	}
	bm := e.b2b.members[l.userID]
	if bm == nil || bm.m.Status == b2bDeleted || o == nil {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	if err := e.b2bSetPassword(bm, p.Password); err != nil {
		return nil, err
	}
	if strings.EqualFold(bm.m.EmailAddress, l.email) {
		e.b2bJoin(bm)
	}
	keep := existing
	if keep != nil && keep.s.MemberID != bm.m.MemberID {
		keep = nil
	}
	e.b2bRevokeOtherSessions(bm, keep)
	e.emit("member", "UPDATE", bm.m.MemberID, e.b2b.view(bm))
	out := e.b2bPasswordLogin(bm, keep, ist, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.PasswordsEmailResetResponse{
		MemberID: bm.m.MemberID, MemberEmailID: bm.emailID, OrganizationID: o.OrganizationID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session, MemberAuthenticated: out.authenticated,
		IntermediateSessionToken: out.ist, IntermediateSessionTokenExpiresAt: out.istExpires, MFARequired: out.mfa,
	}, nil
}

// PasswordsEmailRequireReset flags the password of the members with an
// address, in one organization or (with no organization_id) all of them,
// so that it must be reset before it is used again. Unconfirmed: the
// member reported when several are flagged is the first by creation; an
// address with no member with a password is member_not_found.
func (e b2bAPI) PasswordsEmailRequireReset(ctx context.Context, p *b2b.PasswordsEmailRequireResetParams) (*b2b.PasswordsEmailRequireResetResponse, error) {
	if err := checkEmail(p.EmailAddress); err != nil {
		return nil, err
	}
	var orgs []*b2b.Organization
	if ref := deref(p.OrganizationID); ref != "" {
		o, err := e.b2b.org(ref)
		if err != nil {
			return nil, err
		}
		orgs = []*b2b.Organization{o}
	} else {
		orgs = e.b2b.sortedOrgs()
	}
	out := &b2b.PasswordsEmailRequireResetResponse{}
	for _, o := range orgs {
		var bm *b2bMember
		if ref := deref(p.MemberID); ref != "" {
			m, err := e.b2b.member(o, ref)
			if err != nil || !strings.EqualFold(m.m.EmailAddress, p.EmailAddress) {
				continue
			}
			bm = m
		} else {
			bm = e.b2b.memberByEmail(o.OrganizationID, p.EmailAddress)
		}
		if bm == nil || bm.m.Status == b2bDeleted || bm.password == nil {
			continue
		}
		bm.passwordReset = true
		if out.MemberID == "" {
			view, org := e.b2b.view(bm), *o
			out.MemberID, out.Member, out.Organization = bm.m.MemberID, &view, &org
		}
	}
	if out.MemberID == "" {
		return nil, errorf(404, "member_not_found", "No member with this email has a password.")
	}
	return out, nil
}

// ---- Resets with the old password or a session ----

// PasswordsExistingPasswordReset replaces a member's password given the
// current one, which need not pass verifyPassword's reset rule (a flagged
// password may be reset this way), revokes the member's other sessions
// and signs the member in (b2bLogin, so MFA applies).
func (e b2bAPI) PasswordsExistingPasswordReset(ctx context.Context, p *b2b.PasswordsExistingPasswordResetParams) (*b2b.PasswordsExistingPasswordResetResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	existing, _, err := e.b2bPriorSessions(o, p.SessionToken, p.SessionJWT, nil)
	if err != nil {
		return nil, err
	}
	bm, err := e.b2bPasswordMember(o, p.EmailAddress)
	if err != nil {
		return nil, err
	}
	if bm.password == nil {
		return nil, errorf(400, "no_user_password", "The member has no password; reset it by email to set one.") // unconfirmed, as on the consumer side
	}
	if !bm.password.verify(p.ExistingPassword) {
		return nil, errorf(401, "unauthorized_credentials", "The email or password is incorrect.") // unconfirmed, as in verifyPassword
	}
	if err := e.b2bSetPassword(bm, p.NewPassword); err != nil {
		return nil, err
	}
	if existing != nil && existing.s.MemberID != bm.m.MemberID {
		existing = nil
	}
	e.b2bRevokeOtherSessions(bm, existing)
	e.emit("member", "UPDATE", bm.m.MemberID, e.b2b.view(bm))
	out := e.b2bPasswordLogin(bm, existing, nil, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.PasswordsExistingPasswordResetResponse{
		MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session, MemberAuthenticated: out.authenticated,
		IntermediateSessionToken: out.ist, IntermediateSessionTokenExpiresAt: out.istExpires, MFARequired: out.mfa,
	}, nil
}

// b2bRecentEmailFactor reports whether bs holds a password, email magic
// link or email OTP factor from the last five minutes, as the consumer
// side's recentEmailFactor.
func (e *Emulator) b2bRecentEmailFactor(bs *b2bSession) bool {
	for _, f := range bs.s.AuthenticationFactors {
		ok := f.Type == b2b.AuthenticationFactorTypePassword || f.Type == b2b.AuthenticationFactorTypeEmailOTP ||
			(f.Type == b2b.AuthenticationFactorTypeMagicLink && f.DeliveryMethod == b2b.AuthenticationFactorDeliveryMethodEmail)
		if ok && f.LastAuthenticatedAt != nil && e.now().Sub(*f.LastAuthenticatedAt) <= recentFactor {
			return true
		}
	}
	return false
}

// PasswordsSessionsReset sets the password of a session's member, which
// must hold a recent email or password factor, revokes the member's other
// sessions and extends this one.
func (e b2bAPI) PasswordsSessionsReset(ctx context.Context, p *b2b.PasswordsSessionsResetParams) (*b2b.PasswordsSessionsResetResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	bs, err := e.b2bFindSession(p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	if bs.s.OrganizationID != o.OrganizationID {
		// Unconfirmed type and status.
		return nil, errorf(400, "session_organization_mismatch", "The session belongs to another organization.")
	}
	bm := e.b2b.members[bs.s.MemberID]
	if bm == nil || bm.m.Status == b2bDeleted {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	if !e.b2bRecentEmailFactor(bs) {
		// Unconfirmed type and status, as on the consumer side.
		return nil, errorf(400, "session_too_old_to_reset_password", "The session must hold a password, email magic link or email OTP factor from the last 5 minutes.")
	}
	if err := e.b2bSetPassword(bm, p.Password); err != nil {
		return nil, err
	}
	e.b2bRevokeOtherSessions(bm, bs)
	e.emit("member", "UPDATE", bm.m.MemberID, e.b2b.view(bm))
	out := e.b2bSession(bm, nil, bs, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.PasswordsSessionsResetResponse{
		MemberID: bm.m.MemberID, Member: e.b2b.view(bm), Organization: *o,
		SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session, MemberAuthenticated: true,
	}, nil
}

// ---- Discovery: no organization named ----

// PasswordsDiscoveryAuthenticate checks a password against the address's
// members and, when one matches, returns an IST and the address's
// memberships, as the discovery email OTP does. A password does not
// prove the address, so organizations it could join by domain are not
// offered (unconfirmed). Unconfirmed: with per-member passwords, the
// emulator accepts the password of any one active membership.
func (e b2bAPI) PasswordsDiscoveryAuthenticate(ctx context.Context, p *b2b.PasswordsDiscoveryAuthenticateParams) (*b2b.PasswordsDiscoveryAuthenticateResponse, error) {
	if err := checkEmail(p.EmailAddress); err != nil {
		return nil, err
	}
	var lastErr error = errorf(401, "unauthorized_credentials", "The email or password is incorrect.") // unconfirmed, as in verifyPassword
	var matched *b2bMember
	for _, o := range e.b2b.sortedOrgs() {
		bm := e.b2b.memberByEmail(o.OrganizationID, p.EmailAddress)
		if bm == nil || bm.m.Status == b2bDeleted || bm.password == nil {
			continue
		}
		if err := e.b2bCheckPassword(bm, p.Password); err != nil {
			if bm.password.verify(p.Password) {
				lastErr = err // correct but must be reset
			}
			continue
		}
		matched = bm
		break
	}
	if matched == nil {
		return nil, lastErr
	}
	ist := e.b2bIssueIST(matched.m.EmailAddress, "", "", []b2b.AuthenticationFactor{e.b2bPasswordFactor("", matched.m.EmailAddress)})
	return &b2b.PasswordsDiscoveryAuthenticateResponse{
		IntermediateSessionToken: ist.token, EmailAddress: matched.m.EmailAddress,
		DiscoveredOrganizations: e.b2bDiscovered(matched.m.EmailAddress, false), IntermediateSessionTokenExpiresAt: &ist.expires,
	}, nil
}

// PasswordsDiscoveryEmailResetStart emails a reset link naming no
// organization. Unconfirmed: an address with no member is
// member_not_found; discovery_redirect_url is not used.
func (e b2bAPI) PasswordsDiscoveryEmailResetStart(ctx context.Context, p *b2b.PasswordsDiscoveryEmailResetStartParams) (*b2b.PasswordsDiscoveryEmailResetStartResponse, error) {
	if err := checkEmail(p.EmailAddress); err != nil {
		return nil, err
	}
	if len(e.b2bMembersByEmail(p.EmailAddress)) == 0 {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	ttl, err := minutes(p.ResetPasswordExpirationMinutes, resetLinkMinutes, minLinkMinutes, maxLinkMinutes, "reset_password_expiration_minutes")
	if err != nil {
		return nil, err
	}
	e.issueLink(e.b2b.resets, &magicLink{email: p.EmailAddress, challenge: deref(p.PKCECodeChallenge)}, ttl, deref(p.ResetPasswordRedirectURL), MessageB2BPasswordDiscoveryReset)
	return &b2b.PasswordsDiscoveryEmailResetStartResponse{}, nil
}

// b2bMembersByEmail lists the live members holding email, by organization
// creation order.
func (e *Emulator) b2bMembersByEmail(email string) []*b2bMember {
	var out []*b2bMember
	for _, o := range e.b2b.sortedOrgs() {
		if bm := e.b2b.memberByEmail(o.OrganizationID, email); bm != nil && bm.m.Status != b2bDeleted {
			out = append(out, bm)
		}
	}
	return out
}

// PasswordsDiscoveryEmailReset sets the password of every member with the
// link's address (unconfirmed: Stytch's discovery reset sets the
// cross-organization password), revokes their sessions, and returns an
// IST and the discovered organizations: the link proves the address, so
// organizations it may join by domain are offered.
func (e b2bAPI) PasswordsDiscoveryEmailReset(ctx context.Context, p *b2b.PasswordsDiscoveryEmailResetParams) (*b2b.PasswordsDiscoveryEmailResetResponse, error) {
	// bcrypt refuses a long password: check before the link is used.
	sp, err := bcryptPassword(p.Password)
	if err != nil {
		return nil, err
	}
	l, err := e.b2bConsumeReset(p.PasswordResetToken, p.Password, deref(p.PKCECodeVerifier), true)
	if err != nil {
		return nil, err
	}
	for _, bm := range e.b2bMembersByEmail(l.email) {
		e.b2bStorePassword(bm, sp)
		e.b2bRevokeMember(bm.m.MemberID)
		e.emit("member", "UPDATE", bm.m.MemberID, e.b2b.view(bm))
	}
	ist := e.b2bIssueIST(l.email, "", "", []b2b.AuthenticationFactor{e.b2bPasswordFactor("", l.email)})
	return &b2b.PasswordsDiscoveryEmailResetResponse{
		IntermediateSessionToken: ist.token, EmailAddress: l.email,
		DiscoveredOrganizations: e.b2bDiscovered(l.email, true), IntermediateSessionTokenExpiresAt: &ist.expires,
	}, nil
}
