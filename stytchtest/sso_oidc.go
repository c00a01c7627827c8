package stytchtest

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gostytch/stytch/b2b"
)

// OIDC connections: create and update (filling the endpoints from the
// issuer's discovery document), and the authorization-code exchange and ID
// token verification of SSO.Authenticate, over HTTP to the provider.
// The emulator calls providers with its lock released (ssoUnlocked); the
// calls are bounded in time and size (ssoHTTP, ssoFetchLimit).

type oidcConn struct {
	c b2b.OIDCConnection
}

func (c *oidcConn) id() string          { return c.c.ConnectionID }
func (c *oidcConn) orgID() string       { return c.c.OrganizationID }
func (c *oidcConn) active() bool        { return c.c.Status == ssoActive }
func (c *oidcConn) displayName() string { return c.c.DisplayName }
func (c *oidcConn) provider() string    { return c.c.IdentityProvider }

// view is the connection as the API shows it, its client secret masked
// but for the last four characters. Unconfirmed: how Stytch masks it.
func (c *oidcConn) view() b2b.OIDCConnection {
	v := c.c
	if s := v.ClientSecret; s != "" {
		keep := min(4, len(s)/4)
		v.ClientSecret = strings.Repeat("*", len(s)-keep) + s[len(s)-keep:]
	}
	v.AttributeMapping = b2bCopyMap(c.c.AttributeMapping)
	return v
}

// scopes are what a sign-in asks the provider for.
func (c *oidcConn) scopes(f *ssoFlow) string {
	s := c.c.CustomScopes
	if s == "" {
		s = "openid email profile"
	}
	if f.scopes != "" {
		s += " " + strings.ReplaceAll(f.scopes, "+", " ")
	}
	return s
}

func (e b2bAPI) SSOOIDCCreateConnection(ctx context.Context, p *b2b.SSOOIDCCreateConnectionParams) (*b2b.SSOOIDCCreateConnectionResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	id := newID("oidc-connection")
	c := &oidcConn{c: b2b.OIDCConnection{
		OrganizationID: o.OrganizationID, ConnectionID: id, Status: ssoPending, DisplayName: deref(p.DisplayName),
		RedirectURL: e.ssoCallbackURL(ctx, id), IdentityProvider: string(deref(p.IdentityProvider)), AttributeMapping: map[string]any{},
	}}
	if c.c.IdentityProvider == "" {
		c.c.IdentityProvider = "generic" // unconfirmed default
	}
	e.ssoState().oidc[id] = c
	e.ssoAdded(o, id)
	v := c.view()
	return &b2b.SSOOIDCCreateConnectionResponse{Connection: &v}, nil
}

// oidcConnOf finds an OIDC connection of org.
func (e *Emulator) oidcConnOf(o *b2b.Organization, id string) (*oidcConn, error) {
	c, ok := e.ssoState().oidc[id]
	if !ok || c.c.OrganizationID != o.OrganizationID {
		return nil, errorf(404, "oidc_connection_not_found", "OIDC connection could not be found.")
	}
	return c, nil
}

// oidcDiscovery is the part of a discovery document a connection uses.
type oidcDiscovery struct {
	Issuer   string `json:"issuer"`
	Auth     string `json:"authorization_endpoint"`
	Token    string `json:"token_endpoint"`
	Userinfo string `json:"userinfo_endpoint"`
	JWKS     string `json:"jwks_uri"`
}

func (e b2bAPI) SSOOIDCUpdateConnection(_ context.Context, p *b2b.SSOOIDCUpdateConnectionParams) (*b2b.SSOOIDCUpdateConnectionResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	c, err := e.oidcConnOf(o, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	// Stytch fills the endpoints the request leaves out from a new issuer's
	// discovery document, and warns when it cannot. It is read first, with
	// the lock released (ssoUnlocked).
	newIssuer := p.Issuer != nil && *p.Issuer != c.c.Issuer && *p.Issuer != ""
	var disc *oidcDiscovery
	if ok, secure := ssoURLOK(deref(p.Issuer)); newIssuer && ok && secure {
		var d oidcDiscovery
		e.ssoUnlocked(func() { _, err = ssoGet(strings.TrimSuffix(*p.Issuer, "/")+"/.well-known/openid-configuration", &d) })
		if err == nil && d.Issuer == *p.Issuer {
			disc = &d
		}
		if o, err = e.b2b.org(p.OrganizationID); err != nil {
			return nil, err
		}
		if c, err = e.oidcConnOf(o, p.ConnectionID); err != nil {
			return nil, err
		}
	}
	next := c.c
	for _, f := range []struct {
		v    *string
		dst  *string
		kind string
	}{
		{p.Issuer, &next.Issuer, "issuer_url"}, {p.AuthorizationURL, &next.AuthorizationURL, "authorization_url"},
		{p.TokenURL, &next.TokenURL, "token_url"}, {p.UserinfoURL, &next.UserinfoURL, "userinfo_url"},
		{p.JWKSURL, &next.JWKSURL, "jwks_url"},
	} {
		if f.v == nil {
			continue
		}
		if ok, secure := ssoURLOK(*f.v); *f.v != "" && (!ok || !secure) {
			return nil, errorf(400, "oidc_connection_"+f.kind+"_invalid_format", "%s must be an https URL.", strings.TrimSuffix(f.kind, "_url")+"_url")
		}
		*f.dst = *f.v
	}
	b2bSet(&next.DisplayName, p.DisplayName)
	b2bSet(&next.ClientID, p.ClientID)
	b2bSet(&next.ClientSecret, p.ClientSecret)
	b2bSet(&next.CustomScopes, p.CustomScopes)
	if p.IdentityProvider != nil {
		next.IdentityProvider = string(*p.IdentityProvider)
	}
	if p.AttributeMapping != nil {
		next.AttributeMapping = b2bCopyMap(p.AttributeMapping)
	}
	warning := ""
	switch {
	case newIssuer && disc == nil:
		warning = "The issuer's discovery document could not be read; set the endpoint URLs yourself."
	case newIssuer:
		for _, f := range []struct {
			sent *string
			dst  *string
			v    string
		}{
			{p.AuthorizationURL, &next.AuthorizationURL, disc.Auth}, {p.TokenURL, &next.TokenURL, disc.Token},
			{p.UserinfoURL, &next.UserinfoURL, disc.Userinfo}, {p.JWKSURL, &next.JWKSURL, disc.JWKS},
		} {
			if f.sent == nil {
				*f.dst = f.v
			}
		}
	}
	if next.Issuer != "" && next.ClientID != "" && next.ClientSecret != "" && next.AuthorizationURL != "" &&
		next.TokenURL != "" && next.JWKSURL != "" {
		next.Status = ssoActive // unconfirmed which fields Stytch requires
	}
	c.c = next
	e.ssoRefreshActive(o)
	v := c.view()
	return &b2b.SSOOIDCUpdateConnectionResponse{Connection: &v, Warning: warning}, nil
}

// oidcRedirect is the connection's redirect URL receiving the provider's
// authorization code.
func (e *Emulator) oidcRedirect(connID, code, state string) (SSORedirect, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.ssoState().oidc[connID] == nil:
		return SSORedirect{}, errorf(404, "oidc_connection_not_found", "OIDC connection could not be found.")
	case state == "":
		return SSORedirect{}, errorf(400, "missing_oidc_state_param", "The callback carries no state.")
	case code == "":
		return SSORedirect{}, errorf(400, "oidc_invalid_callback_request", "The callback carries no authorization code.")
	}
	return e.ssoCallback(connID, state, &ssoLogin{oidcCode: code}, "")
}

// oidcTokenResponse is the provider's answer to the code exchange.
type oidcTokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
}

// oidcJWK is an RSA key of a provider's key set.
type oidcJWK struct {
	KID string `json:"kid"`
	KTY string `json:"kty"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// oidcExchange exchanges the login's code at c's token URL and reads c's
// key set. It reads no emulator state, so that it can run with the lock
// released (ssoUnlocked); c is a copy.
func oidcExchange(c b2b.OIDCConnection, code string) (*oidcTokenResponse, []oidcJWK, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.RedirectURL}}
	req, err := http.NewRequest(http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, errorf(400, "oidc_auth_code_error", "The connection's token_url cannot be called.")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	var tr oidcTokenResponse
	if _, err := ssoFetch(req, &tr); err != nil || tr.IDToken == "" {
		return nil, nil, errorf(400, "oidc_auth_code_error", "The identity provider did not exchange the authorization code.")
	}
	var set struct {
		Keys []oidcJWK `json:"keys"`
	}
	if _, err := ssoGet(c.JWKSURL, &set); err != nil {
		return nil, nil, errorf(400, "id_token_invalid", "The identity provider's key set could not be read.")
	}
	return &tr, set.Keys, nil
}

// oidcVerify verifies the ID token that oidcExchange got for the login
// against the key set, c's issuer and client ID, the expiry and the
// flow's nonce. Status codes are unconfirmed (400); the types are
// Stytch's.
func (e *Emulator) oidcVerify(c *oidcConn, l *ssoLogin, tr *oidcTokenResponse, keys []oidcJWK) (*ssoIdentity, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tr.IDToken, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		for _, k := range keys {
			if k.KTY == "RSA" && (k.KID == kid || kid == "") {
				n, err1 := base64.RawURLEncoding.DecodeString(k.N)
				ex, err2 := base64.RawURLEncoding.DecodeString(k.E)
				if err1 == nil && err2 == nil {
					return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())}, nil
				}
			}
		}
		return nil, errors.New("no key")
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(c.c.Issuer), jwt.WithAudience(c.c.ClientID),
		jwt.WithTimeFunc(e.now), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errorf(400, "id_token_expired", "The ID token has expired.")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, errorf(400, "id_token_incorrect_audience", "The ID token is not for this connection's client.")
	case err != nil:
		return nil, errorf(400, "id_token_invalid", "The ID token could not be verified.")
	}
	if nonce, _ := claims["nonce"].(string); l.flow == nil || nonce != l.flow.nonce {
		return nil, errorf(400, "id_token_nonce_invalid", "The ID token's nonce does not match the flow's.")
	}
	sub, _ := claims["sub"].(string)
	email, _ := claims["email"].(string)
	switch {
	case sub == "":
		return nil, errorf(400, "oidc_response_subject_missing", "The ID token has no subject.")
	case email == "":
		return nil, errorf(400, "oidc_response_email_missing", "The ID token has no email.")
	case claims["email_verified"] == false:
		return nil, errorf(400, "oidc_response_unverified_email", "The identity provider has not verified the email.")
	}
	name, _ := claims["name"].(string)
	if name == "" {
		given, _ := claims["given_name"].(string)
		family, _ := claims["family_name"].(string)
		name = strings.TrimSpace(given + " " + family)
	}
	attrs := map[string]any{}
	for k, v := range claims {
		attrs[k] = v
	}
	return &ssoIdentity{
		email: email, subject: sub, name: name, attributes: attrs, method: b2b.AuthenticationFactorDeliveryMethodSSOOIDC,
		oidc: &b2b.OIDCProviderInfo{
			ProviderSubject: sub, IDToken: tr.IDToken, AccessToken: tr.AccessToken, AccessTokenExpiresIn: tr.ExpiresIn,
			Scopes: strings.Fields(tr.Scope), RefreshToken: tr.RefreshToken,
		},
	}, nil
}

// ssoRecordOIDC keeps the provider's tokens of a member's latest sign-in
// through a connection, for Organizations.Members.OIDCProviders.
func (e *Emulator) ssoRecordOIDC(memberID string, info b2b.OIDCProviderInfo) {
	st := e.ssoState()
	if info.Scopes == nil {
		info.Scopes = []string{}
	}
	regs := []b2b.OIDCProviderInfo{}
	for _, r := range st.oidcTok[memberID] {
		if r.ConnectionID != info.ConnectionID {
			regs = append(regs, r)
		}
	}
	st.oidcTok[memberID] = append(regs, info)
}

func (e b2bAPI) OrganizationsMembersOIDCProviders(_ context.Context, p *b2b.OrganizationsMembersOIDCProvidersParams) (*b2b.OrganizationsMembersOIDCProvidersResponse, error) {
	_, bm, err := e.b2bOrgMember(p.OrganizationID, p.MemberID)
	if err != nil {
		return nil, err
	}
	out := []b2b.OIDCProviderInfo{}
	for _, r := range e.ssoState().oidcTok[bm.m.MemberID] {
		if e.ssoState().oidc[r.ConnectionID] == nil {
			continue // the connection was deleted
		}
		if p.IncludeRefreshToken == nil || !*p.IncludeRefreshToken {
			r.RefreshToken = ""
		}
		out = append(out, r)
	}
	return &b2b.OrganizationsMembersOIDCProvidersResponse{Registrations: out}, nil
}
