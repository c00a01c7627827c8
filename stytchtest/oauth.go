package stytchtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

// oauthTokenLifetime is how long the token on an OAuth redirect can be
// authenticated. Unconfirmed: Stytch documents no figure; ten minutes, as
// for intermediate sessions.
const oauthTokenLifetime = 10 * time.Minute

// oauthLogin is an OAuth sign-in that reached the provider's callback:
// the token on the redirect, for OAuth.Authenticate (or, in B2B discovery,
// OAuth.Discovery.Authenticate).
type oauthLogin struct {
	userID, provider, subject, challenge string
	flow                                 oauthFlow
	email                                string   // the address the provider reported, the one person signed in with
	scopes                               []string // the start URL's custom_scopes
	expires                              time.Time
	used                                 bool
}

// oauthFlow says which authenticate an OAuth token is for.
type oauthFlow int

const (
	oauthConsumer     oauthFlow = iota // userID is a user ID
	oauthB2B                           // userID is a member ID
	oauthB2BDiscovery                  // no member yet: b2b_oauth_discovery.go
)

// PublicToken is the project's public token, which the browser-side start
// URLs carry (OAuth.StartURL's PublicToken). It is made from the project
// ID, so that it stays the same across runs.
func (e *Emulator) PublicToken() string {
	sum := sha256.Sum256([]byte("public-token:" + e.ProjectID()))
	h := hex.EncodeToString(sum[:16])
	return "public-token-test-" + h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// OAuthRedirect is where Stytch sends the browser back at the end of an
// OAuth flow.
type OAuthRedirect struct {
	// URL is the login or sign-up redirect URL with stytch_token_type=oauth
	// and the token in its query.
	URL string
	// Token is the token to pass to OAuth.Authenticate.
	Token string
	// UserCreated reports that no user had the email yet: the redirect is
	// the sign-up one, and the user was created (as Stytch does).
	UserCreated bool
}

// DefaultRedirectURL is where OAuthCallback sends the browser when the
// start URL names no redirect URL (Stytch uses the dashboard's default).
const DefaultRedirectURL = "http://localhost:3000/authenticate"

var errOAuthStart = errors.New("stytchtest: not an OAuth start URL (/v1/public/oauth/{provider}/start, /v1/b2b/public/oauth/{provider}/start or /v1/b2b/public/oauth/{provider}/discovery/start)")

// b2bOAuthStartProviders are the providers of Stytch's B2B OAuth reference.
var b2bOAuthStartProviders = []string{"google", "microsoft", "hubspot", "slack", "github"}

// OAuthCallback plays the OAuth provider: given the URL a browser was sent
// to (the StartURL of consumer.OAuthService or b2b.OAuthService) and the
// email address the user signs in with at the provider, it returns the
// redirect Stytch would make at the end of the flow, whose token
// OAuth.Authenticate accepts (with the PKCE verifier, when the start URL
// had a challenge). A user with that email signs in; anyone else is signed
// up (in B2B, a member of the organization the URL names, if its JIT
// provisioning and allowed domains let them). A B2B discovery start URL
// names no organization: its redirect is to the discovery redirect URL,
// with a token for OAuth.Discovery.Authenticate, and nobody is signed up.
// A consumer start URL with an oauth_attach_token from OAuth.Attach signs
// in the user the token names instead, once. The start URL's public token
// must be PublicToken.
func (e *Emulator) OAuthCallback(startURL, email string) (OAuthRedirect, error) {
	u, err := url.Parse(startURL)
	if err != nil {
		return OAuthRedirect{}, fmt.Errorf("%w: %v", errOAuthStart, err)
	}
	rest, ok := strings.CutPrefix(u.Path, "/v1/public/oauth/")
	b2bFlow := false
	if !ok {
		rest, ok = strings.CutPrefix(u.Path, "/v1/b2b/public/oauth/")
		b2bFlow = ok
	}
	provider, ok2 := strings.CutSuffix(rest, "/start")
	flow := oauthConsumer
	if b2bFlow {
		flow = oauthB2B
		if p, ok := strings.CutSuffix(provider, "/discovery"); ok {
			provider, flow = p, oauthB2BDiscovery
		}
	}
	if !ok || !ok2 || strings.Contains(provider, "/") {
		return OAuthRedirect{}, errOAuthStart
	}
	known := false
	for _, p := range consumer.OAuthStartProviders {
		known = known || string(p) == provider && !b2bFlow
	}
	known = known || b2bFlow && contains(b2bOAuthStartProviders, provider)
	q := u.Query()
	switch {
	case !known:
		return OAuthRedirect{}, fmt.Errorf("stytchtest: %q is not an OAuth provider of this Stytch API", provider)
	case q.Get("public_token") != e.PublicToken():
		return OAuthRedirect{}, errors.New("stytchtest: the start URL's public_token is not the emulator's PublicToken()")
	case b2bFlow && q.Get("oauth_attach_token") != "":
		return OAuthRedirect{}, errors.New("stytchtest: B2B OAuth start URLs take no oauth_attach_token")
	}
	if err := checkEmail(email); err != nil {
		return OAuthRedirect{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := OAuthRedirect{Token: newSessionToken()}
	redirect := q.Get("login_redirect_url")
	var id string
	switch {
	case flow == oauthB2BDiscovery:
		redirect = q.Get("discovery_redirect_url")
	case b2bFlow:
		if id, out.UserCreated, err = e.b2bOAuthMember(q, email); err != nil {
			return OAuthRedirect{}, err
		}
	case q.Get("oauth_attach_token") != "":
		// OAuth.Attach named the user: a login for them, whatever the email (users_extra.go).
		if id, err = e.consumeAttach(q.Get("oauth_attach_token"), provider); err != nil {
			return OAuthRedirect{}, err
		}
	default:
		if id, ok = e.consumer.byEmail[strings.ToLower(email)]; !ok {
			id, out.UserCreated = e.newUser(email, "", false).UserID, true
		}
	}
	if out.UserCreated {
		redirect = q.Get("signup_redirect_url")
	}
	if redirect == "" {
		redirect = DefaultRedirectURL
	}
	sum := sha256.Sum256([]byte(provider + "\x00" + strings.ToLower(email)))
	e.idpState().oauth[out.Token] = &oauthLogin{
		userID: id, provider: provider, subject: hex.EncodeToString(sum[:12]), challenge: q.Get("code_challenge"),
		flow: flow, email: email, scopes: strings.Fields(q.Get("custom_scopes")), expires: e.now().Add(oauthTokenLifetime),
	}
	if b2bFlow {
		e.idpState().oauth[out.Token].challenge = q.Get("pkce_code_challenge")
	}
	ru, err := url.Parse(redirect)
	if err != nil {
		return OAuthRedirect{}, fmt.Errorf("stytchtest: the redirect URL: %w", err)
	}
	rq := ru.Query()
	if flow == oauthB2BDiscovery {
		rq.Set("stytch_token_type", "discovery_oauth")
	} else {
		rq.Set("stytch_token_type", "oauth")
	}
	rq.Set("token", out.Token)
	ru.RawQuery = rq.Encode()
	out.URL = ru.String()
	return out, nil
}

// oauthProviderNames are the provider_type values, spelt as their owners do.
var oauthProviderNames = map[string]string{
	"github": "GitHub", "gitlab": "GitLab", "linkedin": "LinkedIn", "tiktok": "TikTok", "hubspot": "HubSpot",
}

// b2bOAuthMember finds the member an OAuth sign-in to the organization
// the start URL names is for, or signs them up as email JIT provisioning
// allows. Stytch's OAuth JIT rules (oauth_tenant_jit_provisioning) are not
// emulated.
func (e *Emulator) b2bOAuthMember(q url.Values, email string) (id string, created bool, err error) {
	ref := q.Get("organization_id")
	if ref == "" {
		ref = q.Get("slug")
	}
	if (q.Get("organization_id") == "") == (q.Get("slug") == "") {
		return "", false, errors.New("stytchtest: a B2B OAuth start URL names its organization by organization_id or slug")
	}
	o, err := e.b2b.org(ref)
	if err != nil {
		return "", false, err
	}
	bm := e.b2b.memberByEmail(o.OrganizationID, email)
	switch {
	case bm == nil:
		if err := b2bCheckJIT(o, email); err != nil {
			return "", false, err
		}
		return e.newMember(o, email, b2bPending).m.MemberID, true, nil
	case bm.m.Status == b2bDeleted:
		return "", false, errors.New("stytchtest: the member with this email was deleted")
	}
	return bm.m.MemberID, false, nil
}

// consumeOAuth checks an OAuth token, its PKCE verifier and, when check is
// not nil, with check, which may refuse it before it is spent; then uses it
// up.
// The error types are unconfirmed: Stytch's reference names none for
// OAuth authenticate; these follow the magic links'.
func (e *Emulator) consumeOAuth(token, verifier string, flow oauthFlow, check func(*oauthLogin) error) (*oauthLogin, error) {
	l, ok := e.idpState().oauth[token]
	switch {
	case !ok || l.flow != flow:
		return nil, errorf(404, "oauth_token_not_found", "OAuth token could not be found.")
	case l.used || !e.now().Before(l.expires):
		return nil, errorf(401, "unable_to_auth_oauth_token", "OAuth token could not be authenticated because it was already used or has expired.")
	}
	if err := checkPKCE(l.challenge, verifier); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(l); err != nil {
			return nil, err
		}
	}
	l.used = true
	return l, nil
}

// checkPKCE checks the verifier an authenticate call sends against the
// challenge its flow started with (OAuth and SSO).
func checkPKCE(challenge, verifier string) error {
	switch {
	case challenge != "" && verifier == "":
		return errorf(400, "pkce_expected_code_verifier", "This flow was started with a code_challenge; pass its code_verifier.")
	case challenge == "" && verifier != "":
		return errorf(400, "pkce_did_not_expect_code_verifier", "This flow was started without a code_challenge.")
	case challenge != "" && !pkceMatches(challenge, verifier):
		return errorf(400, "pkce_mismatch", "The code_verifier does not match the code_challenge.")
	}
	return nil
}

func oauthProviderName(provider string) string {
	if name := oauthProviderNames[provider]; name != "" {
		return name
	}
	return strings.ToUpper(provider[:1]) + provider[1:]
}

func (e b2bAPI) OAuthAuthenticate(_ context.Context, p *b2b.OAuthAuthenticateParams) (*b2b.OAuthAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	existing, _, err := e.b2bPriorSessions(nil, p.SessionToken, p.SessionJWT, nil)
	if err != nil {
		return nil, err
	}
	l, err := e.consumeOAuth(p.OAuthToken, deref(p.PKCECodeVerifier), oauthB2B, func(l *oauthLogin) error {
		return b2bSameMember(existing, l.userID)
	})
	if err != nil {
		return nil, err
	}
	bm := e.b2b.members[l.userID]
	if bm == nil || bm.m.Status == b2bDeleted {
		return nil, errorf(404, "member_not_found", "Member could not be found.")
	}
	o := e.b2b.orgs[bm.m.OrganizationID]
	bm.m.Status = b2bActive
	bm.m.EmailAddressVerified = true // the provider vouched for it
	name := oauthProviderName(l.provider)
	pv := e.b2bOAuthSignedIn(bm, l) // b2b_members_extra.go
	factor := b2b.AuthenticationFactor{Type: b2b.AuthenticationFactorTypeOAuth, DeliveryMethod: b2b.AuthenticationFactorDeliveryMethod("oauth_" + l.provider)}
	out := e.b2bLogin(bm, []b2b.AuthenticationFactor{factor}, existing, p.SessionDurationMinutes, p.SessionCustomClaims)
	return &b2b.OAuthAuthenticateResponse{
		MemberID: bm.m.MemberID, ProviderSubject: l.subject, ProviderType: name, OrganizationID: o.OrganizationID, ProviderValues: pv,
		Member: e.b2b.view(bm), Organization: *o, SessionToken: out.token, SessionJWT: out.jwt, MemberSession: out.session,
		MemberAuthenticated: out.authenticated, IntermediateSessionToken: out.ist, MFARequired: out.mfa,
	}, nil
}

func (e consumerAPI) OAuthAuthenticate(_ context.Context, p *consumer.OAuthAuthenticateParams) (*consumer.OAuthAuthenticateResponse, error) {
	if err := checkSessionArgs(p.SessionDurationMinutes); err != nil {
		return nil, err
	}
	l, err := e.consumeOAuth(p.Token, deref(p.CodeVerifier), oauthConsumer, func(l *oauthLogin) error {
		return e.priorSessionOf(l.userID, p.SessionToken, p.SessionJWT)
	})
	if err != nil {
		return nil, err
	}
	u, err := e.consumer.user(l.userID)
	if err != nil {
		return nil, err
	}
	u.Status = "active"
	name := oauthProviderName(l.provider)
	var reg consumer.OAuthProvider
	for _, pr := range u.Providers {
		if pr.ProviderType == name && pr.ProviderSubject == l.subject {
			reg = pr
		}
	}
	if reg.OAuthUserRegistrationID == "" {
		reg = consumer.OAuthProvider{ProviderType: name, ProviderSubject: l.subject, OAuthUserRegistrationID: newID("oauth-user-registration")}
		u.Providers = append(u.Providers, reg)
	}
	if em := emailOf(u, l.email); em != nil {
		em.Verified = true // the provider vouched for it (not for another email of an attached user)
	}
	factor := consumer.AuthenticationFactor{
		Type: consumer.AuthenticationFactorTypeOAuth, DeliveryMethod: consumer.AuthenticationFactorDeliveryMethod("oauth_" + l.provider),
	}
	s, token, jwtStr, err := e.startOrExtendSession(u, factor, p.SessionToken, p.SessionJWT, p.SessionDurationMinutes, p.SessionCustomClaims, nil)
	if err != nil {
		return nil, err
	}
	return &consumer.OAuthAuthenticateResponse{
		UserID: u.UserID, ProviderSubject: l.subject, ProviderType: name, SessionToken: token, SessionJWT: jwtStr,
		ProviderValues: consumer.ProviderValues{AccessToken: newSessionToken(), Scopes: []string{"openid", "email", "profile"}},
		User:           *u, OAuthUserRegistrationID: reg.OAuthUserRegistrationID, UserSession: s,
	}, nil
}

// idpHooks mirror the test hooks of idp.go and oauth.go:
//
//	POST /__emulator/oauth/callback  {"start_url": "...", "email": "..."} -> {"url", "token", "user_created"}
//	POST /__emulator/access_tokens   AccessTokenParams as JSON            -> {"access_token"}
//	GET  /__emulator/public_token                                         -> {"public_token"}
func (e *Emulator) idpHooks() []testHook {
	return []testHook{
		{method: http.MethodPost, path: "/__emulator/oauth/callback", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in struct {
				StartURL string `json:"start_url"`
				Email    string `json:"email"`
			}
			if err := decode(&in); err != nil {
				return nil, err
			}
			red, err := e.OAuthCallback(in.StartURL, in.Email)
			if err != nil {
				return nil, err
			}
			return map[string]any{"url": red.URL, "token": red.Token, "user_created": red.UserCreated}, nil
		}},
		{method: http.MethodPost, path: "/__emulator/access_tokens", serve: func(_ *http.Request, decode func(any) error) (any, error) {
			var in AccessTokenParams
			if err := decode(&in); err != nil {
				return nil, err
			}
			return map[string]any{"access_token": e.IssueAccessToken(in)}, nil
		}},
		{method: http.MethodGet, path: "/__emulator/public_token", serve: func(*http.Request, func(any) error) (any, error) {
			return map[string]any{"public_token": e.PublicToken()}, nil
		}},
	}
}
