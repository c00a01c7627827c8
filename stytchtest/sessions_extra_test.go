package stytchtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// trustedIssuer is an identity provider whose JWTs a Trusted Auth Token
// profile accepts.
type trustedIssuer struct {
	key *ecdsa.PrivateKey
	pem string
}

func newTrustedIssuer(t *testing.T) *trustedIssuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	return &trustedIssuer{key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}
}

// token signs claims over the defaults: iss, aud, exp, jti.
func (ti *trustedIssuer) token(t *testing.T, now time.Time, claims jwt.MapClaims) string {
	t.Helper()
	all := jwt.MapClaims{"iss": "https://idp.example", "aud": "stytch-app", "exp": now.Add(time.Minute).Unix(), "jti": newUUID()}
	for k, v := range claims {
		all[k] = v
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodES256, all).SignedString(ti.key)
	require.NoError(t, err)
	return s
}

func TestSessionsAttestConsumer(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	ti := newTrustedIssuer(t)
	profile, err := srv.RegisterTrustedAuthTokenProfile(TrustedAuthTokenProfile{Issuer: "https://idp.example", Audience: "stytch-app", PublicKeyPEM: ti.pem})
	require.NoError(t, err)
	jit, err := srv.RegisterTrustedAuthTokenProfile(TrustedAuthTokenProfile{ProfileID: "profile-jit", Issuer: "https://idp.example", Audience: "stytch-app", PublicKeyPEM: ti.pem, EmailClaim: "mail", TokenIDClaim: "tid", AllowJITProvisioning: true})
	require.NoError(t, err)
	require.Equal(t, "profile-jit", jit)
	_, err = srv.RegisterTrustedAuthTokenProfile(TrustedAuthTokenProfile{Issuer: "x", Audience: "y", PublicKeyPEM: "not pem"})
	require.Error(t, err)
	user := signIn(t, srv, c, "ada@example.com", nil)
	now := clock.Now()

	// A token for an existing user starts a session, 60 minutes by default.
	tok := ti.token(t, now, jwt.MapClaims{"email": "ada@example.com", "jti": "token-1"})
	resp, err := c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{ProfileID: profile, Token: tok})
	require.NoError(t, err)
	require.Equal(t, user.UserID, resp.UserID)
	require.Equal(t, now.Add(time.Hour), resp.Session.ExpiresAt)
	f := resp.Session.AuthenticationFactors[0]
	require.Equal(t, consumer.AuthenticationFactorTypeTrustedAuthToken, f.Type)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodTrustedTokenExchange, f.DeliveryMethod)
	require.Equal(t, "token-1", f.TrustedAuthTokenFactor.TokenID)
	// The same token again is refused.
	_, err = c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{ProfileID: profile, Token: tok})
	requireAPIError(t, err, 401, "trusted_auth_token_already_used")

	// With a session token, the factor joins that session.
	added, err := c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{
		ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "ada@example.com"}), SessionToken: &user.SessionToken,
	})
	require.NoError(t, err)
	require.Equal(t, user.Session.SessionID, added.Session.SessionID)
	require.Len(t, added.Session.AuthenticationFactors, 2)

	// Tokens the profile does not trust, and unknown users without JIT.
	other := newTrustedIssuer(t)
	for _, bad := range []string{
		other.token(t, now, jwt.MapClaims{"email": "ada@example.com"}),                                   // a foreign key
		ti.token(t, now, jwt.MapClaims{"email": "ada@example.com", "iss": "https://evil.example"}),       // another issuer
		ti.token(t, now, jwt.MapClaims{"email": "ada@example.com", "aud": "other"}),                      // another audience
		ti.token(t, now, jwt.MapClaims{"email": "ada@example.com", "exp": now.Add(-time.Second).Unix()}), // expired
		"opaque", // not a JWT
	} {
		_, err = c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{ProfileID: profile, Token: bad})
		requireAPIError(t, err, 401, "invalid_trusted_auth_token")
	}
	_, err = c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "new@example.com"})})
	requireAPIError(t, err, 404, stytch.ErrorTypeUserNotFound)
	_, err = c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{})})
	requireAPIError(t, err, 400, "invalid_trusted_auth_token")
	_, err = c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{ProfileID: "no-such-profile", Token: tok})
	requireAPIError(t, err, 404, "trusted_auth_token_profile_not_found")

	// Another user's session is refused, and the refused call creates no user.
	_, err = c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{
		ProfileID: jit, Token: ti.token(t, now, jwt.MapClaims{"mail": "eve@example.com", "tid": "t-8"}), SessionToken: &user.SessionToken,
	})
	requireAPIError(t, err, 400, "session_user_mismatch")
	_, err = c.OTPs.Email.Send(ctx, &consumer.OTPsEmailSendParams{Email: "eve@example.com"})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)

	// A JIT profile, with its own claim names, creates the user.
	created, err := c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{
		ProfileID: jit, Token: ti.token(t, now, jwt.MapClaims{"mail": "new@example.com", "tid": "t-9"}), SessionDurationMinutes: stytch.Ptr(15),
	})
	require.NoError(t, err)
	require.Equal(t, "new@example.com", created.User.Emails[0].Email)
	require.Equal(t, now.Add(15*time.Minute), created.Session.ExpiresAt)
	require.Equal(t, "t-9", created.Session.AuthenticationFactors[0].TrustedAuthTokenFactor.TokenID)
}

func TestSessionsAttestB2B(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.example", nil)
	ti := newTrustedIssuer(t)
	profile, err := srv.RegisterTrustedAuthTokenProfile(TrustedAuthTokenProfile{Issuer: "https://idp.example", Audience: "stytch-app", PublicKeyPEM: ti.pem, OrganizationIDClaim: "org", AllowJITProvisioning: true})
	require.NoError(t, err)
	now := time.Now()

	resp, err := c.Sessions.Attest(ctx, &b2b.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "ada@acme.example", "jti": "b2b-1"}), OrganizationID: &o.OrganizationID})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, resp.MemberID)
	require.Equal(t, b2b.AuthenticationFactorTypeTrustedAuthToken, resp.MemberSession.AuthenticationFactors[0].Type)
	sess, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &resp.SessionToken})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, sess.Member.MemberID)

	// The organization from the token's claim (its slug works); JIT makes the member.
	jit, err := c.Sessions.Attest(ctx, &b2b.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "bob@acme.example", "org": o.OrganizationSlug})})
	require.NoError(t, err)
	require.Equal(t, "bob@acme.example", jit.Member.EmailAddress)
	require.Equal(t, b2b.MemberStatus("active"), jit.Member.Status)

	_, err = c.Sessions.Attest(ctx, &b2b.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "ada@acme.example"})})
	requireAPIError(t, err, 400, "bad_request")
	_, err = c.Sessions.Attest(ctx, &b2b.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "ada@acme.example", "jti": "b2b-1"}), OrganizationID: &o.OrganizationID})
	requireAPIError(t, err, 401, "trusted_auth_token_already_used")
	// Another member's session cannot take the factor.
	_, err = c.Sessions.Attest(ctx, &b2b.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "ada@acme.example"}), OrganizationID: &o.OrganizationID, SessionToken: &jit.SessionToken})
	requireAPIError(t, err, 400, "session_member_mismatch")
	// Nor does a refused call provision the member its token names.
	_, err = c.Sessions.Attest(ctx, &b2b.SessionsAttestParams{ProfileID: profile, Token: ti.token(t, now, jwt.MapClaims{"email": "eve@acme.example"}), OrganizationID: &o.OrganizationID, SessionToken: &jit.SessionToken})
	requireAPIError(t, err, 400, "session_member_mismatch")
	_, err = c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: o.OrganizationID, EmailAddress: stytch.Ptr("eve@acme.example")})
	requireAPIError(t, err, 404, "member_not_found")
}

func TestSessionsExchangeAccessToken(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	api := b2bClient(t, srv, validateResponses(t))
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	require.NoError(t, err)

	full := srv.IssueAccessToken(AccessTokenParams{Subject: u.UserID, ClientID: "connected-app-test-1", Scopes: []string{"openid", "full_access"}})
	resp, err := c.Sessions.ExchangeAccessToken(ctx, &consumer.SessionsExchangeAccessTokenParams{AccessToken: full, SessionDurationMinutes: stytch.Ptr(30)})
	require.NoError(t, err)
	require.Equal(t, u.UserID, resp.UserID)
	f := resp.Session.AuthenticationFactors[0]
	require.Equal(t, consumer.AuthenticationFactorTypeOAuth, f.Type)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodOAuthAccessTokenExchange, f.DeliveryMethod)
	require.Equal(t, "connected-app-test-1", f.OAuthAccessTokenExchangeFactor.ClientID)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionJWT: &resp.SessionJWT})
	require.NoError(t, err)

	narrow := srv.IssueAccessToken(AccessTokenParams{Subject: u.UserID, Scopes: []string{"openid", "email"}})
	_, err = c.Sessions.ExchangeAccessToken(ctx, &consumer.SessionsExchangeAccessTokenParams{AccessToken: narrow})
	requireAPIError(t, err, 404, "idp_access_token_could_not_be_exchanged")
	expired := srv.IssueAccessToken(AccessTokenParams{Subject: u.UserID, Scopes: []string{"full_access"}, Lifetime: time.Minute})
	clock.Add(time.Minute)
	_, err = c.Sessions.ExchangeAccessToken(ctx, &consumer.SessionsExchangeAccessTokenParams{AccessToken: expired})
	requireAPIError(t, err, 404, "idp_access_token_not_found")
	_, err = c.Sessions.ExchangeAccessToken(ctx, &consumer.SessionsExchangeAccessTokenParams{AccessToken: resp.SessionJWT})
	requireAPIError(t, err, 404, "idp_access_token_not_found")

	// B2B: a member's token; a user's token is not a member's.
	o := b2bTestOrg(t, api, "Acme", nil)
	m := b2bTestMember(t, api, o.OrganizationID, "ada@acme.example", nil)
	mt := srv.IssueAccessToken(AccessTokenParams{Subject: m.MemberID, OrganizationID: o.OrganizationID, Scopes: []string{"full_access"}})
	bresp, err := api.Sessions.ExchangeAccessToken(ctx, &b2b.SessionsExchangeAccessTokenParams{AccessToken: mt})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, bresp.MemberID)
	require.Equal(t, o.OrganizationID, bresp.Organization.OrganizationID)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodOAuthAccessTokenExchange, bresp.MemberSession.AuthenticationFactors[0].DeliveryMethod)
	_, err = api.Sessions.ExchangeAccessToken(ctx, &b2b.SessionsExchangeAccessTokenParams{AccessToken: full})
	requireAPIError(t, err, 404, "idp_access_token_could_not_be_exchanged")
	noOrg := srv.IssueAccessToken(AccessTokenParams{Subject: m.MemberID, Scopes: []string{"full_access"}})
	_, err = api.Sessions.ExchangeAccessToken(ctx, &b2b.SessionsExchangeAccessTokenParams{AccessToken: noOrg})
	requireAPIError(t, err, 404, "idp_access_token_could_not_be_exchanged")
	_, err = c.Sessions.ExchangeAccessToken(ctx, &consumer.SessionsExchangeAccessTokenParams{AccessToken: mt})
	requireAPIError(t, err, 404, "idp_access_token_could_not_be_exchanged")
}

func TestSessionsMigrate(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	api := b2bClient(t, srv, validateResponses(t))
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	require.NoError(t, err)
	require.NoError(t, srv.RegisterExternalSession("auth0-session-ada", "ADA@example.com"))
	require.NoError(t, srv.RegisterExternalSession("auth0-session-nobody", "nobody@example.com"))
	require.Error(t, srv.RegisterExternalSession("", "ada@example.com"))

	resp, err := c.Sessions.Migrate(ctx, &consumer.SessionsMigrateParams{SessionToken: "auth0-session-ada"})
	require.NoError(t, err)
	require.Equal(t, u.UserID, resp.UserID)
	require.Equal(t, resp.Session.StartedAt.Add(time.Hour), resp.Session.ExpiresAt)
	require.Equal(t, consumer.AuthenticationFactorTypeImported, resp.Session.AuthenticationFactors[0].Type)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &resp.SessionToken})
	require.NoError(t, err)

	_, err = c.Sessions.Migrate(ctx, &consumer.SessionsMigrateParams{SessionToken: "unknown"})
	requireAPIError(t, err, 401, "invalid_external_session_token")
	_, err = c.Sessions.Migrate(ctx, &consumer.SessionsMigrateParams{SessionToken: "auth0-session-nobody"})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)

	o := b2bTestOrg(t, api, "Acme", nil)
	m := b2bTestMember(t, api, o.OrganizationID, "ada@example.com", nil)
	bresp, err := api.Sessions.Migrate(ctx, &b2b.SessionsMigrateParams{SessionToken: "auth0-session-ada", OrganizationID: o.OrganizationSlug, SessionDurationMinutes: stytch.Ptr(10)})
	require.NoError(t, err)
	require.Equal(t, m.MemberID, bresp.MemberID)
	require.Equal(t, bresp.MemberSession.StartedAt.Add(10*time.Minute), bresp.MemberSession.ExpiresAt)
	_, err = api.Sessions.Migrate(ctx, &b2b.SessionsMigrateParams{SessionToken: "auth0-session-nobody", OrganizationID: o.OrganizationID})
	requireAPIError(t, err, 404, stytch.ErrorTypeMemberNotFound)
	_, err = api.Sessions.Migrate(ctx, &b2b.SessionsMigrateParams{SessionToken: "auth0-session-ada", OrganizationID: "organization-test-00000000-0000-4000-8000-000000000000"})
	requireAPIError(t, err, 404, stytch.ErrorTypeOrganizationNotFound)
}

// The hooks of sessions_extra.go and impersonation.go, over HTTP.
func TestSessionHooksOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	post := func(path string, body any, auth bool) (int, map[string]any) {
		return callHook(t, srv, http.MethodPost, path, body, auth)
	}
	u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	require.NoError(t, err)

	status, _ := post("/__emulator/impersonation_tokens", map[string]string{"user_id": u.UserID}, false)
	require.Equal(t, 401, status)
	status, out := post("/__emulator/impersonation_tokens", map[string]string{"user_id": u.UserID, "impersonator_id": "member-test-x"}, true)
	require.Equal(t, 200, status)
	imp, err := c.Impersonation.Authenticate(ctx, &consumer.ImpersonationAuthenticateParams{ImpersonationToken: out["impersonation_token"].(string)})
	require.NoError(t, err)
	require.Equal(t, "member-test-x", imp.Session.AuthenticationFactors[0].ImpersonatedFactor.ImpersonatorID)
	status, out = post("/__emulator/impersonation_tokens", map[string]string{}, true)
	require.Equal(t, 400, status)
	require.Equal(t, "bad_request", out["error_type"])

	status, _ = post("/__emulator/external_sessions", map[string]string{"session_token": "ext-1", "email": "ada@example.com"}, true)
	require.Equal(t, 200, status)
	_, err = c.Sessions.Migrate(ctx, &consumer.SessionsMigrateParams{SessionToken: "ext-1"})
	require.NoError(t, err)

	ti := newTrustedIssuer(t)
	status, out = post("/__emulator/trusted_auth_token_profiles", TrustedAuthTokenProfile{Issuer: "https://idp.example", Audience: "stytch-app", PublicKeyPEM: ti.pem}, true)
	require.Equal(t, 200, status)
	_, err = c.Sessions.Attest(ctx, &consumer.SessionsAttestParams{ProfileID: out["profile_id"].(string), Token: ti.token(t, time.Now(), jwt.MapClaims{"email": "ada@example.com"})})
	require.NoError(t, err)

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/__emulator/external_sessions", nil)
	require.NoError(t, err)
	req.SetBasicAuth(srv.ProjectID(), srv.Secret())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 405, resp.StatusCode)
}
