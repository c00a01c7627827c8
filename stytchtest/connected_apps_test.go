package stytchtest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

func TestConnectedAppClients(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	clients := c.ConnectedApp.Clients

	created, err := clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeFirstParty, ClientName: stytch.Ptr("Docs"),
		RedirectURLs: []string{"https://docs.example/callback"}, FullAccessAllowed: stytch.Ptr(true),
		AccessTokenTemplateContent: stytch.Ptr(`{"team": "docs"}`),
	})
	require.NoError(t, err)
	app := created.ConnectedApp
	require.Regexp(t, `^connected-app-test-`, app.ClientID)
	require.Len(t, app.ClientSecret, 44)
	require.Equal(t, app.ClientSecret[40:], app.ClientSecretLastFour)
	require.Equal(t, 60, app.AccessTokenExpiryMinutes, "the default lifetime")
	require.Equal(t, "active", app.Status)
	require.True(t, app.FullAccessAllowed)

	// Afterwards only the last four are shown.
	got, err := clients.Get(ctx, &consumer.ConnectedAppClientsGetParams{ClientID: app.ClientID})
	require.NoError(t, err)
	raw, _ := json.Marshal(got.ConnectedApp)
	require.NotContains(t, string(raw), app.ClientSecret)
	require.Equal(t, app.ClientSecretLastFour, got.ConnectedApp.ClientSecretLastFour)

	// A public client has no secret; first-party options are refused to a
	// third-party one.
	public, err := clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{ClientType: consumer.ConnectedAppClientTypeThirdPartyPublic, ClientName: stytch.Ptr("CLI")})
	require.NoError(t, err)
	require.Empty(t, public.ConnectedApp.ClientSecret)
	require.Empty(t, public.ConnectedApp.ClientSecretLastFour)
	_, err = clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{ClientType: consumer.ConnectedAppClientTypeThirdParty, BypassConsentForOfflineAccess: stytch.Ptr(true)})
	requireAPIError(t, err, 400, "invalid_client_type")
	_, err = clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{ClientType: consumer.ConnectedAppClientTypeFirstParty, AccessTokenTemplateContent: stytch.Ptr(`[1]`)})
	requireAPIError(t, err, 400, "invalid_template_content")
	_, err = clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{ClientType: consumer.ConnectedAppClientTypeFirstParty, RedirectURLs: []string{"/relative"}})
	requireAPIError(t, err, 400, "invalid_redirect_url")

	// Update changes what it is given; an invalid update changes nothing.
	upd, err := clients.Update(ctx, &consumer.ConnectedAppClientsUpdateParams{ClientID: app.ClientID, ClientName: stytch.Ptr("Docs 2"), AccessTokenExpiryMinutes: stytch.Ptr(15)})
	require.NoError(t, err)
	require.Equal(t, "Docs 2", upd.ConnectedApp.ClientName)
	require.Equal(t, 15, upd.ConnectedApp.AccessTokenExpiryMinutes)
	require.Equal(t, []string{"https://docs.example/callback"}, upd.ConnectedApp.RedirectURLs)
	_, err = clients.Update(ctx, &consumer.ConnectedAppClientsUpdateParams{ClientID: app.ClientID, ClientName: stytch.Ptr("Docs 3"), IDTokenTemplateContent: stytch.Ptr("nope")})
	requireAPIError(t, err, 400, "invalid_template_content")
	got, err = clients.Get(ctx, &consumer.ConnectedAppClientsGetParams{ClientID: app.ClientID})
	require.NoError(t, err)
	require.Equal(t, "Docs 2", got.ConnectedApp.ClientName)

	// Search pages oldest first.
	_, err = clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{ClientType: consumer.ConnectedAppClientTypeFirstPartyPublic})
	require.NoError(t, err)
	page, err := clients.Search(ctx, &consumer.ConnectedAppClientsSearchParams{Limit: stytch.Ptr(2)})
	require.NoError(t, err)
	require.Equal(t, 3, page.ResultsMetadata.Total)
	require.Equal(t, []string{app.ClientID, public.ConnectedApp.ClientID}, []string{page.ConnectedApps[0].ClientID, page.ConnectedApps[1].ClientID})
	require.NotEmpty(t, page.ResultsMetadata.NextCursor)
	last, err := clients.Search(ctx, &consumer.ConnectedAppClientsSearchParams{Cursor: &page.ResultsMetadata.NextCursor})
	require.NoError(t, err)
	require.Len(t, last.ConnectedApps, 1)
	require.Empty(t, last.ResultsMetadata.NextCursor)
	n := 0
	for _, err := range clients.SearchAll(ctx, &consumer.ConnectedAppClientsSearchParams{Limit: stytch.Ptr(1)}) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 3, n)

	// Delete.
	del, err := clients.Delete(ctx, &consumer.ConnectedAppClientsDeleteParams{ClientID: app.ClientID})
	require.NoError(t, err)
	require.Equal(t, app.ClientID, del.ClientID)
	_, err = clients.Get(ctx, &consumer.ConnectedAppClientsGetParams{ClientID: app.ClientID})
	requireAPIError(t, err, 404, "connected_app_not_found")
}

// A rotation's next secret gets tokens alongside the current one; Rotate
// retires the old one, RotateCancel the next one.
func TestConnectedAppSecretRotation(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	user := signIn(t, srv, c, "ada@example.com", nil)
	secrets := c.ConnectedApp.Clients.Secrets
	created, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{
		ClientType: consumer.ConnectedAppClientTypeFirstParty, RedirectURLs: []string{"https://app.example/cb"},
	})
	require.NoError(t, err)
	app := created.ConnectedApp
	id := app.ClientID
	// exchange runs a flow and exchanges its code with secret.
	exchange := func(secret string) int {
		code := authorizeCode(t, c, id, "https://app.example/cb", user.SessionToken, []string{"openid"}, "")
		status, _ := tokenRequest(t, srv, map[string]string{
			"grant_type": "authorization_code", "client_id": id, "client_secret": secret,
			"code": code, "redirect_uri": "https://app.example/cb",
		})
		return status
	}
	require.Equal(t, 200, exchange(app.ClientSecret))

	_, err = secrets.Rotate(ctx, &consumer.ConnectedAppClientsSecretsRotateParams{ClientID: id})
	requireAPIError(t, err, 400, "connected_app_secret_rotation_not_started")

	started, err := secrets.RotateStart(ctx, &consumer.ConnectedAppClientsSecretsRotateStartParams{ClientID: id})
	require.NoError(t, err)
	next := started.ConnectedApp.NextClientSecret
	require.NotEqual(t, app.ClientSecret, next)
	require.Equal(t, next[len(next)-4:], started.ConnectedApp.NextClientSecretLastFour)
	require.Equal(t, 200, exchange(app.ClientSecret))
	require.Equal(t, 200, exchange(next))

	rotated, err := secrets.Rotate(ctx, &consumer.ConnectedAppClientsSecretsRotateParams{ClientID: id})
	require.NoError(t, err)
	require.Equal(t, next[len(next)-4:], rotated.ConnectedApp.ClientSecretLastFour)
	require.Empty(t, rotated.ConnectedApp.NextClientSecretLastFour)
	require.Equal(t, 401, exchange(app.ClientSecret), "the old secret is retired")
	require.Equal(t, 200, exchange(next))

	again, err := secrets.RotateStart(ctx, &consumer.ConnectedAppClientsSecretsRotateStartParams{ClientID: id})
	require.NoError(t, err)
	cancelled, err := secrets.RotateCancel(ctx, &consumer.ConnectedAppClientsSecretsRotateCancelParams{ClientID: id})
	require.NoError(t, err)
	require.Empty(t, cancelled.ConnectedApp.NextClientSecretLastFour)
	require.Equal(t, 401, exchange(again.ConnectedApp.NextClientSecret), "the cancelled secret never works")
	require.Equal(t, 200, exchange(next))

	// A public client has no secret to rotate.
	public, err := c.ConnectedApp.Clients.Create(ctx, &consumer.ConnectedAppClientsCreateParams{ClientType: consumer.ConnectedAppClientTypeFirstPartyPublic})
	require.NoError(t, err)
	_, err = secrets.RotateStart(ctx, &consumer.ConnectedAppClientsSecretsRotateStartParams{ClientID: public.ConnectedApp.ClientID})
	requireAPIError(t, err, 400, "invalid_client_type")
}
