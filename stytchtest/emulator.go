// Package stytchtest is an in-memory Stytch: an HTTP server that speaks the
// same API as Stytch, so that code calling Stytch can be tested with no
// network and no account.
//
//	srv := stytchtest.NewServer()
//	defer srv.Close()
//	client := srv.ConsumerClient()
//	_, _ = client.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
//	msg, _ := srv.LastMessage("ada@example.com") // the email Stytch would have sent, with its token
//
// Every endpoint of the SDK's spec answers, with state, as Stytch's API
// reference describes it: users, magic links, OTPs, passwords, TOTPs,
// WebAuthn, OAuth, crypto wallets and sessions; B2B organizations, members,
// discovery, SSO (SAML, OIDC, external), SCIM and member sessions; M2M,
// Connected Apps and the IDP, fraud, debug and project. Requests are
// validated against the spec by code generated from it. An operation that
// a newer spec adds answers 501 not_implemented, naming itself, until the
// emulator implements it; unknown routes answer 404 route_not_found.
//
// What a browser, an identity provider, a phone or Stytch's dashboard would
// do, a test asks of the emulator through its hooks: LastMessage,
// TOTPCode, NewAuthenticator, OAuthCallback, SAMLSignIn, OIDCSignIn,
// IssueAccessToken, ImpersonateUser and the others, each mirrored under
// /__emulator/ for programs in other languages.
package stytchtest

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// Default credentials of an emulator, in Stytch's formats.
const (
	DefaultProjectID = "project-test-00000000-0000-4000-8000-00000000e31a"
	DefaultSecret    = "secret-test-emulator-emulator-emulator-emu0="
)

// errorTypeBadRequest answers a request the spec rejects (malformed JSON,
// a missing required field, a wrong type). Unconfirmed: the real API uses
// field-specific error types for some of these; one generic type is the
// most useful stand-in.
const errorTypeBadRequest = "bad_request"

// Option configures an emulator.
type Option func(*config)

type config struct {
	projectID, secret string
	clock             func() time.Time
}

// WithClock makes the emulator read the time from now, so that tests can
// move past expiries without sleeping.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithCredentials sets the project ID and secret the emulator accepts.
func WithCredentials(projectID, secret string) Option {
	return func(c *config) { c.projectID, c.secret = projectID, secret }
}

// Emulator is the in-memory Stytch as an http.Handler. Most tests want
// NewServer, which serves it on a loopback port.
type Emulator struct {
	projectID, secret string

	now    func() time.Time
	auth   string
	keys   *keySet
	onMsg  func(Message)
	router *router

	mu       sync.Mutex
	messages map[string][]Message
	consumer *consumerState
	b2b      *b2bState
	m2m      *m2mState
	fraud    *fraudState         // fraud.go
	idp      *idpState           // Connected App tokens and OAuth logins; see idp.go
	apps     *connectedAppsState // Connected Apps and their grants; see connected_apps.go
	extra    *extraState         // wallet challenges, impersonation and attach tokens, trusted token profiles; see sessions_extra.go
	sso      *ssoState           // SSO connections and logins; see sso.go

	consumerPolicy consumer.Policy
	b2bPolicy      b2b.Policy
	b2bOrgPolicies map[string]b2b.OrgPolicy // organization ID -> custom roles

	hooks     webhookHub // webhooks.go
	testHooks hookTable  // hooks.go
}

// NewEmulator returns an emulator with empty state.
func NewEmulator(opts ...Option) *Emulator {
	cfg := config{projectID: DefaultProjectID, secret: DefaultSecret, clock: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	e := &Emulator{
		projectID: cfg.projectID,
		secret:    cfg.secret,
		now:       func() time.Time { return cfg.clock().UTC() },
		auth:      "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.projectID+":"+cfg.secret)),
		messages:  map[string][]Message{},
		consumer:  newConsumerState(),
		b2b:       newB2BState(),
		m2m:       newM2MState(),
		fraud:     newFraudState(),

		consumerPolicy: DefaultRBACPolicy(),
		b2bPolicy:      DefaultB2BRBACPolicy(),
		b2bOrgPolicies: map[string]b2b.OrgPolicy{},
	}
	e.keys = newKeySet(e.now)
	e.router = newRouter(consumerRoutes(consumerAPI{e}), b2bRoutes(b2bAPI{e}))
	e.testHooks = newHookTable(e.messageHooks(), e.totpHooks(), e.webauthnHooks(), e.idpHooks(), e.ssoHooks(),
		e.sessionHooks(), e.fraudHooks(), e.webhookHooks())
	return e
}

// ProjectID is the project ID the emulator accepts (WithCredentials).
func (e *Emulator) ProjectID() string { return e.projectID }

// Secret is the secret the emulator accepts (WithCredentials).
func (e *Emulator) Secret() string { return e.secret }

// OnMessage registers f to be called with every message the emulator
// "sends", replacing any earlier f; nil removes it. It may be called while
// the emulator serves. f runs with the emulator locked: it must not call
// the emulator. The standalone emulator logs messages this way.
func (e *Emulator) OnMessage(f func(Message)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onMsg = f
}

// Message is what Stytch would have emailed or texted.
type Message struct {
	To     string      `json:"to"`
	Kind   MessageKind `json:"kind"`
	Token  string      `json:"token,omitempty"`
	Code   string      `json:"code,omitempty"`
	URL    string      `json:"url,omitempty"`
	SentAt time.Time   `json:"sent_at"`
}

// MessageKind says which flow sent a Message, and so whether it carries a
// Token and URL (the magic links) or a Code (the one-time passcodes).
type MessageKind string

// The kinds of message the emulator sends.
const (
	// MessageMagicLinkLogin is a consumer login magic link (Token, URL).
	MessageMagicLinkLogin MessageKind = "magic_link_login"
	// MessageMagicLinkSignup is a consumer sign-up magic link, sent to an
	// address no user had yet (Token, URL).
	MessageMagicLinkSignup MessageKind = "magic_link_signup"
	// MessageMagicLinkInvite is a consumer invitation (Token, URL).
	MessageMagicLinkInvite MessageKind = "magic_link_invite"
	// MessageOTPSMS, MessageOTPWhatsApp and MessageOTPEmail carry a consumer
	// one-time passcode (Code).
	MessageOTPSMS      MessageKind = "otp_sms"
	MessageOTPWhatsApp MessageKind = "otp_whatsapp"
	MessageOTPEmail    MessageKind = "otp_email"
	// MessagePasswordReset is a consumer password reset link, from
	// Passwords.Email.ResetStart (Token, URL).
	MessagePasswordReset MessageKind = "password_reset"
	// MessageB2BMagicLinkLogin is a B2B login magic link to an
	// organization (Token, URL).
	MessageB2BMagicLinkLogin MessageKind = "b2b_magic_link_login"
	// MessageB2BMagicLinkSignup is a B2B sign-up magic link, which makes its
	// recipient a member of the organization (Token, URL).
	MessageB2BMagicLinkSignup MessageKind = "b2b_magic_link_signup"
	// MessageB2BInvite is a B2B invitation to an organization (Token, URL).
	MessageB2BInvite MessageKind = "b2b_invite"
	// MessageB2BDiscovery is a B2B discovery magic link, which names no
	// organization (Token, URL).
	MessageB2BDiscovery MessageKind = "b2b_discovery"
	// MessageB2BOTPSMS is a B2B MFA passcode texted to a member's
	// mfa_phone_number (Code).
	MessageB2BOTPSMS MessageKind = "b2b_otp_sms"
	// MessageB2BOTPEmail is a B2B email passcode for logging in to, or
	// signing up for, one organization (Code).
	MessageB2BOTPEmail MessageKind = "b2b_otp_email"
	// MessageB2BOTPEmailDiscovery is a B2B discovery email passcode, which
	// names no organization (Code).
	MessageB2BOTPEmailDiscovery MessageKind = "b2b_otp_email_discovery"
	// MessageB2BEmailUpdate is a B2B magic link to a member's new email
	// address, from Organizations.Members.StartEmailUpdate; authenticating
	// it makes the address the member's (Token, URL).
	MessageB2BEmailUpdate MessageKind = "b2b_email_update"
	// MessageB2BPasswordReset is a B2B password reset link to a member of
	// one organization, from Passwords.Email.ResetStart (Token, URL).
	MessageB2BPasswordReset MessageKind = "b2b_password_reset"
	// MessageB2BPasswordDiscoveryReset is a B2B password reset link that
	// names no organization, from Passwords.Discovery.Email.ResetStart
	// (Token, URL).
	MessageB2BPasswordDiscoveryReset MessageKind = "b2b_password_discovery_reset"
)

// Messages returns every message sent to an address, oldest first.
func (e *Emulator) Messages(to string) []Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Message(nil), e.messages[strings.ToLower(to)]...)
}

// LastMessage returns the newest message sent to an address.
func (e *Emulator) LastMessage(to string) (Message, bool) {
	msgs := e.Messages(to)
	if len(msgs) == 0 {
		return Message{}, false
	}
	return msgs[len(msgs)-1], true
}

// send records a message; e.mu is held.
func (e *Emulator) send(m Message) {
	m.SentAt = e.now()
	key := strings.ToLower(m.To)
	e.messages[key] = append(e.messages[key], m)
	if e.onMsg != nil {
		e.onMsg(m)
	}
}

// RotateKeys makes a new signing key current. Both keys stay in the JWKS,
// as Stytch serves the old key for a while after a rotation.
func (e *Emulator) RotateKeys() { e.keys.rotate() }

// apiError is an error answered in Stytch's error shape.
type apiError struct {
	status  int
	typ     string
	message string
	oauth2  bool // answered in the OAuth 2.0 error shape
}

func (e *apiError) Error() string { return e.typ + ": " + e.message }

func errorf(status int, typ, format string, args ...any) *apiError {
	return &apiError{status: status, typ: typ, message: fmt.Sprintf(format, args...)}
}

// maxRequestBytes bounds a request body; Stytch's largest are far smaller.
const maxRequestBytes = 1 << 20

func (e *Emulator) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	reqID := "request-id-test-" + newUUID()
	fail := func(err *apiError) { writeError(w, reqID, err) }

	hr = e.projectDomainRoute(hr) // see idp.go
	// The test hooks (hooks.go), then what identity providers call: the
	// token endpoint's Connected App grants, the SSO callbacks and the SCIM
	// service.
	if e.serveTestHook(w, hr, fail) || e.serveTokenGrant(w, hr, fail) || e.serveSSOCallbackRoute(w, hr, fail) || e.serveSCIM(w, hr) {
		return
	}
	rt, path, methodNotAllowed := e.router.find(hr.Method, hr.URL.EscapedPath())
	if rt == nil {
		if methodNotAllowed {
			fail(errorf(405, "method_not_allowed", "The method %s is not allowed on %s.", hr.Method, hr.URL.Path))
			return
		}
		fail(errorf(404, "route_not_found", "There is no endpoint at %s %s.", hr.Method, hr.URL.Path))
		return
	}
	if !rt.public && !e.authorized(hr) {
		fail(errUnauthorized)
		return
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxRequestBytes+1))
	if err != nil || len(body) > maxRequestBytes {
		fail(errorf(400, errorTypeBadRequest, "The request body could not be read or is larger than %d bytes.", maxRequestBytes))
		return
	}
	c := &call{e: e, route: rt, http: hr, reqID: reqID, path: path, body: body}
	// An endpoint the emulator does not implement says so whatever the
	// request holds, so that a test never mistakes it for a validation
	// error; but a member session is authorized first, as Stytch would,
	// so that a test of who may call it already holds.
	if !rt.implemented {
		if rt.memberSession {
			e.mu.Lock()
			err := e.authorizeMemberHeaders(c)
			e.mu.Unlock()
			if err != nil {
				fail(err.(*apiError))
				return
			}
		}
		fail(notImplemented(rt.op, hr.Method, rt.pattern).(*apiError))
		return
	}
	if err := c.validate(); err != nil {
		fail(err.(*apiError))
		return
	}
	resp, err := func() (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = errorf(500, "internal_server_error", "The emulator failed on %s: %v", rt.op, p)
			}
		}()
		return rt.serve(hr.Context(), c)
	}()
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = errorf(500, "internal_server_error", "%v", err)
		}
		fail(ae)
		return
	}
	writeJSON(w, c.statusCode(), resp)
}

var errUnauthorized = &apiError{status: 401, typ: "unauthorized_credentials", message: "Unauthorized credentials."}

// authorized compares the credentials in constant time: the header holds
// the project's secret.
func (e *Emulator) authorized(r *http.Request) bool {
	return subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(e.auth)) == 1
}

// withEnvelope encodes a response and sets the request_id and status_code
// that every response carries. The result shares nothing with v.
func withEnvelope(v any, reqID string, status int) (json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	m["request_id"], _ = json.Marshal(reqID)
	m["status_code"] = json.RawMessage(strconv.Itoa(status))
	return json.Marshal(m)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	if e.oauth2 {
		// RFC 6749's shape. That Stytch adds its request_id here is
		// unconfirmed; the emulator does, so that errors stay traceable.
		writeJSON(w, e.status, map[string]any{
			"error": e.typ, "error_description": e.message, "request_id": reqID,
			"error_uri": "https://stytch.com/docs/api/errors/" + strconv.Itoa(e.status) + "#" + e.typ,
		})
		return
	}
	writeJSON(w, e.status, map[string]any{
		"status_code":   e.status,
		"request_id":    reqID,
		"error_type":    e.typ,
		"error_message": e.message,
		"error_url":     fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", e.status, e.typ),
	})
}
