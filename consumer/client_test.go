package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
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
		if want := "/v1/magic_links/authenticate"; r.URL.Path != want {
			t.Fatalf("r.URL.Path = %q, want %q", r.URL.Path, want)
		}
		_, _ = io.WriteString(w, authenticateResponse)
	})
	resp, err := c.MagicLinks.Authenticate(context.Background(), &MagicLinksAuthenticateParams{
		Token: "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=", SessionDurationMinutes: stytch.Ptr(60),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.User.UserID != "user-test-1" {
		t.Fatalf("resp.User.UserID = %q, want %q", resp.User.UserID, "user-test-1")
	}
	if resp.User.Emails[0].Email != "ada@example.com" {
		t.Fatalf("resp.User.Emails[0].Email = %q, want %q", resp.User.Emails[0].Email, "ada@example.com")
	}
	if !resp.User.Emails[0].Verified {
		t.Fatal("resp.User.Emails[0].Verified = false, want true")
	}
	if resp.User.Name.FirstName != "Ada" {
		t.Fatalf("resp.User.Name.FirstName = %q, want %q", resp.User.Name.FirstName, "Ada")
	}
	if resp.Session == nil {
		t.Fatal("resp.Session = nil, want non-nil")
	}
	if want := time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC); !reflect.DeepEqual(resp.Session.ExpiresAt, want) {
		t.Fatalf("resp.Session.ExpiresAt = %+v, want %+v", resp.Session.ExpiresAt, want)
	}
	f := resp.Session.AuthenticationFactors[0]
	if want := AuthenticationFactorTypeMagicLink; f.Type != want {
		t.Fatalf("f.Type = %q, want %q", f.Type, want)
	}
	if want := AuthenticationFactorDeliveryMethodEmail; f.DeliveryMethod != want {
		t.Fatalf("f.DeliveryMethod = %q, want %q", f.DeliveryMethod, want)
	}
	if f.EmailFactor.EmailAddress != "ada@example.com" {
		t.Fatalf("f.EmailFactor.EmailAddress = %q, want %q", f.EmailFactor.EmailAddress, "ada@example.com")
	}
}

func TestEmptyPathParameterFailsBeforeIO(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s", r.URL) })
	resp, err := c.Users.Get(context.Background(), &UsersGetParams{})
	if resp != nil {
		t.Fatalf("resp = %+v, want nil", resp)
	}
	var pe *stytch.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a %T", err, pe)
	}
	if pe.Operation != "Users.Get" {
		t.Fatalf("pe.Operation = %q, want %q", pe.Operation, "Users.Get")
	}
	if pe.Param != "user_id" {
		t.Fatalf("pe.Param = %q, want %q", pe.Param, "user_id")
	}
}

func TestClientNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %v %+v", c, c, c, *c.Users, *c.MagicLinks.Email)
	if strings.Contains(out, testSecret) {
		t.Fatalf("out = %q, want it not to contain %q", out, testSecret)
	}
}
