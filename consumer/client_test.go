package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

const (
	testProject = "project-test-11111111-2222-4333-8444-555555555555"
	testSecret  = "secret-test-consumer-never-printed-012345="
)

func setup(t *testing.T, handler http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := NewClient(testProject, testSecret, stytch.WithBaseURL(srv.URL))
	require.NoError(t, err)
	return c
}

// A magic-link authenticate response as the API sends it, trimmed.
const authenticateResponse = `{
  "request_id": "request-id-test-1", "status_code": 200, "user_id": "user-test-1", "method_id": "email-test-1",
  "reset_sessions": false, "session_token": "tok", "session_jwt": "jwt",
  "user": {"user_id": "user-test-1", "status": "active", "created_at": "2026-11-21T10:00:00Z",
    "emails": [{"email_id": "email-test-1", "email": "ada@example.com", "verified": true}],
    "phone_numbers": [], "webauthn_registrations": [], "providers": [], "totps": [], "crypto_wallets": [],
    "biometric_registrations": [], "roles": ["stytch_user"], "is_locked": false,
    "name": {"first_name": "Ada", "middle_name": "", "last_name": "Lovelace"}},
  "session": {"session_id": "session-test-1", "user_id": "user-test-1", "roles": ["stytch_user"],
    "started_at": "2026-11-21T10:00:00Z", "last_accessed_at": "2026-11-21T10:00:00Z", "expires_at": "2026-11-21T11:00:00Z",
    "attributes": {"ip_address": "203.0.113.9", "user_agent": "curl"},
    "authentication_factors": [{"type": "magic_link", "delivery_method": "email",
      "last_authenticated_at": "2026-11-21T10:00:00Z",
      "email_factor": {"email_id": "email-test-1", "email_address": "ada@example.com"}}]}
}`

func TestAuthenticateDecodesTypedResponse(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/v1/magic_links/authenticate", r.URL.Path)
		_, _ = io.WriteString(w, authenticateResponse)
	})
	resp, err := c.MagicLinks.Authenticate(context.Background(), &MagicLinksAuthenticateParams{
		Token: "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=", SessionDurationMinutes: stytch.Ptr(60),
	})
	require.NoError(t, err)
	require.Equal(t, "user-test-1", resp.User.UserID)
	require.Equal(t, "ada@example.com", resp.User.Emails[0].Email)
	require.True(t, resp.User.Emails[0].Verified)
	require.Equal(t, "Ada", resp.User.Name.FirstName)
	require.NotNil(t, resp.Session)
	require.Equal(t, time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC), resp.Session.ExpiresAt)
	f := resp.Session.AuthenticationFactors[0]
	require.Equal(t, AuthenticationFactorTypeMagicLink, f.Type)
	require.Equal(t, AuthenticationFactorDeliveryMethodEmail, f.DeliveryMethod)
	require.Equal(t, "ada@example.com", f.EmailFactor.EmailAddress)
}

func TestEmptyPathParameterFailsBeforeIO(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s", r.URL) })
	resp, err := c.Users.Get(context.Background(), &UsersGetParams{})
	require.Nil(t, resp)
	var pe *stytch.ParamError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "Users.Get", pe.Operation)
	require.Equal(t, "user_id", pe.Param)
}

func TestClientNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret)
	require.NoError(t, err)
	out := fmt.Sprintf("%v %+v %#v %v %+v", c, c, c, *c.Users, *c.MagicLinks.Email)
	require.NotContains(t, out, testSecret)
}
