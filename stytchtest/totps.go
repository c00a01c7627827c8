package stytchtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"image/png"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gostytch/stytch/consumer"
)

// Consumer TOTP (authenticator app) registrations: RFC 6238 codes of 6
// digits over 30-second steps of the emulator's clock, so that WithClock
// moves them, and single-use recovery codes.
//
// What Stytch's reference pages confirm: a registration must be
// authenticated once before expiration_minutes (5..1440, default 60) to
// become usable; a user has at most one active registration
// (active_totp_exists, 400); authenticate accepts the codes of the previous
// and next 30-second steps; create returns 10 recovery codes such as
// "ckss-2skx-ebow" and a "data:image/png;base64, ..." QR code; each recovery
// code works once. The error types below are all in Stytch's error catalog;
// the statuses marked unconfirmed are inferred.

const (
	totpPeriod             = 30 * time.Second
	totpSkew               = 1 // steps either side of now (confirmed: previous and next window)
	totpDefaultMinutes     = 60
	totpMinMinutes         = 5
	totpMaxMinutes         = 1440
	totpRecoveryCodeCount  = 10
	totpRecoveryCodeGroups = 3 // "xxxx-xxxx-xxxx"
)

var totpOpts = totp.ValidateOpts{Period: uint(totpPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var totpCodeFormat = regexp.MustCompile(`^[0-9]{6}$`)

// totpReg is a stored TOTP registration; the user's TOTPs list mirrors its
// ID and verified flag.
type totpReg struct {
	id, userID, secret string
	memberID           string // of a B2B registration, which has no userID; see b2b_totps.go
	verified           bool
	expires            time.Time // of a registration not yet verified
	recovery           []string  // in issue order
	usedRecovery       map[string]bool
	recoveryIDs        map[string]string // code -> ID, for the session's recovery_code_factor
	lastStep           int64             // the latest step that authenticated; 0 for none
}

// live reports whether r can authenticate at now: verified, or pending
// and not yet expired.
func (r *totpReg) live(now time.Time) bool { return r.verified || now.Before(r.expires) }

func (r *totpReg) remainingRecovery() []string {
	out := []string{}
	for _, c := range r.recovery {
		if !r.usedRecovery[c] {
			out = append(out, c)
		}
	}
	return out
}

// userTOTP returns the user's live registration, or nil. The verified one
// wins over a pending one.
func (e *Emulator) userTOTP(u *consumer.User) *totpReg {
	var pending *totpReg
	for _, t := range u.TOTPs {
		r := e.consumer.totps[t.TOTPID]
		switch {
		case r == nil:
		case r.verified:
			return r
		case r.live(e.now()):
			pending = r
		}
	}
	return pending
}

// setTOTPVerified mirrors a registration's verified flag on its user.
func setTOTPVerified(u *consumer.User, id string) {
	for i := range u.TOTPs {
		if u.TOTPs[i].TOTPID == id {
			u.TOTPs[i].Verified = true
		}
	}
}

// dropExpiredTOTPs removes the user's pending registrations that expired.
// Unconfirmed: whether Stytch keeps listing them on the user.
func (e *Emulator) dropExpiredTOTPs(u *consumer.User) {
	kept := u.TOTPs[:0]
	for _, t := range u.TOTPs {
		if r := e.consumer.totps[t.TOTPID]; r != nil && !r.live(e.now()) {
			delete(e.consumer.totps, t.TOTPID)
			continue
		}
		kept = append(kept, t)
	}
	u.TOTPs = kept
}

func newRecoveryCode() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	for g := 0; g < totpRecoveryCodeGroups; g++ {
		if g > 0 {
			b.WriteByte('-')
		}
		for i := 0; i < 4; i++ {
			n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			b.WriteByte(alphabet[n.Int64()])
		}
	}
	return b.String()
}

// newTOTPReg generates a pending registration with a new secret, expiring
// after ttl, and its 10 recovery codes, with the QR code of its otpauth URL
// for account. The consumer and B2B surfaces share it; the caller sets the
// owner.
func (e *Emulator) newTOTPReg(account string, ttl time.Duration) (*totpReg, string, error) {
	// Unconfirmed: Stytch's issuer in the otpauth URL is probably the
	// project's name, which the emulator has none of.
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Stytch Emulator", AccountName: account})
	if err != nil {
		return nil, "", errorf(500, "internal_server_error", "Generating the TOTP secret failed: %v", err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return nil, "", errorf(500, "internal_server_error", "Drawing the TOTP QR code failed: %v", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, "", errorf(500, "internal_server_error", "Encoding the TOTP QR code failed: %v", err)
	}
	r := &totpReg{id: newID("totp"), secret: key.Secret(), expires: e.now().Add(ttl)}
	r.setRecovery(nil)
	// The form of Stytch's example response, space included.
	return r, "data:image/png;base64, " + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// setRecovery replaces r's recovery codes with codes, or with 10 new ones
// when codes is empty.
func (r *totpReg) setRecovery(codes []string) {
	if len(codes) == 0 {
		for range totpRecoveryCodeCount {
			codes = append(codes, newRecoveryCode())
		}
	}
	r.recovery, r.usedRecovery, r.recoveryIDs = codes, map[string]bool{}, map[string]string{}
	for _, c := range codes {
		// Unconfirmed: the prefix of Stytch's recovery code IDs.
		r.recoveryIDs[c] = newID("totp-recovery-code")
	}
}

// checkTOTPCode checks a code from r's authenticator app at now and returns
// the step it matched, without recording it. failed reports whether the
// error counts as a failed attempt (for user locks). The errors are the
// consumer API's; unconfirmed statuses, types from Stytch's catalog.
func checkTOTPCode(r *totpReg, code string, now time.Time, recoverPath string) (step int64, failed bool, err error) {
	if !totpCodeFormat.MatchString(code) {
		if contains(r.recovery, code) {
			return 0, false, errorf(400, "recovery_code_used_as_totp_code", "A recovery code was sent as a TOTP code; use %s.", recoverPath)
		}
		return 0, false, errorf(400, "invalid_totp_code", "The TOTP code must be 6 digits.")
	}
	step = matchTOTPStep(r.secret, code, now)
	if step == 0 {
		// Unconfirmed status: 401, as for the other unable_to_auth types.
		return 0, true, errorf(401, "unable_to_authenticate_totp", "The TOTP code is incorrect or outside the allowed time window.")
	}
	if step <= r.lastStep {
		// RFC 6238 §5.2: a code (or an older step's) that authenticated once
		// is refused.
		return 0, false, errorf(400, "totp_code_already_authenticated", "This TOTP code has already been used; wait for the next one.")
	}
	return step, false, nil
}

// checkRecoveryCode finds an unused recovery code of r, normalized, without
// consuming it; failed as for checkTOTPCode.
func checkRecoveryCode(r *totpReg, code, authenticatePath string) (normalized string, failed bool, err error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if totpCodeFormat.MatchString(code) {
		// Unconfirmed status; the type is in the catalog.
		return "", false, errorf(400, "totp_code_used_as_recovery_code", "A TOTP code was sent as a recovery code; use %s.", authenticatePath)
	}
	if !contains(r.recovery, code) || r.usedRecovery[code] {
		// Unconfirmed status: 401, as for the other unable_to_auth types.
		return "", true, errorf(401, "unable_to_authenticate_recovery_code", "The recovery code is incorrect or has already been used.")
	}
	return code, false, nil
}

func (e consumerAPI) TOTPsCreate(_ context.Context, p *consumer.TOTPsCreateParams) (*consumer.TOTPsCreateResponse, error) {
	u, err := e.consumer.user(p.UserID)
	if err != nil {
		return nil, err
	}
	ttl, err := minutes(p.ExpirationMinutes, totpDefaultMinutes, totpMinMinutes, totpMaxMinutes, "expiration_minutes")
	if err != nil {
		return nil, err
	}
	e.dropExpiredTOTPs(u)
	if r := e.userTOTP(u); r != nil {
		if r.verified {
			return nil, errorf(400, "active_totp_exists", "Cannot create a new TOTP for the specified user since the user already has an active TOTP. Users may only have one active TOTP at a time.")
		}
		// Unconfirmed: the catalog's pending_totp_exists suggests a live,
		// unverified registration blocks another; its status is inferred.
		return nil, errorf(400, "pending_totp_exists", "The user already has a TOTP registration waiting for its first authentication; authenticate or delete it first.")
	}
	account := u.UserID
	if len(u.Emails) > 0 {
		account = u.Emails[0].Email
	} else if len(u.PhoneNumbers) > 0 {
		account = u.PhoneNumbers[0].PhoneNumber
	}
	r, qr, err := e.newTOTPReg(account, ttl)
	if err != nil {
		return nil, err
	}
	r.userID = u.UserID
	e.consumer.totps[r.id] = r
	u.TOTPs = append(u.TOTPs, consumer.TOTP{TOTPID: r.id})
	e.emit("user", "UPDATE", u.UserID, u)
	return &consumer.TOTPsCreateResponse{
		TOTPID: r.id, Secret: r.secret, QrCode: qr, RecoveryCodes: append([]string(nil), r.recovery...), User: *u, UserID: u.UserID,
	}, nil
}

// matchTOTPStep returns the step within the window whose code is code, or 0.
func matchTOTPStep(secret, code string, now time.Time) int64 {
	step := now.Unix() / int64(totpPeriod/time.Second)
	for _, d := range []int64{0, -1, 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*int64(totpPeriod/time.Second), 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return 0
}

// totpCaller is the user a TOTP or recovery code call names, refused while
// locked or when the call names another user's session, before any code
// is checked.
func (e *Emulator) totpCaller(userID string, token, jwtStr *string) (*consumer.User, error) {
	u, err := e.consumer.user(userID)
	if err != nil {
		return nil, err
	}
	if err := e.checkUserLock(u); err != nil {
		return nil, err
	}
	if err := e.checkPriorSession(u, token, jwtStr); err != nil {
		return nil, err
	}
	return u, nil
}

func (e consumerAPI) TOTPsAuthenticate(_ context.Context, p *consumer.TOTPsAuthenticateParams) (*consumer.TOTPsAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	u, err := e.totpCaller(p.UserID, p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	r := e.userTOTP(u)
	if r == nil {
		// Unconfirmed: totp_not_found (catalog) for a user with no usable
		// registration, including one whose enrollment expired.
		return nil, errorf(404, "totp_not_found", "The user has no TOTP registration that can authenticate.")
	}
	step, failed, err := checkTOTPCode(r, p.TOTPCode, e.now(), "/v1/totps/recover")
	if failed {
		e.authFailed(u)
	}
	if err != nil {
		return nil, err
	}
	e.authSucceeded(u)
	r.lastStep = step
	r.verified = true
	setTOTPVerified(u, r.id)
	factor := consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeTOTP, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodAuthenticatorApp,
		AuthenticatorAppFactor: &consumer.AuthenticatorAppFactor{TOTPID: r.id},
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.TOTPsAuthenticateResponse{UserID: u.UserID, TOTPID: r.id, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

func (e consumerAPI) TOTPsRecoveryCodes(_ context.Context, p *consumer.TOTPsRecoveryCodesParams) (*consumer.TOTPsRecoveryCodesResponse, error) {
	u, err := e.consumer.user(p.UserID)
	if err != nil {
		return nil, err
	}
	e.dropExpiredTOTPs(u)
	// Unconfirmed: a user without registrations gets an empty list (the
	// catalog has totps_not_found_for_user, for which endpoint is unknown),
	// and used recovery codes are left out.
	out := []consumer.TOTPRecoveryCodes{}
	for _, t := range u.TOTPs {
		if r := e.consumer.totps[t.TOTPID]; r != nil {
			out = append(out, consumer.TOTPRecoveryCodes{TOTPID: r.id, Verified: r.verified, RecoveryCodes: r.remainingRecovery()})
		}
	}
	return &consumer.TOTPsRecoveryCodesResponse{UserID: u.UserID, TOTPs: out}, nil
}

func (e consumerAPI) TOTPsRecover(_ context.Context, p *consumer.TOTPsRecoverParams) (*consumer.TOTPsRecoverResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	u, err := e.totpCaller(p.UserID, p.SessionToken, p.SessionJWT)
	if err != nil {
		return nil, err
	}
	r := e.userTOTP(u)
	if r == nil || !r.verified {
		// Unconfirmed: recovery codes of a registration never authenticated
		// are refused as if it did not exist.
		return nil, errorf(404, "totp_not_found", "The user has no active TOTP registration.")
	}
	code, failed, err := checkRecoveryCode(r, p.RecoveryCode, "/v1/totps/authenticate")
	if failed {
		e.authFailed(u)
	}
	if err != nil {
		return nil, err
	}
	e.authSucceeded(u)
	r.usedRecovery[code] = true
	factor := consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeRecoveryCodes, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodRecoveryCode,
		RecoveryCodeFactor: &consumer.RecoveryCodeFactor{TOTPRecoveryCodeID: r.recoveryIDs[code]},
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.TOTPsRecoverResponse{TOTPID: r.id, UserID: u.UserID, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr}, nil
}

// TOTPCode returns the code an authenticator app shows now (by the
// emulator's clock) for the TOTP registration totpID, as created by
// TOTPs.Create (consumer) or the B2B TOTPs.Create or TOTPs.Migrate
// (a member's totp_registration_id), and false if there is no such registration. Codes change
// every 30 seconds, and each authenticates once: for a second
// authentication move a WithClock clock on by 30 seconds.
func (e *Emulator) TOTPCode(totpID string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.consumer.totps[totpID]
	if r == nil || e.consumer.users[r.userID] == nil {
		if r = e.b2bTOTPReg(totpID); r == nil {
			return "", false
		}
	}
	code, err := totp.GenerateCodeCustom(r.secret, e.now(), totpOpts)
	return code, err == nil
}

// totpHooks mirror TOTPCode:
//
//	GET /__emulator/totps/code?totp_id=ID -> {"code": "123456"}
//
// An unknown registration answers 404 totp_not_found.
func (e *Emulator) totpHooks() []testHook {
	return []testHook{{method: http.MethodGet, path: "/__emulator/totps/code", serve: func(r *http.Request, _ func(any) error) (any, error) {
		code, ok := e.TOTPCode(r.URL.Query().Get("totp_id"))
		if !ok {
			return nil, errorf(404, "totp_not_found", "TOTP could not be found.")
		}
		return map[string]string{"code": code}, nil
	}}}
}
