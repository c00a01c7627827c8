package stytchtest

import (
	"context"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gostytch/stytch/consumer"
)

// The consumer Passwords family (reference §4.4): passwords are hashed
// with bcrypt; imported hashes (Migrate) are verified with their own
// algorithm and rehashed with bcrypt at the first successful sign-in.
// Strength checks and breach detection are in passwords_strength.go, the
// imported hash algorithms in passwords_migrate.go.

const (
	resetLinkMinutes = 30
	// passwordCost is the bcrypt cost of the passwords the emulator sets:
	// the lowest bcrypt allows, since the emulator holds test data and its
	// callers' tests should not wait on key stretching (Stytch's own cost
	// is not published).
	passwordCost = bcrypt.MinCost
	// recentFactor is how recent a session's factor must be for
	// Passwords.Sessions.Reset.
	recentFactor = 5 * time.Minute
)

// storedPassword is a user's password: a check of a candidate against the
// stored hash, and whether that hash is an import to rehash.
type storedPassword struct {
	verify   func(password string) bool
	imported bool
}

func bcryptPassword(password string) (*storedPassword, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		// bcrypt reads at most 72 bytes; longer passwords are refused.
		// Unconfirmed: Stytch accepts long passwords; the emulator cannot
		// hash them faithfully with bcrypt.
		return nil, errorf(400, "weak_password", "The emulator hashes passwords with bcrypt, which reads at most 72 bytes: %v", err)
	}
	return &storedPassword{verify: func(p string) bool { return bcrypt.CompareHashAndPassword(h, []byte(p)) == nil }}, nil
}

// setPassword checks password against the strength policy for u and stores
// it, replacing any earlier one; e.mu is held.
func (e *Emulator) setPassword(u *consumer.User, password string) error {
	if err := requireStrong(password, primaryEmail(u)); err != nil {
		return err
	}
	sp, err := bcryptPassword(password)
	if err != nil {
		return err
	}
	e.storePassword(u, sp)
	return nil
}

func (e *Emulator) storePassword(u *consumer.User, sp *storedPassword) {
	e.consumer.passwords[u.UserID] = sp
	if u.Password == nil {
		u.Password = &consumer.Password{PasswordID: newID("password")}
	}
	u.Password.RequiresReset = false
}

// requireStrong refuses a password that fails the zxcvbn policy or, with
// an email, appears in a breach: both are weak_password (DOCS strength
// check: a breached password "will fail with a weak_password error" on
// create).
func requireStrong(password, email string) error {
	s := checkStrength(password, email)
	if s.valid {
		return nil
	}
	// Unconfirmed: the wording; the type and status are Stytch's.
	msg := "The password is too weak"
	if s.breached {
		msg = "The password appears in a known data breach"
	}
	if s.feedback.Warning != "" {
		msg += ": " + s.feedback.Warning
	}
	return errorf(400, "weak_password", "%s.", msg)
}

func primaryEmail(u *consumer.User) string {
	if len(u.Emails) > 0 {
		return u.Emails[0].Email
	}
	return ""
}

func passwordFactor(u *consumer.User, email string) consumer.AuthenticationFactor {
	f := consumer.AuthenticationFactor{Type: consumer.AuthenticationFactorTypePassword, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodKnowledge}
	if em := emailOf(u, email); em != nil {
		f.EmailFactor = &consumer.EmailFactor{EmailID: em.EmailID, EmailAddress: em.Email}
	}
	return f
}

// userByEmail finds the user with email, or answers email_not_found.
func (e *Emulator) userByEmail(email string) (*consumer.User, error) {
	if err := checkEmail(email); err != nil {
		return nil, err
	}
	id, ok := e.consumer.byEmail[strings.ToLower(email)]
	if !ok {
		// Unconfirmed type: the reference only says an unknown email is a 404.
		return nil, errorf(404, "email_not_found", "Email could not be found.")
	}
	return e.consumer.user(id)
}

// checkPassword verifies password for u (verifyPassword), keeping the
// rehash of a verified import.
func (e *Emulator) checkPassword(u *consumer.User, password string) error {
	sp := e.consumer.passwords[u.UserID]
	var requiresReset *bool
	if u.Password != nil {
		requiresReset = &u.Password.RequiresReset
	}
	keep, err := verifyPassword(sp, password, requiresReset)
	if err != nil {
		return err
	}
	e.consumer.passwords[u.UserID] = keep
	return nil
}

// verifyPassword checks password against sp, the password of a user or
// member, whose flag *requiresReset says it must be reset: a missing
// password is no_user_password, a wrong one 401 unauthorized_credentials,
// and a password that must be reset (breached, which sets the flag, or
// flagged) is reset_password even when correct. It returns the password
// to store: sp, or the bcrypt rehash of a verified import.
func verifyPassword(sp *storedPassword, password string, requiresReset *bool) (*storedPassword, error) {
	if sp == nil {
		// Unconfirmed type and status (reference §2 lists no_user_password).
		return nil, errorf(400, "no_user_password", "The user has no password; reset it by email to set one.")
	}
	if !sp.verify(password) {
		// Unconfirmed: the type Stytch answers a wrong password with (a
		// Stytch app maps unauthorized_credentials to "Incorrect email or
		// password").
		return nil, errorf(401, "unauthorized_credentials", "The email or password is incorrect.")
	}
	if isBreached(password) {
		*requiresReset = true
	}
	if *requiresReset {
		// Unconfirmed status; the type is Stytch's (DOCS passwords/authenticate).
		return nil, errorf(400, "reset_password", "The password must be reset before it can be used again.")
	}
	if sp.imported {
		if native, err := bcryptPassword(password); err == nil {
			return native, nil
		}
	}
	return sp, nil
}

// passwordlessEmailLogin applies Stytch's deduplication rule when u signs
// in by email magic link or email OTP to em: a password set while the
// address was unverified must be reset before it is used again, so that
// whoever set it cannot keep the account of the address's owner (DOCS
// passwords/authenticate). The emulator reads "the first time" as "while
// the address was unverified" (unconfirmed).
func (e *Emulator) passwordlessEmailLogin(u *consumer.User, em *consumer.Email) {
	if u.Password != nil && !em.Verified {
		u.Password.RequiresReset = true
	}
}

// revokeUserSessions revokes every live session of userID except keep's.
func (e *Emulator) revokeUserSessions(userID, keep string) {
	for _, s := range e.consumer.sessions {
		if s.s.UserID == userID && s.s.SessionID != keep && !s.revoked {
			s.revoked = true
			delete(e.consumer.byToken, s.token)
		}
	}
}

// keptSession is the ID of the session named by token or JWT, if any and
// live: a reset that revokes the user's sessions keeps the one it extends.
func (e *Emulator) keptSession(token, jwtStr *string) string {
	if deref(token) == "" && deref(jwtStr) == "" {
		return ""
	}
	if us, err := e.findSession(token, jwtStr); err == nil {
		return us.s.SessionID
	}
	return ""
}

func (e consumerAPI) PasswordsCreate(ctx context.Context, p *consumer.PasswordsCreateParams) (*consumer.PasswordsCreateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	if err := checkEmail(p.Email); err != nil {
		return nil, err
	}
	if _, taken := e.consumer.byEmail[strings.ToLower(p.Email)]; taken {
		return nil, errorf(400, "duplicate_email", "A user with this email already exists.")
	}
	if err := requireStrong(p.Password, p.Email); err != nil {
		return nil, err
	}
	sp, err := bcryptPassword(p.Password)
	if err != nil {
		return nil, err
	}
	u := e.newUser(p.Email, "", false)
	u.Name = p.Name
	if p.TrustedMetadata != nil {
		u.TrustedMetadata = p.TrustedMetadata
	}
	if p.UntrustedMetadata != nil {
		u.UntrustedMetadata = p.UntrustedMetadata
	}
	e.storePassword(u, sp)
	e.emit("user", "CREATE", u.UserID, u)
	s, token, jwtStr, err := e.startOrExtendSession(u, passwordFactor(u, p.Email), nil, nil, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.PasswordsCreateResponse{UserID: u.UserID, EmailID: u.Emails[0].EmailID, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

func (e consumerAPI) PasswordsAuthenticate(ctx context.Context, p *consumer.PasswordsAuthenticateParams) (*consumer.PasswordsAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	u, err := e.userByEmail(p.Email)
	if err != nil {
		return nil, err
	}
	if err := e.checkPriorSession(u, p.SessionToken, p.SessionJWT); err != nil {
		return nil, err
	}
	if err := e.checkPassword(u, p.Password); err != nil {
		return nil, err
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, passwordFactor(u, p.Email), p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.PasswordsAuthenticateResponse{UserID: u.UserID, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

func (e consumerAPI) PasswordsStrengthCheck(ctx context.Context, p *consumer.PasswordsStrengthCheckParams) (*consumer.PasswordsStrengthCheckResponse, error) {
	if email := deref(p.Email); email != "" {
		if err := checkEmail(email); err != nil {
			return nil, err
		}
	}
	s := checkStrength(p.Password, deref(p.Email))
	fb := s.feedback
	return &consumer.PasswordsStrengthCheckResponse{
		ValidPassword: s.valid, Score: s.score, BreachedPassword: s.breached,
		StrengthPolicy: "zxcvbn", BreachDetectionOnCreate: true, Feedback: &fb,
	}, nil
}

func (e consumerAPI) PasswordsMigrate(ctx context.Context, p *consumer.PasswordsMigrateParams) (*consumer.PasswordsMigrateResponse, error) {
	if err := checkEmail(p.Email); err != nil {
		return nil, err
	}
	verify, err := importedHash(p)
	if err != nil {
		return nil, err
	}
	phone := deref(p.PhoneNumber)
	created := false
	var u *consumer.User
	if id, ok := e.consumer.byEmail[strings.ToLower(p.Email)]; ok {
		u = e.consumer.users[id]
		if e.consumer.passwords[id] != nil {
			// The type is from Stytch's migrate reference; the status is unconfirmed.
			return nil, errorf(400, "password_already_exists", "The user already has a password.")
		}
	} else {
		if phone != "" {
			if err := checkPhone(phone); err != nil {
				return nil, err
			}
			if _, taken := e.consumer.byPhone[phone]; taken {
				return nil, errorf(400, "duplicate_phone_number", "A user with this phone number already exists.")
			}
		}
		u = e.newUser(p.Email, phone, false)
		created = true
		u.Name = p.Name
		if p.TrustedMetadata != nil {
			u.TrustedMetadata = p.TrustedMetadata
		}
		if p.UntrustedMetadata != nil {
			u.UntrustedMetadata = p.UntrustedMetadata
		}
		u.ExternalID = deref(p.ExternalID)
		if len(p.Roles) > 0 {
			u.Roles = append([]string{"stytch_user"}, p.Roles...)
		}
		if deref(p.SetPhoneNumberVerified) && len(u.PhoneNumbers) > 0 {
			u.PhoneNumbers[0].Verified = true
		}
	}
	em := emailOf(u, p.Email)
	if deref(p.SetEmailVerified) {
		em.Verified = true
	}
	e.storePassword(u, &storedPassword{verify: verify, imported: true})
	if created {
		e.emit("user", "CREATE", u.UserID, u)
	} else {
		e.emit("user", "UPDATE", u.UserID, u)
	}
	return &consumer.PasswordsMigrateResponse{UserID: u.UserID, EmailID: em.EmailID, UserCreated: created, User: *u}, nil
}

func (e consumerAPI) PasswordsEmailResetStart(ctx context.Context, p *consumer.PasswordsEmailResetStartParams) (*consumer.PasswordsEmailResetStartResponse, error) {
	u, err := e.userByEmail(p.Email)
	if err != nil {
		return nil, err
	}
	ttl, err := minutes(p.ResetPasswordExpirationMinutes, resetLinkMinutes, minLinkMinutes, maxLinkMinutes, "reset_password_expiration_minutes")
	if err != nil {
		return nil, err
	}
	em := emailOf(u, p.Email)
	// The emulator sends the reset link only, not the email's second,
	// log-in-without-password link (login_redirect_url).
	e.issueLink(e.consumer.resets, &magicLink{userID: u.UserID, emailID: em.EmailID, email: em.Email, challenge: deref(p.CodeChallenge)}, ttl, deref(p.ResetPasswordRedirectURL), MessagePasswordReset)
	return &consumer.PasswordsEmailResetStartResponse{UserID: u.UserID, EmailID: em.EmailID}, nil
}

func (e consumerAPI) PasswordsEmailReset(ctx context.Context, p *consumer.PasswordsEmailResetParams) (*consumer.PasswordsEmailResetResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	// A weak password leaves the token unused, so that the user can pick
	// another: check it before consuming the link.
	if l, ok := e.consumer.resets[p.Token]; ok {
		if err := requireStrong(p.Password, l.email); err != nil {
			return nil, err
		}
	}
	// Reset tokens are magic-link tokens and fail as they do (unconfirmed).
	l, err := e.consumeLink(e.consumer.resets, p.Token, deref(p.CodeVerifier), func(l *magicLink) error {
		return e.priorSessionOf(l.userID, p.SessionToken, p.SessionJWT)
	})
	if err != nil {
		return nil, err
	}
	u, err := e.consumer.user(l.userID)
	if err != nil {
		return nil, err
	}
	if err := e.setPassword(u, p.Password); err != nil {
		return nil, err
	}
	// The link proves the address.
	if em := emailOf(u, l.email); em != nil {
		em.Verified = true
	}
	u.Status = "active"
	e.revokeUserSessions(u.UserID, e.keptSession(p.SessionToken, p.SessionJWT))
	e.emit("user", "UPDATE", u.UserID, u)
	s, token, jwtStr, err := e.startOrExtendSession(u, passwordFactor(u, l.email), p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, p.Attributes)
	if err != nil {
		return nil, err
	}
	return &consumer.PasswordsEmailResetResponse{UserID: u.UserID, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

func (e consumerAPI) PasswordsExistingPasswordReset(ctx context.Context, p *consumer.PasswordsExistingPasswordResetParams) (*consumer.PasswordsExistingPasswordResetResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	u, err := e.userByEmail(p.Email)
	if err != nil {
		return nil, err
	}
	sp := e.consumer.passwords[u.UserID]
	if sp == nil {
		return nil, errorf(400, "no_user_password", "The user has no password; reset it by email to set one.") // unconfirmed
	}
	if !sp.verify(p.ExistingPassword) {
		return nil, errorf(401, "unauthorized_credentials", "The email or password is incorrect.") // unconfirmed, as in checkPassword
	}
	if err := e.checkPriorSession(u, p.SessionToken, p.SessionJWT); err != nil {
		return nil, err
	}
	if err := e.setPassword(u, p.NewPassword); err != nil {
		return nil, err
	}
	e.revokeUserSessions(u.UserID, e.keptSession(p.SessionToken, p.SessionJWT))
	e.emit("user", "UPDATE", u.UserID, u)
	s, token, jwtStr, err := e.startOrExtendSession(u, passwordFactor(u, p.Email), p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.PasswordsExistingPasswordResetResponse{UserID: u.UserID, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

func (e consumerAPI) PasswordsSessionsReset(ctx context.Context, p *consumer.PasswordsSessionsResetParams) (*consumer.PasswordsSessionsResetResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	us, err := e.findSession(p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	u, err := e.consumer.user(us.s.UserID)
	if err != nil {
		return nil, err
	}
	if !e.recentEmailFactor(us) {
		// Unconfirmed type and status (reference §2).
		return nil, errorf(400, "session_too_old_to_reset_password", "The session must hold a password, email magic link or email OTP factor from the last 5 minutes.")
	}
	if err := e.setPassword(u, p.Password); err != nil {
		return nil, err
	}
	e.revokeUserSessions(u.UserID, us.s.SessionID)
	e.emit("user", "UPDATE", u.UserID, u)
	now := e.now()
	us.s.LastAccessedAt = now
	us.extend(now, p.SessionDurationMinutes)
	us.s.CustomClaims = mergeClaims(us.s.CustomClaims, p.SessionCustomClaims)
	s := us.s
	return &consumer.PasswordsSessionsResetResponse{UserID: u.UserID, User: *u, Session: &s, SessionToken: us.token, SessionJWT: e.sessionJWT(&s)}, nil
}

// recentEmailFactor reports whether us holds a password, email magic link
// or email OTP factor authenticated in the last five minutes.
func (e *Emulator) recentEmailFactor(us *userSession) bool {
	for _, f := range us.s.AuthenticationFactors {
		ok := f.Type == consumer.AuthenticationFactorTypePassword || f.Type == consumer.AuthenticationFactorTypeEmailOTP ||
			(f.Type == consumer.AuthenticationFactorTypeMagicLink && f.DeliveryMethod == consumer.AuthenticationFactorDeliveryMethodEmail)
		if ok && f.LastAuthenticatedAt != nil && e.now().Sub(*f.LastAuthenticatedAt) <= recentFactor {
			return true
		}
	}
	return false
}
