package stytchtest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// validateResponses is a client option that checks every response the
// emulator sends against the spec, errors included, and fails t on any
// mismatch.
func validateResponses(t *testing.T) stytch.Option {
	t.Helper()
	surfs, err := loadSpec()
	require.NoError(t, err)
	return stytch.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		var reqBody []byte
		if req.Body != nil {
			reqBody, _ = io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		probe := req.Clone(context.Background())
		probe.Body = io.NopCloser(bytes.NewReader(reqBody))
		for _, s := range surfs {
			route, params, ferr := s.router.FindRoute(probe)
			if ferr != nil {
				continue
			}
			verr := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
				Status:                 resp.StatusCode,
				Header:                 resp.Header,
				Body:                   io.NopCloser(bytes.NewReader(body)),
			})
			if verr != nil {
				t.Errorf("%s %s: response %d does not match the spec: %s\n%s", req.Method, req.URL.Path, resp.StatusCode, validationMessage(verr), body)
			}
			break
		}
		return resp, nil
	})})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// newConsumer starts a server and returns it with a validating client.
func newConsumer(t *testing.T, opts ...Option) (*Server, *consumer.Client) {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, consumerClient(t, srv, validateResponses(t))
}

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func requireAPIError(t *testing.T, err error, status int, typ stytch.ErrorType) {
	t.Helper()
	var apiErr *stytch.Error
	require.True(t, errors.As(err, &apiErr), "want *stytch.Error, got %v", err)
	require.Equal(t, status, apiErr.StatusCode, apiErr.Error())
	require.Equal(t, typ, apiErr.ErrorType, apiErr.Error())
	require.True(t, strings.HasPrefix(apiErr.RequestID, "request-id-test-"), apiErr.RequestID)
	require.NotEmpty(t, apiErr.ErrorMessage)
	require.NotEmpty(t, apiErr.ErrorURL)
}

var ctx = context.Background()

func TestCredentials(t *testing.T) {
	t.Parallel()
	srv, _ := newConsumer(t)
	bad, err := consumer.NewClient(srv.ProjectID(), "secret-test-wrong", stytch.WithBaseURL(srv.URL), validateResponses(t))
	require.NoError(t, err)
	_, err = bad.Users.Search(ctx, nil)
	requireAPIError(t, err, 401, stytch.ErrorTypeUnauthorizedCredentials)

	// The JWKS is served without credentials.
	resp, err := bad.Sessions.GetJWKS(ctx, &consumer.SessionsGetJWKSParams{ProjectID: srv.ProjectID()})
	require.NoError(t, err)
	require.Len(t, resp.Keys, 1)
	require.Equal(t, "RS256", resp.Keys[0].Alg)
}

func TestRequestValidation(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	// A required field missing: the SDK sends "" for a plain required string,
	// so send the raw request to see the emulator reject a missing field.
	for _, body := range []string{`{}`, `{"email": 42}`, `{"email":`, `[]`} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/magic_links/email/login_or_create", strings.NewReader(body))
		req.SetBasicAuth(srv.ProjectID(), srv.Secret())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var e map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
		_ = resp.Body.Close()
		require.Equal(t, 400, resp.StatusCode, body)
		require.Equal(t, errorTypeBadRequest, e["error_type"], body)
		require.Contains(t, e, "request_id")
		require.Contains(t, e, "error_url")
	}
	_, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "not an email"})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidEmail)
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	srv, _ := newConsumer(t)
	method, path := pretendUnimplemented(srv.Emulator)
	for _, tc := range []struct {
		method, path string
		status       int
		typ          string
	}{
		{"GET", "/v1/nowhere", 404, "route_not_found"},
		{"DELETE", "/v1/magic_links/email/send", 405, "method_not_allowed"},
		{method, path, 501, "not_implemented"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(`{}`))
		req.SetBasicAuth(srv.ProjectID(), srv.Secret())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var e map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
		_ = resp.Body.Close()
		require.Equal(t, tc.status, resp.StatusCode, tc.path)
		require.Equal(t, tc.typ, e["error_type"], tc.path)
	}
}

func TestMagicLinkLoginOrCreateFlow(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	sent, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
	require.NoError(t, err)
	require.True(t, sent.UserCreated)
	require.Regexp(t, `^user-test-[0-9a-f-]{36}$`, sent.UserID)
	msg, ok := srv.LastMessage("ada@example.com")
	require.True(t, ok)
	require.Equal(t, MessageMagicLinkSignup, msg.Kind)
	require.Len(t, msg.Token, 44)
	require.Contains(t, msg.URL, "token="+msg.Token)

	auth, err := c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token, SessionDurationMinutes: stytch.Ptr(60)})
	require.NoError(t, err)
	require.Equal(t, sent.UserID, auth.UserID)
	require.Equal(t, sent.EmailID, auth.MethodID)
	require.Equal(t, consumer.UserStatusActive, auth.User.Status)
	require.True(t, auth.User.Emails[0].Verified)
	require.NotNil(t, auth.Session)
	require.Len(t, auth.SessionToken, 44)
	require.NotEmpty(t, auth.SessionJWT)

	// Single use.
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM="})
	requireAPIError(t, err, 404, stytch.ErrorTypeMagicLinkNotFound)

	// The user is now active: the next link is a login link, and no user is created.
	again, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "ada@example.com"})
	require.NoError(t, err)
	require.False(t, again.UserCreated)
	msg, _ = srv.LastMessage("ada@example.com")
	require.Equal(t, MessageMagicLinkLogin, msg.Kind)

	// Without a duration the consumer API starts no session.
	auth, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token})
	require.NoError(t, err)
	require.Nil(t, auth.Session)
	require.Empty(t, auth.SessionToken)
	require.Len(t, srv.Messages("ADA@example.com"), 2, "addresses match case-insensitively")
}

func TestMagicLinkExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	_, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("bob@example.com")})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.Send(ctx, &consumer.MagicLinksEmailSendParams{Email: "bob@example.com", LoginExpirationMinutes: stytch.Ptr(5)})
	require.NoError(t, err)
	msg, _ := srv.LastMessage("bob@example.com")
	clock.Add(5 * time.Minute)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)

	_, err = c.MagicLinks.Email.Send(ctx, &consumer.MagicLinksEmailSendParams{Email: "nobody@example.com"})
	requireAPIError(t, err, 404, stytch.ErrorTypeEmailNotFound)
	_, err = c.MagicLinks.Email.Send(ctx, &consumer.MagicLinksEmailSendParams{Email: "bob@example.com", LoginExpirationMinutes: stytch.Ptr(4)})
	var apiErr *stytch.Error
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, 400, apiErr.StatusCode)
}

func TestMagicLinkPKCE(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	verifier := "a-long-random-verifier-string-0123456789-abcdefghij"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	send := func() string {
		_, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "pkce@example.com", CodeChallenge: &challenge})
		require.NoError(t, err)
		msg, _ := srv.LastMessage("pkce@example.com")
		return msg.Token
	}
	_, err := c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: send()})
	requireAPIError(t, err, 400, stytch.ErrorTypePKCEExpectedCodeVerifier)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: send(), CodeVerifier: stytch.Ptr("wrong")})
	requireAPIError(t, err, 400, stytch.ErrorTypePKCEMismatch)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: send(), CodeVerifier: &verifier})
	require.NoError(t, err)

	_, err = c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "plain@example.com"})
	require.NoError(t, err)
	msg, _ := srv.LastMessage("plain@example.com")
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token, CodeVerifier: &verifier})
	requireAPIError(t, err, 400, stytch.ErrorTypePKCEDidNotExpectCodeVerifier)
}

func TestInviteAndEmbeddable(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	inv, err := c.MagicLinks.Email.Invite(ctx, &consumer.MagicLinksEmailInviteParams{Email: "new@example.com", Name: &consumer.Name{FirstName: "New"}})
	require.NoError(t, err)
	u, err := c.Users.Get(ctx, &consumer.UsersGetParams{UserID: inv.UserID})
	require.NoError(t, err)
	require.Equal(t, consumer.UserStatusPending, u.Status)
	require.Equal(t, "New", u.Name.FirstName)
	msg, _ := srv.LastMessage("new@example.com")
	require.Equal(t, MessageMagicLinkInvite, msg.Kind)

	_, err = c.MagicLinks.Email.RevokeInvite(ctx, &consumer.MagicLinksEmailRevokeInviteParams{Email: "new@example.com"})
	require.NoError(t, err)
	_, err = c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthMagicLink)

	emb, err := c.MagicLinks.Create(ctx, &consumer.MagicLinksCreateParams{UserID: inv.UserID})
	require.NoError(t, err)
	auth, err := c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: emb.Token})
	require.NoError(t, err)
	require.False(t, auth.User.Emails[0].Verified, "an embeddable link verifies no email")
}

func TestOTPFlows(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	sms, err := c.OTPs.SMS.LoginOrCreate(ctx, &consumer.OTPsSMSLoginOrCreateParams{PhoneNumber: "+12025550123"})
	require.NoError(t, err)
	require.True(t, sms.UserCreated)
	first, _ := srv.LastMessage("+12025550123")
	require.Equal(t, MessageOTPSMS, first.Kind)
	require.Regexp(t, `^[0-9]{6}$`, first.Code)

	// A resend replaces the earlier code.
	_, err = c.OTPs.SMS.Send(ctx, &consumer.OTPsSMSSendParams{PhoneNumber: "+12025550123"})
	require.NoError(t, err)
	second, _ := srv.LastMessage("+12025550123")
	if second.Code != first.Code {
		_, err = c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: sms.PhoneID, Code: first.Code})
		requireAPIError(t, err, 404, stytch.ErrorTypeOTPCodeNotFound)
	}
	auth, err := c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: sms.PhoneID, Code: second.Code, SessionDurationMinutes: stytch.Ptr(30)})
	require.NoError(t, err)
	require.True(t, auth.User.PhoneNumbers[0].Verified)
	require.Equal(t, consumer.AuthenticationFactorDeliveryMethodSMS, auth.Session.AuthenticationFactors[0].DeliveryMethod)
	_, err = c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: sms.PhoneID, Code: second.Code})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthOTPCode)

	// Codes expire after two minutes by default.
	em, err := c.OTPs.Email.LoginOrCreate(ctx, &consumer.OTPsEmailLoginOrCreateParams{Email: "otp@example.com"})
	require.NoError(t, err)
	code, _ := srv.LastMessage("otp@example.com")
	require.Equal(t, MessageOTPEmail, code.Kind)
	clock.Add(2 * time.Minute)
	_, err = c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: em.EmailID, Code: code.Code})
	requireAPIError(t, err, 401, stytch.ErrorTypeUnableToAuthOTPCode)

	wa, err := c.OTPs.WhatsApp.LoginOrCreate(ctx, &consumer.OTPsWhatsAppLoginOrCreateParams{PhoneNumber: "+447700900123"})
	require.NoError(t, err)
	msg, _ := srv.LastMessage("+447700900123")
	require.Equal(t, MessageOTPWhatsApp, msg.Kind)
	_, err = c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{MethodID: wa.PhoneID, Code: msg.Code})
	require.NoError(t, err)

	_, err = c.OTPs.SMS.Send(ctx, &consumer.OTPsSMSSendParams{PhoneNumber: "+19995550000"})
	requireAPIError(t, err, 404, stytch.ErrorTypePhoneNumberNotFound)
	_, err = c.OTPs.SMS.Send(ctx, &consumer.OTPsSMSSendParams{PhoneNumber: "555-0123"})
	requireAPIError(t, err, 400, stytch.ErrorTypeInvalidPhoneNumber)
}

// signIn creates a user and a session through an email OTP.
func signIn(t *testing.T, srv *Server, c *consumer.Client, email string, claims map[string]any) *consumer.OTPsAuthenticateResponse {
	t.Helper()
	sent, err := c.OTPs.Email.LoginOrCreate(ctx, &consumer.OTPsEmailLoginOrCreateParams{Email: email})
	require.NoError(t, err)
	msg, _ := srv.LastMessage(email)
	auth, err := c.OTPs.Authenticate(ctx, &consumer.OTPsAuthenticateParams{
		MethodID: sent.EmailID, Code: msg.Code, SessionDurationMinutes: stytch.Ptr(60), SessionCustomClaims: claims,
	})
	require.NoError(t, err)
	return auth
}

func TestSessions(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := newConsumer(t, WithClock(clock.Now))
	auth := signIn(t, srv, c, "sess@example.com", map[string]any{"plan": "pro", "iss": "ignored"})
	require.Equal(t, clock.Now().Add(time.Hour), auth.Session.ExpiresAt)
	require.Equal(t, map[string]any{"plan": "pro"}, auth.Session.CustomClaims)

	// Both, neither.
	_, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &auth.SessionToken, SessionJWT: &auth.SessionJWT})
	requireAPIError(t, err, 400, stytch.ErrorTypeTooManySessionArguments)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{})
	requireAPIError(t, err, 400, stytch.ErrorTypeNoSessionArguments)

	// Authenticating extends the session and updates claims; null deletes one.
	clock.Add(10 * time.Minute)
	res, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{
		SessionToken: &auth.SessionToken, SessionDurationMinutes: stytch.Ptr(120),
		SessionCustomClaims: map[string]any{"plan": nil, "team": "blue"},
	})
	require.NoError(t, err)
	require.Equal(t, clock.Now().Add(2*time.Hour), res.Session.ExpiresAt)
	require.Equal(t, clock.Now(), res.Session.LastAccessedAt)
	require.Equal(t, map[string]any{"team": "blue"}, res.Session.CustomClaims)

	// A JWT past its exp still authenticates while the session lives.
	clock.Add(6 * time.Minute)
	res, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionJWT: &res.SessionJWT})
	require.NoError(t, err)
	require.Equal(t, auth.Session.SessionID, res.Session.SessionID)

	list, err := c.Sessions.Get(ctx, &consumer.SessionsGetParams{UserID: auth.UserID})
	require.NoError(t, err)
	require.Len(t, list.Sessions, 1)

	_, err = c.Sessions.Revoke(ctx, &consumer.SessionsRevokeParams{SessionID: &auth.Session.SessionID})
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &auth.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionJWT: &res.SessionJWT})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionJWT: stytch.Ptr("not.a.jwt")})
	require.Error(t, err)

	// Sessions end at expires_at.
	other := signIn(t, srv, c, "short@example.com", nil)
	clock.Add(61 * time.Minute)
	_, err = c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &other.SessionToken})
	requireAPIError(t, err, 404, stytch.ErrorTypeSessionNotFound)
}

func TestSessionJWTClaimsAndRotation(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	auth := signIn(t, srv, c, "jwt@example.com", map[string]any{"role": "admin"})
	verify := func(token string) jwt.MapClaims {
		t.Helper()
		keys, err := c.Sessions.GetJWKS(ctx, &consumer.SessionsGetJWKSParams{ProjectID: srv.ProjectID()})
		require.NoError(t, err)
		claims := jwt.MapClaims{}
		_, err = jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
			for _, k := range keys.Keys {
				if k.KID == tok.Header["kid"] {
					return rsaPublicKey(t, k.N, k.E), nil
				}
			}
			return nil, fmt.Errorf("unknown kid %v", tok.Header["kid"])
		}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer("stytch.com/"+srv.ProjectID()), jwt.WithAudience(srv.ProjectID()))
		require.NoError(t, err)
		return claims
	}
	claims := verify(auth.SessionJWT)
	require.Equal(t, auth.UserID, claims["sub"])
	require.Equal(t, "admin", claims["role"])
	exp, _ := claims.GetExpirationTime()
	iat, _ := claims.GetIssuedAt()
	require.Equal(t, 5*time.Minute, exp.Sub(iat.Time))
	sc := claims[sessionClaim].(map[string]any)
	require.Equal(t, auth.Session.SessionID, sc["id"])
	require.NotEmpty(t, sc["authentication_factors"])

	old := auth.SessionJWT
	srv.RotateKeys()
	res, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &auth.SessionToken})
	require.NoError(t, err)
	verify(res.SessionJWT)
	verify(old) // the previous key is still served
	keys, err := c.Sessions.GetJWKS(ctx, &consumer.SessionsGetJWKSParams{ProjectID: srv.ProjectID()})
	require.NoError(t, err)
	require.Len(t, keys.Keys, 2)
	own, err := c.Sessions.GetJWKS(ctx, nil) // the client's own project
	require.NoError(t, err)
	require.Equal(t, keys.Keys, own.Keys)
	_, err = c.Sessions.GetJWKS(ctx, &consumer.SessionsGetJWKSParams{ProjectID: "project-test-other"})
	require.Error(t, err)
}

func TestUsersCRUDAndSearch(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	var ids []string
	for i := range 5 {
		u, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr(fmt.Sprintf("u%d@example.com", i)), CreateUserAsPending: stytch.Ptr(i%2 == 0)})
		require.NoError(t, err)
		ids = append(ids, u.UserID)
	}
	_, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("U0@example.com")})
	requireAPIError(t, err, 400, stytch.ErrorTypeDuplicateEmail)

	page, err := c.Users.Search(ctx, &consumer.UsersSearchParams{Limit: stytch.Ptr(2)})
	require.NoError(t, err)
	require.Len(t, page.Results, 2)
	require.EqualValues(t, 5, page.ResultsMetadata.Total)
	seen := []string{page.Results[0].UserID, page.Results[1].UserID}
	for page.ResultsMetadata.NextCursor != "" {
		page, err = c.Users.Search(ctx, &consumer.UsersSearchParams{Limit: stytch.Ptr(2), Cursor: &page.ResultsMetadata.NextCursor})
		require.NoError(t, err)
		for _, u := range page.Results {
			seen = append(seen, u.UserID)
		}
	}
	require.ElementsMatch(t, ids, seen)

	pending, err := c.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{
		Operator: consumer.SearchOperatorAnd, Operands: []consumer.UserSearchFilter{consumer.UserFilterStatus(consumer.UserStatusPending)},
	}})
	require.NoError(t, err)
	require.Len(t, pending.Results, 3)

	up, err := c.Users.Update(ctx, &consumer.UsersUpdateParams{UserID: ids[1], Name: &consumer.Name{FirstName: "Grace"}, TrustedMetadata: map[string]any{"tier": 2}})
	require.NoError(t, err)
	require.Equal(t, "Grace", up.User.Name.FirstName)
	require.EqualValues(t, 2, up.User.TrustedMetadata["tier"])

	_, err = c.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: ids[1]})
	require.NoError(t, err)
	_, err = c.Users.Get(ctx, &consumer.UsersGetParams{UserID: ids[1]})
	requireAPIError(t, err, 404, stytch.ErrorTypeUserNotFound)
	_, err = c.Users.Search(ctx, &consumer.UsersSearchParams{Cursor: stytch.Ptr("garbage")})
	require.Error(t, err)
}

// TestConcurrentUsers creates and authenticates users from many goroutines:
// no lost writes, no races under -race.
func TestConcurrentUsers(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	const n = 40
	var wg sync.WaitGroup
	var ok atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := fmt.Sprintf("c%d@example.com", i)
			sent, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: email})
			if err != nil || !sent.UserCreated {
				t.Errorf("%s: %v", email, err)
				return
			}
			msg, _ := srv.LastMessage(email)
			auth, err := c.MagicLinks.Authenticate(ctx, &consumer.MagicLinksAuthenticateParams{Token: msg.Token, SessionDurationMinutes: stytch.Ptr(30)})
			if err != nil {
				t.Errorf("%s: %v", email, err)
				return
			}
			if _, err := c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionJWT: &auth.SessionJWT}); err != nil {
				t.Errorf("%s: %v", email, err)
				return
			}
			ok.Add(1)
		}()
	}
	wg.Wait()
	require.EqualValues(t, n, ok.Load())
	all, err := c.Users.Search(ctx, &consumer.UsersSearchParams{Limit: stytch.Ptr(1000)})
	require.NoError(t, err)
	require.Len(t, all.Results, n, "no lost writes")
}

func TestMessagesEndpoint(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	_, err := c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "m@example.com"})
	require.NoError(t, err)
	req, _ := http.NewRequest("GET", srv.URL+"/__emulator/messages?to=m@example.com", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode)
	req.SetBasicAuth(srv.ProjectID(), srv.Secret())
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Messages []Message `json:"messages"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Len(t, out.Messages, 1)
	require.Equal(t, "m@example.com", out.Messages[0].To)
	require.NotEmpty(t, out.Messages[0].Token)
}

func rsaPublicKey(t *testing.T, n, e string) *rsa.PublicKey {
	t.Helper()
	nb, err := base64.RawURLEncoding.DecodeString(n)
	require.NoError(t, err)
	eb, err := base64.RawURLEncoding.DecodeString(e)
	require.NoError(t, err)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: int(new(big.Int).SetBytes(eb).Int64())}
}

// consumerClient and b2bClient are the server's clients with options.
func consumerClient(t testing.TB, srv *Server, opts ...stytch.Option) *consumer.Client {
	t.Helper()
	c, err := srv.NewConsumerClient(opts...)
	require.NoError(t, err)
	return c
}

func b2bClient(t testing.TB, srv *Server, opts ...stytch.Option) *b2b.Client {
	t.Helper()
	c, err := srv.NewB2BClient(opts...)
	require.NoError(t, err)
	return c
}
