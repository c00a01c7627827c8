package stytchtest

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch/consumer"
)

// Expiries, in minutes, that the real API applies by default.
const (
	loginLinkMinutes  = 60
	signupLinkMinutes = 7 * 24 * 60
	inviteLinkMinutes = 60 // the behaviour reference gives 60 for invites and embeddable links
	otpMinutes        = 2
	minLinkMinutes    = 5
	maxLinkMinutes    = 10080
	minSessionMinutes = 5
	maxSessionMinutes = 527040
	defaultRedirect   = "http://localhost:3000/authenticate"
)

type consumerState struct {
	users    map[string]*consumer.User
	byEmail  map[string]string // lower-cased email -> user ID
	byPhone  map[string]string
	links    map[string]*magicLink // token -> link
	otps     map[string]*otpCode   // method ID -> the live code
	sessions map[string]*userSession
	byToken  map[string]string    // session token -> session ID
	totps    map[string]*totpReg  // TOTP ID -> registration; see totps.go
	locks    map[string]*userLock // user ID -> failed attempts; see user_locks.go
	// passwords.go: user ID -> the password, and the reset links' tokens.
	passwords map[string]*storedPassword
	resets    map[string]*magicLink
	webauthn  *webauthnState // webauthn.go
}

func newConsumerState() *consumerState {
	return &consumerState{
		users: map[string]*consumer.User{}, byEmail: map[string]string{}, byPhone: map[string]string{},
		links: map[string]*magicLink{}, otps: map[string]*otpCode{},
		sessions: map[string]*userSession{}, byToken: map[string]string{}, totps: map[string]*totpReg{},
		locks: map[string]*userLock{}, passwords: map[string]*storedPassword{}, resets: map[string]*magicLink{},
		webauthn: newWebAuthnState(),
	}
}

type magicLink struct {
	token, userID, emailID, email string
	kind                          MessageKind
	challenge                     string
	expires                       time.Time
	used                          bool
	orgID                         string // B2B links: userID is then the member ID
}

type otpCode struct {
	code, userID, methodID string
	delivery               consumer.AuthenticationFactorDeliveryMethod
	expires                time.Time
	used                   bool
}

type userSession struct {
	s       consumer.Session
	token   string
	revoked bool
}

// extend makes the session expire duration minutes from now (extendedExpiry).
func (us *userSession) extend(now time.Time, duration *int) {
	impersonated := slices.ContainsFunc(us.s.AuthenticationFactors, func(f consumer.AuthenticationFactor) bool {
		return f.Type == consumer.AuthenticationFactorTypeImpersonated
	})
	us.s.ExpiresAt = extendedExpiry(us.s.ExpiresAt, now, duration, impersonated)
}

// extendedExpiry is when a session expires once a call asks for duration
// minutes (none: unchanged). An impersonated session keeps its expiry:
// Stytch's reference says impersonated sessions cannot be extended
// (unconfirmed: that the call still succeeds rather than failing).
func extendedExpiry(expires, now time.Time, duration *int, impersonated bool) time.Time {
	if duration == nil || impersonated {
		return expires
	}
	return now.Add(time.Duration(*duration) * time.Minute)
}

// consumerAPI is the emulator's consumer surface: the methods of
// consumerServer it implements (consumer_server.gen.go answers the others
// 501), one family per file, and the shared services' (M2M, in m2m.go).
type consumerAPI struct{ *Emulator }

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func checkEmail(email string) error {
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return errorf(400, "invalid_email", "Email format is invalid.")
	}
	return nil
}

func checkPhone(phone string) error {
	if !e164.MatchString(phone) {
		return errorf(400, "invalid_phone_number", "Phone number format is invalid; use E.164, such as +12025550123.")
	}
	return nil
}

func minutes(p *int, def, lo, hi int, field string) (time.Duration, error) {
	v := def
	if p != nil {
		v = *p
	}
	if v < lo || v > hi {
		return 0, errorf(400, "invalid_expiration", "%s must be between %d and %d minutes.", field, lo, hi)
	}
	return time.Duration(v) * time.Minute, nil
}

// newUser creates a user; c is the consumer state, e.mu is held.
func (e *Emulator) newUser(email, phone string, pending bool) *consumer.User {
	c := e.consumer
	now := e.now()
	status := "active"
	if pending {
		status = "pending"
	}
	u := &consumer.User{
		UserID: newID("user"), Status: consumer.UserStatus(status), CreatedAt: &now,
		Emails: []consumer.Email{}, PhoneNumbers: []consumer.PhoneNumber{},
		WebAuthnRegistrations: []consumer.WebAuthnRegistration{}, Providers: []consumer.OAuthProvider{},
		TOTPs: []consumer.TOTP{}, CryptoWallets: []consumer.CryptoWallet{},
		BiometricRegistrations: []consumer.BiometricRegistration{}, Roles: []string{"stytch_user"},
		TrustedMetadata: map[string]any{}, UntrustedMetadata: map[string]any{},
	}
	if email != "" {
		u.Emails = append(u.Emails, consumer.Email{EmailID: newID("email"), Email: email})
		c.byEmail[strings.ToLower(email)] = u.UserID
	}
	if phone != "" {
		u.PhoneNumbers = append(u.PhoneNumbers, consumer.PhoneNumber{PhoneID: newID("phone-number"), PhoneNumber: phone})
		c.byPhone[phone] = u.UserID
	}
	c.users[u.UserID] = u
	return u
}

func (c *consumerState) user(id string) (*consumer.User, error) {
	u, ok := c.users[id]
	if !ok {
		return nil, errorf(404, "user_not_found", "User could not be found.")
	}
	return u, nil
}

func emailOf(u *consumer.User, email string) *consumer.Email {
	for i := range u.Emails {
		if strings.EqualFold(u.Emails[i].Email, email) {
			return &u.Emails[i]
		}
	}
	return nil
}

func phoneOf(u *consumer.User, phone string) *consumer.PhoneNumber {
	for i := range u.PhoneNumbers {
		if u.PhoneNumbers[i].PhoneNumber == phone {
			return &u.PhoneNumbers[i]
		}
	}
	return nil
}

func (e consumerAPI) UsersCreate(ctx context.Context, p *consumer.UsersCreateParams) (*consumer.UsersCreateResponse, error) {
	email, phone := deref(p.Email), deref(p.PhoneNumber)
	if email == "" && phone == "" {
		return nil, errorf(400, errorTypeBadRequest, "An email or a phone_number is required.")
	}
	if email != "" {
		if err := checkEmail(email); err != nil {
			return nil, err
		}
		if _, taken := e.consumer.byEmail[strings.ToLower(email)]; taken {
			return nil, errorf(400, "duplicate_email", "A user with this email already exists.")
		}
	}
	if phone != "" {
		if err := checkPhone(phone); err != nil {
			return nil, err
		}
		if _, taken := e.consumer.byPhone[phone]; taken {
			return nil, errorf(400, "duplicate_phone_number", "A user with this phone number already exists.")
		}
	}
	u := e.newUser(email, phone, deref(p.CreateUserAsPending))
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
	e.emit("user", "CREATE", u.UserID, u)
	resp := &consumer.UsersCreateResponse{UserID: u.UserID, Status: u.Status, User: *u}
	if len(u.Emails) > 0 {
		resp.EmailID = u.Emails[0].EmailID
	}
	if len(u.PhoneNumbers) > 0 {
		resp.PhoneID = u.PhoneNumbers[0].PhoneID
	}
	return resp, nil
}

func (e consumerAPI) UsersGet(ctx context.Context, p *consumer.UsersGetParams) (*consumer.UsersGetResponse, error) {
	u, err := e.consumer.user(p.UserID)
	if err != nil {
		return nil, err
	}
	return &consumer.UsersGetResponse{
		UserID: u.UserID, Emails: u.Emails, Status: u.Status, PhoneNumbers: u.PhoneNumbers,
		WebAuthnRegistrations: u.WebAuthnRegistrations, Providers: u.Providers, TOTPs: u.TOTPs,
		CryptoWallets: u.CryptoWallets, BiometricRegistrations: u.BiometricRegistrations,
		IsLocked: u.IsLocked, LockExpiresAt: u.LockExpiresAt, Roles: u.Roles, Name: u.Name, CreatedAt: u.CreatedAt, Password: u.Password,
		TrustedMetadata: u.TrustedMetadata, UntrustedMetadata: u.UntrustedMetadata, ExternalID: u.ExternalID,
	}, nil
}

// usersSearch pages through users oldest first. Query filters supported:
// email_address, phone_number, user_id and status, joined by AND or OR.
func (e consumerAPI) UsersSearch(ctx context.Context, p *consumer.UsersSearchParams) (*consumer.UsersSearchResponse, error) {
	if p.Query != nil {
		for _, op := range p.Query.Operands {
			if !userFilters[op.FilterName] {
				// As B2B search does: a filter the emulator cannot apply is refused, never
				// ignored (unconfirmed: Stytch's error type for an unknown filter).
				return nil, errorf(400, errorTypeBadRequest, "The emulator does not support the search filter %q.", op.FilterName)
			}
		}
	}
	var all []*consumer.User
	for _, u := range e.consumer.users {
		if p.Query == nil || matchUser(u, p.Query) {
			all = append(all, u)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(*all[j].CreatedAt) {
			return all[i].CreatedAt.Before(*all[j].CreatedAt)
		}
		return all[i].UserID < all[j].UserID
	})
	page, next, err := paginate(len(all), p.Cursor, p.Limit)
	if err != nil {
		return nil, err
	}
	results := make([]consumer.User, 0, page[1]-page[0])
	for _, u := range all[page[0]:page[1]] {
		results = append(results, *u)
	}
	return &consumer.UsersSearchResponse{Results: results, ResultsMetadata: consumer.ResultsMetadata{Total: len(all), NextCursor: next}}, nil
}

// userFilters are the user search filters matchUser applies.
var userFilters = map[string]bool{"user_id": true, "status": true, "email_address": true, "phone_number": true}

func matchUser(u *consumer.User, q *consumer.SearchUsersQuery) bool {
	if len(q.Operands) == 0 {
		return true
	}
	or := q.Operator == consumer.SearchOperatorOr
	for _, op := range q.Operands {
		values := stringList(op.FilterValue)
		ok := false
		for _, v := range values {
			switch op.FilterName {
			case "user_id":
				ok = ok || u.UserID == v
			case "status":
				ok = ok || string(u.Status) == v
			case "email_address":
				ok = ok || emailOf(u, v) != nil
			case "phone_number":
				ok = ok || phoneOf(u, v) != nil
			}
		}
		if or && ok {
			return true
		}
		if !or && !ok {
			return false
		}
	}
	return !or
}

func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (e consumerAPI) UsersUpdate(ctx context.Context, p *consumer.UsersUpdateParams) (*consumer.UsersUpdateResponse, error) {
	u, err := e.consumer.user(p.UserID)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		u.Name = p.Name
	}
	if p.TrustedMetadata != nil {
		u.TrustedMetadata = mergeMetadata(u.TrustedMetadata, p.TrustedMetadata)
	}
	if p.UntrustedMetadata != nil {
		u.UntrustedMetadata = mergeMetadata(u.UntrustedMetadata, p.UntrustedMetadata)
	}
	if p.ExternalID != nil {
		u.ExternalID = *p.ExternalID
	}
	if p.Roles != nil {
		u.Roles = append([]string{"stytch_user"}, *p.Roles...)
	}
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.UsersUpdateResponse{UserID: u.UserID, Emails: u.Emails, PhoneNumbers: u.PhoneNumbers, CryptoWallets: u.CryptoWallets, User: *u}, nil
}

// mergeMetadata applies a top-level merge: a key set to null is deleted.
func mergeMetadata(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range src {
		if v == nil {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
	return dst
}

func (e consumerAPI) UsersDelete(ctx context.Context, p *consumer.UsersDeleteParams) (*consumer.UsersDeleteResponse, error) {
	c := e.consumer
	u, err := c.user(p.UserID)
	if err != nil {
		return nil, err
	}
	for _, em := range u.Emails {
		c.forgetEmail(em.EmailID, em.Email)
	}
	for _, ph := range u.PhoneNumbers {
		c.forgetPhone(ph.PhoneID, ph.PhoneNumber)
	}
	for _, t := range u.TOTPs {
		delete(c.totps, t.TOTPID)
	}
	for _, w := range u.WebAuthnRegistrations {
		delete(c.webauthn.regs, w.WebAuthnRegistrationID)
	}
	delete(c.locks, u.UserID)
	for id, s := range c.sessions {
		if s.s.UserID == u.UserID {
			delete(c.byToken, s.token)
			delete(c.sessions, id)
		}
	}
	delete(c.users, u.UserID)
	delete(c.passwords, u.UserID)
	e.emit("user", "DELETE", u.UserID, nil)
	return &consumer.UsersDeleteResponse{UserID: u.UserID}, nil
}

// issueLink records a magic link in links and the email carrying it.
// embeddedLink marks a link made with MagicLinks.Create, which is handed to
// the caller rather than sent.
const embeddedLink MessageKind = "embedded"

func (e *Emulator) issueLink(links map[string]*magicLink, l *magicLink, ttl time.Duration, redirect string, kind MessageKind) {
	l.token = newLinkToken()
	l.kind = kind
	l.expires = e.now().Add(ttl)
	links[l.token] = l
	if redirect == "" {
		redirect = defaultRedirect
	}
	sep := "?"
	if strings.Contains(redirect, "?") {
		sep = "&"
	}
	tokenType := "magic_links"
	if kind == MessagePasswordReset {
		tokenType = "reset_password"
	} else if kind == MessageB2BPasswordReset || kind == MessageB2BPasswordDiscoveryReset {
		tokenType = "multi_tenant_passwords"
	} else if kind == MessageB2BDiscovery {
		tokenType = "discovery"
	} else if strings.HasPrefix(string(kind), "b2b_") {
		tokenType = "multi_tenant_magic_links"
	}
	e.send(Message{To: l.email, Kind: kind, Token: l.token, URL: redirect + sep + "stytch_token_type=" + tokenType + "&token=" + l.token})
}

func (e consumerAPI) MagicLinksEmailSend(ctx context.Context, p *consumer.MagicLinksEmailSendParams) (*consumer.MagicLinksEmailSendResponse, error) {
	u, err := e.userByEmail(p.Email)
	if err != nil {
		return nil, err
	}
	ttl, err := minutes(p.LoginExpirationMinutes, loginLinkMinutes, minLinkMinutes, maxLinkMinutes, "login_expiration_minutes")
	if err != nil {
		return nil, err
	}
	em := emailOf(u, p.Email)
	e.issueLink(e.consumer.links, &magicLink{userID: u.UserID, emailID: em.EmailID, email: em.Email, challenge: deref(p.CodeChallenge)}, ttl, deref(p.LoginMagicLinkURL), MessageMagicLinkLogin)
	return &consumer.MagicLinksEmailSendResponse{UserID: u.UserID, EmailID: em.EmailID}, nil
}

func (e consumerAPI) MagicLinksEmailLoginOrCreate(ctx context.Context, p *consumer.MagicLinksEmailLoginOrCreateParams) (*consumer.MagicLinksEmailLoginOrCreateResponse, error) {
	if err := checkEmail(p.Email); err != nil {
		return nil, err
	}
	loginTTL, err := minutes(p.LoginExpirationMinutes, loginLinkMinutes, minLinkMinutes, maxLinkMinutes, "login_expiration_minutes")
	if err != nil {
		return nil, err
	}
	signupTTL, err := minutes(p.SignupExpirationMinutes, signupLinkMinutes, minLinkMinutes, maxLinkMinutes, "signup_expiration_minutes")
	if err != nil {
		return nil, err
	}
	created := false
	id, ok := e.consumer.byEmail[strings.ToLower(p.Email)]
	if !ok {
		id = e.newUser(p.Email, "", deref(p.CreateUserAsPending)).UserID
		created = true
		e.emit("user", "CREATE", id, e.consumer.users[id])
	}
	u := e.consumer.users[id]
	em := emailOf(u, p.Email)
	link := &magicLink{userID: u.UserID, emailID: em.EmailID, email: em.Email, challenge: deref(p.CodeChallenge)}
	// New and pending users get a signup link; active users a login link.
	if created || u.Status == "pending" {
		e.issueLink(e.consumer.links, link, signupTTL, deref(p.SignupMagicLinkURL), MessageMagicLinkSignup)
	} else {
		e.issueLink(e.consumer.links, link, loginTTL, deref(p.LoginMagicLinkURL), MessageMagicLinkLogin)
	}
	return &consumer.MagicLinksEmailLoginOrCreateResponse{UserID: u.UserID, EmailID: em.EmailID, UserCreated: created}, nil
}

func (e consumerAPI) MagicLinksEmailInvite(ctx context.Context, p *consumer.MagicLinksEmailInviteParams) (*consumer.MagicLinksEmailInviteResponse, error) {
	if err := checkEmail(p.Email); err != nil {
		return nil, err
	}
	ttl, err := minutes(p.InviteExpirationMinutes, inviteLinkMinutes, minLinkMinutes, maxLinkMinutes, "invite_expiration_minutes")
	if err != nil {
		return nil, err
	}
	id, ok := e.consumer.byEmail[strings.ToLower(p.Email)]
	if !ok {
		u := e.newUser(p.Email, "", true)
		u.Name = p.Name
		if p.TrustedMetadata != nil {
			u.TrustedMetadata = p.TrustedMetadata
		}
		if p.UntrustedMetadata != nil {
			u.UntrustedMetadata = p.UntrustedMetadata
		}
		id = u.UserID
	}
	u := e.consumer.users[id]
	if u.Status == "active" {
		// Unconfirmed type: the reference does not say what inviting an active user answers.
		return nil, errorf(400, "user_already_active", "The user is already active; send a login link instead.")
	}
	em := emailOf(u, p.Email)
	e.issueLink(e.consumer.links, &magicLink{userID: u.UserID, emailID: em.EmailID, email: em.Email}, ttl, deref(p.InviteMagicLinkURL), MessageMagicLinkInvite)
	return &consumer.MagicLinksEmailInviteResponse{UserID: u.UserID, EmailID: em.EmailID}, nil
}

func (e consumerAPI) MagicLinksEmailRevokeInvite(ctx context.Context, p *consumer.MagicLinksEmailRevokeInviteParams) (*consumer.MagicLinksEmailRevokeInviteResponse, error) {
	revoked := false
	for _, l := range e.consumer.links {
		if l.kind == MessageMagicLinkInvite && strings.EqualFold(l.email, p.Email) && !l.used {
			l.used = true
			revoked = true
		}
	}
	if !revoked {
		return nil, errorf(404, "invite_not_found", "No pending invite was found for this email.")
	}
	return &consumer.MagicLinksEmailRevokeInviteResponse{}, nil
}

func (e consumerAPI) MagicLinksCreate(ctx context.Context, p *consumer.MagicLinksCreateParams) (*consumer.MagicLinksCreateResponse, error) {
	u, err := e.consumer.user(p.UserID)
	if err != nil {
		return nil, err
	}
	ttl, err := minutes(p.ExpirationMinutes, inviteLinkMinutes, minLinkMinutes, maxLinkMinutes, "expiration_minutes")
	if err != nil {
		return nil, err
	}
	l := &magicLink{token: newLinkToken(), userID: u.UserID, kind: embeddedLink, expires: e.now().Add(ttl)}
	e.consumer.links[l.token] = l
	return &consumer.MagicLinksCreateResponse{UserID: u.UserID, Token: l.token}, nil
}

// consumeLink checks a magic link token from links and its PKCE verifier
// and, when check is not nil, with check, which may refuse it before it is
// spent; then marks it used. Unknown tokens are 404; used or expired ones
// 401.
func (e *Emulator) consumeLink(links map[string]*magicLink, token, verifier string, check func(*magicLink) error) (*magicLink, error) {
	l, ok := links[token]
	if !ok {
		return nil, errorf(404, "magic_link_not_found", "Magic link could not be found.")
	}
	if l.used || !e.now().Before(l.expires) {
		return nil, errorf(401, "unable_to_auth_magic_link", "Magic link could not be authenticated because it was already used or has expired.")
	}
	if err := checkPKCE(l.challenge, verifier); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(l); err != nil {
			return nil, err
		}
	}
	l.used = true
	return l, nil
}

// priorSessionOf refuses, before a link or OAuth token of userID is spent,
// a session of another user (checkPriorSession).
func (e *Emulator) priorSessionOf(userID string, token, jwtStr *string) error {
	u, err := e.consumer.user(userID)
	if err != nil {
		return err
	}
	return e.checkPriorSession(u, token, jwtStr)
}

func (e consumerAPI) MagicLinksAuthenticate(ctx context.Context, p *consumer.MagicLinksAuthenticateParams) (*consumer.MagicLinksAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	l, err := e.consumeLink(e.consumer.links, p.Token, deref(p.CodeVerifier), func(l *magicLink) error {
		return e.priorSessionOf(l.userID, p.SessionToken, p.SessionJWT)
	})
	if err != nil {
		return nil, err
	}
	u, err := e.consumer.user(l.userID)
	if err != nil {
		return nil, err
	}
	u.Status = "active"
	factor := consumer.AuthenticationFactor{Type: consumer.AuthenticationFactorTypeMagicLink, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodEmail}
	methodID := l.emailID
	if l.kind == embeddedLink {
		// Embeddable links verify no delivery method.
		factor.DeliveryMethod = consumer.AuthenticationFactorDeliveryMethodEmbedded
		factor.EmbeddableMagicLinkFactor = &consumer.EmbeddableMagicLinkFactor{EmbeddedID: u.UserID}
		methodID = u.UserID
	} else if em := emailOf(u, l.email); em != nil {
		e.passwordlessEmailLogin(u, em) // passwords.go
		em.Verified = true
		factor.EmailFactor = &consumer.EmailFactor{EmailID: em.EmailID, EmailAddress: em.Email}
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, p.Attributes)
	if err != nil {
		return nil, err
	}
	return &consumer.MagicLinksAuthenticateResponse{UserID: u.UserID, MethodID: methodID, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

func checkSessionArgs(duration *int) error {
	if duration != nil && (*duration < minSessionMinutes || *duration > maxSessionMinutes) {
		return errorf(400, "invalid_session_duration_minutes", "session_duration_minutes must be between %d and %d.", minSessionMinutes, maxSessionMinutes)
	}
	return nil
}

// otpSend serves the six OTP send and login_or_create endpoints, which
// differ only in delivery method and whether they create users.
func (e consumerAPI) otpSend(method consumer.AuthenticationFactorDeliveryMethod, create bool, addr string, expiration *int, pending *bool) (userID, methodID string, created bool, _ error) {
	if method == consumer.AuthenticationFactorDeliveryMethodEmail {
		if err := checkEmail(addr); err != nil {
			return "", "", false, err
		}
	} else if err := checkPhone(addr); err != nil {
		return "", "", false, err
	}
	ttl, err := minutes(expiration, otpMinutes, 1, 10, "expiration_minutes")
	if err != nil {
		return "", "", false, err
	}
	index := e.consumer.byPhone
	key := addr
	if method == consumer.AuthenticationFactorDeliveryMethodEmail {
		index, key = e.consumer.byEmail, strings.ToLower(addr)
	}
	id, ok := index[key]
	if !ok {
		if !create {
			if method == consumer.AuthenticationFactorDeliveryMethodEmail {
				return "", "", false, errorf(404, "email_not_found", "Email could not be found.")
			}
			return "", "", false, errorf(404, "phone_number_not_found", "Phone number could not be found.")
		}
		email, phone := "", addr
		if method == consumer.AuthenticationFactorDeliveryMethodEmail {
			email, phone = addr, ""
		}
		id = e.newUser(email, phone, deref(pending)).UserID
		created = true
		e.emit("user", "CREATE", id, e.consumer.users[id])
	}
	u := e.consumer.users[id]
	if method == consumer.AuthenticationFactorDeliveryMethodEmail {
		methodID = emailOf(u, addr).EmailID
	} else {
		methodID = phoneOf(u, addr).PhoneID
	}
	// One live code per method: a resend replaces the previous code.
	code := &otpCode{code: newOTPCode(), userID: u.UserID, methodID: methodID, delivery: method, expires: e.now().Add(ttl)}
	e.consumer.otps[methodID] = code
	e.send(Message{To: addr, Kind: MessageKind("otp_" + string(method)), Code: code.code})
	return u.UserID, methodID, created, nil
}

func (e consumerAPI) OTPsSMSSend(_ context.Context, p *consumer.OTPsSMSSendParams) (*consumer.OTPsSMSSendResponse, error) {
	userID, methodID, _, err := e.otpSend(consumer.AuthenticationFactorDeliveryMethodSMS, false, p.PhoneNumber, p.ExpirationMinutes, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.OTPsSMSSendResponse{UserID: userID, PhoneID: methodID}, nil
}

func (e consumerAPI) OTPsSMSLoginOrCreate(_ context.Context, p *consumer.OTPsSMSLoginOrCreateParams) (*consumer.OTPsSMSLoginOrCreateResponse, error) {
	userID, methodID, created, err := e.otpSend(consumer.AuthenticationFactorDeliveryMethodSMS, true, p.PhoneNumber, p.ExpirationMinutes, p.CreateUserAsPending)
	if err != nil {
		return nil, err
	}
	return &consumer.OTPsSMSLoginOrCreateResponse{UserID: userID, PhoneID: methodID, UserCreated: created}, nil
}

func (e consumerAPI) OTPsWhatsAppSend(_ context.Context, p *consumer.OTPsWhatsAppSendParams) (*consumer.OTPsWhatsAppSendResponse, error) {
	userID, methodID, _, err := e.otpSend(consumer.AuthenticationFactorDeliveryMethodWhatsApp, false, p.PhoneNumber, p.ExpirationMinutes, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.OTPsWhatsAppSendResponse{UserID: userID, PhoneID: methodID}, nil
}

func (e consumerAPI) OTPsWhatsAppLoginOrCreate(_ context.Context, p *consumer.OTPsWhatsAppLoginOrCreateParams) (*consumer.OTPsWhatsAppLoginOrCreateResponse, error) {
	userID, methodID, created, err := e.otpSend(consumer.AuthenticationFactorDeliveryMethodWhatsApp, true, p.PhoneNumber, p.ExpirationMinutes, p.CreateUserAsPending)
	if err != nil {
		return nil, err
	}
	return &consumer.OTPsWhatsAppLoginOrCreateResponse{UserID: userID, PhoneID: methodID, UserCreated: created}, nil
}

func (e consumerAPI) OTPsEmailSend(_ context.Context, p *consumer.OTPsEmailSendParams) (*consumer.OTPsEmailSendResponse, error) {
	userID, methodID, _, err := e.otpSend(consumer.AuthenticationFactorDeliveryMethodEmail, false, p.Email, p.ExpirationMinutes, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.OTPsEmailSendResponse{UserID: userID, EmailID: methodID}, nil
}

func (e consumerAPI) OTPsEmailLoginOrCreate(_ context.Context, p *consumer.OTPsEmailLoginOrCreateParams) (*consumer.OTPsEmailLoginOrCreateResponse, error) {
	userID, methodID, created, err := e.otpSend(consumer.AuthenticationFactorDeliveryMethodEmail, true, p.Email, p.ExpirationMinutes, p.CreateUserAsPending)
	if err != nil {
		return nil, err
	}
	return &consumer.OTPsEmailLoginOrCreateResponse{UserID: userID, EmailID: methodID, UserCreated: created}, nil
}

func (e consumerAPI) OTPsAuthenticate(ctx context.Context, p *consumer.OTPsAuthenticateParams) (*consumer.OTPsAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	code, ok := e.consumer.otps[p.MethodID]
	if !ok || code.code != p.Code {
		return nil, errorf(404, "otp_code_not_found", "The passcode is incorrect or no passcode was sent to this method.")
	}
	if code.used || !e.now().Before(code.expires) {
		return nil, errorf(401, "unable_to_auth_otp_code", "The passcode was already used or has expired.")
	}
	u, err := e.consumer.user(code.userID)
	if err != nil {
		return nil, err
	}
	// A session of another user is refused before the code is spent.
	if err := e.checkPriorSession(u, p.SessionToken, p.SessionJWT); err != nil {
		return nil, err
	}
	code.used = true
	u.Status = "active"
	factor := consumer.AuthenticationFactor{Type: consumer.AuthenticationFactorTypeOTP, DeliveryMethod: code.delivery}
	if code.delivery == consumer.AuthenticationFactorDeliveryMethodEmail {
		factor.Type = consumer.AuthenticationFactorTypeEmailOTP
		for i := range u.Emails {
			if u.Emails[i].EmailID == code.methodID {
				e.passwordlessEmailLogin(u, &u.Emails[i]) // passwords.go
				u.Emails[i].Verified = true
				factor.EmailFactor = &consumer.EmailFactor{EmailID: u.Emails[i].EmailID, EmailAddress: u.Emails[i].Email}
			}
		}
	} else {
		for i := range u.PhoneNumbers {
			if u.PhoneNumbers[i].PhoneID == code.methodID {
				u.PhoneNumbers[i].Verified = true
				factor.PhoneNumberFactor = &consumer.PhoneNumberFactor{PhoneID: u.PhoneNumbers[i].PhoneID, PhoneNumber: u.PhoneNumbers[i].PhoneNumber}
			}
		}
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, p.Attributes)
	if err != nil {
		return nil, err
	}
	return &consumer.OTPsAuthenticateResponse{UserID: u.UserID, MethodID: code.methodID, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

// startOrExtendSession adds a factor to the session named by token or JWT,
// or, with a duration, starts a new one. Without either, as the real
// consumer API does, it starts no session.
func (e *Emulator) startOrExtendSession(u *consumer.User, f consumer.AuthenticationFactor, token, jwtStr *string, duration *int, claims map[string]any, attrs *consumer.Attributes) (*consumer.Session, string, string, error) {
	now := e.now()
	f.LastAuthenticatedAt, f.CreatedAt, f.UpdatedAt = &now, &now, &now
	var us *userSession
	if deref(token) != "" || deref(jwtStr) != "" {
		var err error
		if us, err = e.findSession(token, jwtStr); err != nil {
			return nil, "", "", err
		}
		if us.s.UserID != u.UserID {
			return nil, "", "", errSessionUserMismatch
		}
		us.s.AuthenticationFactors = append(us.s.AuthenticationFactors, f)
	} else if duration != nil {
		us = &userSession{token: newSessionToken(), s: consumer.Session{
			SessionID: newID("session"), UserID: u.UserID, StartedAt: now,
			AuthenticationFactors: []consumer.AuthenticationFactor{f}, Roles: u.Roles, CustomClaims: map[string]any{},
			Attributes: &consumer.Attributes{}, ExpiresAt: now.Add(time.Duration(*duration) * time.Minute),
		}}
		if attrs != nil {
			us.s.Attributes = attrs
		}
		e.consumer.sessions[us.s.SessionID] = us
		e.consumer.byToken[us.token] = us.s.SessionID
	} else {
		return nil, "", "", nil
	}
	us.s.LastAccessedAt = now
	us.extend(now, duration)
	us.s.CustomClaims = mergeClaims(us.s.CustomClaims, claims)
	s := us.s
	return &s, us.token, e.sessionJWT(&s), nil
}

var errSessionUserMismatch = &apiError{status: 400, typ: "session_user_mismatch", message: "The session belongs to another user."}

// checkPriorSession refuses, before a handler changes anything, what
// startOrExtendSession would refuse after it: a session named by token or
// JWT that is not live or is not u's.
func (e *Emulator) checkPriorSession(u *consumer.User, token, jwtStr *string) error {
	if deref(token) == "" && deref(jwtStr) == "" {
		return nil
	}
	us, err := e.findSession(token, jwtStr)
	if err != nil {
		return err
	}
	if us.s.UserID != u.UserID {
		return errSessionUserMismatch
	}
	return nil
}

// reservedClaims are the registered claims Stytch ignores in custom claims.
var reservedClaims = map[string]bool{"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true, "jti": true}

// mergeClaims applies custom claims: a value sets a key, null deletes it.
func mergeClaims(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range src {
		if reservedClaims[k] || strings.HasPrefix(k, "https://stytch.com/") {
			continue
		}
		if v == nil {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
	return dst
}

// findSession resolves a live session from a token or a JWT. A JWT past
// its exp is still accepted while its session lives, as the API does.
func (e *Emulator) findSession(token, jwtStr *string) (*userSession, error) {
	c := e.consumer
	var id string
	switch {
	case deref(token) != "" && deref(jwtStr) != "":
		return nil, errorf(400, "too_many_session_arguments", "Pass either session_token or session_jwt, not both.")
	case deref(token) != "":
		id = c.byToken[*token]
	case deref(jwtStr) != "":
		claims, err := e.keys.parse(*jwtStr)
		if err != nil {
			// Unconfirmed type; the catalog lists unable_to_parse_session_jwt.
			return nil, errorf(400, "unable_to_parse_session_jwt", "The session JWT could not be parsed or verified.")
		}
		if sc, ok := claims[sessionClaim].(map[string]any); ok {
			id, _ = sc["id"].(string)
		}
	default:
		return nil, errorf(400, "no_session_arguments", "Pass session_token or session_jwt.")
	}
	s, ok := c.sessions[id]
	if !ok || s.revoked || !e.now().Before(s.s.ExpiresAt) {
		return nil, errorf(404, "session_not_found", "Session could not be found.")
	}
	return s, nil
}

const (
	sessionClaim      = "https://stytch.com/session"
	organizationClaim = "https://stytch.com/organization"
)

// sessionJWT signs a consumer session JWT with Stytch's claims.
func (e *Emulator) sessionJWT(s *consumer.Session) string {
	now := e.now()
	claims := jwt.MapClaims{}
	for k, v := range s.CustomClaims {
		claims[k] = v
	}
	claims["iss"] = "stytch.com/" + e.projectID
	claims["aud"] = []string{e.projectID}
	claims["sub"] = s.UserID
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = now.Add(jwtLifetime).Unix()
	claims[sessionClaim] = map[string]any{
		"id": s.SessionID, "started_at": s.StartedAt.Format(time.RFC3339Nano), "last_accessed_at": s.LastAccessedAt.Format(time.RFC3339Nano),
		"expires_at": s.ExpiresAt.Format(time.RFC3339Nano), "attributes": s.Attributes,
		"authentication_factors": s.AuthenticationFactors, "roles": s.Roles,
	}
	return e.keys.sign(claims)
}

func (e consumerAPI) SessionsGet(ctx context.Context, p *consumer.SessionsGetParams) (*consumer.SessionsGetResponse, error) {
	userID := p.UserID
	if _, err := e.consumer.user(userID); err != nil {
		return nil, err
	}
	out := []consumer.Session{}
	for _, s := range e.consumer.sessions {
		if s.s.UserID == userID && !s.revoked && e.now().Before(s.s.ExpiresAt) {
			out = append(out, s.s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return &consumer.SessionsGetResponse{Sessions: out}, nil
}

func (e consumerAPI) SessionsAuthenticate(ctx context.Context, p *consumer.SessionsAuthenticateParams) (*consumer.SessionsAuthenticateResponse, error) {
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
	var verdict *consumer.AuthorizationVerdict
	if ac := p.AuthorizationCheck; ac != nil {
		granting := authorize(us.s.Roles, consumerPermissions(e.consumerPolicy), ac.ResourceID, ac.Action)
		if len(granting) == 0 {
			// Consumer denials have their own type (reference §2, Stytch's consumer 403 page).
			return nil, errorf(403, "consumer_session_authorization_error", "The session's roles do not grant %s on %s.", ac.Action, ac.ResourceID)
		}
		verdict = &consumer.AuthorizationVerdict{Authorized: true, GrantingRoles: granting}
	}
	now := e.now()
	us.s.LastAccessedAt = now
	us.extend(now, p.SessionDurationMinutes)
	us.s.CustomClaims = mergeClaims(us.s.CustomClaims, p.SessionCustomClaims)
	s := us.s
	return &consumer.SessionsAuthenticateResponse{Session: s, SessionToken: us.token, SessionJWT: e.sessionJWT(&s), User: *u, Verdict: verdict}, nil
}

func (e consumerAPI) SessionsRevoke(ctx context.Context, p *consumer.SessionsRevokeParams) (*consumer.SessionsRevokeResponse, error) {
	var us *userSession
	if id := deref(p.SessionID); id != "" {
		if deref(p.SessionToken) != "" || deref(p.SessionJWT) != "" {
			return nil, errorf(400, "too_many_session_arguments", "Pass exactly one of session_id, session_token and session_jwt.")
		}
		us = e.consumer.sessions[id]
		if us == nil || us.revoked {
			return nil, errorf(404, "session_not_found", "Session could not be found.")
		}
	} else {
		var err error
		if us, err = e.findSession(p.SessionToken, p.SessionJWT); err != nil {
			return nil, err
		}
	}
	us.revoked = true
	delete(e.consumer.byToken, us.token)
	return &consumer.SessionsRevokeResponse{}, nil
}

func (e consumerAPI) SessionsGetJWKS(ctx context.Context, p *consumer.SessionsGetJWKSParams) (*consumer.SessionsGetJWKSResponse, error) {
	if p.ProjectID != e.projectID {
		// Unconfirmed: the status for another project's JWKS is not documented.
		return nil, errorf(404, "project_not_found", "Project could not be found.")
	}
	return &consumer.SessionsGetJWKSResponse{Keys: e.keys.jwks()}, nil
}

// paginate returns the [start, end) window of n items after cursor, and
// the cursor of the next page ("" on the last). Cursors are offsets.
func paginate(n int, cursor *string, limit *int) ([2]int, string, error) {
	start := 0
	if c := deref(cursor); c != "" {
		var err error
		if start, err = decodeCursor(c); err != nil || start > n {
			return [2]int{}, "", errorf(400, "invalid_cursor", "The cursor is not valid.")
		}
	}
	size := 100
	if limit != nil && *limit > 0 {
		size = min(int(*limit), 1000)
	}
	end := min(start+size, n)
	next := ""
	if end < n {
		next = encodeCursor(end)
	}
	return [2]int{start, end}, next, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
