package stytchtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gostytch/stytch/consumer"
)

// Consumer WebAuthn and passkeys: real ceremonies, verified by go-webauthn
// (challenge, origin, RP ID hash, attestation and assertion signatures,
// user handle, signature counter), with the options and credentials in
// the JSON shapes Stytch's endpoints pass. Authenticator
// (webauthn_authenticator.go) answers them in tests.
//
// What Stytch's reference pages confirm: register start ties the options to
// an active user (user_id or external_id) and a domain (the RP ID);
// return_passkey_credential_options asks for residentKey "required" and
// userVerification "preferred"; use_base64_url_encoding switches the
// options' values from standard base64 to base64url; the request options
// look like {"allowCredentials":[{"id":"<base64>","type":"public-key"}],
// "challenge":"…","rpId":"example.com","timeout":300000,
// "userVerification":"discouraged"}; authenticate start may name no user
// (a passkey picks its own); a registration is "verified" once completed;
// list credentials gives credential_id and public_key (the COSE key) in
// base64; a missing registration is 404 webauthn_registration_not_found.
// The other error types are from Stytch's catalog; their statuses, marked
// unconfirmed, are inferred.

const (
	// webauthnTimeout is how long a started ceremony stays open, the timeout
	// of Stytch's example request options.
	webauthnTimeout = 5 * time.Minute
	// The origin of a page on a domain, where a ceremony has none yet.
	webauthnDefaultScheme = "https://"
)

type webauthnState struct {
	regs           map[string]*webauthnReg      // registration ID -> registration
	ceremonies     map[string]*webauthnCeremony // challenge (base64url) -> the ceremony it opened
	authenticators map[string]*Authenticator    // origin -> the /__emulator/webauthn authenticator
}

func newWebAuthnState() *webauthnState {
	return &webauthnState{regs: map[string]*webauthnReg{}, ceremonies: map[string]*webauthnCeremony{}, authenticators: map[string]*Authenticator{}}
}

// webauthnReg is what the emulator keeps of a registration beside the
// user's webauthn_registrations entry, which says whether it is verified.
type webauthnReg struct {
	id, userID, domain string
	handle             []byte               // the user.id of its creation options
	cred               *webauthn.Credential // nil until Register completes it
}

// webauthnCeremony is a started registration or authentication, found again
// by the challenge that the client data carries back.
type webauthnCeremony struct {
	create  bool
	userID  string // "" for a passkey sign-in that named no user
	regID   string // create: the pending registration
	domain  string
	session webauthn.SessionData
	expires time.Time
}

// openCeremony records a started ceremony under its challenge, dropping
// those that expired unanswered.
func (e *Emulator) openCeremony(c *webauthnCeremony) {
	s := e.consumer.webauthn
	for challenge, old := range s.ceremonies {
		if !e.now().Before(old.expires) {
			delete(s.ceremonies, challenge)
		}
	}
	c.expires = e.now().Add(webauthnTimeout)
	s.ceremonies[c.session.Challenge] = c
}

// ceremony takes the live ceremony of the kind create opened with
// challenge, if it is for whom the caller wants (mine), or returns nil. A
// challenge is verified once, whatever the outcome (unconfirmed: that
// Stytch also spends it on a failed verification); one that another user's
// request names stays open.
func (e *Emulator) ceremony(challenge string, create bool, mine func(*webauthnCeremony) bool) *webauthnCeremony {
	s := e.consumer.webauthn
	c := s.ceremonies[challenge]
	if c != nil && !e.now().Before(c.expires) {
		delete(s.ceremonies, challenge)
		return nil
	}
	if c == nil || c.create != create || !mine(c) {
		return nil
	}
	delete(s.ceremonies, challenge)
	return c
}

// webauthnUser is a user as go-webauthn sees one: the user handle of the
// creation options and the user's verified credentials on one domain.
type webauthnUser struct {
	handle              []byte
	name, displayName   string
	creds               []webauthn.Credential
	registrationsByCred map[string]string // credential ID -> registration ID
}

func (u *webauthnUser) WebAuthnID() []byte                         { return u.handle }
func (u *webauthnUser) WebAuthnName() string                       { return u.name }
func (u *webauthnUser) WebAuthnDisplayName() string                { return u.displayName }
func (u *webauthnUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// credentialsOn collects the user's verified credentials on domain.
func (e *Emulator) credentialsOn(u *consumer.User, domain string) *webauthnUser {
	out := &webauthnUser{registrationsByCred: map[string]string{}}
	for _, w := range u.WebAuthnRegistrations {
		if r := e.consumer.webauthn.regs[w.WebAuthnRegistrationID]; r != nil && r.cred != nil && w.Verified && r.domain == domain {
			out.creds = append(out.creds, *r.cred)
			out.registrationsByCred[string(r.cred.ID)] = r.id
		}
	}
	return out
}

// registrationEntry returns the user's webauthn_registrations entry id, or nil.
func registrationEntry(u *consumer.User, id string) *consumer.WebAuthnRegistration {
	for i := range u.WebAuthnRegistrations {
		if u.WebAuthnRegistrations[i].WebAuthnRegistrationID == id {
			return &u.WebAuthnRegistrations[i]
		}
	}
	return nil
}

// registrationByCredential finds the verified registration holding the
// credential ID, with its user and entry. A registration deleted from its
// user (Users.DeleteWebAuthnRegistration) or whose user is gone is none.
func (e *Emulator) registrationByCredential(id []byte) (*webauthnReg, *consumer.User, *consumer.WebAuthnRegistration) {
	for _, r := range e.consumer.webauthn.regs {
		if r.cred == nil || string(r.cred.ID) != string(id) {
			continue
		}
		if u := e.consumer.users[r.userID]; u != nil {
			if w := registrationEntry(u, r.id); w != nil && w.Verified {
				return r, u, w
			}
		}
	}
	return nil, nil, nil
}

// relyingParty is go-webauthn configured for domain, accepting origin.
// Stytch's rule for origins is unconfirmed; the emulator applies the
// browser's (a page on the domain or below it, https or localhost), so an
// origin it refuses is replaced by the domain's own and fails verification.
func relyingParty(domain, origin string) (*webauthn.WebAuthn, error) {
	if !originMatchesDomain(origin, domain) {
		origin = webauthnDefaultScheme + domain
	}
	timeouts := webauthn.TimeoutConfig{Timeout: webauthnTimeout, TimeoutUVD: webauthnTimeout}
	rp, err := webauthn.New(&webauthn.Config{
		RPID: domain, RPOrigins: []string{origin},
		// Unconfirmed: Stytch probably names the relying party after the project.
		RPDisplayName: domain,
		Timeouts:      webauthn.TimeoutsConfig{Login: timeouts, Registration: timeouts},
	})
	if err != nil {
		// A domain checkWebAuthnDomain lets by that go-webauthn refuses,
		// such as a single label other than localhost.
		return nil, errorf(400, "invalid_domain", "The domain %q is not a valid WebAuthn relying party ID: %v", domain, err)
	}
	return rp, nil
}

// webauthnDomain is a DNS name, as an RP ID must be (no scheme, port or path).
var webauthnDomain = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

func checkWebAuthnDomain(domain string) error {
	if !webauthnDomain.MatchString(domain) || strings.Trim(domain, "0123456789.") == "" {
		// Unconfirmed status; the type is in Stytch's catalog.
		return errorf(400, "invalid_domain", "The domain %q is not a valid WebAuthn relying party ID; pass a host name such as example.com.", domain)
	}
	return nil
}

// invalidCredential answers a public_key_credential that does not parse.
func invalidCredential(err error) error {
	// Unconfirmed status; the type is in Stytch's catalog.
	return errorf(400, "invalid_public_key_credential", "The public_key_credential is malformed: %s", ceremonyDetails(err))
}

// ceremonyDetails is go-webauthn's explanation of a failed ceremony.
func ceremonyDetails(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		if pe.DevInfo != "" {
			return pe.Details + " (" + pe.DevInfo + ")"
		}
		return pe.Details
	}
	return err.Error()
}

// webauthnEncoding is how the options carry binary values: base64url when
// use_base64_url_encoding is set, standard base64 otherwise (as in Stytch's
// example). The challenge is base64url either way, as in that example.
func webauthnEncoding(useBase64URL *bool) *base64.Encoding {
	if deref(useBase64URL) {
		return base64.RawURLEncoding
	}
	return base64.StdEncoding
}

func descriptorsJSON(list []protocol.CredentialDescriptor, enc *base64.Encoding) []credentialDescriptorJSON {
	out := []credentialDescriptorJSON{}
	for _, d := range list {
		out = append(out, credentialDescriptorJSON{Type: string(d.Type), ID: enc.EncodeToString(d.CredentialID)})
	}
	return out
}

// webauthnDisplayName is the default user name of the creation options:
// the user's name, else email, else phone number (Stytch's SDK reference).
func webauthnDisplayName(u *consumer.User) string {
	if n := u.Name; n != nil {
		if full := strings.Join(strings.Fields(n.FirstName+" "+n.MiddleName+" "+n.LastName), " "); full != "" {
			return full
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Email
	}
	if len(u.PhoneNumbers) > 0 {
		return u.PhoneNumbers[0].PhoneNumber
	}
	return u.UserID
}

func (e consumerAPI) WebAuthnRegisterStart(_ context.Context, p *consumer.WebAuthnRegisterStartParams) (*consumer.WebAuthnRegisterStartResponse, error) {
	u, err := e.consumer.userByIDOrExternal(p.UserID)
	if err != nil {
		return nil, err
	}
	if u.Status == "pending" {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(400, "cannot_use_webauthn_with_pending_user", "WebAuthn registrations need an active user; this user is pending.")
	}
	if err := checkWebAuthnDomain(p.Domain); err != nil {
		return nil, err
	}
	attachment := deref(p.AuthenticatorType) // the generated validation refused other values
	user := &webauthnUser{handle: []byte(u.UserID), name: webauthnDisplayName(u)}
	user.displayName = user.name
	if id := deref(p.OverrideID); id != "" {
		user.handle = []byte(id)
	}
	if len(user.handle) > 64 {
		// WebAuthn §5.4.3 bounds the user handle; unconfirmed error type.
		return nil, errorf(400, errorTypeBadRequest, "override_id must be at most 64 bytes.")
	}
	if n := deref(p.OverrideName); n != "" {
		user.name = n
	}
	if n := deref(p.OverrideDisplayName); n != "" {
		user.displayName = n
	}
	selection := protocol.AuthenticatorSelection{
		AuthenticatorAttachment: protocol.AuthenticatorAttachment(attachment), UserVerification: protocol.VerificationDiscouraged,
	}
	if deref(p.ReturnPasskeyCredentialOptions) {
		selection.ResidentKey, selection.UserVerification = protocol.ResidentKeyRequirementRequired, protocol.VerificationPreferred
		selection.RequireResidentKey = protocol.ResidentKeyRequired()
	}
	rp, err := relyingParty(p.Domain, "")
	if err != nil {
		return nil, err
	}
	creation, session, err := rp.BeginRegistration(user,
		webauthn.WithAuthenticatorSelection(selection),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		// Unconfirmed: the algorithms Stytch offers; ES256 and RS256 are what
		// WebAuthn §5.4 calls the default.
		webauthn.WithCredentialParameters([]protocol.CredentialParameter{
			{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
			{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
		}),
		webauthn.WithExclusions(webauthn.Credentials(e.credentialsOn(u, p.Domain).creds).CredentialDescriptors()),
	)
	if err != nil {
		return nil, errorf(400, errorTypeBadRequest, "The registration could not be started: %v", err)
	}

	// The registration exists, unverified, from now on (unconfirmed, though
	// the registration's verified flag and the no_pending_webauthn_registration
	// error say so); a new start on the same domain replaces a pending one
	// (unconfirmed: whether Stytch keeps every abandoned start on the user).
	s := e.consumer.webauthn
	removeWhere(&u.WebAuthnRegistrations, func(w *consumer.WebAuthnRegistration) bool {
		if !w.Verified && w.Domain == p.Domain {
			delete(s.regs, w.WebAuthnRegistrationID)
			return true
		}
		return false
	})
	reg := &webauthnReg{id: newID("webauthn-registration"), userID: u.UserID, domain: p.Domain, handle: user.handle}
	s.regs[reg.id] = reg
	// Unconfirmed: the default name of a registration; Stytch's is not documented.
	u.WebAuthnRegistrations = append(u.WebAuthnRegistrations, consumer.WebAuthnRegistration{
		WebAuthnRegistrationID: reg.id, Domain: p.Domain, UserAgent: deref(p.UserAgent), AuthenticatorType: attachment,
	})
	e.openCeremony(&webauthnCeremony{create: true, userID: u.UserID, regID: reg.id, domain: p.Domain, session: *session})
	e.emit("user", "UPDATE", u.UserID, u)

	enc := webauthnEncoding(p.UseBase64URLEncoding)
	o := creation.Response
	options, err := json.Marshal(map[string]any{
		"rp":                     o.RelyingParty,
		"user":                   map[string]any{"id": enc.EncodeToString(user.handle), "name": o.User.Name, "displayName": o.User.DisplayName},
		"challenge":              session.Challenge,
		"pubKeyCredParams":       o.Parameters,
		"timeout":                o.Timeout,
		"excludeCredentials":     descriptorsJSON(o.CredentialExcludeList, enc),
		"authenticatorSelection": o.AuthenticatorSelection,
		"attestation":            o.Attestation,
	})
	if err != nil {
		return nil, err
	}
	return &consumer.WebAuthnRegisterStartResponse{UserID: u.UserID, PublicKeyCredentialCreationOptions: string(options)}, nil
}

func (e consumerAPI) WebAuthnRegister(_ context.Context, p *consumer.WebAuthnRegisterParams) (*consumer.WebAuthnRegisterResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	u, err := e.consumer.userByIDOrExternal(p.UserID)
	if err != nil {
		return nil, err
	}
	if err := e.checkPriorSession(u, p.SessionToken, p.SessionJWT); err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(p.PublicKeyCredential))
	if err != nil {
		return nil, invalidCredential(err)
	}
	c := e.ceremony(parsed.Response.CollectedClientData.Challenge, true, func(c *webauthnCeremony) bool { return c.userID == u.UserID })
	var reg *webauthnReg
	var entry *consumer.WebAuthnRegistration
	if c != nil {
		reg, entry = e.consumer.webauthn.regs[c.regID], registrationEntry(u, c.regID)
	}
	if reg == nil || entry == nil {
		// Unconfirmed status; the type is in Stytch's catalog. Also what an
		// expired, used or other user's challenge gets.
		return nil, errorf(400, "no_pending_webauthn_registration", "There is no pending WebAuthn registration for this user and challenge; call /v1/webauthn/register/start first.")
	}
	if r, _, _ := e.registrationByCredential(parsed.RawID); r != nil {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(400, "duplicate_webauthn_registration", "This credential is already registered.")
	}
	rp, err := relyingParty(c.domain, parsed.Response.CollectedClientData.Origin)
	if err != nil {
		return nil, err
	}
	cred, err := rp.CreateCredential(&webauthnUser{handle: reg.handle}, c.session, parsed)
	if err != nil {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(400, "unable_to_register_webauthn_registration", "The WebAuthn registration could not be verified: %s", ceremonyDetails(err))
	}
	reg.cred = cred
	entry.Verified = true
	e.emit("user", "UPDATE", u.UserID, u)
	s, token, jwtStr, err := e.startOrExtendSession(u, webauthnFactor(entry), p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.WebAuthnRegisterResponse{
		UserID: u.UserID, WebAuthnRegistrationID: reg.id, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr,
	}, nil
}

// webauthnFactor is the session factor of a registration.
func webauthnFactor(w *consumer.WebAuthnRegistration) consumer.AuthenticationFactor {
	return consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeWebAuthn, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodWebAuthnRegistration,
		WebAuthnFactor: &consumer.WebAuthnFactor{WebAuthnRegistrationID: w.WebAuthnRegistrationID, Domain: w.Domain, UserAgent: w.UserAgent},
	}
}

func (e consumerAPI) WebAuthnAuthenticateStart(_ context.Context, p *consumer.WebAuthnAuthenticateStartParams) (*consumer.WebAuthnAuthenticateStartResponse, error) {
	if err := checkWebAuthnDomain(p.Domain); err != nil {
		return nil, err
	}
	rp, err := relyingParty(p.Domain, "")
	if err != nil {
		return nil, err
	}
	verification := protocol.VerificationDiscouraged
	if deref(p.ReturnPasskeyCredentialOptions) {
		verification = protocol.VerificationPreferred
	}
	var userID string
	var assertion *protocol.CredentialAssertion
	var session *webauthn.SessionData
	if id := deref(p.UserID); id != "" {
		u, err := e.consumer.userByIDOrExternal(id)
		if err != nil {
			return nil, err
		}
		user := e.credentialsOn(u, p.Domain)
		if len(user.creds) == 0 {
			// Unconfirmed status; the type is in Stytch's catalog.
			return nil, errorf(400, "no_active_webauthn_registrations", "The user has no verified WebAuthn registration on %s.", p.Domain)
		}
		user.handle = []byte(u.UserID) // a placeholder: Authenticate binds the registration's own
		userID = u.UserID
		assertion, session, err = rp.BeginLogin(user, webauthn.WithUserVerification(verification))
		if err != nil {
			return nil, errorf(400, errorTypeBadRequest, "The authentication could not be started: %v", err)
		}
	} else if assertion, session, err = rp.BeginDiscoverableLogin(webauthn.WithUserVerification(verification)); err != nil {
		return nil, errorf(400, errorTypeBadRequest, "The authentication could not be started: %v", err)
	}
	e.openCeremony(&webauthnCeremony{userID: userID, domain: p.Domain, session: *session})
	o := assertion.Response
	options, err := json.Marshal(map[string]any{
		"allowCredentials": descriptorsJSON(o.AllowedCredentials, webauthnEncoding(p.UseBase64URLEncoding)),
		"challenge":        session.Challenge,
		"rpId":             o.RelyingPartyID,
		"timeout":          o.Timeout,
		"userVerification": o.UserVerification,
	})
	if err != nil {
		return nil, err
	}
	return &consumer.WebAuthnAuthenticateStartResponse{UserID: userID, PublicKeyCredentialRequestOptions: string(options)}, nil
}

func (e consumerAPI) WebAuthnAuthenticate(_ context.Context, p *consumer.WebAuthnAuthenticateParams) (*consumer.WebAuthnAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(p.PublicKeyCredential))
	if err != nil {
		return nil, invalidCredential(err)
	}
	reg, u, entry := e.registrationByCredential(parsed.RawID)
	if reg == nil {
		return nil, errorf(404, "webauthn_registration_not_found", "WebAuthn registration could not be found.")
	}
	if err := e.checkPriorSession(u, p.SessionToken, p.SessionJWT); err != nil {
		return nil, err
	}
	// Unconfirmed status for every failure below: 401, as for the other
	// unable_to_auth types; the type is in Stytch's catalog.
	c := e.ceremony(parsed.Response.CollectedClientData.Challenge, false, func(c *webauthnCeremony) bool {
		return c.domain == reg.domain && (c.userID == "" || c.userID == u.UserID)
	})
	if c == nil {
		return nil, errorf(401, "unable_to_auth_webauthn_registration", "The challenge was not issued by /v1/webauthn/authenticate/start for this registration, has expired, or was used.")
	}
	rp, err := relyingParty(c.domain, parsed.Response.CollectedClientData.Origin)
	if err != nil {
		return nil, err
	}
	user := e.credentialsOn(u, reg.domain)
	user.handle = reg.handle
	var cred *webauthn.Credential
	if c.userID != "" {
		// The start named the user, not a registration: bind the ceremony to
		// the user handle this registration was made with.
		session := c.session
		session.UserID = reg.handle
		cred, err = rp.ValidateLogin(user, session, parsed)
	} else {
		_, cred, err = rp.ValidatePasskeyLogin(func(_, _ []byte) (webauthn.User, error) { return user, nil }, c.session, parsed)
	}
	if err != nil {
		return nil, errorf(401, "unable_to_auth_webauthn_registration", "The WebAuthn assertion could not be verified: %s", ceremonyDetails(err))
	}
	if cred.Authenticator.CloneWarning {
		// WebAuthn §7.2 step 21: a counter that did not advance suggests a cloned authenticator.
		return nil, errorf(401, "unable_to_auth_webauthn_registration", "The authenticator's signature counter did not advance; the credential may have been cloned.")
	}
	reg.cred = cred
	s, token, jwtStr, err := e.startOrExtendSession(u, webauthnFactor(entry), p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.WebAuthnAuthenticateResponse{
		UserID: u.UserID, WebAuthnRegistrationID: reg.id, User: *u, Session: s, SessionToken: token, SessionJWT: jwtStr,
	}, nil
}

func (e consumerAPI) WebAuthnUpdate(_ context.Context, p *consumer.WebAuthnUpdateParams) (*consumer.WebAuthnUpdateResponse, error) {
	if strings.TrimSpace(p.Name) == "" {
		// Unconfirmed status; the type is in Stytch's catalog.
		return nil, errorf(400, "empty_webauthn_registration_name", "The registration's name may not be empty.")
	}
	var entry *consumer.WebAuthnRegistration
	u := e.consumer.factorOwner(func(u *consumer.User) bool {
		entry = registrationEntry(u, p.WebAuthnRegistrationID)
		return entry != nil
	})
	if u == nil {
		return nil, errorf(404, "webauthn_registration_not_found", "WebAuthn registration could not be found.")
	}
	entry.Name = p.Name
	e.emit("user", "UPDATE", u.UserID, u)
	updated := *entry
	return &consumer.WebAuthnUpdateResponse{WebAuthnRegistration: &updated}, nil
}

func (e consumerAPI) WebAuthnListCredentials(_ context.Context, p *consumer.WebAuthnListCredentialsParams) (*consumer.WebAuthnListCredentialsResponse, error) {
	u, err := e.consumer.userByIDOrExternal(p.UserID)
	if err != nil {
		return nil, err
	}
	user := e.credentialsOn(u, p.Domain)
	if len(user.creds) == 0 {
		// Unconfirmed: the error example of Stytch's page for this endpoint
		// suggests a user with no credentials on the domain gets it.
		return nil, errorf(404, "webauthn_registration_not_found", "WebAuthn registration could not be found.")
	}
	out := make([]consumer.WebAuthnCredential, 0, len(user.creds))
	for _, c := range user.creds {
		out = append(out, consumer.WebAuthnCredential{
			CredentialID: base64.StdEncoding.EncodeToString(c.ID), WebAuthnRegistrationID: user.registrationsByCred[string(c.ID)],
			Type: string(protocol.PublicKeyCredentialType), PublicKey: base64.StdEncoding.EncodeToString(c.PublicKey),
		})
	}
	return &consumer.WebAuthnListCredentialsResponse{Credentials: out}, nil
}

// WebAuthnAuthenticator returns the emulator's virtual authenticator for
// origin, made on first use: the one that /__emulator/webauthn/create and
// /__emulator/webauthn/get use, so that Go code and other languages can
// share its credentials. Tests in Go can as well hold their own with
// NewAuthenticator.
func (e *Emulator) WebAuthnAuthenticator(origin string) *Authenticator {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.consumer.webauthn
	a := s.authenticators[origin]
	if a == nil {
		a = NewAuthenticator(origin)
		s.authenticators[origin] = a
	}
	return a
}

// webauthnHooks mirror the emulator's authenticators:
//
//	POST /__emulator/webauthn/create {"origin": "https://example.com",
//	  "public_key_credential_creation_options": "<from register start>"}
//	POST /__emulator/webauthn/get {"origin": "https://example.com",
//	  "public_key_credential_request_options": "<from authenticate start>"}
//	-> {"public_key_credential": "<for register or authenticate>"}
//
// Options the authenticator refuses answer 400 bad_request; a get for which
// it holds no credential answers 404 credential_not_found.
func (e *Emulator) webauthnHooks() []testHook {
	hook := func(create bool) func(*http.Request, func(any) error) (any, error) {
		return func(_ *http.Request, decode func(any) error) (any, error) {
			var body struct {
				Origin          string `json:"origin"`
				CreationOptions string `json:"public_key_credential_creation_options"`
				RequestOptions  string `json:"public_key_credential_request_options"`
			}
			if err := decode(&body); err != nil || body.Origin == "" {
				return nil, errors.New("send a JSON object with origin and the options")
			}
			a := e.WebAuthnAuthenticator(body.Origin)
			var credential string
			var err error
			if create {
				credential, err = a.Create(body.CreationOptions)
			} else {
				credential, err = a.Get(body.RequestOptions)
			}
			switch {
			case errors.Is(err, ErrNoCredential):
				return nil, errorf(404, "credential_not_found", "%v", err)
			case err != nil:
				return nil, err
			}
			return map[string]string{"public_key_credential": credential}, nil
		}
	}
	return []testHook{
		{method: http.MethodPost, path: "/__emulator/webauthn/create", serve: hook(true)},
		{method: http.MethodPost, path: "/__emulator/webauthn/get", serve: hook(false)},
	}
}
