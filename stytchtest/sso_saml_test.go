package stytchtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// ssoTestSAML creates a SAML connection of org that trusts a new test IdP,
// with an attribute mapping for email, name and groups; mod may add to
// the update.
func ssoTestSAML(t *testing.T, srv *Server, c *b2b.Client, orgID string, mod func(*b2b.SSOSAMLUpdateConnectionParams)) (*b2b.SAMLConnection, *SAMLIdP) {
	t.Helper()
	idp := srv.NewSAMLIdP()
	t.Cleanup(idp.Close)
	created, err := c.SSO.SAML.CreateConnection(ctx, &b2b.SSOSAMLCreateConnectionParams{
		OrganizationID: orgID, DisplayName: stytch.Ptr("Acme IdP"), IdentityProvider: stytch.Ptr(b2b.SSOIdentityProviderOkta),
	})
	require.NoError(t, err)
	require.Equal(t, "pending", created.Connection.Status)
	p := &b2b.SSOSAMLUpdateConnectionParams{
		OrganizationID: orgID, ConnectionID: created.Connection.ConnectionID,
		IDPEntityID: &idp.EntityID, IDPSSOURL: &idp.SSOURL, X509Certificate: &idp.CertificatePEM,
		AttributeMapping: map[string]any{"email": "email", "full_name": "name", "groups": "groups"},
	}
	if mod != nil {
		mod(p)
	}
	updated, err := c.SSO.SAML.UpdateConnection(ctx, p)
	require.NoError(t, err)
	require.Equal(t, "active", updated.Connection.Status)
	return updated.Connection, idp
}

func ssoTestStart(t *testing.T, srv *Server, c *b2b.Client, p b2b.SSOStartParams) *stytch.StartURL {
	t.Helper()
	p.PublicToken = srv.PublicToken()
	start, err := c.SSO.StartURL(&p)
	require.NoError(t, err)
	return start
}

func ssoTestAuth(t *testing.T, c *b2b.Client, token string, mod func(*b2b.SSOAuthenticateParams)) (*b2b.SSOAuthenticateResponse, error) {
	t.Helper()
	p := &b2b.SSOAuthenticateParams{SSOToken: token}
	if mod != nil {
		mod(p)
	}
	return c.SSO.Authenticate(ctx, p)
}

// A SAML sign-in end to end: connection, start URL, the IdP's signed
// response, SSO.Authenticate, JIT provisioning with implicit roles, then a
// second login to the same member.
func TestSSOSAMLSignIn(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, _ := ssoTestSAML(t, srv, c, o.OrganizationID, func(p *b2b.SSOSAMLUpdateConnectionParams) {
		p.SAMLGroupImplicitRoleAssignments = []b2b.SAMLGroupImplicitRoleAssignment{{RoleID: "stytch_admin", Group: "eng"}}
	})
	require.True(t, strings.HasPrefix(conn.ConnectionID, "saml-connection-test-"))
	require.Equal(t, srv.URL+"/v1/b2b/sso/callback/"+conn.ConnectionID, conn.AcsURL)
	require.Len(t, conn.SigningCertificates, 1, "Stytch's own certificate for signing requests")
	require.Len(t, conn.VerificationCertificates, 1)
	org, err := c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Equal(t, []b2b.ActiveSSOConnection{{ConnectionID: conn.ConnectionID, DisplayName: "Acme IdP", IdentityProvider: "okta"}}, org.Organization.SSOActiveConnections)
	require.Equal(t, conn.ConnectionID, org.Organization.SSODefaultConnectionID)

	start := ssoTestStart(t, srv, c, b2b.SSOStartParams{
		ConnectionID: conn.ConnectionID, PKCE: true,
		LoginRedirectURL: "https://app.example/login", SignupRedirectURL: "https://app.example/signup",
	})
	red, err := srv.SAMLSignIn(start.URL, "ada@acme.com", SAMLAttribute{Name: "name", Values: []string{"Ada Lovelace"}}, SAMLAttribute{Name: "groups", Values: []string{"eng", "ops"}})
	require.NoError(t, err)
	u, err := url.Parse(red.URL)
	require.NoError(t, err)
	require.Equal(t, "app.example/signup", u.Host+u.Path, "no member had the email yet")
	require.Equal(t, url.Values{"stytch_token_type": {"sso"}, "token": {red.Token}}, u.Query())

	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "pkce_expected_code_verifier")
	auth, err := ssoTestAuth(t, c, red.Token, func(p *b2b.SSOAuthenticateParams) {
		p.PKCECodeVerifier = &start.CodeVerifier
		p.SessionDurationMinutes = stytch.Ptr(30)
	})
	require.NoError(t, err)
	require.True(t, auth.MemberAuthenticated)
	require.NotEmpty(t, auth.SessionToken)
	m := auth.Member
	require.Equal(t, "ada@acme.com", m.EmailAddress)
	require.Equal(t, "Ada Lovelace", m.Name)
	require.Equal(t, b2b.MemberStatus("active"), m.Status)
	require.Len(t, m.SSORegistrations, 1)
	require.Equal(t, conn.ConnectionID, m.SSORegistrations[0].ConnectionID)
	require.Equal(t, "ada@acme.com", m.SSORegistrations[0].ExternalID)
	require.True(t, m.IsAdmin, "the eng group's implicit role")
	require.Contains(t, b2bTestRoleIDs(m.Roles), "stytch_admin")
	f := auth.MemberSession.AuthenticationFactors
	require.Len(t, f, 1)
	require.Equal(t, b2b.AuthenticationFactorTypeSSO, f[0].Type)
	require.Equal(t, b2b.AuthenticationFactorDeliveryMethodSSOSAML, f[0].DeliveryMethod)
	require.Equal(t, conn.ConnectionID, f[0].SAMLSSOFactor.ProviderID)
	require.Equal(t, m.SSORegistrations[0].RegistrationID, f[0].SAMLSSOFactor.ID)

	// The implicit role is what RBAC checks.
	_, err = c.SSO.GetConnections(ctx, &b2b.SSOGetConnectionsParams{OrganizationID: o.OrganizationID}, stytch.WithMemberSession(auth.SessionToken))
	require.NoError(t, err)

	// The token is single use.
	_, err = ssoTestAuth(t, c, red.Token, func(p *b2b.SSOAuthenticateParams) { p.PKCECodeVerifier = &start.CodeVerifier })
	requireAPIError(t, err, 404, "sso_token_not_found")

	// The next login, through the organization's default connection, finds
	// the member; without the eng group the group's role is gone.
	again := ssoTestStart(t, srv, c, b2b.SSOStartParams{OrganizationID: o.OrganizationID, LoginRedirectURL: "https://app.example/login", SignupRedirectURL: "https://app.example/signup"})
	red, err = srv.SAMLSignIn(again.URL, "ADA@acme.com")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(red.URL, "https://app.example/login?"))
	auth2, err := ssoTestAuth(t, c, red.Token, nil)
	require.NoError(t, err)
	require.Equal(t, m.MemberID, auth2.MemberID)
	require.False(t, auth2.Member.IsAdmin)
	require.Len(t, auth2.Member.SSORegistrations, 1)

	// Without it the member may no longer list the connections.
	_, err = c.SSO.GetConnections(ctx, &b2b.SSOGetConnectionsParams{OrganizationID: o.OrganizationID}, stytch.WithMemberSession(auth2.SessionToken))
	requireAPIError(t, err, 403, "session_authorization_error")
}

// What Stytch refuses: a tampered assertion, a replayed one, an expired
// one, one for another connection's ACS, and an unsolicited one when the
// connection allows only logins started at Stytch.
func TestSSOSAMLRejects(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, idp := ssoTestSAML(t, srv, c, o.OrganizationID, nil)
	start := func() string { return ssoTestStart(t, srv, c, b2b.SSOStartParams{ConnectionID: conn.ConnectionID}).URL }

	// Tampered: the signed email changed after signing.
	post, err := srv.SAMLResponse(start(), "ada@acme.com")
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(post.SAMLResponse)
	require.NoError(t, err)
	require.Contains(t, string(raw), "<ds:SignatureValue>")
	tampered := post
	tampered.SAMLResponse = base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(string(raw), "ada@acme.com", "eve@acme.com")))
	red, err := srv.PostSAMLResponse(tampered)
	require.NoError(t, err, "the ACS takes it; SSO.Authenticate verifies it")
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "invalid_signature_saml_response")

	// The flow's RelayState is used up.
	_, err = srv.PostSAMLResponse(post)
	require.ErrorContains(t, err, "invalid_saml_response")

	// Unsigned: the signature removed.
	unsigned, err := srv.SAMLResponse(conn.ConnectionID, "ada@acme.com")
	require.NoError(t, err)
	raw, _ = base64.StdEncoding.DecodeString(unsigned.SAMLResponse)
	doc := string(raw)
	i, j := strings.Index(doc, "<ds:Signature"), strings.Index(doc, "</ds:Signature>")
	unsigned.SAMLResponse = base64.StdEncoding.EncodeToString([]byte(doc[:i] + doc[j+len("</ds:Signature>"):]))
	red, err = srv.PostSAMLResponse(unsigned)
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "missing_signature_saml_response")

	// Replayed: one IdP-initiated response posted twice.
	once, err := srv.SAMLResponse(conn.ConnectionID, "ada@acme.com")
	require.NoError(t, err)
	require.Empty(t, once.RelayState)
	first, err := srv.PostSAMLResponse(once)
	require.NoError(t, err)
	second, err := srv.PostSAMLResponse(once)
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, first.Token, nil)
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, second.Token, nil)
	requireAPIError(t, err, 400, "duplicate_saml_response")

	// Expired: authenticated after the assertion's window.
	late, err := srv.SAMLSignIn(start(), "ada@acme.com")
	require.NoError(t, err)
	clk.Add(samlAssertionLifetime + time.Minute)
	_, err = ssoTestAuth(t, c, late.Token, nil)
	requireAPIError(t, err, 400, "expired_saml_response")

	// The audience must be the connection's, or its alternative audience;
	// the assertion must be valid already.
	forged := func(audience string, at time.Time) SSORedirect {
		resp, err := idp.sign(samlAssertion{
			destination: conn.AcsURL, audience: audience, nameID: "ada@acme.com", now: at,
			attributes: []SAMLAttribute{{Name: "email", Values: []string{"ada@acme.com"}}},
		})
		require.NoError(t, err)
		red, err := srv.PostSAMLResponse(SAMLPost{ACSURL: conn.AcsURL, SAMLResponse: resp})
		require.NoError(t, err)
		return red
	}
	_, err = ssoTestAuth(t, c, forged("https://legacy.example/sp", clk.Now()).Token, nil)
	requireAPIError(t, err, 400, "invalid_audience_saml_response")
	_, err = c.SSO.SAML.UpdateConnection(ctx, &b2b.SSOSAMLUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, AlternativeAudienceURI: stytch.Ptr("https://legacy.example/sp"),
	})
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, forged("https://legacy.example/sp", clk.Now()).Token, nil)
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, forged(conn.AudienceURI, clk.Now().Add(3*time.Minute)).Token, nil)
	requireAPIError(t, err, 400, "not_yet_valid_saml_response")

	// The mapped email attribute must be there.
	noEmail, err := srv.SAMLSignIn(conn.ConnectionID, "ada@acme.com", SAMLAttribute{Name: "email"})
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, noEmail.Token, nil)
	requireAPIError(t, err, 400, "invalid_saml_response_email")

	// Another connection trusting the same IdP: a response for the first
	// connection's ACS fails at the second's.
	other, err := c.SSO.SAML.CreateConnection(ctx, &b2b.SSOSAMLCreateConnectionParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	_, err = c.SSO.SAML.UpdateConnection(ctx, &b2b.SSOSAMLUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: other.Connection.ConnectionID,
		IDPEntityID: &idp.EntityID, IDPSSOURL: &idp.SSOURL, X509Certificate: &idp.CertificatePEM,
	})
	require.NoError(t, err)
	misdirected, err := srv.SAMLResponse(conn.ConnectionID, "ada@acme.com")
	require.NoError(t, err)
	misdirected.ACSURL = other.Connection.AcsURL
	red, err = srv.PostSAMLResponse(misdirected)
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "invalid_saml_response")

	// IdP-initiated logins can be switched off.
	_, err = c.SSO.SAML.UpdateConnection(ctx, &b2b.SSOSAMLUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, IDPInitiatedAuthDisabled: stytch.Ptr(true),
	})
	require.NoError(t, err)
	_, err = srv.SAMLSignIn(conn.ConnectionID, "ada@acme.com")
	require.ErrorContains(t, err, "unsolicited_saml_response", "the ACS refuses it")
	_, err = srv.SAMLSignIn(start(), "ada@acme.com")
	require.NoError(t, err, "a login started at Stytch still works")
}

// JIT provisioning follows sso_jit_provisioning; an organization that
// requires MFA gets an intermediate session.
func TestSSOSAMLJITAndMFA(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", func(p *b2b.OrganizationsCreateParams) {
		p.SSOJITProvisioning = stytch.Ptr(b2b.SSOJITProvisioningNotAllowed)
		p.EmailInvites = stytch.Ptr(b2b.EmailInvitesAllAllowed)
	})
	conn, _ := ssoTestSAML(t, srv, c, o.OrganizationID, nil)
	b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)

	red, err := srv.SAMLSignIn(conn.ConnectionID, "grace@acme.com")
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 403, "invalid_connection_for_jit_provisioning")
	red, err = srv.SAMLSignIn(conn.ConnectionID, "ada@acme.com")
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	require.NoError(t, err, "an existing member signs in whatever the JIT setting")

	_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, SSOJITProvisioning: stytch.Ptr(b2b.SSOJITProvisioningRestricted)})
	require.NoError(t, err)
	red, err = srv.SAMLSignIn(conn.ConnectionID, "grace@acme.com")
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 403, "invalid_connection_for_jit_provisioning")
	_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{
		OrganizationID: o.OrganizationID, SSOJITProvisioningAllowedConnections: []string{conn.ConnectionID},
		MFAPolicy: stytch.Ptr(b2b.MFAPolicyRequiredForAll),
	})
	require.NoError(t, err)
	red, err = srv.SAMLSignIn(conn.ConnectionID, "grace@acme.com")
	require.NoError(t, err)
	auth, err := ssoTestAuth(t, c, red.Token, nil)
	require.NoError(t, err)
	require.False(t, auth.MemberAuthenticated)
	require.Empty(t, auth.SessionToken)
	require.Nil(t, auth.MemberSession)
	require.NotEmpty(t, auth.IntermediateSessionToken)
	require.NotNil(t, auth.IntermediateSessionTokenExpiresAt)
	require.NotNil(t, auth.MFARequired)
	require.Equal(t, "grace@acme.com", auth.Member.EmailAddress)
}

// Connection management: update by metadata URL, certificate rotation,
// keys, validation errors, listing and deletion.
func TestSSOSAMLConnectionManagement(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	idp := srv.NewSAMLIdP()
	t.Cleanup(idp.Close)
	created, err := c.SSO.SAML.CreateConnection(ctx, &b2b.SSOSAMLCreateConnectionParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	id := created.Connection.ConnectionID
	require.Equal(t, "generic", created.Connection.IdentityProvider)

	_, err = c.SSO.SAML.UpdateByURL(ctx, &b2b.SSOSAMLUpdateByURLParams{OrganizationID: o.OrganizationID, ConnectionID: id, MetadataURL: "ftp://idp.example/metadata"})
	requireAPIError(t, err, 400, "invalid_saml_metadata_url")
	provider := srv.NewOIDCProvider()
	t.Cleanup(provider.Close)
	_, err = c.SSO.SAML.UpdateByURL(ctx, &b2b.SSOSAMLUpdateByURLParams{OrganizationID: o.OrganizationID, ConnectionID: id, MetadataURL: provider.Issuer + "/.well-known/openid-configuration"})
	requireAPIError(t, err, 400, "invalid_xml_from_saml_metadata_url")
	byURL, err := c.SSO.SAML.UpdateByURL(ctx, &b2b.SSOSAMLUpdateByURLParams{OrganizationID: o.OrganizationID, ConnectionID: id, MetadataURL: idp.MetadataURL})
	require.NoError(t, err)
	conn := byURL.Connection
	require.Equal(t, "active", conn.Status)
	require.Equal(t, idp.EntityID, conn.IDPEntityID)
	require.Equal(t, idp.SSOURL, conn.IDPSSOURL)
	require.Len(t, conn.VerificationCertificates, 1)
	require.Equal(t, idp.CertificatePEM, conn.VerificationCertificates[0].Certificate)
	red, err := srv.SAMLSignIn(id, "ada@acme.com")
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	require.NoError(t, err, "no attribute mapping: the NameID is the email")

	update := func(mod func(*b2b.SSOSAMLUpdateConnectionParams)) (*b2b.SSOSAMLUpdateConnectionResponse, error) {
		p := &b2b.SSOSAMLUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: id}
		mod(p)
		return c.SSO.SAML.UpdateConnection(ctx, p)
	}
	for _, tc := range []struct {
		mod func(*b2b.SSOSAMLUpdateConnectionParams)
		typ stytch.ErrorType
	}{
		{func(p *b2b.SSOSAMLUpdateConnectionParams) { p.X509Certificate = stytch.Ptr("not a certificate") }, "invalid_x509_certificate"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) { p.IDPSSOURL = stytch.Ptr("sso") }, "saml_connection_idp_sso_url_invalid_format"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) { p.IDPSSOURL = stytch.Ptr("http://idp.example/sso") }, "saml_connection_idp_sso_url_not_https"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) { p.AttributeMapping = map[string]any{"full_name": "name"} }, "saml_connection_email_mapping_required"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) { p.AttributeMapping = map[string]any{"email": "email"} }, "saml_connection_name_mapping_required"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) {
			p.AttributeMapping = map[string]any{"email": map[string]any{"nested": "x"}, "full_name": "n"}
		}, "saml_connection_no_nested_keys_in_attribute_mapping"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) {
			p.SAMLGroupImplicitRoleAssignments = []b2b.SAMLGroupImplicitRoleAssignment{{RoleID: "stytch_admin", Group: "eng"}}
		}, "saml_connection_attribute_mapping_missing_groups_key"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) {
			p.SigningPrivateKey = stytch.Ptr("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----")
		}, "saml_signing_private_key_invalid"},
		{func(p *b2b.SSOSAMLUpdateConnectionParams) {
			p.SAMLConnectionImplicitRoleAssignments = []b2b.SAMLConnectionImplicitRoleAssignment{{RoleID: "no-such-role"}}
		}, "invalid_rbac_role_id"},
	} {
		_, err := update(tc.mod)
		requireAPIError(t, err, 400, tc.typ)
	}

	// Rotation: the IdP's new certificate is added, then the old one
	// deleted; the last one stays.
	rotated := srv.NewSAMLIdP()
	t.Cleanup(rotated.Close)
	two, err := update(func(p *b2b.SSOSAMLUpdateConnectionParams) { p.X509Certificate = &rotated.CertificatePEM })
	require.NoError(t, err)
	require.Len(t, two.Connection.VerificationCertificates, 2)
	old := two.Connection.VerificationCertificates[0].CertificateID
	_, err = c.SSO.SAML.DeleteVerificationCertificate(ctx, &b2b.SSOSAMLDeleteVerificationCertificateParams{OrganizationID: o.OrganizationID, ConnectionID: id, CertificateID: "saml-certificate-test-nope"})
	requireAPIError(t, err, 404, "sso_verification_key_not_found")
	del, err := c.SSO.SAML.DeleteVerificationCertificate(ctx, &b2b.SSOSAMLDeleteVerificationCertificateParams{OrganizationID: o.OrganizationID, ConnectionID: id, CertificateID: old})
	require.NoError(t, err)
	require.Equal(t, old, del.CertificateID)
	red, err = srv.SAMLSignIn(id, "ada@acme.com")
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "invalid_signature_saml_response")
	last := two.Connection.VerificationCertificates[1].CertificateID
	_, err = c.SSO.SAML.DeleteVerificationCertificate(ctx, &b2b.SSOSAMLDeleteVerificationCertificateParams{OrganizationID: o.OrganizationID, ConnectionID: id, CertificateID: last})
	requireAPIError(t, err, 400, "cannot_delete_last_sso_verification_key")

	// Keys: an encryption key is stored but never shown; a signing key
	// gives a new signing certificate.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	keyBody := strings.Split(keyPEM, "\n")[1]
	withKeys, err := update(func(p *b2b.SSOSAMLUpdateConnectionParams) {
		p.SAMLEncryptionPrivateKey = &keyPEM
		p.SigningPrivateKey = &keyPEM
	})
	require.NoError(t, err)
	require.Len(t, withKeys.Connection.EncryptionPrivateKeys, 1)
	require.Len(t, withKeys.Connection.SigningCertificates, 2)
	all, err := c.SSO.GetConnections(ctx, &b2b.SSOGetConnectionsParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	for _, v := range []any{withKeys, all} {
		b, _ := json.Marshal(v)
		require.NotContains(t, string(b), keyBody, "the private key is never returned")
	}
	_, err = update(func(p *b2b.SSOSAMLUpdateConnectionParams) {
		p.SAMLEncryptionPrivateKey = stytch.Ptr("secret-ish-garbage")
	})
	requireAPIError(t, err, 400, "bad_request")
	require.NotContains(t, err.Error(), "secret-ish-garbage")
	keyID := withKeys.Connection.EncryptionPrivateKeys[0].PrivateKeyID
	delKey, err := c.SSO.SAML.DeleteEncryptionPrivateKey(ctx, &b2b.SSOSAMLDeleteEncryptionPrivateKeyParams{OrganizationID: o.OrganizationID, ConnectionID: id, PrivateKeyID: keyID})
	require.NoError(t, err)
	require.Equal(t, keyID, delKey.PrivateKeyID)
	_, err = c.SSO.SAML.DeleteEncryptionPrivateKey(ctx, &b2b.SSOSAMLDeleteEncryptionPrivateKeyParams{OrganizationID: o.OrganizationID, ConnectionID: id, PrivateKeyID: keyID})
	requireAPIError(t, err, 404, "sso_verification_key_not_found")

	// Listing and deletion, which also clears the default connection and
	// the JIT allow list.
	require.Len(t, all.SAMLConnections, 1)
	require.Empty(t, all.OIDCConnections)
	require.Empty(t, all.ExternalConnections)
	_, err = c.Organizations.Update(ctx, &b2b.OrganizationsUpdateParams{OrganizationID: o.OrganizationID, SSOJITProvisioningAllowedConnections: []string{id}})
	require.NoError(t, err)
	_, err = c.SSO.DeleteConnection(ctx, &b2b.SSODeleteConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: "saml-connection-test-nope"})
	requireAPIError(t, err, 404, "sso_connection_not_found")
	gone, err := c.SSO.DeleteConnection(ctx, &b2b.SSODeleteConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: id})
	require.NoError(t, err)
	require.Equal(t, id, gone.ConnectionID)
	all, err = c.SSO.GetConnections(ctx, &b2b.SSOGetConnectionsParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Empty(t, all.SAMLConnections)
	org, err := c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Empty(t, org.Organization.SSODefaultConnectionID)
	require.Empty(t, org.Organization.SSOJITProvisioningAllowedConnections)
	require.Empty(t, org.Organization.SSOActiveConnections)
	_, err = c.SSO.SAML.UpdateConnection(ctx, &b2b.SSOSAMLUpdateConnectionParams{OrganizationID: o.OrganizationID, ConnectionID: id})
	requireAPIError(t, err, 404, "saml_connection_not_found")
}
