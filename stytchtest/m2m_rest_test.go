package stytchtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

func TestM2MClientsSearch(t *testing.T) {
	t.Parallel()
	_, c := newConsumer(t)
	create := func(name string, scopes ...string) string {
		t.Helper()
		r, err := c.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{ClientName: stytch.Ptr(name), Scopes: scopes})
		require.NoError(t, err)
		return r.M2MClient.ClientID
	}
	billing := create("billing", "read:users", "write:invoices")
	reports := create("reports", "read:users")
	sync := create("sync", "write:users")

	ids := func(q *consumer.M2MSearchQuery, limit *int) []string {
		t.Helper()
		var out []string
		for mc, err := range c.M2M.Clients.SearchAll(ctx, &consumer.M2MClientsSearchParams{Query: q, Limit: limit}) {
			require.NoError(t, err)
			out = append(out, mc.ClientID)
		}
		return out
	}
	tests := []struct {
		name string
		q    *consumer.M2MSearchQuery
		want []string
	}{
		{"all", nil, []string{billing, reports, sync}},
		{"client_id", &consumer.M2MSearchQuery{Operator: consumer.SearchOperatorAnd, Operands: []consumer.M2MSearchFilter{consumer.M2MFilterClientID(sync, reports)}}, []string{reports, sync}},
		{"client_name", &consumer.M2MSearchQuery{Operator: consumer.SearchOperatorAnd, Operands: []consumer.M2MSearchFilter{consumer.M2MFilterClientName("billing")}}, []string{billing}},
		{"scopes", &consumer.M2MSearchQuery{Operator: consumer.SearchOperatorAnd, Operands: []consumer.M2MSearchFilter{consumer.M2MFilterScopes("read:users")}}, []string{billing, reports}},
		{"and", &consumer.M2MSearchQuery{Operator: consumer.SearchOperatorAnd, Operands: []consumer.M2MSearchFilter{consumer.M2MFilterScopes("read:users"), consumer.M2MFilterClientName("reports")}}, []string{reports}},
		{"or", &consumer.M2MSearchQuery{Operator: consumer.SearchOperatorOr, Operands: []consumer.M2MSearchFilter{consumer.M2MFilterScopes("write:users"), consumer.M2MFilterClientName("billing")}}, []string{billing, sync}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ids(tt.q, nil))
		})
	}

	// Pages of one client each, chained by the cursor.
	require.Equal(t, []string{billing, reports, sync}, ids(nil, stytch.Ptr(1)))
	page, err := c.M2M.Clients.Search(ctx, &consumer.M2MClientsSearchParams{Limit: stytch.Ptr(2)})
	require.NoError(t, err)
	require.Len(t, page.M2MClients, 2)
	require.Equal(t, 3, page.ResultsMetadata.Total)
	require.NotEmpty(t, page.ResultsMetadata.NextCursor)

	_, err = c.M2M.Clients.Search(ctx, &consumer.M2MClientsSearchParams{Cursor: stytch.Ptr("not-a-cursor")})
	requireAPIError(t, err, 400, "invalid_cursor")
	_, err = c.M2M.Clients.Search(ctx, &consumer.M2MClientsSearchParams{Query: &consumer.M2MSearchQuery{
		Operator: consumer.SearchOperatorAnd, Operands: []consumer.M2MSearchFilter{consumer.M2MFilter("status", []string{"active"})}}})
	requireAPIError(t, err, 400, errorTypeBadRequest)

	for _, id := range []string{billing, reports, sync} {
		_, err := c.M2M.Clients.Delete(ctx, &consumer.M2MClientsDeleteParams{ClientID: id})
		require.NoError(t, err)
	}
	empty, err := c.M2M.Clients.Search(ctx, &consumer.M2MClientsSearchParams{})
	require.NoError(t, err)
	require.Empty(t, empty.M2MClients)
	require.Empty(t, empty.ResultsMetadata.NextCursor)
}

// freshToken asks for an M2M token through a new client: M2M.Token caches
// tokens per client, which would hide a secret or status change.
func freshToken(t *testing.T, srv *Server, clientID, secret string, scopes []string) error {
	t.Helper()
	_, err := consumerClient(t, srv, validateResponses(t)).M2M.Token(ctx, &consumer.M2MTokenParams{ClientID: clientID, ClientSecret: secret, Scopes: scopes})
	return err
}

func TestM2MClientsUpdate(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	created, err := c.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{
		ClientName: stytch.Ptr("billing"), ClientDescription: stytch.Ptr("bills"), Scopes: []string{"read:users"},
		TrustedMetadata: map[string]any{"team": "payments", "tier": "gold"},
	})
	require.NoError(t, err)
	mc := created.M2MClient

	up, err := c.M2M.Clients.Update(ctx, &consumer.M2MClientsUpdateParams{ClientID: mc.ClientID,
		ClientName: stytch.Ptr("invoicing"), Scopes: []string{"read:invoices", "write:invoices"},
		TrustedMetadata: map[string]any{"tier": nil, "owner": "ada"}})
	require.NoError(t, err)
	got := up.M2MClient
	require.Equal(t, "invoicing", got.ClientName)
	require.Equal(t, "bills", got.ClientDescription, "a field left out is unchanged")
	require.Equal(t, []string{"read:invoices", "write:invoices"}, got.Scopes)
	require.Equal(t, map[string]any{"team": "payments", "owner": "ada"}, got.TrustedMetadata)
	require.Equal(t, consumer.M2MClientStatus("active"), got.Status)

	// The new scopes are the ones a token can carry.
	requireAPIError(t, freshToken(t, srv, mc.ClientID, mc.ClientSecret, []string{"read:users"}), 400, "invalid_scope")
	require.NoError(t, freshToken(t, srv, mc.ClientID, mc.ClientSecret, []string{"write:invoices"}))

	// An inactive client gets no tokens until it is active again.
	_, err = c.M2M.Clients.Update(ctx, &consumer.M2MClientsUpdateParams{ClientID: mc.ClientID, Status: stytch.Ptr(consumer.M2MClientStatus("inactive"))})
	require.NoError(t, err)
	requireAPIError(t, freshToken(t, srv, mc.ClientID, mc.ClientSecret, nil), 401, "invalid_client")
	_, err = c.M2M.Clients.Update(ctx, &consumer.M2MClientsUpdateParams{ClientID: mc.ClientID, Status: stytch.Ptr(consumer.M2MClientStatus("active"))})
	require.NoError(t, err)
	require.NoError(t, freshToken(t, srv, mc.ClientID, mc.ClientSecret, nil))

	_, err = c.M2M.Clients.Update(ctx, &consumer.M2MClientsUpdateParams{ClientID: "m2m-client-test-missing", ClientName: stytch.Ptr("x")})
	requireAPIError(t, err, 404, "m2m_client_not_found")

	_, err = c.M2M.Clients.Delete(ctx, &consumer.M2MClientsDeleteParams{ClientID: mc.ClientID})
	require.NoError(t, err)
	_, err = c.M2M.Clients.Update(ctx, &consumer.M2MClientsUpdateParams{ClientID: mc.ClientID, ClientName: stytch.Ptr("x")})
	requireAPIError(t, err, 404, "m2m_client_not_found")
}

func TestM2MClientsSecretRotation(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	created, err := c.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users"}})
	require.NoError(t, err)
	id, old := created.M2MClient.ClientID, created.M2MClient.ClientSecret
	token := func(secret string) error { return freshToken(t, srv, id, secret, nil) }

	// Completing or cancelling a rotation that was never started fails.
	_, err = c.M2M.Clients.Secrets.Rotate(ctx, &consumer.M2MClientsSecretsRotateParams{ClientID: id})
	requireAPIError(t, err, 400, "m2m_client_secret_rotation_not_started")
	_, err = c.M2M.Clients.Secrets.RotateCancel(ctx, &consumer.M2MClientsSecretsRotateCancelParams{ClientID: id})
	requireAPIError(t, err, 400, "m2m_client_secret_rotation_not_started")
	_, err = c.M2M.Clients.Secrets.RotateStart(ctx, &consumer.M2MClientsSecretsRotateStartParams{ClientID: "m2m-client-test-missing"})
	requireAPIError(t, err, 404, "m2m_client_not_found")

	// Start: both secrets get tokens.
	started, err := c.M2M.Clients.Secrets.RotateStart(ctx, &consumer.M2MClientsSecretsRotateStartParams{ClientID: id})
	require.NoError(t, err)
	next := started.M2MClient.NextClientSecret
	require.NotEmpty(t, next)
	require.NotEqual(t, old, next)
	require.Equal(t, next[len(next)-4:], started.M2MClient.NextClientSecretLastFour)
	require.Equal(t, old[len(old)-4:], started.M2MClient.ClientSecretLastFour)
	require.NoError(t, token(old))
	require.NoError(t, token(next))
	got, err := c.M2M.Clients.Get(ctx, &consumer.M2MClientsGetParams{ClientID: id})
	require.NoError(t, err)
	require.Equal(t, next[len(next)-4:], got.M2MClient.NextClientSecretLastFour)

	// Cancel: the next secret is dropped, the old one still works.
	cancelled, err := c.M2M.Clients.Secrets.RotateCancel(ctx, &consumer.M2MClientsSecretsRotateCancelParams{ClientID: id})
	require.NoError(t, err)
	require.Empty(t, cancelled.M2MClient.NextClientSecretLastFour)
	require.NoError(t, token(old))
	requireAPIError(t, token(next), 401, "invalid_client")

	// Start again and complete, here through the B2B client, which reaches
	// the same M2M service: only the new secret works afterwards.
	b := b2bClient(t, srv, validateResponses(t))
	started2, err := b.M2M.Clients.Secrets.RotateStart(ctx, &b2b.M2MClientsSecretsRotateStartParams{ClientID: id})
	require.NoError(t, err)
	next = started2.M2MClient.NextClientSecret
	rotated, err := b.M2M.Clients.Secrets.Rotate(ctx, &b2b.M2MClientsSecretsRotateParams{ClientID: id})
	require.NoError(t, err)
	require.Equal(t, next[len(next)-4:], rotated.M2MClient.ClientSecretLastFour)
	require.Empty(t, rotated.M2MClient.NextClientSecretLastFour)
	require.NoError(t, token(next))
	requireAPIError(t, token(old), 401, "invalid_client")

	_, err = c.M2M.Clients.Delete(ctx, &consumer.M2MClientsDeleteParams{ClientID: id})
	require.NoError(t, err)
	requireAPIError(t, token(next), 401, "invalid_client")
}
