package stytchtest

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	"github.com/golang-jwt/jwt/v5"
	dsig "github.com/russellhaering/goxmldsig"
)

// The test identity providers an SSO connection can trust: a SAML IdP that
// signs real SAML responses and an OIDC provider with a discovery
// document, a key set, and authorize, token and userinfo endpoints. Each
// serves its metadata on a loopback port of its own, so that the emulator
// reaches it over HTTP as Stytch reaches a customer's IdP. Make them with
// NewSAMLIdP and NewOIDCProvider, so that SAMLSignIn and OIDCSignIn can
// play them; close them when done.

// samlAssertionLifetime is how long the test IdP's assertions are valid.
const samlAssertionLifetime = 5 * time.Minute

// SAMLIdP is a test SAML identity provider.
type SAMLIdP struct {
	// EntityID is the IdP's entity ID (idp_entity_id), its metadata URL.
	EntityID string
	// SSOURL is where login requests go (idp_sso_url).
	SSOURL string
	// MetadataURL serves the IdP's metadata, for SSO.SAML.UpdateByURL.
	MetadataURL string
	// CertificatePEM is the certificate its signatures verify with
	// (x509_certificate).
	CertificatePEM string

	key *signingKey
	srv *httptest.Server
}

// NewSAMLIdP starts a test SAML IdP that SAMLSignIn can play for any
// connection whose idp_entity_id is its EntityID.
func (e *Emulator) NewSAMLIdP() *SAMLIdP {
	idp := &SAMLIdP{key: newKeySet(e.now).current()}
	idp.CertificatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: idp.key.cert}))
	idp.srv = httptest.NewServer(http.HandlerFunc(idp.serve))
	idp.EntityID = idp.srv.URL + "/metadata"
	idp.SSOURL = idp.srv.URL + "/sso"
	idp.MetadataURL = idp.EntityID
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ssoState().samlIdPs[idp.EntityID] = idp
	return idp
}

// Close stops the IdP's server.
func (idp *SAMLIdP) Close() { idp.srv.Close() }

func (idp *SAMLIdP) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/metadata" {
		http.NotFound(w, r)
		return
	}
	cert := base64.StdEncoding.EncodeToString(idp.key.cert)
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`, html.EscapeString(idp.EntityID), cert, html.EscapeString(idp.SSOURL))
}

// SAMLAttribute is one attribute of a SAML assertion.
type SAMLAttribute struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// samlAssertion is what the test IdP asserts.
type samlAssertion struct {
	destination, audience, inResponseTo, nameID, nameIDFormat string
	attributes                                                []SAMLAttribute
	now                                                       time.Time
}

const (
	samlProtocolNS  = "urn:oasis:names:tc:SAML:2.0:protocol"
	samlAssertionNS = "urn:oasis:names:tc:SAML:2.0:assertion"
	samlEmailFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
)

// sign builds a SAML Response holding one assertion signed with the IdP's
// key (an enveloped RSA-SHA256 signature, exclusive C14N) and returns it
// base64-encoded, as the HTTP-POST binding carries it.
func (idp *SAMLIdP) sign(a samlAssertion) (string, error) {
	instant := a.now.UTC().Format(time.RFC3339)
	until := a.now.Add(samlAssertionLifetime).UTC().Format(time.RFC3339)
	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", samlProtocolNS)
	resp.CreateAttr("xmlns:saml", samlAssertionNS)
	resp.CreateAttr("ID", "_"+newUUID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", instant)
	resp.CreateAttr("Destination", a.destination)
	if a.inResponseTo != "" {
		resp.CreateAttr("InResponseTo", a.inResponseTo)
	}
	resp.CreateElement("saml:Issuer").SetText(idp.EntityID)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")

	as := etree.NewElement("saml:Assertion")
	as.CreateAttr("xmlns:saml", samlAssertionNS)
	as.CreateAttr("ID", "_"+newUUID())
	as.CreateAttr("Version", "2.0")
	as.CreateAttr("IssueInstant", instant)
	as.CreateElement("saml:Issuer").SetText(idp.EntityID)
	subj := as.CreateElement("saml:Subject")
	nameID := subj.CreateElement("saml:NameID")
	format := a.nameIDFormat
	if format == "" {
		format = samlEmailFormat
	}
	nameID.CreateAttr("Format", format)
	nameID.SetText(a.nameID)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	scd.CreateAttr("NotOnOrAfter", until)
	scd.CreateAttr("Recipient", a.destination)
	if a.inResponseTo != "" {
		scd.CreateAttr("InResponseTo", a.inResponseTo)
	}
	cond := as.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", a.now.Add(-time.Minute).UTC().Format(time.RFC3339))
	cond.CreateAttr("NotOnOrAfter", until)
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(a.audience)
	authn := as.CreateElement("saml:AuthnStatement")
	authn.CreateAttr("AuthnInstant", instant)
	authn.CreateAttr("SessionIndex", "_"+newUUID())
	authn.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	stmt := as.CreateElement("saml:AttributeStatement")
	for _, attr := range a.attributes {
		el := stmt.CreateElement("saml:Attribute")
		el.CreateAttr("Name", attr.Name)
		el.CreateAttr("NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:basic")
		for _, v := range attr.Values {
			el.CreateElement("saml:AttributeValue").SetText(v)
		}
	}

	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{
		Certificate: [][]byte{idp.key.cert}, PrivateKey: idp.key.priv,
	}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return "", err
	}
	signed, err := ctx.SignEnveloped(as)
	if err != nil {
		return "", fmt.Errorf("stytchtest: signing the SAML assertion: %w", err)
	}
	resp.AddChild(signed)
	raw, err := doc.WriteToBytes()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// OIDCProvider is a test OpenID Connect provider, with one registered
// client: the ClientID and ClientSecret an OIDC connection is configured
// with.
type OIDCProvider struct {
	// Issuer is the provider's issuer; its discovery document is at
	// Issuer + "/.well-known/openid-configuration".
	Issuer           string
	AuthorizationURL string
	TokenURL         string
	UserinfoURL      string
	JWKSURL          string
	ClientID         string
	ClientSecret     string

	now  func() time.Time
	keys *keySet
	srv  *httptest.Server

	mu     sync.Mutex
	codes  map[string]*oidcGrant // authorization code -> grant
	access map[string]jwt.MapClaims
}

// oidcGrant is a sign-in at the provider, waiting for its code to be
// exchanged.
type oidcGrant struct {
	redirectURI, nonce, scope string
	claims                    jwt.MapClaims
	expires                   time.Time
	used                      bool
}

// oidcTokenLifetime is how long the test provider's tokens live.
const oidcTokenLifetime = time.Hour

// NewOIDCProvider starts a test OIDC provider that OIDCSignIn can play for
// any connection whose issuer is its Issuer.
func (e *Emulator) NewOIDCProvider() *OIDCProvider {
	p := &OIDCProvider{
		now: e.now, keys: newKeySet(e.now), codes: map[string]*oidcGrant{}, access: map[string]jwt.MapClaims{},
		ClientID: "oidc-client-" + newUUID(), ClientSecret: newSessionToken(),
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.Issuer = p.srv.URL
	p.AuthorizationURL = p.srv.URL + "/authorize"
	p.TokenURL = p.srv.URL + "/token"
	p.UserinfoURL = p.srv.URL + "/userinfo"
	p.JWKSURL = p.srv.URL + "/jwks"
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ssoState().oidcProviders[p.Issuer] = p
	return p
}

// Close stops the provider's server.
func (p *OIDCProvider) Close() { p.srv.Close() }

// authorize signs email in at the provider for the client and returns the
// authorization code it would send to redirectURI.
func (p *OIDCProvider) authorize(clientID, redirectURI, nonce, scope, email string, claims map[string]any) (string, error) {
	if clientID != p.ClientID {
		return "", fmt.Errorf("stytchtest: the OIDC provider has no client %q", clientID)
	}
	sum := sha256.Sum256([]byte(p.Issuer + "\x00" + strings.ToLower(email)))
	c := jwt.MapClaims{"sub": hex.EncodeToString(sum[:12]), "email": email, "email_verified": true}
	maps.Copy(c, claims)
	code := newSessionToken()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.codes[code] = &oidcGrant{redirectURI: redirectURI, nonce: nonce, scope: scope, claims: c, expires: p.now().Add(time.Minute)}
	return code, nil
}

func (p *OIDCProvider) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer": p.Issuer, "authorization_endpoint": p.AuthorizationURL, "token_endpoint": p.TokenURL,
			"userinfo_endpoint": p.UserinfoURL, "jwks_uri": p.JWKSURL, "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	case "/jwks":
		writeJSON(w, http.StatusOK, map[string]any{"keys": p.keys.jwks()})
	case "/token":
		p.serveToken(w, r)
	case "/userinfo":
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		p.mu.Lock()
		claims, ok := p.access[token]
		p.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_token"})
			return
		}
		writeJSON(w, http.StatusOK, claims)
	default:
		http.NotFound(w, r)
	}
}

// serveToken is the authorization-code grant of RFC 6749 §4.1.3, with the
// client authenticated by HTTP Basic or in the form.
func (p *OIDCProvider) serveToken(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code string) { writeJSON(w, status, map[string]any{"error": code}) }
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		fail(http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || !equalBytes([]byte(secret), []byte(p.ClientSecret)) {
		fail(http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		fail(http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.codes[r.PostForm.Get("code")]
	if !ok || g.used || !now.Before(g.expires) || g.redirectURI != r.PostForm.Get("redirect_uri") {
		fail(http.StatusBadRequest, "invalid_grant")
		return
	}
	g.used = true
	// The sign-in's claims come last, so that a test can forge any of them.
	idClaims := jwt.MapClaims{"iss": p.Issuer, "aud": p.ClientID, "iat": now.Unix(), "exp": now.Add(oidcTokenLifetime).Unix()}
	maps.Copy(idClaims, g.claims)
	if g.nonce != "" {
		idClaims["nonce"] = g.nonce
	}
	access := newSessionToken()
	p.access[access] = g.claims
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(oidcTokenLifetime.Seconds()),
		"refresh_token": newSessionToken(), "id_token": p.keys.sign(idClaims), "scope": g.scope,
	})
}

// ssoFetchLimit bounds what the emulator reads from an identity provider:
// metadata, discovery documents, key sets and token responses.
const ssoFetchLimit = 1 << 20

// ssoHTTP is how the emulator reaches identity providers: bounded in time,
// as Stytch's calls are.
var ssoHTTP = &http.Client{Timeout: 10 * time.Second}

var errSSOFetch = errors.New("the identity provider could not be reached or answered with an error")

// ssoFetch makes a request to an identity provider and decodes its JSON
// answer into v (or returns the raw body when v is nil). A failure says
// nothing of the request, which may carry a client secret.
func ssoFetch(req *http.Request, v any) ([]byte, error) {
	resp, err := ssoHTTP.Do(req)
	if err != nil {
		return nil, errSSOFetch
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, ssoFetchLimit+1))
	if err != nil || len(body) > ssoFetchLimit || resp.StatusCode/100 != 2 {
		return nil, errSSOFetch
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return nil, errSSOFetch
		}
	}
	return body, nil
}

// ssoUnlocked runs fetch, a call to an identity provider, with e.mu
// released: a provider may be the emulator itself or call it back, and
// would otherwise wait for the lock until ssoHTTP gives up. e.mu is held
// before and after; the caller must look up again what it read under the
// lock before, as another request may have changed it meanwhile.
func (e *Emulator) ssoUnlocked(fetch func()) {
	e.mu.Unlock()
	defer e.mu.Lock()
	fetch()
}

// ssoGet fetches rawURL, which must be an http or https URL.
func ssoGet(rawURL string, v any) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errSSOFetch
	}
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errSSOFetch
	}
	return ssoFetch(req, v)
}

// Close stops the test identity providers e started (NewSAMLIdP,
// NewOIDCProvider, and their /__emulator/ mirrors); a connection that
// trusts one then fails to reach it, as it would a provider gone down.
// Server.Close calls it. The emulator itself goes on serving.
func (e *Emulator) Close() {
	e.mu.Lock()
	var closers []func()
	if st := e.sso; st != nil {
		for _, idp := range st.samlIdPs {
			closers = append(closers, idp.Close)
		}
		for _, p := range st.oidcProviders {
			closers = append(closers, p.Close)
		}
	}
	e.mu.Unlock()
	// Outside the lock: a provider's handler may be waiting on it.
	for _, c := range closers {
		c()
	}
}
