package stytchtest

import (
	"maps"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// accessTokenLifetime is how long a Connected App access token lives when
// the app sets no access_token_expiry_minutes: one hour.
const accessTokenLifetime = time.Hour

// AccessTokenParams describes the Connected App access token that
// IssueAccessToken signs, as Stytch's token endpoint would at the end of an
// OAuth flow.
type AccessTokenParams struct {
	// Subject is the user_id or member_id the Connected App acts for.
	Subject string
	// OrganizationID is the member's organization, for B2B tokens: the token
	// then carries the https://stytch.com/organization claim (with the
	// organization's slug, if the emulator holds it).
	OrganizationID string
	// ClientID is the Connected App's client ID; a new
	// connected-app-test-… ID when empty.
	ClientID string
	// Scopes are the granted scopes, such as "openid", "email" or
	// "read:documents".
	Scopes []string
	// CustomClaims are added at the top level, as an access token template
	// would.
	CustomClaims map[string]any
	// Lifetime is how long the token lives; an hour when zero.
	Lifetime time.Duration
	// Issuer replaces stytch.com/<project ID>, as a custom domain does.
	Issuer string
}

// IssueAccessToken signs a Connected App access token with the emulator's
// keys. The token has Stytch's claims (iss, sub, aud, client_id, scope,
// iat, nbf, exp, jti), so that IDP.IntrospectTokenLocal accepts it,
// IDP.UserInfo answers for it and IDP.RevokeToken revokes it.
func (e *Emulator) IssueAccessToken(p AccessTokenParams) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.issueAccessToken(p)
}

// issueAccessToken is IssueAccessToken with e.mu held.
func (e *Emulator) issueAccessToken(p AccessTokenParams) string {
	now := e.now()
	life := p.Lifetime
	if life <= 0 {
		life = accessTokenLifetime
	}
	claims := jwt.MapClaims{}
	maps.Copy(claims, p.CustomClaims)
	iss := p.Issuer
	if iss == "" {
		iss = "stytch.com/" + e.ProjectID
	}
	clientID := p.ClientID
	if clientID == "" {
		clientID = newID("connected-app")
	}
	for k, v := range map[string]any{
		"iss": iss, "sub": p.Subject, "aud": []string{e.ProjectID}, "client_id": clientID,
		"scope": strings.Join(p.Scopes, " "), "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(life).Unix(), "jti": newSessionToken(),
	} {
		claims[k] = v
	}
	if p.OrganizationID != "" {
		org := map[string]any{"organization_id": p.OrganizationID, "slug": ""}
		if o, ok := e.b2b.orgs[p.OrganizationID]; ok {
			org["slug"] = o.OrganizationSlug
		}
		claims["https://stytch.com/organization"] = org
	}
	return e.keys.sign(claims)
}
