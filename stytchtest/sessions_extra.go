package stytchtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// The sessions that begin elsewhere, on both surfaces: Attest exchanges a
// JWT from a Trusted Auth Token profile, ExchangeAccessToken a Connected App
// access token (IssueAccessToken), and Migrate a session of an external
// identity provider. Stytch reads the profiles and the provider's UserInfo
// URL from the dashboard; the emulator's tests register them with
// RegisterTrustedAuthTokenProfile and RegisterExternalSession.
//
// Unconfirmed throughout: the error types (Stytch's catalog confirms only
// idp_access_token_not_found and idp_access_token_could_not_be_exchanged,
// both 404); and that these exchanges start a 60-minute session when no
// session_duration_minutes is given on the consumer surface too (the spec
// says so only for Migrate).

// extraState holds what the families of crypto_wallets.go, impersonation.go,
// users_extra.go (OAuth attach) and this file keep besides users, members
// and sessions.
type extraState struct {
	challenges     map[string]*walletChallenge    // walletKey -> the live challenge
	impersonations map[string]*impersonationGrant // token -> grant
	attaches       map[string]*attachGrant        // oauth_attach_token -> grant
	profiles       map[string]*trustedProfile     // profile ID -> profile
	attested       map[string]bool                // profile ID + "\x00" + token_id of an attested token
	external       map[string]string              // external session token -> email (Migrate)
}

// extras returns e's, made on first use; e.mu is held.
func (e *Emulator) extras() *extraState {
	if e.extra == nil {
		e.extra = &extraState{
			challenges: map[string]*walletChallenge{}, impersonations: map[string]*impersonationGrant{},
			attaches: map[string]*attachGrant{}, profiles: map[string]*trustedProfile{},
			attested: map[string]bool{}, external: map[string]string{},
		}
	}
	return e.extra
}

// exchangeSessionMinutes is the session an exchange starts when the call
// names no duration.
const exchangeSessionMinutes = 60

func exchangeDuration(d *int) *int {
	if d != nil {
		return d
	}
	v := exchangeSessionMinutes
	return &v
}

// ---- Trusted Auth Token profiles (Attest) ----

// TrustedAuthTokenProfile is a Trusted Auth Token profile, as the Stytch
// dashboard defines one: who issues the JWTs that Sessions.Attest accepts,
// the key that signs them, and which claims name the user or member.
type TrustedAuthTokenProfile struct {
	// ProfileID is the profile_id Attest is called with; a new
	// trusted-auth-token-profile-test-… ID when empty.
	ProfileID string `json:"profile_id"`
	// Issuer and Audience must match the token's iss and aud.
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	// PublicKeyPEM is the PEM ("PUBLIC KEY", PKIX) of the RSA, ECDSA or
	// Ed25519 key that signs the tokens.
	PublicKeyPEM string `json:"public_key_pem"`
	// EmailClaim names the claim holding the email address ("email" when
	// empty), TokenIDClaim the claim that identifies the token ("jti" when
	// empty), and OrganizationIDClaim, for B2B, the claim naming the
	// member's organization when Attest is called without organization_id.
	EmailClaim          string `json:"email_claim"`
	TokenIDClaim        string `json:"token_id_claim"`
	OrganizationIDClaim string `json:"organization_id_claim"`
	// AllowJITProvisioning lets a token for an unknown email create the
	// user (consumer) or the member of the organization (B2B).
	AllowJITProvisioning bool `json:"allow_jit_provisioning"`
}

type trustedProfile struct {
	TrustedAuthTokenProfile
	key any
}

// RegisterTrustedAuthTokenProfile registers a profile for Sessions.Attest
// on both surfaces and returns its ID. A profile with the ID of an earlier
// one replaces it.
func (e *Emulator) RegisterTrustedAuthTokenProfile(p TrustedAuthTokenProfile) (string, error) {
	block, _ := pem.Decode([]byte(p.PublicKeyPEM))
	if block == nil {
		return "", errors.New("stytchtest: the profile's public_key_pem holds no PEM block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return "", errors.New("stytchtest: the profile's public key is not a PKIX public key: " + err.Error())
	}
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return "", errors.New("stytchtest: the profile's key is neither RSA, ECDSA nor Ed25519")
	}
	if p.Issuer == "" || p.Audience == "" {
		return "", errors.New("stytchtest: a profile needs an issuer and an audience")
	}
	if p.ProfileID == "" {
		p.ProfileID = newID("trusted-auth-token-profile") // unconfirmed prefix
	}
	if p.EmailClaim == "" {
		p.EmailClaim = "email"
	}
	if p.TokenIDClaim == "" {
		p.TokenIDClaim = "jti"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.extras().profiles[p.ProfileID] = &trustedProfile{TrustedAuthTokenProfile: p, key: key}
	return p.ProfileID, nil
}

// attestedToken is what a trusted token says once it is checked.
type attestedToken struct {
	email, tokenID string
	claims         jwt.MapClaims
	profile        *trustedProfile
}

// attest checks a token against its profile and uses it up: each token_id
// is accepted once per profile (unconfirmed: Stytch documents token_id as
// the token's unique identifier, not what a replay answers).
func (e *Emulator) attest(profileID, token string) (*attestedToken, error) {
	p, ok := e.extras().profiles[profileID]
	if !ok {
		return nil, errorf(404, "trusted_auth_token_profile_not_found", "Trusted auth token profile could not be found.")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return p.key, nil },
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}),
		jwt.WithIssuer(p.Issuer), jwt.WithAudience(p.Audience), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(e.now))
	if err != nil {
		return nil, errorf(401, "invalid_trusted_auth_token", "The token is not valid for this trusted auth token profile: %v", err)
	}
	email, _ := claims[p.EmailClaim].(string)
	tokenID, _ := claims[p.TokenIDClaim].(string)
	switch {
	case email == "":
		return nil, errorf(400, "invalid_trusted_auth_token", "The token has no %s claim with an email address.", p.EmailClaim)
	case tokenID == "":
		return nil, errorf(400, "invalid_trusted_auth_token", "The token has no %s claim identifying it.", p.TokenIDClaim)
	case e.extras().attested[profileID+"\x00"+tokenID]:
		return nil, errorf(401, "trusted_auth_token_already_used", "This trusted auth token was already attested.")
	}
	e.extras().attested[profileID+"\x00"+tokenID] = true
	return &attestedToken{email: email, tokenID: tokenID, claims: claims, profile: p}, nil
}

func (e consumerAPI) SessionsAttest(_ context.Context, p *consumer.SessionsAttestParams) (*consumer.SessionsAttestResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	var prior *userSession
	if deref(p.SessionToken) != "" || deref(p.SessionJWT) != "" {
		var err error
		if prior, err = e.findSession(p.SessionToken, p.SessionJWT); err != nil {
			return nil, err
		}
	}
	at, err := e.attest(p.ProfileID, p.Token)
	if err != nil {
		return nil, err
	}
	var u *consumer.User
	id, known := e.consumer.byEmail[strings.ToLower(at.email)]
	if prior != nil && (!known || prior.s.UserID != id) {
		// Checked before JIT provisioning, so that a refused call creates no user.
		return nil, errSessionUserMismatch
	}
	if known {
		u = e.consumer.users[id]
	} else if at.profile.AllowJITProvisioning {
		if err := checkEmail(at.email); err != nil {
			return nil, err
		}
		u = e.newUser(at.email, "", false)
		e.emit("user", "CREATE", u.UserID, u)
	} else {
		return nil, errorf(404, "user_not_found", "No user has the email address of the token, and the profile does not allow JIT provisioning.")
	}
	u.Status = "active"
	factor := consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeTrustedAuthToken, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodTrustedTokenExchange,
		TrustedAuthTokenFactor: &consumer.TrustedAuthTokenFactor{TokenID: at.tokenID},
	}
	duration := p.SessionDurationMinutes
	if deref(p.SessionToken) == "" && deref(p.SessionJWT) == "" {
		duration = exchangeDuration(duration)
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, p.SessionToken, p.SessionJWT, duration, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.SessionsAttestResponse{UserID: u.UserID, SessionToken: token, SessionJWT: jwtStr, User: *u, Session: s}, nil
}

func (e b2bAPI) SessionsAttest(_ context.Context, p *b2b.SessionsAttestParams) (*b2b.SessionsAttestResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	existing, _, err := e.b2bPriorSessions(nil, p.SessionToken, p.SessionJWT, nil)
	if err != nil {
		return nil, err
	}
	at, err := e.attest(p.ProfileID, p.Token)
	if err != nil {
		return nil, err
	}
	orgRef := deref(p.OrganizationID)
	if orgRef == "" && at.profile.OrganizationIDClaim != "" {
		orgRef, _ = at.claims[at.profile.OrganizationIDClaim].(string)
	}
	if orgRef == "" {
		return nil, errorf(400, errorTypeBadRequest, "Name the member's organization with organization_id or the profile's organization claim.")
	}
	o, err := e.b2b.org(orgRef)
	if err != nil {
		return nil, err
	}
	bm := e.b2b.memberByEmail(o.OrganizationID, at.email)
	switch {
	case existing != nil && (bm == nil || existing.s.MemberID != bm.m.MemberID):
		// Checked before JIT provisioning, so that a refused call creates no member.
		return nil, errSessionMemberMismatch
	case bm == nil && at.profile.AllowJITProvisioning:
		if err := checkEmail(at.email); err != nil {
			return nil, err
		}
		bm = e.newMember(o, at.email, b2bActive)
	case bm == nil || bm.m.Status == b2bDeleted:
		return nil, errorf(404, "member_not_found", "No member of the organization has the email address of the token.")
	}
	bm.m.Status = b2bActive
	factor := b2b.AuthenticationFactor{
		Type: b2b.AuthenticationFactorTypeTrustedAuthToken, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethodTrustedTokenExchange,
		TrustedAuthTokenFactor: &b2b.TrustedAuthTokenFactor{TokenID: at.tokenID},
	}
	out := e.b2bSession(bm, []b2b.AuthenticationFactor{factor}, existing, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.SessionsAttestResponse{
		MemberID: bm.m.MemberID, MemberSession: *out.session, SessionToken: out.token, SessionJWT: out.jwt,
		Member: e.b2b.view(bm), Organization: *o,
	}, nil
}

// ---- Connected App access tokens (ExchangeAccessToken) ----

// exchangeableAccessToken checks a Connected App access token for an
// exchange: valid (accessToken in idp.go) and granted full_access.
// It returns the subject, the client and, for a B2B token, the
// organization.
func (e *Emulator) exchangeableAccessToken(token string) (sub, clientID, orgID string, _ error) {
	claims, ok := e.accessToken(token)
	if !ok {
		return "", "", "", errorf(404, "idp_access_token_not_found", "The access token is invalid, expired or revoked.")
	}
	scope, _ := claims["scope"].(string)
	if !contains(strings.Fields(scope), fullAccessScope) {
		return "", "", "", errorf(404, "idp_access_token_could_not_be_exchanged", "The access token was not granted the full_access scope.")
	}
	if jti, _ := claims["jti"].(string); e.connectedApps().unlinked[jti] {
		// Unconfirmed: the error Stytch answers; its reference says only
		// that the authorization must name a session for the exchange.
		return "", "", "", errorf(404, "idp_access_token_could_not_be_exchanged", "The access token's authorization named no session; pass session_token or session_jwt to IDP.OAuth.Authorize.")
	}
	// Unconfirmed: that a token can be exchanged more than once, until it
	// expires (Stytch's reference does not say it is single-use).
	sub, _ = claims["sub"].(string)
	clientID, _ = claims["client_id"].(string)
	if org, ok := claims[organizationClaim].(map[string]any); ok {
		orgID, _ = org["organization_id"].(string)
	}
	return sub, clientID, orgID, nil
}

func (e consumerAPI) SessionsExchangeAccessToken(_ context.Context, p *consumer.SessionsExchangeAccessTokenParams) (*consumer.SessionsExchangeAccessTokenResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	sub, clientID, orgID, err := e.exchangeableAccessToken(p.AccessToken)
	if err != nil {
		return nil, err
	}
	u, ok := e.consumer.users[sub]
	if !ok || orgID != "" {
		return nil, errorf(404, "idp_access_token_could_not_be_exchanged", "The access token is not a user's.")
	}
	factor := consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeOAuth, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethodOAuthAccessTokenExchange,
		OAuthAccessTokenExchangeFactor: &consumer.OAuthAccessTokenExchangeFactor{ClientID: clientID},
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, nil, nil, exchangeDuration(p.SessionDurationMinutes), p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.SessionsExchangeAccessTokenResponse{UserID: u.UserID, SessionToken: token, SessionJWT: jwtStr, User: *u, Session: s}, nil
}

func (e b2bAPI) SessionsExchangeAccessToken(_ context.Context, p *b2b.SessionsExchangeAccessTokenParams) (*b2b.SessionsExchangeAccessTokenResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	sub, clientID, orgID, err := e.exchangeableAccessToken(p.AccessToken)
	if err != nil {
		return nil, err
	}
	bm, ok := e.b2b.members[sub]
	if !ok || bm.m.Status == b2bDeleted || orgID != bm.m.OrganizationID {
		return nil, errorf(404, "idp_access_token_could_not_be_exchanged", "The access token is not a member's.")
	}
	o := e.b2b.orgs[bm.m.OrganizationID]
	factor := b2b.AuthenticationFactor{
		Type: b2b.AuthenticationFactorTypeOAuth, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethodOAuthAccessTokenExchange,
		OAuthAccessTokenExchangeFactor: &b2b.OAuthAccessTokenExchangeFactor{ClientID: clientID},
	}
	out := e.b2bSession(bm, []b2b.AuthenticationFactor{factor}, nil, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.SessionsExchangeAccessTokenResponse{
		MemberID: bm.m.MemberID, SessionToken: out.token, SessionJWT: out.jwt, Member: e.b2b.view(bm),
		Organization: *o, MemberSession: out.session,
	}, nil
}

// ---- External sessions (Migrate) ----

// RegisterExternalSession says what the project's external UserInfo
// endpoint answers for an external session token: the email address of its
// user. Sessions.Migrate, on either surface, then accepts the token and
// starts a session for the user or member with that email. Stytch calls
// the UserInfo URL set in its dashboard; the emulator makes no outbound
// call (unconfirmed stand-in: Stytch's reference documents no test hook).
func (e *Emulator) RegisterExternalSession(sessionToken, email string) error {
	if sessionToken == "" {
		return errors.New("stytchtest: an external session token is required")
	}
	if err := checkEmail(email); err != nil {
		return errors.New("stytchtest: the external session's email is not valid")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.extras().external[sessionToken] = email
	return nil
}

// externalEmail is what the UserInfo endpoint says of an external session
// token. Unconfirmed type and status for a token it refuses.
func (e *Emulator) externalEmail(token string) (string, error) {
	email, ok := e.extras().external[token]
	if !ok {
		return "", errorf(401, "invalid_external_session_token", "The external UserInfo endpoint did not accept the session token.")
	}
	return email, nil
}

// importedFactor is the factor of a migrated session. Unconfirmed: Stytch
// lists only imported_auth0 as the delivery method of the imported type.
func importedFactor() (consumer.AuthenticationFactorType, consumer.AuthenticationFactorDeliveryMethod) {
	return consumer.AuthenticationFactorTypeImported, consumer.AuthenticationFactorDeliveryMethodImportedAuth0
}

func (e consumerAPI) SessionsMigrate(_ context.Context, p *consumer.SessionsMigrateParams) (*consumer.SessionsMigrateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	email, err := e.externalEmail(p.SessionToken)
	if err != nil {
		return nil, err
	}
	u, err := e.userByEmail(email)
	if err != nil {
		return nil, err
	}
	typ, method := importedFactor()
	factor := consumer.AuthenticationFactor{Type: typ, DeliveryMethod: method}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, nil, nil, exchangeDuration(p.SessionDurationMinutes), p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.SessionsMigrateResponse{UserID: u.UserID, SessionToken: token, SessionJWT: jwtStr, User: *u, Session: s}, nil
}

func (e b2bAPI) SessionsMigrate(_ context.Context, p *b2b.SessionsMigrateParams) (*b2b.SessionsMigrateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	email, err := e.externalEmail(p.SessionToken)
	if err != nil {
		return nil, err
	}
	bm := e.b2b.memberByEmail(o.OrganizationID, email)
	if bm == nil || bm.m.Status == b2bDeleted {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	typ, method := importedFactor()
	factor := b2b.AuthenticationFactor{Type: b2b.AuthenticationFactorType(typ), DeliveryMethod: b2b.AuthenticationFactorDeliveryMethod(method)}
	out := e.b2bSession(bm, []b2b.AuthenticationFactor{factor}, nil, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.SessionsMigrateResponse{
		MemberID: bm.m.MemberID, SessionToken: out.token, SessionJWT: out.jwt, Member: e.b2b.view(bm),
		Organization: *o, MemberSession: out.session,
	}, nil
}

// ---- The hooks, over HTTP ----

// sessionHooks mirror the test hooks of this file and impersonation.go:
//
//	POST /__emulator/trusted_auth_token_profiles  TrustedAuthTokenProfile as JSON -> {"profile_id"}
//	POST /__emulator/external_sessions            {"session_token", "email"}      -> {}
//	POST /__emulator/impersonation_tokens         {"user_id" or "member_id", "impersonator_id", "impersonator_email_address"} -> {"impersonation_token"}
func (e *Emulator) sessionHooks() []testHook {
	return []testHook{
		{method: http.MethodPost, path: "/__emulator/trusted_auth_token_profiles", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in TrustedAuthTokenProfile
			if err := decode(&in); err != nil {
				return nil, err
			}
			id, err := e.RegisterTrustedAuthTokenProfile(in)
			if err != nil {
				return nil, err
			}
			return map[string]any{"profile_id": id}, nil
		}},
		{method: http.MethodPost, path: "/__emulator/external_sessions", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in struct {
				SessionToken string `json:"session_token"`
				Email        string `json:"email"`
			}
			if err := decode(&in); err != nil {
				return nil, err
			}
			return struct{}{}, e.RegisterExternalSession(in.SessionToken, in.Email)
		}},
		{method: http.MethodPost, path: "/__emulator/impersonation_tokens", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in struct {
				UserID   string `json:"user_id"`
				MemberID string `json:"member_id"`
				Impersonator
			}
			if err := decode(&in); err != nil {
				return nil, err
			}
			var token string
			var err error
			switch {
			case (in.UserID == "") == (in.MemberID == ""):
				err = errors.New("stytchtest: name exactly one of user_id and member_id")
			case in.UserID != "":
				token, err = e.ImpersonateUser(in.UserID, in.Impersonator)
			default:
				token, err = e.ImpersonateMember(in.MemberID, in.Impersonator)
			}
			if err != nil {
				return nil, err
			}
			return map[string]any{"impersonation_token": token}, nil
		}},
	}
}
