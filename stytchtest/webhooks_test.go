package stytchtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/webhooks"
)

// receiver is a webhook endpoint that verifies and keeps what it receives.
type receiver struct {
	mu     sync.Mutex
	events []*webhooks.Event
}

func (rc *receiver) types() []webhooks.EventType {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []webhooks.EventType
	for _, e := range rc.events {
		out = append(out, e.Type())
	}
	return out
}

func newReceiver(t *testing.T, secret string, also func(*webhooks.Event)) (*receiver, string) {
	t.Helper()
	v, err := webhooks.NewVerifier(secret)
	require.NoError(t, err)
	rc := &receiver{}
	hook := httptest.NewServer(webhooks.Handler(v, func(_ context.Context, e *webhooks.Event) error {
		if also != nil {
			also(e)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.events = append(rc.events, e)
		return nil
	}))
	t.Cleanup(hook.Close)
	return rc, hook.URL
}

const hookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestWebhooksConsumer(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	// The handler calls the emulator back while it handles an event:
	// delivery does not hold the emulator's lock. (Delivery is
	// asynchronous, so the user may be gone by then.)
	var callbacks int
	rc, url := newReceiver(t, hookSecret, func(e *webhooks.Event) {
		_, _ = c.Users.Get(context.Background(), &consumer.UsersGetParams{UserID: e.ID})
		callbacks++
	})
	_, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("before@example.com")})
	require.NoError(t, err)
	srv.SendWebhooks(url, hookSecret)

	created, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com"), Name: &consumer.Name{FirstName: "Ada"}})
	require.NoError(t, err)
	_, err = c.Users.Update(ctx, &consumer.UsersUpdateParams{UserID: created.UserID, TrustedMetadata: map[string]any{"plan": "pro"}})
	require.NoError(t, err)
	_, err = c.Users.Delete(ctx, &consumer.UsersDeleteParams{UserID: created.UserID})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.LoginOrCreate(ctx, &consumer.MagicLinksEmailLoginOrCreateParams{Email: "grace@example.com"})
	require.NoError(t, err)
	srv.WaitWebhooks()

	require.Equal(t, []webhooks.EventType{webhooks.DirectUserCreate, webhooks.DirectUserUpdate, webhooks.DirectUserDelete, webhooks.DirectUserCreate}, rc.types())
	first := rc.events[0]
	require.Equal(t, srv.ProjectID(), first.ProjectID)
	require.Equal(t, created.UserID, first.ID)
	require.Equal(t, "ada@example.com", first.User.Emails[0].Email)
	require.Nil(t, first.User.TrustedMetadata["plan"], "the create event shows the user as created, not as later updated")
	require.Equal(t, "pro", rc.events[1].User.TrustedMetadata["plan"])
	require.Nil(t, rc.events[2].User)
	require.Equal(t, "grace@example.com", rc.events[3].User.Emails[0].Email)
	require.Equal(t, 4, callbacks)

	ds := srv.WebhookDeliveries()
	require.Len(t, ds, 4)
	for _, d := range ds {
		require.Equal(t, 204, d.StatusCode)
		require.NoError(t, d.Err)
		require.True(t, strings.HasPrefix(d.MessageID, "msg_"))
	}
}

func TestWebhooksB2B(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	rc, url := newReceiver(t, hookSecret, nil)
	// A second endpoint with another secret gets the same events, and one
	// that verifies with the wrong secret refuses them all.
	other := "whsec_" + strings.Repeat("Q", 32)
	rc2, url2 := newReceiver(t, other, nil)
	_, wrong := newReceiver(t, other, nil)
	srv.SendWebhooks(url, hookSecret)
	srv.SendWebhooks(url2, other)
	srv.SendWebhooks(wrong, hookSecret)

	org := b2bTestOrg(t, c, "Acme", nil)
	_, err := c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: org.OrganizationID, OrganizationName: stytch.Ptr("Acme, Inc.")})
	require.NoError(t, err)
	m := b2bTestMember(t, c, org.OrganizationID, "ada@acme.com", nil)
	_, err = c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID, Name: stytch.Ptr("Ada")})
	require.NoError(t, err)
	_, err = c.Organizations.Members.Delete(ctx, &b2b.OrganizationsMembersDeleteParams{OrganizationID: org.OrganizationID, MemberID: m.MemberID})
	require.NoError(t, err)
	_, err = c.Organizations.Delete(ctx, &b2b.OrganizationsDeleteParams{OrganizationID: org.OrganizationID})
	require.NoError(t, err)
	srv.WaitWebhooks()

	want := []webhooks.EventType{
		webhooks.DirectOrganizationCreate, webhooks.DirectOrganizationUpdate,
		webhooks.DirectMemberCreate, webhooks.DirectMemberUpdate, webhooks.DirectMemberDelete,
		webhooks.DirectOrganizationDelete,
	}
	require.Equal(t, want, rc.types())
	require.Equal(t, want, rc2.types())
	require.Equal(t, "Acme", rc.events[0].Organization.OrganizationName)
	require.Equal(t, "Acme, Inc.", rc.events[1].Organization.OrganizationName)
	require.Equal(t, "ada@acme.com", rc.events[2].Member.EmailAddress)
	require.Equal(t, org.OrganizationID, rc.events[2].Member.OrganizationID)
	require.Equal(t, "Ada", rc.events[3].Member.Name)
	require.Equal(t, m.MemberID, rc.events[4].ID)
	require.Equal(t, "B2B", rc.events[0].Vertical)

	refused := 0
	for _, d := range srv.WebhookDeliveries() {
		if d.URL == wrong {
			require.Equal(t, 401, d.StatusCode)
			refused++
		}
	}
	require.Equal(t, len(want), refused)
	require.Panics(t, func() { srv.SendWebhooks(url, "not a secret!") })
}

// TestWebhookHookOverHTTP registers an endpoint and reads the deliveries
// through /__emulator/webhooks, as a program in another language would.
func TestWebhookHookOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	rc, url := newReceiver(t, hookSecret, nil)
	hook := func(method, body string) (int, map[string]any) {
		return callHook(t, srv, method, "/__emulator/webhooks", body, true)
	}
	status, out := hook(http.MethodPost, `{"url": "`+url+`", "secret": "`+hookSecret+`"}`)
	require.Equal(t, http.StatusOK, status, out)
	_, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com")})
	require.NoError(t, err)

	status, out = hook(http.MethodGet, "")
	require.Equal(t, http.StatusOK, status)
	deliveries := out["deliveries"].([]any)
	require.Len(t, deliveries, 1)
	d := deliveries[0].(map[string]any)
	require.Equal(t, url, d["url"])
	require.Equal(t, string(webhooks.DirectUserCreate), d["event_type"])
	require.EqualValues(t, 204, d["status_code"])
	require.Equal(t, []webhooks.EventType{webhooks.DirectUserCreate}, rc.types())

	// Bad input is a 400 that never echoes the secret; no credentials, a 401.
	for _, body := range []string{`{"url": "ftp://x", "secret": "` + hookSecret + `"}`, `{"url": "` + url + `", "secret": "not-a-whsec"}`, `[`} {
		status, out = hook(http.MethodPost, body)
		require.Equal(t, http.StatusBadRequest, status, body)
		require.NotContains(t, out["error_message"], "not-a-whsec")
	}
	resp, err := http.Get(srv.URL + "/__emulator/webhooks")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
