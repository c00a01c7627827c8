package b2b

import (
	"net/url"
	"strings"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/starturl"
)

// OAuthStartProvider names an OAuth provider in the URL that starts a
// member's sign-in with it.
type OAuthStartProvider string

// The providers of Stytch's B2B OAuth reference.
const (
	OAuthStartGoogle    OAuthStartProvider = "google"
	OAuthStartMicrosoft OAuthStartProvider = "microsoft"
	OAuthStartHubSpot   OAuthStartProvider = "hubspot"
	OAuthStartSlack     OAuthStartProvider = "slack"
	OAuthStartGitHub    OAuthStartProvider = "github"
)

// OAuthStartProviders lists every provider of Stytch's B2B reference.
var OAuthStartProviders = []OAuthStartProvider{OAuthStartGoogle, OAuthStartMicrosoft, OAuthStartHubSpot, OAuthStartSlack, OAuthStartGitHub}

// OAuthStartParams are the query parameters of a B2B OAuth start URL, for
// a member signing in to a known organization.
type OAuthStartParams struct {
	// Provider is the OAuth provider to sign in with. Required.
	Provider OAuthStartProvider
	// PublicToken is the project's public token, from the Stytch dashboard.
	// Required.
	PublicToken string
	// OrganizationID or Slug names the organization; exactly one is
	// required (for an organization not known yet, use
	// OAuth.Discovery.StartURL).
	OrganizationID, Slug string
	// LoginRedirectURL is where Stytch sends an existing member back, with
	// the token for Authenticate; the dashboard's default if empty.
	LoginRedirectURL string
	// SignupRedirectURL is where Stytch sends a new member back; the
	// dashboard's default if empty.
	SignupRedirectURL string
	// CustomScopes are scopes asked of the provider beyond its defaults.
	CustomScopes []string
	// ProviderParams are passed on to the provider, each as
	// provider_<name>.
	ProviderParams map[string]string
	// PKCE adds a pkce_code_challenge (S256) whose verifier the result
	// returns, to pass as PKCECodeVerifier to Authenticate.
	PKCE bool
}

// StartURL builds the URL to redirect a browser to, to start a member's
// sign-in with an OAuth provider: GET /v1/b2b/public/oauth/{provider}/start
// below the client's base URL. It makes no request.
func (s *OAuthService) StartURL(params *OAuthStartParams) (*stytch.StartURL, error) {
	const op = "OAuth.StartURL"
	if params == nil {
		params = &OAuthStartParams{}
	}
	provider, err := starturl.Provider(op, string(params.Provider))
	if err != nil {
		return nil, err
	}
	if (params.OrganizationID == "") == (params.Slug == "") {
		return nil, &stytch.ParamError{Operation: op, Param: "OrganizationID", Reason: "or Slug is required, and not both"}
	}
	return starturl.Build(starturl.Params{
		Operation: op, Base: s.t.BaseURL(), Path: "/v1/b2b/public/oauth/" + provider + "/start", PublicToken: params.PublicToken,
		Query: url.Values{
			"organization_id": {params.OrganizationID}, "slug": {params.Slug},
			"login_redirect_url": {params.LoginRedirectURL}, "signup_redirect_url": {params.SignupRedirectURL},
			"custom_scopes": {strings.Join(params.CustomScopes, " ")},
		},
		ProviderParams: params.ProviderParams, PKCE: params.PKCE, ChallengeParam: "pkce_code_challenge",
	})
}

// OAuthDiscoveryStartParams are the query parameters of a B2B OAuth
// discovery start URL, for a member whose organization is not known yet.
type OAuthDiscoveryStartParams struct {
	// Provider is the OAuth provider to sign in with. Required.
	Provider OAuthStartProvider
	// PublicToken is the project's public token. Required.
	PublicToken string
	// DiscoveryRedirectURL is where Stytch sends the member back, with the
	// token for OAuth.Discovery.Authenticate; the dashboard's default if
	// empty.
	DiscoveryRedirectURL string
	// CustomScopes are scopes asked of the provider beyond its defaults.
	CustomScopes []string
	// ProviderParams are passed on to the provider, each as
	// provider_<name>.
	ProviderParams map[string]string
	// PKCE adds a pkce_code_challenge (S256) whose verifier the result
	// returns.
	PKCE bool
}

// StartURL builds the URL to redirect a browser to, to start a discovery
// sign-in with an OAuth provider: GET
// /v1/b2b/public/oauth/{provider}/discovery/start below the client's base
// URL. It makes no request.
func (s *OAuthDiscoveryService) StartURL(params *OAuthDiscoveryStartParams) (*stytch.StartURL, error) {
	const op = "OAuth.Discovery.StartURL"
	if params == nil {
		params = &OAuthDiscoveryStartParams{}
	}
	provider, err := starturl.Provider(op, string(params.Provider))
	if err != nil {
		return nil, err
	}
	return starturl.Build(starturl.Params{
		Operation: op, Base: s.t.BaseURL(), Path: "/v1/b2b/public/oauth/" + provider + "/discovery/start", PublicToken: params.PublicToken,
		Query: url.Values{
			"discovery_redirect_url": {params.DiscoveryRedirectURL}, "custom_scopes": {strings.Join(params.CustomScopes, " ")},
		},
		ProviderParams: params.ProviderParams, PKCE: params.PKCE, ChallengeParam: "pkce_code_challenge",
	})
}

// SSOStartParams are the query parameters of an SSO start URL.
type SSOStartParams struct {
	// ConnectionID names the SAML or OIDC connection, or OrganizationID the
	// organization whose default connection to use; exactly one is
	// required.
	ConnectionID, OrganizationID string
	// PublicToken is the project's public token. Required.
	PublicToken string
	// LoginRedirectURL is where Stytch sends an existing member back, with
	// the token for SSO.Authenticate; the dashboard's default if empty.
	LoginRedirectURL string
	// SignupRedirectURL is where Stytch sends a new member back; the
	// dashboard's default if empty.
	SignupRedirectURL string
	// CustomScopes are asked of the identity provider beyond the
	// connection's own (sent joined by "+", as the reference says).
	CustomScopes []string
	// PKCE adds a pkce_code_challenge (S256) whose verifier the result
	// returns, to pass as PKCECodeVerifier to SSO.Authenticate.
	PKCE bool
}

// StartURL builds the URL to redirect a browser to, to start an SSO
// sign-in: GET /v1/public/sso/start below the client's base URL. It makes
// no request.
func (s *SSOService) StartURL(params *SSOStartParams) (*stytch.StartURL, error) {
	const op = "SSO.StartURL"
	if params == nil {
		params = &SSOStartParams{}
	}
	if (params.ConnectionID == "") == (params.OrganizationID == "") {
		return nil, &stytch.ParamError{Operation: op, Param: "ConnectionID", Reason: "or OrganizationID is required, and not both"}
	}
	return starturl.Build(starturl.Params{
		Operation: op, Base: s.t.BaseURL(), Path: "/v1/public/sso/start", PublicToken: params.PublicToken,
		Query: url.Values{
			"connection_id": {params.ConnectionID}, "organization_id": {params.OrganizationID},
			"login_redirect_url": {params.LoginRedirectURL}, "signup_redirect_url": {params.SignupRedirectURL},
			"custom_scopes": {strings.Join(params.CustomScopes, "+")},
		},
		PKCE: params.PKCE, ChallengeParam: "pkce_code_challenge",
	})
}
