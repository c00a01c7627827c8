package stytchtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

func TestConsumerIntrospectTokenLocal(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now().UTC()}
	srv, api := newConsumer(t, WithClock(clock.Now))
	srv.SetRBACPolicy(consumer.Policy{Roles: []consumer.PolicyRole{}, Resources: []consumer.PolicyResource{}, Scopes: []consumer.PolicyScope{
		{Scope: "read:docs", Description: "read documents", Permissions: []consumer.PolicyScopePermission{{ResourceID: "documents", Actions: []string{"read"}}}},
	}})
	var n counter
	c := consumerWith(t, srv, stytch.WithMiddleware(n.middleware))
	t.Cleanup(func() { _ = c.Close() })

	tok := srv.IssueAccessToken(AccessTokenParams{
		Subject: "user-test-1", ClientID: "connected-app-test-1", Scopes: []string{"openid", "read:docs", "write:*"},
		CustomClaims: map[string]any{"tier": "gold"},
	})
	res, err := c.IDP.IntrospectTokenLocal(ctx, tok)
	require.NoError(t, err)
	require.Equal(t, "user-test-1", res.Subject)
	require.Equal(t, "connected-app-test-1", res.ClientID)
	require.Equal(t, []string{"openid", "read:docs", "write:*"}, res.Scopes)
	require.Equal(t, []string{srv.ProjectID()}, res.Audience)
	require.Equal(t, "stytch.com/"+srv.ProjectID(), res.Issuer)
	require.Equal(t, map[string]any{"tier": "gold"}, res.CustomClaims, "client_id and scope are reported on their own")
	require.NotEmpty(t, res.TokenID)
	require.WithinDuration(t, time.Now().Add(time.Hour), res.ExpiresAt, 5*time.Second)

	// Required scopes follow M2M's rule.
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, stytch.WithRequiredScopes("read:docs", "write:docs"))
	require.NoError(t, err)
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, stytch.WithRequiredScopes("delete:docs"))
	require.ErrorIs(t, err, stytch.ErrPermissionDenied)

	// An authorization check reads the policy's scopes.
	check := func(resource, action string) stytch.Option {
		return stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{ResourceID: resource, Action: action})
	}
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, check("documents", "read"))
	require.NoError(t, err)
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, check("documents", "delete"))
	require.ErrorIs(t, err, stytch.ErrPermissionDenied)
	require.ErrorContains(t, err, "scopes")
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{OrganizationID: "organization-test-1", ResourceID: "documents", Action: "read"}))
	var pe *stytch.ParamError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, 1, n.count("/rbac/policy"), "the policy is cached")

	// Other kinds of token, signed by the same keys, do not pass; nor does
	// an access token pass as an M2M token.
	session := signIn(t, srv, api, "ada@example.com", nil)
	_, err = c.IDP.IntrospectTokenLocal(ctx, session.SessionJWT)
	require.ErrorIs(t, err, stytch.ErrJWTWrongKind)
	created, err := api.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:docs"}})
	require.NoError(t, err)
	m2m, err := c.M2M.Token(ctx, &consumer.M2MTokenParams{ClientID: created.M2MClient.ClientID, ClientSecret: created.M2MClient.ClientSecret})
	require.NoError(t, err)
	_, err = c.IDP.IntrospectTokenLocal(ctx, m2m.AccessToken)
	require.ErrorIs(t, err, stytch.ErrJWTWrongKind)
	_, err = c.M2M.AuthenticateToken(ctx, tok)
	require.ErrorIs(t, err, stytch.ErrJWTWrongKind)
	_, err = c.Sessions.AuthenticateJWT(ctx, tok)
	require.ErrorIs(t, err, stytch.ErrJWTWrongKind, "no API fallback for a token of another kind")
	// And the same tokens still pass as what they are, cached or not.
	_, err = c.Sessions.AuthenticateJWTLocal(ctx, session.SessionJWT)
	require.NoError(t, err)
	_, err = c.M2M.AuthenticateToken(ctx, m2m.AccessToken)
	require.NoError(t, err)
	require.Equal(t, 1, n.count("/sessions/jwks/"), "one key set for sessions, M2M and access tokens")

	// The usual JWT checks apply.
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok[:len(tok)-4]+"AAAA")
	require.ErrorIs(t, err, stytch.ErrJWTSignature)
	foreign := srv.IssueAccessToken(AccessTokenParams{Subject: "user-test-1", Issuer: "https://evil.example"})
	_, err = c.IDP.IntrospectTokenLocal(ctx, foreign)
	require.ErrorIs(t, err, stytch.ErrJWTIssuer)
	viaBase := srv.IssueAccessToken(AccessTokenParams{Subject: "user-test-1", Issuer: srv.URL})
	_, err = c.IDP.IntrospectTokenLocal(ctx, viaBase)
	require.NoError(t, err, "the base URL is an accepted issuer, as for session JWTs")
	short := srv.IssueAccessToken(AccessTokenParams{Subject: "user-test-1", Lifetime: time.Second})
	clock.Add(-time.Hour) // issued an hour ago by the SDK's clock
	old := srv.IssueAccessToken(AccessTokenParams{Subject: "user-test-1", Lifetime: time.Minute})
	_, err = c.IDP.IntrospectTokenLocal(ctx, old)
	require.ErrorIs(t, err, stytch.ErrJWTExpired)
	_, err = c.IDP.IntrospectTokenLocal(ctx, short, stytch.WithMaxTokenAge(time.Hour))
	require.NoError(t, err)
}

func TestB2BIntrospectTokenLocal(t *testing.T) {
	t.Parallel()
	srv, api := b2bTestServer(t)
	org := b2bTestOrg(t, api, "Acme", nil)
	other := b2bTestOrg(t, api, "Other", nil)
	m := b2bTestMember(t, api, org.OrganizationID, "ada@acme.com", nil)
	p := DefaultB2BRBACPolicy()
	p.Scopes = append(p.Scopes, b2b.PolicyScope{Scope: "read:invoices", Description: "read invoices", Permissions: []b2b.PolicyScopePermission{{ResourceID: "invoices", Actions: []string{"read"}}}})
	srv.SetB2BRBACPolicy(p)
	c := srv.B2BClient()
	t.Cleanup(func() { _ = c.Close() })

	tok := srv.IssueAccessToken(AccessTokenParams{Subject: m.MemberID, OrganizationID: org.OrganizationID, Scopes: []string{"openid", "read:invoices"}})
	res, err := c.IDP.IntrospectTokenLocal(ctx, tok, stytch.WithRequiredScopes("read:invoices"))
	require.NoError(t, err)
	require.Equal(t, m.MemberID, res.Subject)
	require.Equal(t, b2b.OrganizationClaim{OrganizationID: org.OrganizationID, Slug: org.OrganizationSlug}, res.Organization)
	require.Empty(t, res.CustomClaims)

	check := func(orgID, action string) stytch.Option {
		return stytch.WithAuthorizationCheck(stytch.AuthorizationCheck{OrganizationID: orgID, ResourceID: "invoices", Action: action})
	}
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, check(org.OrganizationID, "read"))
	require.NoError(t, err)
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, check(org.OrganizationID, "pay"))
	require.ErrorIs(t, err, stytch.ErrPermissionDenied)
	_, err = c.IDP.IntrospectTokenLocal(ctx, tok, check(other.OrganizationID, "read"))
	require.ErrorIs(t, err, stytch.ErrTenancy)

	login := b2bTestSignIn(t, srv, api, org.OrganizationID, m.EmailAddress, nil)
	_, err = c.IDP.IntrospectTokenLocal(ctx, login.SessionJWT)
	require.ErrorIs(t, err, stytch.ErrJWTWrongKind, "a member session JWT is not an access token")
	_, err = c.M2M.AuthenticateToken(ctx, tok)
	require.ErrorIs(t, err, stytch.ErrJWTWrongKind)
}
