package stytchtest

import (
	"context"

	"github.com/gostytch/stytch/b2b"
)

// OAuthDiscoveryAuthenticate turns the token of a B2B discovery OAuth
// sign-in (OAuthCallback with an OAuth.Discovery.StartURL) into an
// intermediate session, as the discovery magic link does: it returns the
// IST, the address the provider vouched for and the organizations it may
// enter, memberships and those it may join by email domain. The IST's OAuth
// factor carries over when it is exchanged (Discovery endpoints, b2b.go),
// and the member it is exchanged for gets the OAuth registration and the
// provider's tokens, as an organization's OAuth sign-in does (unconfirmed:
// when Stytch saves them in a discovery flow). The session_* fields are
// reserved, as the spec says: they are ignored. Unconfirmed: full_name is
// empty, since the emulated provider knows only the address.
func (e b2bAPI) OAuthDiscoveryAuthenticate(_ context.Context, p *b2b.OAuthDiscoveryAuthenticateParams) (*b2b.OAuthDiscoveryAuthenticateResponse, error) {
	l, err := e.consumeOAuth(p.DiscoveryOAuthToken, deref(p.PKCECodeVerifier), oauthB2BDiscovery, nil)
	if err != nil {
		return nil, err
	}
	now := e.now()
	factor := b2b.AuthenticationFactor{
		Type: b2b.AuthenticationFactorTypeOAuth, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethod("oauth_" + l.provider),
		LastAuthenticatedAt: &now, CreatedAt: &now, UpdatedAt: &now,
	}
	ist := e.b2bIssueIST(l.email, "", "", []b2b.AuthenticationFactor{factor})
	ist.oauth = l
	tenants := oauthTenantIDs(l.provider, l.email)
	out := &b2b.OAuthDiscoveryAuthenticateResponse{
		IntermediateSessionToken: ist.token, EmailAddress: l.email, DiscoveredOrganizations: e.b2bDiscovered(l.email, true),
		ProviderType: oauthProviderName(l.provider), ProviderTenantIDs: tenants, IntermediateSessionTokenExpiresAt: &ist.expires,
	}
	if len(tenants) == 1 {
		out.ProviderTenantID = tenants[0]
	}
	return out, nil
}
