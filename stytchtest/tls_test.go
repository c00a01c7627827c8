package stytchtest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/consumer"
)

func TestTLSServerClientsTrustItsCertificate(t *testing.T) {
	t.Parallel()
	srv := NewTLSServer()
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "https://127.0.0.1:"), srv.URL)

	u, err := srv.ConsumerClient().Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("tls@example.com")})
	require.NoError(t, err)
	require.NotEmpty(t, u.UserID)
	org, err := srv.B2BClient().Organizations.Create(ctx, &b2b.OrganizationsCreateParams{OrganizationName: "TLS"})
	require.NoError(t, err)
	require.NotEmpty(t, org.Organization.OrganizationID)

	// A client of the user's own, trusting the PEM, speaks HTTP/2.
	block, _ := pem.Decode(srv.CertificatePEM())
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.Equal(t, "localhost", cert.DNSNames[0])
	require.Len(t, cert.IPAddresses, 2)
	require.Less(t, time.Until(cert.NotAfter), 25*time.Hour, "short validity")
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(srv.CertificatePEM()))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(srv.URL + "/v1/users/" + u.UserID)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode, "no credentials sent")
	require.Equal(t, "HTTP/2.0", resp.Proto)

	// So does a client given CertPool.
	hc2 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool()}}}
	defer hc2.CloseIdleConnections()
	c, err := consumer.NewClient(srv.ProjectID(), srv.Secret(), stytch.WithBaseURL(srv.URL), stytch.WithHTTPClient(hc2))
	require.NoError(t, err)
	_, err = c.Users.Get(ctx, &consumer.UsersGetParams{UserID: u.UserID})
	require.NoError(t, err)

	// A plain server has no certificate.
	plain := NewServer()
	defer plain.Close()
	require.Nil(t, plain.CertificatePEM())
	require.Nil(t, plain.CertPool())
}

func TestTLSServerRefusesAnUntrustingClient(t *testing.T) {
	t.Parallel()
	srv := NewTLSServer()
	t.Cleanup(srv.Close)
	// The system roots, and another run's certificate, both fail.
	other, err := NewCertificate(time.Hour)
	require.NoError(t, err)
	for name, hc := range map[string]*http.Client{"system roots": {Transport: &http.Transport{}}, "another certificate": other.HTTPClient()} {
		c, err := consumer.NewClient(srv.ProjectID(), srv.Secret(), stytch.WithBaseURL(srv.URL), stytch.WithHTTPClient(hc), stytch.WithMaxRetries(0))
		require.NoError(t, err)
		_, err = c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("no@example.com")})
		require.Error(t, err, name)
		var unknown x509.UnknownAuthorityError
		require.True(t, errors.As(err, &unknown), "%s: %v", name, err)
		var apiErr *stytch.Error
		require.False(t, errors.As(err, &apiErr), "a handshake failure is not an API error")
	}
}

// TestOAuth2EndpointsTakeNoProjectAuth calls the OAuth 2.0 endpoints the
// way the official SDKs do: a form body holding the client's credentials,
// and no Authorization header.
func TestOAuth2EndpointsTakeNoProjectAuth(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	created, err := c.M2M.Clients.Create(ctx, &consumer.M2MClientsCreateParams{Scopes: []string{"read:users"}})
	require.NoError(t, err)
	mc := created.M2MClient

	post := func(path string, form url.Values) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	status, tok := post("/v1/public/"+srv.ProjectID()+"/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {mc.ClientID}, "client_secret": {mc.ClientSecret}, "scope": {"read:users"},
	})
	require.Equal(t, 200, status, "%v", tok)
	require.NotEmpty(t, tok["access_token"])
	require.Equal(t, "bearer", tok["token_type"])

	status, out := post("/v1/public/"+srv.ProjectID()+"/oauth2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {mc.ClientID}, "client_secret": {"wrong"},
	})
	require.Equal(t, 401, status)
	require.Equal(t, "invalid_client", out["error"], "the OAuth 2.0 error shape")

	// Introspection is routed past the project's Basic auth too: whatever
	// the emulator answers, it is not 401 unauthorized_credentials.
	status, out = post("/v1/public/"+srv.ProjectID()+"/oauth2/introspect", url.Values{
		"token": {tok["access_token"].(string)}, "client_id": {mc.ClientID}, "client_secret": {mc.ClientSecret},
	})
	require.NotEqual(t, 401, status, "%v", out)
}
