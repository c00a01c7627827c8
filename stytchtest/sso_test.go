package stytchtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/b2b"
)

// The SSO hooks over HTTP, for programs in other languages, and the
// connection's ACS as a browser reaches it.
func TestSSOHooksOverHTTP(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, body any, auth bool) (int, map[string]any) {
		return callHook(t, srv, http.MethodPost, path, body, auth)
	}
	status, _ := post("/__emulator/sso/saml/idps", map[string]any{}, false)
	require.Equal(t, 401, status)
	status, idp := post("/__emulator/sso/saml/idps", map[string]any{}, true)
	require.Equal(t, 200, status)
	t.Cleanup(func() {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		srv.ssoState().samlIdPs[idp["entity_id"].(string)].Close()
	})

	o := b2bTestOrg(t, c, "Acme", nil)
	created, err := c.SSO.SAML.CreateConnection(ctx, &b2b.SSOSAMLCreateConnectionParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	id := created.Connection.ConnectionID
	_, err = c.SSO.SAML.UpdateByURL(ctx, &b2b.SSOSAMLUpdateByURLParams{OrganizationID: o.OrganizationID, ConnectionID: id, MetadataURL: idp["metadata_url"].(string)})
	require.NoError(t, err)

	start := ssoTestStart(t, srv, c, b2b.SSOStartParams{ConnectionID: id, LoginRedirectURL: "https://app.example/login"})
	status, resp := post("/__emulator/sso/saml/response", map[string]any{"start": start.URL, "email": "ada@acme.com"}, true)
	require.Equal(t, 200, status, resp)
	require.Equal(t, created.Connection.AcsURL, resp["acs_url"])

	// The browser posts the response to the ACS, which needs no
	// credentials, and is sent on with the token.
	form := url.Values{"SAMLResponse": {resp["saml_response"].(string)}, "RelayState": {resp["relay_state"].(string)}}
	acs, err := noRedirect.Post(resp["acs_url"].(string), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	_ = acs.Body.Close()
	require.Equal(t, http.StatusFound, acs.StatusCode)
	loc, err := url.Parse(acs.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "app.example/login", loc.Host+loc.Path)
	require.Equal(t, "sso", loc.Query().Get("stytch_token_type"))
	auth, err := ssoTestAuth(t, c, loc.Query().Get("token"), nil)
	require.NoError(t, err)
	require.Equal(t, "ada@acme.com", auth.Member.EmailAddress)

	status, red := post("/__emulator/sso/saml/sign_in", map[string]any{"start": id, "email": "ada@acme.com"}, true)
	require.Equal(t, 200, status, red)
	_, err = ssoTestAuth(t, c, red["token"].(string), nil)
	require.NoError(t, err)
	status, out := post("/__emulator/sso/saml/sign_in", map[string]any{"start": "saml-connection-test-nope", "email": "ada@acme.com"}, true)
	require.Equal(t, 400, status)
	require.Equal(t, "bad_request", out["error_type"])

	// An OIDC callback without a flow is refused.
	oidc, err := c.SSO.OIDC.CreateConnection(ctx, &b2b.SSOOIDCCreateConnectionParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	cb, err := noRedirect.Get(oidc.Connection.RedirectURL + "?code=abc&state=nope")
	require.NoError(t, err)
	var cbErr map[string]any
	require.NoError(t, json.NewDecoder(cb.Body).Decode(&cbErr))
	_ = cb.Body.Close()
	require.Equal(t, 400, cb.StatusCode)
	require.Equal(t, "oidc_invalid_callback_request", cbErr["error_type"])
}

// TestServerCloseStopsProviders checks that the test identity providers a
// server started stop with it, those made in Go and over HTTP alike.
func TestServerCloseStopsProviders(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	idp := srv.NewSAMLIdP()
	oidc := srv.NewOIDCProvider()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/__emulator/sso/saml/idps", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.SetBasicAuth(srv.ProjectID(), srv.Secret())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var mirrored struct {
		MetadataURL string `json:"metadata_url"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&mirrored))
	_ = resp.Body.Close()
	urls := []string{idp.MetadataURL, oidc.Issuer + "/.well-known/openid-configuration", mirrored.MetadataURL}
	for _, u := range urls {
		resp, err := http.Get(u)
		require.NoError(t, err, u)
		_ = resp.Body.Close()
	}
	srv.Close()
	for _, u := range urls {
		resp, err := http.Get(u)
		if err == nil {
			_ = resp.Body.Close()
		}
		require.Error(t, err, "%s still answers after Close", u)
	}
}
