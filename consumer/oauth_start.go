package consumer

import (
	"net/url"
	"strings"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/internal/starturl"
)

// OAuthStartProvider names an OAuth provider in the URL that starts a
// sign-in with it (/v1/public/oauth/{provider}/start).
type OAuthStartProvider string

// The providers of Stytch's consumer OAuth reference.
const (
	OAuthStartGoogle     OAuthStartProvider = "google"
	OAuthStartAmazon     OAuthStartProvider = "amazon"
	OAuthStartApple      OAuthStartProvider = "apple"
	OAuthStartBitbucket  OAuthStartProvider = "bitbucket"
	OAuthStartCoinbase   OAuthStartProvider = "coinbase"
	OAuthStartDiscord    OAuthStartProvider = "discord"
	OAuthStartFacebook   OAuthStartProvider = "facebook"
	OAuthStartFigma      OAuthStartProvider = "figma"
	OAuthStartGitHub     OAuthStartProvider = "github"
	OAuthStartGitLab     OAuthStartProvider = "gitlab"
	OAuthStartLinkedIn   OAuthStartProvider = "linkedin"
	OAuthStartMicrosoft  OAuthStartProvider = "microsoft"
	OAuthStartSalesforce OAuthStartProvider = "salesforce"
	OAuthStartSlack      OAuthStartProvider = "slack"
	OAuthStartSnapchat   OAuthStartProvider = "snapchat"
	OAuthStartTikTok     OAuthStartProvider = "tiktok"
	OAuthStartTwitch     OAuthStartProvider = "twitch"
	OAuthStartTwitter    OAuthStartProvider = "twitter"
	OAuthStartYahoo      OAuthStartProvider = "yahoo"
)

// OAuthStartProviders lists every provider of Stytch's consumer reference.
var OAuthStartProviders = []OAuthStartProvider{
	OAuthStartGoogle, OAuthStartAmazon, OAuthStartApple, OAuthStartBitbucket, OAuthStartCoinbase,
	OAuthStartDiscord, OAuthStartFacebook, OAuthStartFigma, OAuthStartGitHub, OAuthStartGitLab,
	OAuthStartLinkedIn, OAuthStartMicrosoft, OAuthStartSalesforce, OAuthStartSlack, OAuthStartSnapchat,
	OAuthStartTikTok, OAuthStartTwitch, OAuthStartTwitter, OAuthStartYahoo,
}

// OAuthStartParams are the query parameters of an OAuth start URL.
type OAuthStartParams struct {
	// Provider is the OAuth provider to sign in with. Required.
	Provider OAuthStartProvider
	// PublicToken is the project's public token, from the Stytch
	// dashboard: the start endpoint is called by the browser, never with the
	// secret. Required.
	PublicToken string
	// LoginRedirectURL is where Stytch sends an existing user back, with
	// the token for Authenticate; the dashboard's default Login URL if empty.
	LoginRedirectURL string
	// SignupRedirectURL is where Stytch sends a new user back; the
	// dashboard's default Sign-up URL if empty.
	SignupRedirectURL string
	// CustomScopes are scopes asked of the provider beyond its defaults.
	CustomScopes []string
	// ProviderParams are passed on to the provider, each as
	// provider_<name> (ProviderParams{"login_hint": "ada@example.com"}).
	ProviderParams map[string]string
	// OAuthAttachToken, from Attach, links the provider to an existing user.
	OAuthAttachToken string
	// PKCE adds a code_challenge (S256) whose verifier the result returns,
	// to pass as CodeVerifier to Authenticate.
	PKCE bool
}

// StartURL builds the URL to redirect a browser to, to start a sign-in
// with an OAuth provider: GET /v1/public/oauth/{provider}/start below the
// client's base URL (test or live by the project ID, or WithBaseURL's). It
// makes no request. The flow ends at the redirect URL with a token for
// Authenticate.
func (s *OAuthService) StartURL(params *OAuthStartParams) (*stytch.StartURL, error) {
	const op = "OAuth.StartURL"
	if params == nil {
		params = &OAuthStartParams{}
	}
	provider, err := starturl.Provider(op, string(params.Provider))
	if err != nil {
		return nil, err
	}
	return starturl.Build(starturl.Params{
		Operation: op, Base: s.t.BaseURL(), Path: "/v1/public/oauth/" + provider + "/start", PublicToken: params.PublicToken,
		Query: url.Values{
			"login_redirect_url": {params.LoginRedirectURL}, "signup_redirect_url": {params.SignupRedirectURL},
			"custom_scopes": {strings.Join(params.CustomScopes, " ")}, "oauth_attach_token": {params.OAuthAttachToken},
		},
		ProviderParams: params.ProviderParams, PKCE: params.PKCE, ChallengeParam: "code_challenge",
	})
}
