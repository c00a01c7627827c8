package stytchtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// ssoTestCallingBack starts a provider endpoint that calls the emulator
// before it answers with h, as an identity provider behind the emulator's
// own host would: if the emulator held its lock across the fetch, the call
// back would wait for it and the endpoint answer 502.
func ssoTestCallingBack(t *testing.T, c *b2b.Client, orgID string, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := c.Organizations.Get(cctx, &b2b.OrganizationsGetParams{OrganizationID: orgID}); err != nil {
			http.Error(w, "the emulator did not answer", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func ssoTestProxy(t *testing.T, target string) http.Handler {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	return httputil.NewSingleHostReverseProxy(u)
}

// SSO.SAML.UpdateByURL, the OIDC discovery on update and the OIDC code
// exchange reach the provider without the emulator's lock, so a provider
// that calls the emulator back is answered.
func TestSSOFetchesWithoutTheLock(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)

	idp := srv.NewSAMLIdP()
	t.Cleanup(idp.Close)
	created, err := c.SSO.SAML.CreateConnection(ctx, &b2b.SSOSAMLCreateConnectionParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	md := ssoTestCallingBack(t, c, o.OrganizationID, ssoTestProxy(t, idp.srv.URL))
	byURL, err := c.SSO.SAML.UpdateByURL(ctx, &b2b.SSOSAMLUpdateByURLParams{
		OrganizationID: o.OrganizationID, ConnectionID: created.Connection.ConnectionID, MetadataURL: md.URL + "/metadata",
	})
	require.NoError(t, err)
	require.Equal(t, idp.EntityID, byURL.Connection.IDPEntityID)

	p := srv.NewOIDCProvider()
	t.Cleanup(p.Close)
	oc, err := c.SSO.OIDC.CreateConnection(ctx, &b2b.SSOOIDCCreateConnectionParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	var issuer string
	disc := ssoTestCallingBack(t, c, o.OrganizationID, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "authorization_endpoint": p.AuthorizationURL,
			"token_endpoint": p.TokenURL, "jwks_uri": p.JWKSURL})
	}))
	issuer = disc.URL
	up, err := c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: oc.Connection.ConnectionID, Issuer: &issuer,
	})
	require.NoError(t, err)
	require.Empty(t, up.Warning)
	require.Equal(t, p.TokenURL, up.Connection.TokenURL, "filled from the discovery document")

	token := ssoTestCallingBack(t, c, o.OrganizationID, ssoTestProxy(t, p.Issuer))
	_, err = c.SSO.OIDC.UpdateConnection(ctx, &b2b.SSOOIDCUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: oc.Connection.ConnectionID, Issuer: &p.Issuer,
		TokenURL: stytch.Ptr(token.URL + "/token"), ClientID: &p.ClientID, ClientSecret: &p.ClientSecret,
	})
	require.NoError(t, err)
	red, err := srv.OIDCSignIn(oc.Connection.ConnectionID, "grace@acme.com", nil)
	require.NoError(t, err)
	auth, err := ssoTestAuth(t, c, red.Token, nil)
	require.NoError(t, err)
	require.Equal(t, "grace@acme.com", auth.Member.EmailAddress)
}

// The ACS takes posts from anyone and keeps them for SSO.Authenticate:
// junk posts are bounded per connection, and expired ones forgotten.
func TestSSOCallbackBoundsPendingLogins(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	srv, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, _ := ssoTestSAML(t, srv, c, o.OrganizationID, nil)
	junk := SAMLPost{ACSURL: conn.AcsURL, SAMLResponse: strings.Repeat("A", 1<<10)}
	for i := 0; i < ssoMaxPending; i++ {
		_, err := srv.PostSAMLResponse(junk)
		require.NoError(t, err)
	}
	_, err := srv.PostSAMLResponse(junk)
	require.ErrorContains(t, err, "too_many_requests")
	red, err := srv.SAMLSignIn(conn.ConnectionID, "ada@acme.com")
	require.ErrorContains(t, err, "too_many_requests")
	require.Empty(t, red.Token)

	clk.Add(ssoTokenLifetime)
	red, err = srv.SAMLSignIn(conn.ConnectionID, "ada@acme.com")
	require.NoError(t, err, "the expired junk is forgotten")
	_, err = ssoTestAuth(t, c, red.Token, nil)
	require.NoError(t, err)
}

// A connection whose idp_entity_id was cleared accepts no response: the
// issuer check is not skipped.
func TestSSOSAMLNeedsAnIssuer(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, _ := ssoTestSAML(t, srv, c, o.OrganizationID, nil)
	post, err := srv.SAMLResponse(conn.ConnectionID, "ada@acme.com")
	require.NoError(t, err)
	_, err = c.SSO.SAML.UpdateConnection(ctx, &b2b.SSOSAMLUpdateConnectionParams{
		OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID, IDPEntityID: stytch.Ptr(""),
	})
	require.NoError(t, err)
	red, err := srv.PostSAMLResponse(post)
	require.NoError(t, err)
	_, err = ssoTestAuth(t, c, red.Token, nil)
	requireAPIError(t, err, 400, "invalid_saml_response")
}

// A SAML connection holds at most five verification certificates and five
// encryption private keys, as Stytch's reference says.
func TestSSOSAMLKeyLimits(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, _ := ssoTestSAML(t, srv, c, o.OrganizationID, nil)
	update := func(p b2b.SSOSAMLUpdateConnectionParams) (*b2b.SSOSAMLUpdateConnectionResponse, error) {
		p.OrganizationID, p.ConnectionID = o.OrganizationID, conn.ConnectionID
		return c.SSO.SAML.UpdateConnection(ctx, &p)
	}
	newKey := func() (*rsa.PrivateKey, string) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		return key, string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	}
	for i := 1; i <= samlMaxKeys; i++ {
		key, keyPEM := newKey()
		certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSign(key, time.Now().Add(time.Duration(i)))}))
		resp, err := update(b2b.SSOSAMLUpdateConnectionParams{X509Certificate: &certPEM, SAMLEncryptionPrivateKey: &keyPEM})
		if i == samlMaxKeys {
			requireAPIError(t, err, 400, "bad_request")
			break
		}
		require.NoError(t, err)
		require.Len(t, resp.Connection.VerificationCertificates, i+1)
		require.Len(t, resp.Connection.EncryptionPrivateKeys, i)
	}
	_, keyPEM := newKey()
	resp, err := update(b2b.SSOSAMLUpdateConnectionParams{SAMLEncryptionPrivateKey: &keyPEM})
	require.NoError(t, err, "a fifth key")
	require.Len(t, resp.Connection.EncryptionPrivateKeys, samlMaxKeys)
	_, keyPEM = newKey()
	_, err = update(b2b.SSOSAMLUpdateConnectionParams{SAMLEncryptionPrivateKey: &keyPEM})
	requireAPIError(t, err, 400, "bad_request")
}
