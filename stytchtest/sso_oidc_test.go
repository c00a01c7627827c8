package stytchtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// ssoTestOIDC creates an OIDC connection of org that trusts a new test
// provider, its endpoints filled from the issuer's discovery document.
func ssoTestOIDC(t *testing.T, srv *Server, c *b2b.Client, orgID string) (*b2b.OIDCConnection, *OIDCProvider) {
	t.Helper()
	p := srv.NewOIDCProvider()
	t.Cleanup(p.Close)
	created, err := c.SSO.OIDC.CreateConnection(ctx, &b2b.SSOOIDCCreateConnectionParams{OrganizationID: orgID, DisplayName: stytch.Ptr("Acme OIDC")})
	require.NoError(t, err)
	require.Equal(t, "pending", created.Connection.Status)
	require.Equal(t, srv.URL+"/v1/b2b/sso/callback/"+created.Connection.ConnectionID, created.Connection.RedirectURL)
	updated, err := c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{
		OrganizationID: orgID, ConnectionID: created.Connection.ConnectionID,
		Issuer: &p.Issuer, ClientID: &p.ClientID, ClientSecret: &p.ClientSecret,
	})
	require.NoError(t, err)
	require.Empty(t, updated.Warning)
	return updated.Connection, p
}

// An OIDC sign-in end to end: the provider's code is exchanged over HTTP,
// its ID token verified, the member provisioned, and the provider's tokens
// kept for Organizations.Members.OIDCProviders.
func TestSSOOIDCSignIn(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, p := ssoTestOIDC(t, srv, c, o.OrganizationID)
	require.Equal(t, "active", conn.Status)
	require.Equal(t, p.AuthorizationURL, conn.AuthorizationURL, "filled from the discovery document")
	require.Equal(t, p.TokenURL, conn.TokenURL)
	require.Equal(t, p.UserinfoURL, conn.UserinfoURL)
	require.Equal(t, p.JWKSURL, conn.JWKSURL)
	require.NotEqual(t, p.ClientSecret, conn.ClientSecret, "the secret is masked")
	require.True(t, strings.HasSuffix(conn.ClientSecret, p.ClientSecret[len(p.ClientSecret)-4:]))
	all, err := c.SSO.GetConnections(ctx, &b2b.SSOGetConnectionsParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Len(t, all.OIDCConnections, 1)
	b, _ := json.Marshal(all)
	require.NotContains(t, string(b), p.ClientSecret)

	start := ssoTestStart(t, srv, c, b2b.SSOStartParams{ConnectionID: conn.ConnectionID, PKCE: true, SignupRedirectURL: "https://app.example/signup"})
	red, err := srv.OIDCSignIn(start.URL, "grace@acme.com", map[string]any{"name": "Grace Hopper"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(red.URL, "https://app.example/signup?"))
	auth, err := ssoTestAuth(t, c, red.Token, func(p *b2b.SSOAuthenticateParams) { p.PKCECodeVerifier = &start.CodeVerifier })
	require.NoError(t, err)
	require.True(t, auth.MemberAuthenticated)
	require.Equal(t, "grace@acme.com", auth.Member.EmailAddress)
	require.Equal(t, "Grace Hopper", auth.Member.Name)
	require.Len(t, auth.Member.SSORegistrations, 1)
	f := auth.MemberSession.AuthenticationFactors[0]
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodSSOOIDC, f.DeliveryMethod)
	require.Equal(t, conn.ConnectionID, f.OIDCSSOFactor.ProviderID)
	require.Equal(t, auth.Member.SSORegistrations[0].ExternalID, f.OIDCSSOFactor.ExternalID)

	tokens, err := c.Organizations.Members.OIDCProviders(ctx, &b2b.OrganizationsMembersOIDCProvidersParams{OrganizationID: o.OrganizationID, MemberID: auth.MemberID})
	require.NoError(t, err)
	require.Len(t, tokens.Registrations, 1)
	reg := tokens.Registrations[0]
	require.Equal(t, conn.ConnectionID, reg.ConnectionID)
	require.Equal(t, f.OIDCSSOFactor.ExternalID, reg.ProviderSubject)
	require.NotEmpty(t, reg.IDToken)
	require.NotEmpty(t, reg.AccessToken)
	require.Equal(t, 3600, reg.AccessTokenExpiresIn)
	require.Equal(t, []string{"openid", "email", "profile"}, reg.Scopes)
	require.Empty(t, reg.RefreshToken)
	withRefresh, err := c.Organizations.Members.OIDCProviders(ctx, &b2b.OrganizationsMembersOIDCProvidersParams{
		OrganizationID: o.OrganizationID, MemberID: auth.MemberID, IncludeRefreshToken: stytch.Ptr(true),
	})
	require.NoError(t, err)
	require.NotEmpty(t, withRefresh.Registrations[0].RefreshToken)

	// The code is single use at the provider as the token is at Stytch.
	_, err = ssoTestAuth(t, c, red.Token, func(p *b2b.SSOAuthenticateParams) { p.PKCECodeVerifier = &start.CodeVerifier })
	requireAPIError(t, err, 404, "sso_token_not_found")

	// A wrong client secret fails the exchange, and says nothing of it.
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, ClientSecret: stytch.Ptr("not-the-secret")})
	require.NoError(t, err)
	red, err = srv.OIDCSignIn(conn.ConnectionID, "grace@acme.com", nil)
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "oidc_auth_code_error")
	require.NotContains(t, err.Error(), "not-the-secret")
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, ClientSecret: &p.ClientSecret})
	require.NoError(t, err)

	// An ID token for another client is refused.
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, Issuer: stytch.Ptr(p.Issuer + "/")})
	require.NoError(t, err)
	_, err = srv.OIDCSignIn(conn.ConnectionID, "grace@acme.com", nil)
	require.Error(t, err, "no test provider has that issuer")
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, Issuer: &p.Issuer})
	require.NoError(t, err)
	red, err = srv.OIDCSignIn(conn.ConnectionID, "grace@acme.com", map[string]any{"aud": "someone-else"})
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "id_token_incorrect_audience")
	red, err = srv.OIDCSignIn(conn.ConnectionID, "grace@acme.com", map[string]any{"email_verified": false})
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "oidc_response_unverified_email")
}

// An OIDC update whose issuer has no discovery document succeeds with a
// warning; a malformed URL is refused.
func TestSSOOIDCUpdate(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	created, err := c.SSO.OIDC.CreateConnection(ctx, &b2b.SSOOIDCCreateConnectionParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	id := created.Connection.ConnectionID
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: id, TokenURL: stytch.Ptr("not a url")})
	requireAPIError(t, err, 400, "oidc_connection_token_url_invalid_format")
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: id, Issuer: stytch.Ptr("http://idp.example")})
	requireAPIError(t, err, 400, "oidc_connection_issuer_url_invalid_format")
	p := srv.NewOIDCProvider()
	p.Close() // its address answers nothing now
	up, err := c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: id, Issuer: &p.Issuer, ClientID: stytch.Ptr("client"),
		CustomScopes: stytch.Ptr("openid email groups"), AttributeMapping: map[string]any{"groups": "groups"},
	})
	require.NoError(t, err)
	require.NotEmpty(t, up.Warning)
	require.Equal(t, "pending", up.Connection.Status, "no endpoints and no secret yet")
	require.Equal(t, "openid email groups", up.Connection.CustomScopes)
	require.Equal(t, map[string]any{"groups": "groups"}, up.Connection.AttributeMapping)
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: "oidc-connection-test-nope"})
	requireAPIError(t, err, 404, "oidc_connection_not_found")
}

// An external connection lets another organization's members sign in
// through a connection it does not own, with its own implicit roles.
func TestSSOExternalConnection(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	owner := b2bTestOrg(t, c, "Acme", nil)
	conn, _ := ssoTestSAML(t, srv, c, owner.OrganizationID, nil)
	o := b2bTestOrg(t, c, "Acme Labs", nil)

	create := func(p b2b.SSOExternalCreateConnectionParams) (*b2b.SSOExternalCreateConnectionResponse, error) {
		return c.SSO.External.CreateConnection(ctx, &p)
	}
	_, err := create(b2b.SSOExternalCreateConnectionParams{OrganizationID: owner.OrganizationID, ExternalOrganizationID: owner.OrganizationID, ExternalConnectionID: conn.ConnectionID})
	requireAPIError(t, err, 400, "external_organization_id_same_as_organization_id")
	_, err = create(b2b.SSOExternalCreateConnectionParams{OrganizationID: o.OrganizationID, ExternalOrganizationID: owner.OrganizationID, ExternalConnectionID: "saml-connection-test-nope"})
	requireAPIError(t, err, 404, "external_connection_id_not_found")
	created, err := create(b2b.SSOExternalCreateConnectionParams{
		OrganizationID: o.OrganizationID, ExternalOrganizationID: owner.OrganizationID, ExternalConnectionID: conn.ConnectionID,
		DisplayName: stytch.Ptr("Acme's IdP"), ConnectionImplicitRoleAssignments: []b2b.SAMLConnectionImplicitRoleAssignment{{RoleID: "stytch_admin"}},
	})
	require.NoError(t, err)
	x := created.Connection
	require.Equal(t, "active", x.Status)
	require.Equal(t, o.OrganizationID, x.OrganizationID)
	require.Equal(t, conn.ConnectionID, x.ExternalConnectionID)
	require.Equal(t, []b2b.ConnectionImplicitRoleAssignment{{RoleID: "stytch_admin"}}, x.ExternalConnectionImplicitRoleAssignments)
	_, err = create(b2b.SSOExternalCreateConnectionParams{OrganizationID: o.OrganizationID, ExternalOrganizationID: owner.OrganizationID, ExternalConnectionID: conn.ConnectionID})
	requireAPIError(t, err, 400, "duplicate_external_sso_connection")

	up, err := c.SSO.External.UpdateConnection(ctx, &b2b.SSOExternalUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: x.ConnectionID, DisplayName: stytch.Ptr("Acme SSO"),
		ExternalGroupImplicitRoleAssignments: []b2b.GroupImplicitRoleAssignment{{RoleID: "stytch_member", Group: "eng"}},
	})
	require.NoError(t, err)
	require.Equal(t, "Acme SSO", up.Connection.DisplayName)
	require.Len(t, up.Connection.ExternalConnectionImplicitRoleAssignments, 1, "unchanged when not sent")
	require.Len(t, up.Connection.ExternalGroupImplicitRoleAssignments, 1)
	_, err = c.SSO.External.UpdateConnection(ctx, &b2b.SSOExternalUpdateConnectionParams{OrganizationID: owner.OrganizationID, ConnectionID: x.ConnectionID})
	requireAPIError(t, err, 404, "sso_connection_not_found")

	// Signing in through it makes a member of the reusing organization,
	// with the external connection's roles.
	start := ssoTestStart(t, srv, c, b2b.SSOStartParams{ConnectionID: x.ConnectionID})
	red, err := srv.SAMLSignIn(start.URL, "ada@acme.com")
	require.NoError(t, err)
	auth, err := ssoTestAuth(t, c, red.Token, nil)
	require.NoError(t, err)
	require.Equal(t, o.OrganizationID, auth.OrganizationID)
	require.True(t, auth.Member.IsAdmin)
	var sources []b2b.MemberRoleSource
	for _, r := range auth.Member.Roles {
		if r.RoleID == "stytch_admin" {
			sources = r.Sources
		}
	}
	require.Equal(t, []b2b.MemberRoleSource{{Type: "sso_connection", Details: map[string]any{"connection_id": x.ConnectionID}}}, sources)
	require.Equal(t, conn.ConnectionID, auth.MemberSession.AuthenticationFactors[0].SAMLSSOFactor.ProviderID)
	_, err = c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: owner.OrganizationID, EmailAddress: stytch.Ptr("ada@acme.com")})
	requireAPIError(t, err, 404, "member_not_found")

	all, err := c.SSO.GetConnections(ctx, &b2b.SSOGetConnectionsParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Len(t, all.ExternalConnections, 1)
	require.Empty(t, all.SAMLConnections)

	// Deleting the reused connection takes the external one with it.
	_, err = c.SSO.DeleteConnection(ctx, &b2b.SSODeleteConnectionParams{OrganizationID: owner.OrganizationID, ConnectionID: conn.ConnectionID})
	require.NoError(t, err)
	all, err = c.SSO.GetConnections(ctx, &b2b.SSOGetConnectionsParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Empty(t, all.ExternalConnections)
	member, err := c.Organizations.Members.Get(ctx, &b2b.OrganizationsMembersGetParams{OrganizationID: o.OrganizationID, MemberID: &auth.MemberID})
	require.NoError(t, err)
	require.False(t, member.Member.IsAdmin, "the connection's implicit role went with it")
	require.Empty(t, member.Member.SSORegistrations)
}
