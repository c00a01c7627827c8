package stytchtest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

const passkeyDomain = "example.com"

// assertion runs authenticate start (for userID, or a passkey sign-in when
// it is "") and the authenticator, and returns the assertion to pass to
// Authenticate.
func assertion(t *testing.T, c *consumer.Client, passkey *Authenticator, userID string) string {
	t.Helper()
	p := &consumer.WebAuthnAuthenticateStartParams{Domain: passkeyDomain}
	if userID != "" {
		p.UserID = &userID
	}
	started, err := c.WebAuthn.AuthenticateStart(ctx, p)
	require.NoError(t, err)
	require.Equal(t, userID, started.UserID)
	credential, err := passkey.Get(started.PublicKeyCredentialRequestOptions)
	require.NoError(t, err)
	return credential
}

// jsonObject decodes a JSON object.
func jsonObject(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	return m
}

// editResponse changes one base64url field of a credential's response with edit.
func editResponse(t *testing.T, credential, field string, edit func([]byte) []byte) string {
	t.Helper()
	m := jsonObject(t, credential)
	resp := m["response"].(map[string]any)
	raw, err := base64.RawURLEncoding.DecodeString(resp[field].(string))
	require.NoError(t, err)
	resp[field] = base64.RawURLEncoding.EncodeToString(edit(raw))
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}

// signCount reads the counter from an assertion's authenticator data.
func signCount(t *testing.T, credential string) uint32 {
	t.Helper()
	resp := jsonObject(t, credential)["response"].(map[string]any)
	authData, err := base64.RawURLEncoding.DecodeString(resp["authenticatorData"].(string))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(authData), 37)
	return binary.BigEndian.Uint32(authData[33:37])
}

// The whole passkey flow through the SDK: register (with a session), list,
// rename, sign in with and without a user ID, the ways a ceremony fails,
// and deletion.
func TestWebAuthnFlow(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	user, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("passkey@example.com")})
	require.NoError(t, err)
	userID := user.UserID
	passkey := NewAuthenticator("https://example.com")

	// Register start answers Stytch's options and leaves a pending registration on the user.
	started, err := c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{
		UserID: userID, Domain: passkeyDomain, UserAgent: stytch.Ptr("Mozilla/5.0 (test)"),
		AuthenticatorType: stytch.Ptr(consumer.WebAuthnAuthenticatorTypePlatform),
	})
	require.NoError(t, err)
	require.Equal(t, userID, started.UserID)
	opts := jsonObject(t, started.PublicKeyCredentialCreationOptions)
	require.Equal(t, map[string]any{"id": passkeyDomain, "name": passkeyDomain}, opts["rp"])
	require.Equal(t, map[string]any{
		"id": base64.StdEncoding.EncodeToString([]byte(userID)), "name": "passkey@example.com", "displayName": "passkey@example.com",
	}, opts["user"])
	require.Regexp(t, `^[A-Za-z0-9_-]{43,}$`, opts["challenge"])
	require.Equal(t, "none", opts["attestation"])
	require.EqualValues(t, 300000, opts["timeout"])
	require.Equal(t, map[string]any{"authenticatorAttachment": "platform", "userVerification": "discouraged"}, opts["authenticatorSelection"])
	require.Equal(t, []any{map[string]any{"type": "public-key", "alg": float64(-7)}, map[string]any{"type": "public-key", "alg": float64(-257)}}, opts["pubKeyCredParams"])
	got, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: userID})
	require.NoError(t, err)
	require.Len(t, got.WebAuthnRegistrations, 1)
	pending := got.WebAuthnRegistrations[0]
	require.True(t, strings.HasPrefix(pending.WebAuthnRegistrationID, "webauthn-registration-test-"), pending.WebAuthnRegistrationID)
	require.Equal(t, consumer.WebAuthnRegistration{
		WebAuthnRegistrationID: pending.WebAuthnRegistrationID, Domain: passkeyDomain, UserAgent: "Mozilla/5.0 (test)",
		AuthenticatorType: consumer.WebAuthnAuthenticatorTypePlatform,
	}, pending)

	credential, err := passkey.Create(started.PublicKeyCredentialCreationOptions)
	require.NoError(t, err)

	// Another user cannot complete it; a page on another origin cannot either.
	other, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("other@example.com")})
	require.NoError(t, err)
	_, err = c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: other.UserID, PublicKeyCredential: credential})
	requireAPIError(t, err, 400, "no_pending_webauthn_registration")
	_, err = c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: userID, PublicKeyCredential: `{"id":"x"}`})
	requireAPIError(t, err, 400, "invalid_public_key_credential")

	// Nor can it join another user's session, which changes nothing either.
	intruder := signIn(t, srv, c, "intruder@example.com", nil)
	_, err = c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: userID, PublicKeyCredential: credential, SessionToken: &intruder.SessionToken})
	requireAPIError(t, err, 400, "session_user_mismatch")
	got, err = c.Users.Get(ctx, &consumer.UsersGetParams{UserID: userID})
	require.NoError(t, err)
	require.False(t, got.WebAuthnRegistrations[0].Verified)

	// The registers above spent nothing: the challenge is still open for its user.
	reg, err := c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: userID, PublicKeyCredential: credential, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	require.Equal(t, pending.WebAuthnRegistrationID, reg.WebAuthnRegistrationID)
	require.Equal(t, userID, reg.UserID)
	pending.Verified = true
	require.Equal(t, []consumer.WebAuthnRegistration{pending}, reg.User.WebAuthnRegistrations)
	require.NotNil(t, reg.Session)
	require.NotEmpty(t, reg.SessionToken)
	require.NotEmpty(t, reg.SessionJWT)
	require.Len(t, reg.Session.AuthenticationFactors, 1)
	f := reg.Session.AuthenticationFactors[0]
	require.Equal(t, consumer.AuthenticationFactorTypeWebAuthn, f.Type)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodWebAuthnRegistration, f.DeliveryMethod)
	require.Equal(t, &consumer.WebAuthnFactor{WebAuthnRegistrationID: reg.WebAuthnRegistrationID, Domain: passkeyDomain, UserAgent: "Mozilla/5.0 (test)"}, f.WebAuthnFactor)
	s, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &reg.SessionToken})
	require.NoError(t, err)
	require.Equal(t, userID, s.Session.UserID)

	// Its challenge answered once.
	_, err = c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: userID, PublicKeyCredential: credential})
	requireAPIError(t, err, 400, "no_pending_webauthn_registration")

	// The credential, listed as Stytch does: base64 ID and COSE public key.
	list, err := c.WebAuthn.ListCredentials(ctx, &consumer.WebAuthnListCredentialsParams{UserID: userID, Domain: passkeyDomain})
	require.NoError(t, err)
	require.Len(t, list.Credentials, 1)
	cred := list.Credentials[0]
	require.Equal(t, reg.WebAuthnRegistrationID, cred.WebAuthnRegistrationID)
	require.Equal(t, "public-key", cred.Type)
	rawID, err := base64.RawURLEncoding.DecodeString(jsonObject(t, credential)["rawId"].(string))
	require.NoError(t, err)
	require.Equal(t, base64.StdEncoding.EncodeToString(rawID), cred.CredentialID)
	coseKey, err := base64.StdEncoding.DecodeString(cred.PublicKey)
	require.NoError(t, err)
	require.Equal(t, []byte{0xa5, 0x01, 0x02, 0x03, 0x26}, coseKey[:5], "a COSE EC2 key for ES256")
	_, err = c.WebAuthn.ListCredentials(ctx, &consumer.WebAuthnListCredentialsParams{UserID: userID, Domain: "other.example"})
	requireAPIError(t, err, 404, "webauthn_registration_not_found")

	// Rename.
	updated, err := c.WebAuthn.Update(ctx, &consumer.WebAuthnUpdateParams{WebAuthnRegistrationID: reg.WebAuthnRegistrationID, Name: "Work laptop"})
	require.NoError(t, err)
	require.Equal(t, "Work laptop", updated.WebAuthnRegistration.Name)
	require.Equal(t, reg.WebAuthnRegistrationID, updated.WebAuthnRegistration.WebAuthnRegistrationID)
	got, err = c.Users.Get(ctx, &consumer.UsersGetParams{UserID: userID})
	require.NoError(t, err)
	require.Equal(t, "Work laptop", got.WebAuthnRegistrations[0].Name)
	_, err = c.WebAuthn.Update(ctx, &consumer.WebAuthnUpdateParams{WebAuthnRegistrationID: reg.WebAuthnRegistrationID, Name: "  "})
	requireAPIError(t, err, 400, "empty_webauthn_registration_name")
	_, err = c.WebAuthn.Update(ctx, &consumer.WebAuthnUpdateParams{WebAuthnRegistrationID: "webauthn-registration-test-00000000-0000-4000-8000-000000000000", Name: "x"})
	requireAPIError(t, err, 404, "webauthn_registration_not_found")

	// Sign in naming the user: a new session, and the counter advances.
	first := assertion(t, c, passkey, userID)
	require.Equal(t, uint32(1), signCount(t, first))
	auth, err := c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: first, SessionDurationMinutes: stytch.Ptr(30)})
	require.NoError(t, err)
	require.Equal(t, userID, auth.UserID)
	require.Equal(t, reg.WebAuthnRegistrationID, auth.WebAuthnRegistrationID)
	require.NotNil(t, auth.Session)
	require.NotEqual(t, reg.Session.SessionID, auth.Session.SessionID)
	require.Equal(t, webauthnFactorOf(auth.Session), f.WebAuthnFactor)

	// A replayed assertion fails: its challenge was spent.
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: first})
	requireAPIError(t, err, 401, "unable_to_auth_webauthn_registration")

	// A tampered signature fails, and spends its challenge.
	tampered := editResponse(t, assertion(t, c, passkey, userID), "signature", func(b []byte) []byte {
		b[len(b)-1] ^= 0xff
		return b
	})
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: tampered})
	requireAPIError(t, err, 401, "unable_to_auth_webauthn_registration")

	// A challenge the emulator never issued fails.
	startedAuth, err := c.WebAuthn.AuthenticateStart(ctx, &consumer.WebAuthnAuthenticateStartParams{Domain: passkeyDomain, UserID: &userID})
	require.NoError(t, err)
	reqOpts := jsonObject(t, startedAuth.PublicKeyCredentialRequestOptions)
	require.Equal(t, passkeyDomain, reqOpts["rpId"])
	require.Equal(t, "discouraged", reqOpts["userVerification"])
	require.Equal(t, []any{map[string]any{"type": "public-key", "id": cred.CredentialID}}, reqOpts["allowCredentials"])
	reqOpts["challenge"] = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	forged, err := json.Marshal(reqOpts)
	require.NoError(t, err)
	wrongChallenge, err := passkey.Get(string(forged))
	require.NoError(t, err)
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: wrongChallenge})
	requireAPIError(t, err, 401, "unable_to_auth_webauthn_registration")

	// An assertion whose counter is behind the last one seen is refused as a
	// possible clone, though its challenge is open and its signature good.
	older := assertion(t, c, passkey, userID)
	newer := assertion(t, c, passkey, userID)
	require.Greater(t, signCount(t, newer), signCount(t, older))
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: newer})
	require.NoError(t, err)
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: older})
	requireAPIError(t, err, 401, "unable_to_auth_webauthn_registration")

	// A passkey sign-in names no user; the credential finds it. Given a
	// session, the factor joins it.
	discoverable := assertion(t, c, passkey, "")
	require.NotEmpty(t, jsonObject(t, discoverable)["response"].(map[string]any)["userHandle"])
	extended, err := c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: discoverable, SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	require.Equal(t, userID, extended.UserID)
	require.Equal(t, auth.Session.SessionID, extended.Session.SessionID)
	require.Len(t, extended.Session.AuthenticationFactors, 2)

	// An expired challenge fails.
	late := assertion(t, c, passkey, userID)
	clock.Add(6 * time.Minute)
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: late})
	requireAPIError(t, err, 401, "unable_to_auth_webauthn_registration")

	// A credential the project never registered is unknown.
	stranger := NewAuthenticator("https://example.com")
	otherStart, err := c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: other.UserID, Domain: passkeyDomain})
	require.NoError(t, err)
	_, err = stranger.Create(otherStart.PublicKeyCredentialCreationOptions)
	require.NoError(t, err)
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: assertion(t, c, stranger, "")})
	requireAPIError(t, err, 404, "webauthn_registration_not_found")

	// Bad starts.
	_, err = c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: "user-test-00000000-0000-4000-8000-000000000000", Domain: passkeyDomain})
	requireAPIError(t, err, 404, "user_not_found")
	_, err = c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: userID, Domain: "https://example.com"})
	requireAPIError(t, err, 400, "invalid_domain")
	_, err = c.WebAuthn.AuthenticateStart(ctx, &consumer.WebAuthnAuthenticateStartParams{Domain: passkeyDomain, UserID: &other.UserID})
	requireAPIError(t, err, 400, "no_active_webauthn_registrations")
	pendingUser, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("pending@example.com"), CreateUserAsPending: stytch.Ptr(true)})
	require.NoError(t, err)
	_, err = c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: pendingUser.UserID, Domain: passkeyDomain})
	requireAPIError(t, err, 400, "cannot_use_webauthn_with_pending_user")
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: assertion(t, c, passkey, userID), SessionDurationMinutes: stytch.Ptr(1)})
	requireAPIError(t, err, 400, "invalid_session_duration_minutes")

	// Deleting the registration ends its sign-ins.
	pendingAfterDelete := assertion(t, c, passkey, "")
	deleted, err := c.Users.DeleteWebAuthnRegistration(ctx, &consumer.UsersDeleteWebAuthnRegistrationParams{WebAuthnRegistrationID: reg.WebAuthnRegistrationID})
	require.NoError(t, err)
	require.Empty(t, deleted.User.WebAuthnRegistrations)
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: pendingAfterDelete})
	requireAPIError(t, err, 404, "webauthn_registration_not_found")
	_, err = c.WebAuthn.ListCredentials(ctx, &consumer.WebAuthnListCredentialsParams{UserID: userID, Domain: passkeyDomain})
	requireAPIError(t, err, 404, "webauthn_registration_not_found")
	_, err = c.WebAuthn.AuthenticateStart(ctx, &consumer.WebAuthnAuthenticateStartParams{Domain: passkeyDomain, UserID: &userID})
	requireAPIError(t, err, 400, "no_active_webauthn_registrations")
}

func webauthnFactorOf(s *consumer.Session) *consumer.WebAuthnFactor {
	return s.AuthenticationFactors[len(s.AuthenticationFactors)-1].WebAuthnFactor
}

// Register checks the attestation: a client data origin off the domain, or
// a registration for another RP ID, fails.
func TestWebAuthnRegisterVerifiesAttestation(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	user, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("attest@example.com")})
	require.NoError(t, err)
	passkey := NewAuthenticator("https://example.com")
	for name, edit := range map[string]func(t *testing.T, credential string) string{
		"origin": func(t *testing.T, credential string) string {
			return editResponse(t, credential, "clientDataJSON", func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"https://example.com"`), []byte(`"https://evil.example"`), 1)
			})
		},
		"rp id hash": func(t *testing.T, credential string) string {
			return editResponse(t, credential, "attestationObject", func(b []byte) []byte {
				// authData is the CBOR byte string after "authData"; its first byte is the RP ID hash's.
				i := bytes.Index(b, []byte("authData")) + len("authData") + 2
				b[i] ^= 0xff
				return b
			})
		},
	} {
		started, err := c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: user.UserID, Domain: passkeyDomain})
		require.NoError(t, err)
		credential, err := passkey.Create(started.PublicKeyCredentialCreationOptions)
		require.NoError(t, err)
		_, err = c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: user.UserID, PublicKeyCredential: edit(t, credential)})
		require.Error(t, err, name)
		requireAPIError(t, err, 400, "unable_to_register_webauthn_registration")
	}
	got, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: user.UserID})
	require.NoError(t, err)
	require.Len(t, got.WebAuthnRegistrations, 1, "a new start replaces the pending registration")
	require.False(t, got.WebAuthnRegistrations[0].Verified)
}

// The passkey and encoding options, override_id as the user handle, and an
// external ID in place of the user ID.
func TestWebAuthnPasskeyOptions(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	user, err := c.Users.Create(ctx, &consumer.UsersCreateParams{
		Email: stytch.Ptr("ada@example.com"), Name: &consumer.Name{FirstName: "Ada", LastName: "Lovelace"}, ExternalID: stytch.Ptr("ext-ada"),
	})
	require.NoError(t, err)
	passkey := NewAuthenticator("https://login.example.com") // a page below the RP ID
	started, err := c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{
		UserID: "ext-ada", Domain: passkeyDomain, ReturnPasskeyCredentialOptions: stytch.Ptr(true), UseBase64URLEncoding: stytch.Ptr(true),
		OverrideID: stytch.Ptr("handle-ada"), OverrideDisplayName: stytch.Ptr("Ada L."),
	})
	require.NoError(t, err)
	require.Equal(t, user.UserID, started.UserID)
	opts := jsonObject(t, started.PublicKeyCredentialCreationOptions)
	require.Equal(t, map[string]any{
		"id": base64.RawURLEncoding.EncodeToString([]byte("handle-ada")), "name": "Ada Lovelace", "displayName": "Ada L.",
	}, opts["user"])
	require.Equal(t, map[string]any{"residentKey": "required", "requireResidentKey": true, "userVerification": "preferred"}, opts["authenticatorSelection"])
	credential, err := passkey.Create(started.PublicKeyCredentialCreationOptions)
	require.NoError(t, err)
	reg, err := c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: "ext-ada", PublicKeyCredential: credential})
	require.NoError(t, err)
	require.Nil(t, reg.Session, "no session without session_duration_minutes")
	require.Empty(t, reg.SessionToken)

	// The second start excludes the registered credential, so the same authenticator refuses it.
	again, err := c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: user.UserID, Domain: passkeyDomain, UseBase64URLEncoding: stytch.Ptr(true)})
	require.NoError(t, err)
	require.Len(t, jsonObject(t, again.PublicKeyCredentialCreationOptions)["excludeCredentials"], 1)
	_, err = passkey.Create(again.PublicKeyCredentialCreationOptions)
	require.ErrorContains(t, err, "excludeCredentials")

	// Both sign-ins carry the override handle, and both succeed.
	for _, who := range []string{"ext-ada", ""} {
		p := &consumer.WebAuthnAuthenticateStartParams{Domain: passkeyDomain, ReturnPasskeyCredentialOptions: stytch.Ptr(true)}
		if who != "" {
			p.UserID = &who
		}
		startedAuth, err := c.WebAuthn.AuthenticateStart(ctx, p)
		require.NoError(t, err)
		require.Equal(t, "preferred", jsonObject(t, startedAuth.PublicKeyCredentialRequestOptions)["userVerification"])
		credential, err := passkey.Get(startedAuth.PublicKeyCredentialRequestOptions)
		require.NoError(t, err)
		handle := jsonObject(t, credential)["response"].(map[string]any)["userHandle"]
		require.Equal(t, base64.RawURLEncoding.EncodeToString([]byte("handle-ada")), handle)
		auth, err := c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: credential})
		require.NoError(t, err, who)
		require.Equal(t, user.UserID, auth.UserID)
	}

	// An authenticator refuses an RP ID its origin may not use, as a browser does.
	startedAuth, err := c.WebAuthn.AuthenticateStart(ctx, &consumer.WebAuthnAuthenticateStartParams{Domain: passkeyDomain})
	require.NoError(t, err)
	_, err = NewAuthenticator("https://example.org").Get(startedAuth.PublicKeyCredentialRequestOptions)
	require.ErrorContains(t, err, "not valid for the origin")
	_, err = NewAuthenticator("https://example.com").Get(startedAuth.PublicKeyCredentialRequestOptions)
	require.ErrorIs(t, err, ErrNoCredential)
}

// The /__emulator/webauthn hooks, for programs in other languages, share
// the emulator's authenticators with WebAuthnAuthenticator.
func TestWebAuthnEmulatorHook(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("hook@example.com")})
	require.NoError(t, err)
	const origin = "https://example.com"

	post := func(path string, body any, auth bool) (int, map[string]any) {
		return callHook(t, srv, http.MethodPost, path, body, auth)
	}

	started, err := c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: user.UserID, Domain: passkeyDomain})
	require.NoError(t, err)
	status, body := post("/__emulator/webauthn/create", map[string]string{"origin": origin, "public_key_credential_creation_options": started.PublicKeyCredentialCreationOptions}, false)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "unauthorized_credentials", body["error_type"])
	status, body = post("/__emulator/webauthn/create", map[string]string{"origin": origin, "public_key_credential_creation_options": "{"}, true)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "bad_request", body["error_type"])
	status, body = post("/__emulator/webauthn/create", map[string]string{"origin": origin, "public_key_credential_creation_options": started.PublicKeyCredentialCreationOptions}, true)
	require.Equal(t, http.StatusOK, status, body)
	reg, err := c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: user.UserID, PublicKeyCredential: body["public_key_credential"].(string)})
	require.NoError(t, err)

	getOptions := func() string {
		startedAuth, err := c.WebAuthn.AuthenticateStart(ctx, &consumer.WebAuthnAuthenticateStartParams{Domain: passkeyDomain})
		require.NoError(t, err)
		return startedAuth.PublicKeyCredentialRequestOptions
	}
	status, body = post("/__emulator/webauthn/get", map[string]string{"origin": origin, "public_key_credential_request_options": getOptions()}, true)
	require.Equal(t, http.StatusOK, status, body)
	auth, err := c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: body["public_key_credential"].(string)})
	require.NoError(t, err)
	require.Equal(t, reg.WebAuthnRegistrationID, auth.WebAuthnRegistrationID)

	// The Go accessor holds the same credential.
	credential, err := srv.WebAuthnAuthenticator(origin).Get(getOptions())
	require.NoError(t, err)
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: credential})
	require.NoError(t, err)

	// Another origin's authenticator holds none; only POST is served.
	status, body = post("/__emulator/webauthn/get", map[string]string{"origin": "https://www.example.com", "public_key_credential_request_options": getOptions()}, true)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "credential_not_found", body["error_type"])
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/__emulator/webauthn/get", nil)
	require.NoError(t, err)
	req.SetBasicAuth(srv.ProjectID(), srv.Secret())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

// Deleting a user deletes its registrations: its passkey is unknown after.
func TestWebAuthnUserDeleted(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	user, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("gone@example.com")})
	require.NoError(t, err)
	passkey := NewAuthenticator("https://example.com")
	started, err := c.WebAuthn.RegisterStart(ctx, &consumer.WebAuthnRegisterStartParams{UserID: user.UserID, Domain: passkeyDomain})
	require.NoError(t, err)
	credential, err := passkey.Create(started.PublicKeyCredentialCreationOptions)
	require.NoError(t, err)
	_, err = c.WebAuthn.Register(ctx, &consumer.WebAuthnRegisterParams{UserID: user.UserID, PublicKeyCredential: credential})
	require.NoError(t, err)
	signIn := assertion(t, c, passkey, "")
	_, err = c.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: user.UserID})
	require.NoError(t, err)
	_, err = c.WebAuthn.Authenticate(ctx, &consumer.WebAuthnAuthenticateParams{PublicKeyCredential: signIn})
	requireAPIError(t, err, 404, "webauthn_registration_not_found")
}

// The authenticator answers another relying party's options too: those of
// go-webauthn itself, wrapped in {"publicKey": ...} and in base64url.
func TestAuthenticatorWithGoWebAuthn(t *testing.T) {
	t.Parallel()
	rp, err := webauthn.New(&webauthn.Config{RPID: "localhost", RPDisplayName: "Test", RPOrigins: []string{"http://localhost:3000"}})
	require.NoError(t, err)
	user := &webauthnUser{handle: []byte("user-1"), name: "ada", displayName: "Ada"}
	passkey := NewAuthenticator("http://localhost:3000")

	creation, session, err := rp.BeginRegistration(user)
	require.NoError(t, err)
	options, err := json.Marshal(creation)
	require.NoError(t, err)
	require.Contains(t, string(options), `"publicKey"`)
	created, err := passkey.Create(string(options))
	require.NoError(t, err)
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(created))
	require.NoError(t, err)
	cred, err := rp.CreateCredential(user, *session, parsed)
	require.NoError(t, err)
	require.Equal(t, "none", cred.AttestationFormat)
	user.creds = []webauthn.Credential{*cred}

	for want := uint32(1); want <= 2; want++ {
		login, session, err := rp.BeginLogin(user)
		require.NoError(t, err)
		options, err = json.Marshal(login)
		require.NoError(t, err)
		signed, err := passkey.Get(string(options))
		require.NoError(t, err)
		parsedLogin, err := protocol.ParseCredentialRequestResponseBytes([]byte(signed))
		require.NoError(t, err)
		got, err := rp.ValidateLogin(user, *session, parsedLogin)
		require.NoError(t, err)
		require.Equal(t, want, got.Authenticator.SignCount)
		require.False(t, got.Authenticator.CloneWarning)
		user.creds = []webauthn.Credential{*got}
	}
}
