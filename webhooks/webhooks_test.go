package webhooks_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/webhooks"
)

// The Standard Webhooks specification's published test vector (its
// libraries' tests all use it): this secret, id, timestamp and body sign
// to this signature.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	// A well-formed signature of something else, from the same tests.
	otherSignature = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
)

var vectorTime = time.Unix(vectorTimestamp, 0)

func at(t time.Time) webhooks.Option { return webhooks.WithClock(func() time.Time { return t }) }

func headers(prefix, id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(prefix+"-id", id)
	h.Set(prefix+"-timestamp", strconv.FormatInt(ts, 10))
	h.Set(prefix+"-signature", sig)
	return h
}

func TestStandardWebhooksVector(t *testing.T) {
	t.Parallel()
	sig, err := webhooks.Sign(vectorSecret, vectorID, vectorTime, []byte(vectorBody))
	require.NoError(t, err)
	require.Equal(t, vectorSignature, sig)
	unprefixed, err := webhooks.Sign(strings.TrimPrefix(vectorSecret, "whsec_"), vectorID, vectorTime, []byte(vectorBody))
	require.NoError(t, err)
	require.Equal(t, vectorSignature, unprefixed, "the whsec_ prefix is optional")

	v, err := webhooks.NewVerifier(vectorSecret, at(vectorTime))
	require.NoError(t, err)
	for _, prefix := range []string{"svix", "webhook"} {
		require.NoError(t, v.Verify(headers(prefix, vectorID, vectorTimestamp, vectorSignature), []byte(vectorBody)), prefix)
		require.ErrorIs(t, v.Verify(headers(prefix, vectorID, vectorTimestamp, otherSignature), []byte(vectorBody)), webhooks.ErrSignature, prefix)
	}
	// Several signatures, of several schemes: one good v1 is enough.
	multi := strings.Join([]string{otherSignature, "v2," + strings.TrimPrefix(otherSignature, "v1,"), vectorSignature, "v1a,xyz", "junk"}, " ")
	require.NoError(t, v.Verify(headers("svix", vectorID, vectorTimestamp, multi), []byte(vectorBody)))
	// The same bytes under another scheme's label do not count.
	require.ErrorIs(t, v.Verify(headers("svix", vectorID, vectorTimestamp, "v2,"+strings.TrimPrefix(vectorSignature, "v1,")), []byte(vectorBody)), webhooks.ErrSignature)
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	body := []byte(vectorBody)
	good := func() http.Header { return headers("svix", vectorID, vectorTimestamp, vectorSignature) }
	v, err := webhooks.NewVerifier(vectorSecret, at(vectorTime))
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		header http.Header
		body   []byte
		v      *webhooks.Verifier
		want   error
	}{
		"tampered body":      {good(), []byte(`{"test": 2432232315}`), v, webhooks.ErrSignature},
		"trailing space":     {good(), []byte(vectorBody + " "), v, webhooks.ErrSignature},
		"tampered id":        {headers("svix", vectorID+"x", vectorTimestamp, vectorSignature), body, v, webhooks.ErrSignature},
		"tampered timestamp": {headers("svix", vectorID, vectorTimestamp+1, vectorSignature), body, v, webhooks.ErrSignature},
		"no signature":       {headers("svix", vectorID, vectorTimestamp, ""), body, v, webhooks.ErrMissingHeaders},
		"no headers":         {http.Header{}, body, v, webhooks.ErrMissingHeaders},
		"bad timestamp":      {func() http.Header { h := good(); h.Set("svix-timestamp", "soon"); return h }(), body, v, webhooks.ErrInvalidHeaders},
		"truncated sig":      {headers("svix", vectorID, vectorTimestamp, vectorSignature[:20]), body, v, webhooks.ErrSignature},
		"long sig":           {headers("svix", vectorID, vectorTimestamp, vectorSignature+"AAAA"), body, v, webhooks.ErrSignature},
		"wrong secret": {good(), body, func() *webhooks.Verifier {
			w, err := webhooks.NewVerifier("whsec_"+strings.Repeat("A", 32), at(vectorTime))
			require.NoError(t, err)
			return w
		}(), webhooks.ErrSignature},
		// A genuine webhook captured and sent again later.
		"replayed": {good(), body, func() *webhooks.Verifier {
			w, err := webhooks.NewVerifier(vectorSecret, at(vectorTime.Add(webhooks.DefaultTolerance+time.Second)))
			require.NoError(t, err)
			return w
		}(), webhooks.ErrTooOld},
		"from the future": {good(), body, func() *webhooks.Verifier {
			w, err := webhooks.NewVerifier(vectorSecret, at(vectorTime.Add(-webhooks.DefaultTolerance-time.Second)))
			require.NoError(t, err)
			return w
		}(), webhooks.ErrTooNew},
		"expired under a tighter tolerance": {good(), body, func() *webhooks.Verifier {
			w, err := webhooks.NewVerifier(vectorSecret, webhooks.WithTolerance(time.Minute), at(vectorTime.Add(2*time.Minute)))
			require.NoError(t, err)
			return w
		}(), webhooks.ErrTooOld},
	} {
		err := tc.v.Verify(tc.header, tc.body)
		require.ErrorIs(t, err, tc.want, name)
	}

	// Within the tolerance, either way, is fine.
	for _, d := range []time.Duration{-webhooks.DefaultTolerance, -time.Second, time.Second, webhooks.DefaultTolerance} {
		w, err := webhooks.NewVerifier(vectorSecret, at(vectorTime.Add(d)))
		require.NoError(t, err)
		require.NoError(t, w.Verify(good(), body), d)
	}
	// The package-level Verify uses the real clock: the vector is years old.
	require.ErrorIs(t, webhooks.Verify(vectorSecret, good(), body), webhooks.ErrTooOld)
}

func TestSecretRotation(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret := vectorSecret, "whsec_"+strings.Repeat("B", 40)
	now := time.Now()
	body := []byte(`{"project_id":"p"}`)
	oldSig, err := webhooks.Sign(oldSecret, "msg_1", now, body)
	require.NoError(t, err)
	newSig, err := webhooks.Sign(newSecret, "msg_1", now, body)
	require.NoError(t, err)
	h := func(sigs ...string) http.Header { return headers("svix", "msg_1", now.Unix(), strings.Join(sigs, " ")) }

	// While Svix rotates, it signs with both secrets.
	onlyNew, err := webhooks.NewVerifier(newSecret)
	require.NoError(t, err)
	require.NoError(t, onlyNew.Verify(h(oldSig, newSig), body))
	require.ErrorIs(t, onlyNew.Verify(h(oldSig), body), webhooks.ErrSignature)
	// A receiver rotating its own configuration accepts either.
	both, err := webhooks.NewVerifier(newSecret, webhooks.WithSecrets(oldSecret))
	require.NoError(t, err)
	require.NoError(t, both.Verify(h(oldSig), body))
	require.NoError(t, both.Verify(h(newSig), body))

	for _, bad := range []string{"", "whsec_", "whsec_not base64!"} {
		_, err := webhooks.NewVerifier(bad)
		require.ErrorIs(t, err, webhooks.ErrInvalidSecret, bad)
		_, err = webhooks.NewVerifier(newSecret, webhooks.WithSecrets(bad))
		require.ErrorIs(t, err, webhooks.ErrInvalidSecret, bad)
	}
	for _, opt := range []webhooks.Option{webhooks.WithTolerance(0), webhooks.WithMaxBodyBytes(0), webhooks.WithClock(nil)} {
		_, err = webhooks.NewVerifier(newSecret, opt)
		require.Error(t, err)
	}
	require.Panics(t, func() { webhooks.Handler(nil, nil) })
}

// An event as Stytch's catalogue shows one (member created in the
// dashboard), trimmed.
const memberEvent = `{
  "action": "CREATE",
  "event_id": "webhook-event-test-00000000-0000-0000-0000-000000000000",
  "id": "member-test-00000000-0000-0000-0000-000000000000",
  "member": {
    "default_mfa_method": "",
    "email_address": "ada@example.com",
    "email_address_verified": false,
    "is_admin": false,
    "is_breakglass": false,
    "member_id": "member-test-00000000-0000-0000-0000-000000000000",
    "member_password_id": "",
    "mfa_enrolled": false,
    "mfa_phone_number": "",
    "name": "Ada Lovelace",
    "oauth_registrations": [],
    "organization_id": "organization-test-00000000-0000-0000-0000-000000000000",
    "roles": [{"role_id": "stytch_member", "sources": [{"details": {}, "type": "direct_assignment"}]}],
    "sso_registrations": [],
    "status": "active",
    "trusted_metadata": {},
    "untrusted_metadata": {}
  },
  "object_type": "member",
  "project_id": "project-test-00000000-0000-0000-0000-000000000000",
  "source": "DASHBOARD",
  "timestamp": "2024-01-02T03:04:05.678901Z",
  "vertical": "B2B"
}`

const userEvent = `{
  "action": "UPDATE", "event_id": "webhook-event-test-1", "id": "user-test-1", "object_type": "user",
  "project_id": "project-test-1", "source": "DIRECT", "timestamp": "2024-11-21T06:47:49.555247073Z",
  "user": {"user_id": "user-test-1", "created_at": "2024-11-21T06:47:49Z", "emails": [{"email": "ada@example.com", "email_id": "email-test-1", "verified": false}],
    "name": {"first_name": "Ada", "last_name": "Lovelace", "middle_name": ""}, "password": null, "phone_numbers": [], "providers": [],
    "status": "active", "totps": [], "crypto_wallets": [], "biometric_registrations": [], "webauthn_registrations": [],
    "trusted_metadata": {}, "untrusted_metadata": {}, "lock_created_at": null, "lock_expires_at": null, "is_locked": false, "external_id": ""},
  "vertical": "CONSUMER"
}`

func TestParse(t *testing.T) {
	t.Parallel()
	e, err := webhooks.Parse([]byte(memberEvent))
	require.NoError(t, err)
	require.Equal(t, webhooks.DashboardMemberCreate, e.Type())
	require.Equal(t, webhooks.ActionCreate, e.Action)
	require.Equal(t, webhooks.SourceDashboard, e.Source)
	require.Equal(t, "member-test-00000000-0000-0000-0000-000000000000", e.ID)
	require.Equal(t, time.Date(2024, 1, 2, 3, 4, 5, 678901000, time.UTC), e.Timestamp)
	require.NotNil(t, e.Member)
	require.Equal(t, "Ada Lovelace", e.Member.Name)
	require.Equal(t, "stytch_member", e.Member.Roles[0].RoleID)
	require.Nil(t, e.User)
	require.NotEmpty(t, e.Object)

	e, err = webhooks.Parse([]byte(userEvent))
	require.NoError(t, err)
	require.Equal(t, webhooks.DirectUserUpdate, e.Type())
	require.Equal(t, "ada@example.com", e.User.Emails[0].Email)
	require.Equal(t, "Ada", e.User.Name.FirstName)

	e, err = webhooks.Parse([]byte(`{"action":"DELETE","event_id":"x","id":"member-1","object_type":"member","project_id":"p","source":"SCIM","timestamp":"2024-01-02T03:04:05Z"}`))
	require.NoError(t, err)
	require.Equal(t, webhooks.SCIMMemberDelete, e.Type())
	require.Nil(t, e.Member)
	require.Nil(t, e.Object)

	// An object type the SDK has no type for stays raw.
	e, err = webhooks.Parse([]byte(`{"action":"CREATE","event_id":"x","id":"c-1","object_type":"connected_app","project_id":"p","source":"DIRECT","timestamp":"2024-01-02T03:04:05Z","connected_app":{"client_id":"c-1"}}`))
	require.NoError(t, err)
	require.JSONEq(t, `{"client_id":"c-1"}`, string(e.Object))

	for _, bad := range []string{`not json`, `{}`, `{"action":"CREATE","object_type":"member","member":{"name":5}}`} {
		_, err := webhooks.Parse([]byte(bad))
		require.ErrorIs(t, err, webhooks.ErrDecode, bad)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	secret := "whsec_" + strings.Repeat("C", 32)
	v, err := webhooks.NewVerifier(secret, webhooks.WithMaxBodyBytes(4096))
	require.NoError(t, err)
	var got []*webhooks.Event
	h := webhooks.Handler(v, func(_ context.Context, e *webhooks.Event) error {
		if e.ID == "boom" {
			return errors.New("database down")
		}
		got = append(got, e)
		return nil
	})
	send := func(method string, body string, sign bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/webhooks", strings.NewReader(body))
		if sign {
			sig, err := webhooks.Sign(secret, "msg_1", time.Now(), []byte(body))
			require.NoError(t, err)
			r.Header = headers("svix", "msg_1", time.Now().Unix(), sig)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	require.Equal(t, 204, send("POST", memberEvent, true).Code)
	require.Len(t, got, 1)
	require.Equal(t, webhooks.DashboardMemberCreate, got[0].Type())

	w := send("GET", memberEvent, true)
	require.Equal(t, 405, w.Code)
	require.Equal(t, "POST", w.Header().Get("Allow"))
	require.Equal(t, 401, send("POST", memberEvent, false).Code)
	require.Equal(t, 413, send("POST", `{"pad":"`+strings.Repeat("x", 5000)+`"}`, true).Code)
	require.Equal(t, 400, send("POST", `{"hello":"world"}`, true).Code)
	require.Equal(t, 500, send("POST", strings.Replace(memberEvent, `"id": "member-test-00000000-0000-0000-0000-000000000000"`, `"id": "boom"`, 1), true).Code)
	require.Len(t, got, 1)
}
