package stytchtest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

func TestM2MClientsAndTokens(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	var meta stytch.Response
	created, err := c.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users", "write:users"}, ClientName: stytch.Ptr("billing")}, stytch.WithResponseInto(&meta))
	require.NoError(t, err)
	require.Equal(t, 201, meta.StatusCode, "Stytch answers a new M2M client with 201")
	require.Equal(t, 201, created.StatusCode)
	mc := created.M2MClient
	require.NotEmpty(t, mc.ClientSecret)
	got, err := c.M2M.Clients.Get(ctx, &consumer.M2MClientsGetParams{ClientID: mc.ClientID})
	require.NoError(t, err)
	require.Equal(t, "billing", got.M2MClient.ClientName)

	tok, err := c.M2M.Token(ctx, &consumer.M2MTokenParams{ClientID: mc.ClientID, ClientSecret: mc.ClientSecret, Scopes: []string{"read:users"}})
	require.NoError(t, err)
	require.Equal(t, "bearer", tok.TokenType)
	require.Equal(t, 3600, tok.ExpiresIn)
	claims, err := srv.keys.parse(tok.AccessToken)
	require.NoError(t, err)
	require.Equal(t, "read:users", claims["scope"])
	require.Equal(t, mc.ClientID, claims["sub"])
	require.Equal(t, "stytch.com/"+srv.ProjectID(), claims["iss"])

	_, err = c.M2M.Token(ctx, &consumer.M2MTokenParams{ClientID: mc.ClientID, ClientSecret: "wrong"})
	requireAPIError(t, err, 401, "invalid_client")
	_, err = c.M2M.Token(ctx, &consumer.M2MTokenParams{ClientID: mc.ClientID, ClientSecret: mc.ClientSecret, Scopes: []string{"admin:users"}})
	requireAPIError(t, err, 400, "invalid_scope")

	// The B2B client reaches the same M2M service.
	b := b2bClient(t, srv, validateResponses(t))
	tok2, err := b.M2M.Token(ctx, &b2b.M2MTokenParams{ClientID: mc.ClientID, ClientSecret: mc.ClientSecret})
	require.NoError(t, err)
	all, err := srv.keys.parse(tok2.AccessToken)
	require.NoError(t, err)
	require.Equal(t, "read:users write:users", all["scope"])
}

func TestConsumerRBAC(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	p, err := c.RBAC.Policy(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "stytch_user", p.Policy.Roles[0].RoleID)

	srv.SetRBACPolicy(consumer.Policy{Roles: []consumer.PolicyRole{
		{RoleID: "stytch_user", Description: "everyone", Permissions: []consumer.PolicyRolePermission{{ResourceID: "documents", Actions: []string{"read"}}}},
		{RoleID: "editor", Description: "editors", Permissions: []consumer.PolicyRolePermission{{ResourceID: "documents", Actions: []string{"*"}}}},
	}, Resources: []consumer.PolicyResource{}, Scopes: []consumer.PolicyScope{}})
	login := signIn(t, srv, c, "ada@example.com", nil)
	check := func(action string) (*consumer.SessionsAuthenticateResponse, error) {
		return c.Sessions.Authenticate(ctx, &consumer.SessionsAuthenticateParams{SessionToken: &login.SessionToken,
			AuthorizationCheck: &consumer.AuthorizationCheckRequest{ResourceID: "documents", Action: action}})
	}
	ok, err := check("read")
	require.NoError(t, err)
	require.Equal(t, &consumer.AuthorizationVerdict{Authorized: true, GrantingRoles: []string{"stytch_user"}}, ok.Verdict)
	_, err = check("delete")
	requireAPIError(t, err, 403, "consumer_session_authorization_error")
	var se *stytch.Error
	require.True(t, errors.As(err, &se))
}
