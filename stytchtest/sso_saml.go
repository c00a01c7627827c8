package stytchtest

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"
	samltypes "github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gostytch/stytch/b2b"
)

// SAML connections: create and update (by fields or from the IdP's
// metadata URL), certificates and keys, and the verification of the IdP's
// signed responses for SSO.Authenticate. Verification is gosaml2's
// (signature against the connection's verification certificates,
// destination, recipient, issuer, time window); the emulator adds the
// audience (with the alternative audience), InResponseTo and single use.
// Stytch checks a response when the IdP posts it; the emulator checks it
// at SSO.Authenticate, so that a test sees the error through the SDK.
// Encryption private keys are stored, masked and deletable, but encrypted
// assertions are not decrypted: the test IdP signs, it does not encrypt.

type samlConn struct {
	c       b2b.SAMLConnection
	certs   []*x509.Certificate // parallel to c.VerificationCertificates
	encKeys []*rsa.PrivateKey   // parallel to c.EncryptionPrivateKeys
}

func (c *samlConn) id() string          { return c.c.ConnectionID }
func (c *samlConn) orgID() string       { return c.c.OrganizationID }
func (c *samlConn) active() bool        { return c.c.Status == ssoActive }
func (c *samlConn) displayName() string { return c.c.DisplayName }
func (c *samlConn) provider() string    { return c.c.IdentityProvider }

// view is the connection as the API shows it: private keys masked
// (unconfirmed how Stytch shows them; they are never returned in full),
// slices copied.
func (c *samlConn) view() b2b.SAMLConnection {
	v := c.c
	v.SigningCertificates = append([]b2b.X509Certificate{}, c.c.SigningCertificates...)
	v.VerificationCertificates = append([]b2b.X509Certificate{}, c.c.VerificationCertificates...)
	v.EncryptionPrivateKeys = []b2b.EncryptionPrivateKey{}
	for _, k := range c.c.EncryptionPrivateKeys {
		k.PrivateKey = "-----BEGIN RSA PRIVATE KEY-----\n[redacted]\n-----END RSA PRIVATE KEY-----"
		v.EncryptionPrivateKeys = append(v.EncryptionPrivateKeys, k)
	}
	v.SAMLConnectionImplicitRoleAssignments = append([]b2b.SAMLConnectionImplicitRoleAssignment{}, c.c.SAMLConnectionImplicitRoleAssignments...)
	v.SAMLGroupImplicitRoleAssignments = append([]b2b.SAMLGroupImplicitRoleAssignment{}, c.c.SAMLGroupImplicitRoleAssignments...)
	v.AttributeMapping = b2bCopyMap(c.c.AttributeMapping)
	return v
}

// ssoCallbackURL is a connection's ACS or redirect URL on the emulator's
// host: Stytch's is on its API host. The audience URI is the ACS URL
// (unconfirmed: Stytch's audience has a form of its own).
func (e *Emulator) ssoCallbackURL(ctx context.Context, connID string) string {
	base, _ := e.projectBase(callOf(ctx).http)
	return base + "/v1/b2b/sso/callback/" + connID
}

func (e b2bAPI) SSOSAMLCreateConnection(ctx context.Context, p *b2b.SSOSAMLCreateConnectionParams) (*b2b.SSOSAMLCreateConnectionResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	now := e.now()
	id := newID("saml-connection")
	acs := e.ssoCallbackURL(ctx, id)
	signing := newKeySet(e.now).current()
	c := &samlConn{c: b2b.SAMLConnection{
		OrganizationID: o.OrganizationID, ConnectionID: id, Status: ssoPending, DisplayName: deref(p.DisplayName),
		AcsURL: acs, AudienceURI: acs, IdentityProvider: string(deref(p.IdentityProvider)), NameidFormat: samlEmailFormat,
		SigningCertificates: []b2b.X509Certificate{samlCertificate(signing.cert, now)}, VerificationCertificates: []b2b.X509Certificate{},
		EncryptionPrivateKeys: []b2b.EncryptionPrivateKey{}, SAMLConnectionImplicitRoleAssignments: []b2b.SAMLConnectionImplicitRoleAssignment{},
		SAMLGroupImplicitRoleAssignments: []b2b.SAMLGroupImplicitRoleAssignment{}, AttributeMapping: map[string]any{},
	}}
	if c.c.IdentityProvider == "" {
		c.c.IdentityProvider = "generic" // unconfirmed default
	}
	e.ssoState().saml[id] = c
	e.ssoAdded(o, id)
	v := c.view()
	return &b2b.SSOSAMLCreateConnectionResponse{Connection: &v}, nil
}

// samlCertificate describes a certificate as the connection object does.
func samlCertificate(der []byte, now time.Time) b2b.X509Certificate {
	out := b2b.X509Certificate{
		CertificateID: newID("saml-certificate"), // unconfirmed prefix
		Certificate:   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), CreatedAt: &now, UpdatedAt: &now,
	}
	if cert, err := x509.ParseCertificate(der); err == nil {
		exp := cert.NotAfter.UTC()
		out.Issuer, out.ExpiresAt = cert.Issuer.String(), &exp
	}
	return out
}

// samlConnOf finds a SAML connection of org.
func (e *Emulator) samlConnOf(o *b2b.Organization, id string) (*samlConn, error) {
	c, ok := e.ssoState().saml[id]
	if !ok || c.c.OrganizationID != o.OrganizationID {
		return nil, errorf(404, "saml_connection_not_found", "SAML connection could not be found.")
	}
	return c, nil
}

// ssoURLOK reports whether raw is an absolute http(s) URL, and whether it
// is secure enough: https, or http to a loopback host, which the test
// identity providers use. Unconfirmed: Stytch's test environment may allow
// more.
func ssoURLOK(raw string) (wellFormed, secure bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false, false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return true, u.Scheme == "https" || host == "localhost" || ip != nil && ip.IsLoopback()
}

func (e b2bAPI) SSOSAMLUpdateConnection(ctx context.Context, p *b2b.SSOSAMLUpdateConnectionParams) (*b2b.SSOSAMLUpdateConnectionResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	c, err := e.samlConnOf(o, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	next := *c
	n := &next.c
	now := e.now()
	b2bSet(&n.IDPEntityID, p.IDPEntityID)
	b2bSet(&n.DisplayName, p.DisplayName)
	b2bSet(&n.AlternativeAudienceURI, p.AlternativeAudienceURI)
	b2bSet(&n.NameidFormat, p.NameidFormat)
	b2bSet(&n.AlternativeAcsURL, p.AlternativeAcsURL)
	if p.IdentityProvider != nil {
		n.IdentityProvider = string(*p.IdentityProvider)
	}
	if p.IDPInitiatedAuthDisabled != nil {
		n.IDPInitiatedAuthDisabled = *p.IDPInitiatedAuthDisabled
	}
	if p.AllowGatewayCallback != nil {
		n.AllowGatewayCallback = *p.AllowGatewayCallback
	}
	if p.IDPSSOURL != nil {
		switch ok, secure := ssoURLOK(*p.IDPSSOURL); {
		case !ok:
			return nil, errorf(400, "saml_connection_idp_sso_url_invalid_format", "idp_sso_url must be an absolute URL.")
		case !secure:
			return nil, errorf(400, "saml_connection_idp_sso_url_not_https", "idp_sso_url must use https.")
		}
		n.IDPSSOURL = *p.IDPSSOURL
	}
	if p.AttributeMapping != nil {
		if err := checkSAMLAttributeMapping(p.AttributeMapping); err != nil {
			return nil, err
		}
		n.AttributeMapping = b2bCopyMap(p.AttributeMapping)
	}
	if p.SAMLConnectionImplicitRoleAssignments != nil {
		n.SAMLConnectionImplicitRoleAssignments = append([]b2b.SAMLConnectionImplicitRoleAssignment{}, p.SAMLConnectionImplicitRoleAssignments...)
	}
	if p.SAMLGroupImplicitRoleAssignments != nil {
		if len(p.SAMLGroupImplicitRoleAssignments) > 0 && n.AttributeMapping["groups"] == nil {
			return nil, errorf(400, "saml_connection_attribute_mapping_missing_groups_key", "Map a groups attribute in attribute_mapping before assigning roles to groups.")
		}
		n.SAMLGroupImplicitRoleAssignments = append([]b2b.SAMLGroupImplicitRoleAssignment{}, p.SAMLGroupImplicitRoleAssignments...)
	}
	if err := e.ssoCheckRoles(o, roleIDsOf(n.SAMLConnectionImplicitRoleAssignments), roleIDsOf(n.SAMLGroupImplicitRoleAssignments)); err != nil {
		return nil, err
	}
	if p.X509Certificate != nil {
		cert, err := parsePEMCertificate(*p.X509Certificate)
		if err != nil {
			return nil, err
		}
		if err := next.addCertificate(cert, now); err != nil {
			return nil, err
		}
	}
	if p.SigningPrivateKey != nil {
		key, err := parsePKCS1Key(*p.SigningPrivateKey, "saml_signing_private_key_invalid", "signing_private_key")
		if err != nil {
			return nil, err
		}
		// Stytch derives a new signing certificate from the key.
		n.SigningCertificates = append(append([]b2b.X509Certificate{}, n.SigningCertificates...), samlCertificate(selfSign(key, now), now))
	}
	if p.SAMLEncryptionPrivateKey != nil {
		key, err := parsePKCS1Key(*p.SAMLEncryptionPrivateKey, errorTypeBadRequest, "saml_encryption_private_key") // unconfirmed type
		if err != nil {
			return nil, err
		}
		if len(next.encKeys) >= samlMaxKeys {
			return nil, errSAMLMaxKeys
		}
		next.encKeys = append(append([]*rsa.PrivateKey{}, next.encKeys...), key)
		n.EncryptionPrivateKeys = append(append([]b2b.EncryptionPrivateKey{}, n.EncryptionPrivateKeys...), b2b.EncryptionPrivateKey{
			PrivateKeyID: newID("saml-encryption-private-key"), PrivateKey: *p.SAMLEncryptionPrivateKey, CreatedAt: &now, // unconfirmed prefix
		})
	}
	*c = next
	e.samlSettle(o, c)
	v := c.view()
	return &b2b.SSOSAMLUpdateConnectionResponse{Connection: &v}, nil
}

// checkSAMLAttributeMapping enforces the reference's rules: flat string
// values, an email key, and full_name or both first_name and last_name.
func checkSAMLAttributeMapping(m map[string]any) error {
	for _, v := range m {
		if _, ok := v.(string); !ok {
			return errorf(400, "saml_connection_no_nested_keys_in_attribute_mapping", "attribute_mapping values must be attribute names (strings).")
		}
	}
	if m["email"] == nil {
		return errorf(400, "saml_connection_email_mapping_required", "attribute_mapping must map email.")
	}
	if m["full_name"] == nil && (m["first_name"] == nil || m["last_name"] == nil) {
		return errorf(400, "saml_connection_name_mapping_required", "attribute_mapping must map full_name, or first_name and last_name.")
	}
	return nil
}

// samlMaxKeys is how many verification certificates, and how many
// encryption private keys, a connection holds at most (Stytch's
// reference: 5 each).
const samlMaxKeys = 5

// errSAMLMaxKeys refuses a sixth certificate or key. Unconfirmed type and
// status: the reference states the limit, not its error.
var errSAMLMaxKeys = errorf(400, errorTypeBadRequest, "A SAML connection holds at most %d verification certificates and %d encryption private keys; delete one first.", samlMaxKeys, samlMaxKeys)

// addCertificate adds a verification certificate unless the connection
// already holds it.
func (c *samlConn) addCertificate(cert *x509.Certificate, now time.Time) error {
	for _, have := range c.certs {
		if have.Equal(cert) {
			return nil
		}
	}
	if len(c.certs) >= samlMaxKeys {
		return errSAMLMaxKeys
	}
	c.certs = append(append([]*x509.Certificate{}, c.certs...), cert)
	c.c.VerificationCertificates = append(append([]b2b.X509Certificate{}, c.c.VerificationCertificates...), samlCertificate(cert.Raw, now))
	return nil
}

// samlSettle makes a connection active once it has what a login needs:
// the IdP's entity ID, SSO URL and a verification certificate
// (unconfirmed: which fields Stytch requires).
func (e *Emulator) samlSettle(o *b2b.Organization, c *samlConn) {
	if c.c.IDPEntityID != "" && c.c.IDPSSOURL != "" && len(c.certs) > 0 {
		c.c.Status = ssoActive
	}
	e.ssoRefreshActive(o)
}

var errInvalidX509 = errorf(400, "invalid_x509_certificate", "x509_certificate must be a PEM-encoded X.509 certificate.")

func parsePEMCertificate(s string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errInvalidX509
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, errInvalidX509
	}
	return cert, nil
}

// parsePKCS1Key reads a PEM RSA private key; the error never quotes it.
func parsePKCS1Key(s, errType, field string) (*rsa.PrivateKey, error) {
	bad := errorf(400, errType, "%s must be a PKCS#1 RSA private key (BEGIN RSA PRIVATE KEY).", field)
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		return nil, bad
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, bad
	}
	return key, nil
}

func (e b2bAPI) SSOSAMLUpdateByURL(_ context.Context, p *b2b.SSOSAMLUpdateByURLParams) (*b2b.SSOSAMLUpdateByURLResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	if _, err := e.samlConnOf(o, p.ConnectionID); err != nil {
		return nil, err
	}
	badURL := errorf(400, "invalid_saml_metadata_url", "The metadata_url could not be fetched.")
	if ok, secure := ssoURLOK(p.MetadataURL); !ok || !secure {
		return nil, badURL
	}
	var body []byte
	e.ssoUnlocked(func() { body, err = ssoGet(p.MetadataURL, nil) })
	if err != nil {
		return nil, badURL
	}
	if o, err = e.b2b.org(p.OrganizationID); err != nil {
		return nil, err
	}
	c, err := e.samlConnOf(o, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	badXML := errorf(400, "invalid_xml_from_saml_metadata_url", "The metadata at metadata_url is not SAML IdP metadata.")
	var md samltypes.EntityDescriptor
	if err := xml.Unmarshal(body, &md); err != nil || md.IDPSSODescriptor == nil || md.EntityID == "" {
		return nil, badXML
	}
	var sso string
	for _, s := range md.IDPSSODescriptor.SingleSignOnServices {
		if sso == "" || strings.HasSuffix(s.Binding, "HTTP-Redirect") {
			sso = s.Location
		}
	}
	var certs []*x509.Certificate
	for _, kd := range md.IDPSSODescriptor.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Data), ""))
			if err != nil {
				return nil, badXML
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, badXML
			}
			certs = append(certs, cert)
		}
	}
	if ok, _ := ssoURLOK(sso); !ok || len(certs) == 0 {
		return nil, badXML
	}
	now := e.now()
	next := *c
	next.c.IDPEntityID, next.c.IDPSSOURL = md.EntityID, sso
	for _, cert := range certs {
		if err := next.addCertificate(cert, now); err != nil {
			return nil, err
		}
	}
	*c = next
	e.samlSettle(o, c)
	v := c.view()
	return &b2b.SSOSAMLUpdateByURLResponse{Connection: &v}, nil
}

func (e b2bAPI) SSOSAMLDeleteVerificationCertificate(_ context.Context, p *b2b.SSOSAMLDeleteVerificationCertificateParams) (*b2b.SSOSAMLDeleteVerificationCertificateResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	c, err := e.samlConnOf(o, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	i := -1
	for j, vc := range c.c.VerificationCertificates {
		if vc.CertificateID == p.CertificateID {
			i = j
		}
	}
	switch {
	case i < 0:
		return nil, errorf(404, "sso_verification_key_not_found", "The verification certificate could not be found.")
	case len(c.certs) == 1 && c.active():
		// Unconfirmed when Stytch refuses; an active connection keeps one.
		return nil, errorf(400, "cannot_delete_last_sso_verification_key", "An active SAML connection must keep one verification certificate.")
	}
	c.certs = append(append([]*x509.Certificate{}, c.certs[:i]...), c.certs[i+1:]...)
	c.c.VerificationCertificates = append(append([]b2b.X509Certificate{}, c.c.VerificationCertificates[:i]...), c.c.VerificationCertificates[i+1:]...)
	return &b2b.SSOSAMLDeleteVerificationCertificateResponse{CertificateID: p.CertificateID}, nil
}

func (e b2bAPI) SSOSAMLDeleteEncryptionPrivateKey(_ context.Context, p *b2b.SSOSAMLDeleteEncryptionPrivateKeyParams) (*b2b.SSOSAMLDeleteEncryptionPrivateKeyResponse, error) {
	o, err := e.b2b.org(p.OrganizationID)
	if err != nil {
		return nil, err
	}
	c, err := e.samlConnOf(o, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	for i, k := range c.c.EncryptionPrivateKeys {
		if k.PrivateKeyID == p.PrivateKeyID {
			c.encKeys = append(append([]*rsa.PrivateKey{}, c.encKeys[:i]...), c.encKeys[i+1:]...)
			c.c.EncryptionPrivateKeys = append(append([]b2b.EncryptionPrivateKey{}, c.c.EncryptionPrivateKeys[:i]...), c.c.EncryptionPrivateKeys[i+1:]...)
			return &b2b.SSOSAMLDeleteEncryptionPrivateKeyResponse{PrivateKeyID: p.PrivateKeyID}, nil
		}
	}
	// Unconfirmed type.
	return nil, errorf(404, "sso_verification_key_not_found", "The encryption private key could not be found.")
}

// ---- Sign-in ----

// SAMLPost is what an IdP posts to a connection's ACS (HTTP-POST binding).
type SAMLPost struct {
	// ACSURL is the connection's acs_url (its connection ID also does).
	ACSURL string `json:"acs_url"`
	// SAMLResponse is the base64-encoded response.
	SAMLResponse string `json:"saml_response"`
	// RelayState names the flow the start URL began; empty for a login
	// started at the IdP.
	RelayState string `json:"relay_state"`
}

// SAMLResponse is SAMLSignIn's first half: the signed response the test
// IdP would post, not posted yet, so that a test can tamper with or replay
// it (PostSAMLResponse posts it).
func (e *Emulator) SAMLResponse(start, email string, attrs ...SAMLAttribute) (SAMLPost, error) {
	if err := checkEmail(email); err != nil {
		return SAMLPost{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f, err := e.ssoStart(start)
	if err != nil {
		return SAMLPost{}, err
	}
	if !f.expires.IsZero() {
		f.requestID = "_" + newUUID() // the AuthnRequest Stytch would have sent
	}
	state, err := e.ssoResolve(f)
	if err != nil {
		return SAMLPost{}, err
	}
	c := e.ssoState().saml[f.connID]
	if c == nil {
		return SAMLPost{}, errors.New("stytchtest: the connection is not a SAML connection")
	}
	idp := e.ssoState().samlIdPs[c.c.IDPEntityID]
	if idp == nil {
		return SAMLPost{}, errors.New("stytchtest: no test SAML IdP (NewSAMLIdP) has the connection's idp_entity_id")
	}
	if name, _ := c.c.AttributeMapping["email"].(string); name != "" {
		has := false
		for _, a := range attrs {
			has = has || a.Name == name
		}
		if !has {
			attrs = append(attrs, SAMLAttribute{Name: name, Values: []string{email}})
		}
	}
	resp, err := idp.sign(samlAssertion{
		destination: c.c.AcsURL, audience: c.c.AudienceURI, inResponseTo: f.requestID, nameID: email,
		nameIDFormat: c.c.NameidFormat, attributes: attrs, now: e.now(),
	})
	if err != nil {
		return SAMLPost{}, err
	}
	return SAMLPost{ACSURL: c.c.AcsURL, SAMLResponse: resp, RelayState: state}, nil
}

// PostSAMLResponse posts a SAML response to a connection's ACS, as the
// browser does at the end of the IdP's part, and returns the redirect
// Stytch answers with. The response is verified by SSO.Authenticate.
func (e *Emulator) PostSAMLResponse(p SAMLPost) (SSORedirect, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := p.ACSURL
	if i := strings.LastIndex(id, "/"); i >= 0 {
		id = id[i+1:]
	}
	c := e.ssoState().saml[id]
	switch {
	case c == nil:
		return SSORedirect{}, errorf(404, "saml_connection_not_found", "SAML connection could not be found.")
	case p.SAMLResponse == "":
		return SSORedirect{}, errorf(400, "missing_saml_response", "The callback received no SAMLResponse.")
	case p.RelayState == "" && c.c.IDPInitiatedAuthDisabled:
		return SSORedirect{}, errorf(400, "unsolicited_saml_response", "This connection refuses logins started at the identity provider.")
	}
	return e.ssoCallback(id, p.RelayState, &ssoLogin{samlResponse: p.SAMLResponse}, samlPeekNameID(p.SAMLResponse))
}

// samlPeekNameID reads a response's NameID without verifying it, only to
// choose between the login and sign-up redirects.
func samlPeekNameID(resp string) string {
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return ""
	}
	doc := etree.NewDocument()
	if doc.ReadFromBytes(raw) != nil {
		return ""
	}
	if el := doc.FindElement("//NameID"); el != nil {
		return strings.TrimSpace(el.Text())
	}
	return ""
}

// samlVerify verifies the response of an SSO login against its
// connection and returns who it vouches for. Status codes are unconfirmed
// (400 throughout); the types are Stytch's.
func (e *Emulator) samlVerify(c *samlConn, l *ssoLogin) (*ssoIdentity, error) {
	invalid := func(typ, msg string) error { return errorf(400, typ, "%s", msg) }
	raw, err := base64.StdEncoding.DecodeString(l.samlResponse)
	if err != nil || etree.NewDocument().ReadFromBytes(raw) != nil {
		return nil, invalid("invalid_xml_saml_response", "The SAML response is not base64-encoded XML.")
	}
	if c.c.IDPEntityID == "" {
		// gosaml2 skips the issuer check for an empty issuer; an update
		// can clear idp_entity_id on an active connection.
		return nil, invalid("invalid_saml_response", "The SAML connection has no idp_entity_id to check the response's issuer against.")
	}
	now := e.now()
	sp := &saml2.SAMLServiceProvider{
		IdentityProviderIssuer: c.c.IDPEntityID, AssertionConsumerServiceURL: c.c.AcsURL, AudienceURI: c.c.AudienceURI,
		IDPCertificateStore: &dsig.MemoryX509CertificateStore{Roots: c.certs}, Clock: dsig.NewFakeClockAt(now),
		AllowMissingAttributes: true,
	}
	info, err := sp.RetrieveAssertionInfo(l.samlResponse)
	if err != nil {
		return nil, samlError(err)
	}
	a := info.Assertions[0]
	if info.WarningInfo.NotInAudience && !samlHasAudience(&a, c.c.AlternativeAudienceURI) {
		return nil, invalid("invalid_audience_saml_response", "The SAML assertion is not for this connection's audience.")
	}
	if info.WarningInfo.InvalidTime {
		if nb, err := time.Parse(time.RFC3339, a.Conditions.NotBefore); err == nil && now.Before(nb) {
			return nil, invalid("not_yet_valid_saml_response", "The SAML assertion is not valid yet.")
		}
		return nil, invalid("expired_saml_response", "The SAML assertion has expired.")
	}
	inResponseTo := a.Subject.SubjectConfirmation.SubjectConfirmationData.InResponseTo
	switch {
	case l.flow != nil && inResponseTo != l.flow.requestID:
		return nil, invalid("invalid_saml_response", "The SAML response does not answer this flow's login request.")
	case l.flow == nil && inResponseTo != "":
		return nil, invalid("unsolicited_saml_response", "The SAML response answers a login request Stytch did not send.")
	}
	st := e.ssoState()
	key := c.c.IDPEntityID + "\x00" + a.ID
	if a.ID == "" || st.seen[key] {
		return nil, invalid("duplicate_saml_response", "This SAML response has already been used.")
	}
	st.seen[key] = true

	values := func(key string) []string {
		name, _ := c.c.AttributeMapping[key].(string)
		if name == "" {
			return nil
		}
		var out []string
		if attr, ok := info.Values[name]; ok {
			for _, v := range attr.Values {
				out = append(out, v.Value)
			}
		}
		return out
	}
	first := func(key string) string {
		if v := values(key); len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	id := &ssoIdentity{subject: info.NameID, groups: values("groups"), method: b2b.AuthenticationFactorDeliveryMethodSSOSAML, attributes: map[string]any{}}
	if id.email = first("email"); id.email == "" && c.c.AttributeMapping["email"] == nil {
		id.email = info.NameID
	}
	if id.email == "" {
		return nil, invalid("invalid_saml_response_email", "The SAML response holds no email for the member.")
	}
	if id.name = first("full_name"); id.name == "" {
		id.name = strings.TrimSpace(first("first_name") + " " + first("last_name"))
	}
	for name, attr := range info.Values {
		var vs []any
		for _, v := range attr.Values {
			vs = append(vs, v.Value)
		}
		id.attributes[name] = vs
	}
	return id, nil
}

func samlHasAudience(a *samltypes.Assertion, alt string) bool {
	if alt == "" || a.Conditions == nil {
		return false
	}
	for _, r := range a.Conditions.AudienceRestrictions {
		for _, aud := range r.Audiences {
			if aud.Value == alt {
				return true
			}
		}
	}
	return false
}

// samlError maps gosaml2's verdict to Stytch's error types.
func samlError(err error) error {
	cause := err
	var ve saml2.ErrVerification
	if errors.As(err, &ve) {
		cause = ve.Cause
	}
	var iv saml2.ErrInvalidValue
	var missing saml2.ErrMissingElement
	switch {
	case errors.Is(cause, dsig.ErrMissingSignature):
		return errorf(400, "missing_signature_saml_response", "The SAML response's assertion is not signed.")
	case errors.As(cause, &iv) && iv.Reason == saml2.ReasonExpired:
		return errorf(400, "expired_saml_response", "The SAML assertion has expired.")
	case errors.As(cause, &iv) && iv.Key == saml2.StatusCodeTag:
		return errorf(400, "failed_saml_response", "The identity provider reported that the login failed.")
	case errors.As(cause, &iv):
		return errorf(400, "invalid_saml_response", "The SAML response's %s does not match the connection.", iv.Key)
	case errors.As(cause, &missing):
		return errorf(400, "invalid_saml_response", "The SAML response lacks %s.", fmt.Sprint(missing.Tag))
	}
	return errorf(400, "invalid_signature_saml_response", "The SAML response's signature does not verify with the connection's certificates.")
}
