package stytchtest

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// A discovery OAuth sign-in: the provider's redirect carries a discovery
// token, which becomes an intermediate session listing the organizations
// the address may enter; exchanging it signs the member in to one.
func TestB2BOAuthDiscovery(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	acme := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) {
		p.EmailAllowedDomains = []string{"acme.com"}
		p.EmailJITProvisioning = stytch.Ptr(b2b.EmailJITProvisioningRestricted)
	})
	beta := b2bTestOrg(t, c, "Beta", nil)
	b2bTestOrg(t, c, "Gamma", nil)
	b2bTestMember(t, c, beta.OrganizationID, "ada@acme.com", nil)

	start, err := c.OAuth.Discovery.StartURL(&b2b.OAuthDiscoveryStartParams{
		Provider: b2b.OAuthStartGoogle, PublicToken: srv.PublicToken(), DiscoveryRedirectURL: "http://localhost:3000/discovery", PKCE: true,
	})
	require.NoError(t, err)
	red, err := srv.OAuthCallback(start.URL, "ada@acme.com")
	require.NoError(t, err)
	require.False(t, red.UserCreated, "discovery signs nobody up")
	u, err := url.Parse(red.URL)
	require.NoError(t, err)
	require.Equal(t, "/discovery", u.Path)
	require.Equal(t, "discovery_oauth", u.Query().Get("stytch_token_type"))
	require.Equal(t, red.Token, u.Query().Get("token"))

	// The token is a discovery one, with its PKCE verifier, and single use.
	_, err = c.OAuth.Authenticate(ctx, &b2b.OAuthAuthenticateParams{OAuthToken: red.Token, PKCECodeVerifier: &start.CodeVerifier})
	requireAPIError(t, err, 404, "oauth_token_not_found")
	_, err = c.OAuth.Discovery.Authenticate(ctx, &b2b.OAuthDiscoveryAuthenticateParams{DiscoveryOAuthToken: red.Token})
	requireAPIError(t, err, 400, "pkce_expected_code_verifier")
	disc, err := c.OAuth.Discovery.Authenticate(ctx, &b2b.OAuthDiscoveryAuthenticateParams{DiscoveryOAuthToken: red.Token, PKCECodeVerifier: &start.CodeVerifier})
	require.NoError(t, err)
	require.Equal(t, "ada@acme.com", disc.EmailAddress)
	require.Equal(t, "Google", disc.ProviderType)
	require.Empty(t, disc.ProviderTenantIDs, "Google has no tenants")
	require.NotEmpty(t, disc.IntermediateSessionToken)
	require.NotNil(t, disc.IntermediateSessionTokenExpiresAt)
	require.Equal(t, map[string]string{
		acme.OrganizationID: "eligible_to_join_by_email_domain",
		beta.OrganizationID: "active_member",
	}, b2bTestMemberships(disc.DiscoveredOrganizations))
	_, err = c.OAuth.Discovery.Authenticate(ctx, &b2b.OAuthDiscoveryAuthenticateParams{DiscoveryOAuthToken: red.Token, PKCECodeVerifier: &start.CodeVerifier})
	requireAPIError(t, err, 401, "unable_to_auth_oauth_token")
	_, err = c.OAuth.Discovery.Authenticate(ctx, &b2b.OAuthDiscoveryAuthenticateParams{DiscoveryOAuthToken: "nope"})
	requireAPIError(t, err, 404, "oauth_token_not_found")

	// An organization's OAuth token is not a discovery one.
	orgStart, err := c.OAuth.StartURL(&b2b.OAuthStartParams{Provider: b2b.OAuthStartGoogle, PublicToken: srv.PublicToken(), OrganizationID: beta.OrganizationID})
	require.NoError(t, err)
	orgRed, err := srv.OAuthCallback(orgStart.URL, "ada@acme.com")
	require.NoError(t, err)
	_, err = c.OAuth.Discovery.Authenticate(ctx, &b2b.OAuthDiscoveryAuthenticateParams{DiscoveryOAuthToken: orgRed.Token})
	requireAPIError(t, err, 404, "oauth_token_not_found")

	// The intermediate session joins Acme by domain, with the OAuth factor.
	ex, err := c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: acme.OrganizationID})
	require.NoError(t, err)
	require.True(t, ex.MemberAuthenticated)
	require.Equal(t, "ada@acme.com", ex.Member.EmailAddress)
	require.Equal(t, b2b.MemberStatus(b2bActive), ex.Member.Status)
	require.Len(t, ex.MemberSession.AuthenticationFactors, 1)
	f := ex.MemberSession.AuthenticationFactors[0]
	require.Equal(t, b2b.AuthenticationFactorTypeOAuth, f.Type)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodOAuthGoogle, f.DeliveryMethod)
	// The member has the Google registration and tokens.
	require.Len(t, ex.Member.OAuthRegistrations, 1)
	require.Equal(t, "Google", ex.Member.OAuthRegistrations[0].ProviderType)
	tokens, err := c.Organizations.Members.OAuthProviders.Google(ctx, &b2b.OrganizationsMembersOAuthProvidersGoogleParams{OrganizationID: acme.OrganizationID, MemberID: ex.MemberID})
	require.NoError(t, err)
	require.Equal(t, ex.Member.OAuthRegistrations[0].ProviderSubject, tokens.ProviderSubject)
	require.NotEmpty(t, tokens.AccessToken)
	s, err := c.Sessions.Authenticate(ctx, &b2b.SessionsAuthenticateParams{SessionToken: &ex.SessionToken})
	require.NoError(t, err)
	require.Equal(t, acme.OrganizationID, s.Organization.OrganizationID)
	_, err = c.Discovery.IntermediateSessions.Exchange(ctx, &b2b.DiscoveryIntermediateSessionsExchangeParams{IntermediateSessionToken: disc.IntermediateSessionToken, OrganizationID: beta.OrganizationID})
	requireAPIError(t, err, 404, "intermediate_session_not_found")

	// A provider with tenants names them; a new address may create an organization.
	gh, err := c.OAuth.Discovery.StartURL(&b2b.OAuthDiscoveryStartParams{Provider: b2b.OAuthStartGitHub, PublicToken: srv.PublicToken()})
	require.NoError(t, err)
	ghRed, err := srv.OAuthCallback(gh.URL, "cy@newco.com")
	require.NoError(t, err)
	require.Contains(t, ghRed.URL, DefaultRedirectURL)
	ghDisc, err := c.OAuth.Discovery.Authenticate(ctx, &b2b.OAuthDiscoveryAuthenticateParams{DiscoveryOAuthToken: ghRed.Token})
	require.NoError(t, err)
	require.Equal(t, "GitHub", ghDisc.ProviderType)
	require.Len(t, ghDisc.ProviderTenantIDs, 1)
	require.Equal(t, ghDisc.ProviderTenantIDs[0], ghDisc.ProviderTenantID)
	require.Empty(t, ghDisc.DiscoveredOrganizations)
	created, err := c.Discovery.Organizations.Create(ctx, &b2b.DiscoveryOrganizationsCreateParams{IntermediateSessionToken: ghDisc.IntermediateSessionToken})
	require.NoError(t, err)
	require.True(t, created.MemberAuthenticated)
	require.Equal(t, "cy@newco.com", created.Member.EmailAddress)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodOAuthGitHub, created.MemberSession.AuthenticationFactors[0].DeliveryMethod)
	regs, err := c.Organizations.Members.OAuthProviders.GitHub(ctx, &b2b.OrganizationsMembersOAuthProvidersGitHubParams{OrganizationID: created.Organization.OrganizationID, MemberID: created.MemberID})
	require.NoError(t, err)
	require.Len(t, regs.Registrations, 1)
	require.Equal(t, ghDisc.ProviderTenantIDs, regs.Registrations[0].ProviderTenantIDs)
}
