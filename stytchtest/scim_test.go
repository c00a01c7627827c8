package stytchtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
)

// scimIdP calls a connection's SCIM service as an identity provider does.
type scimIdP struct {
	t           *testing.T
	base, token string
	auth        string // an Authorization header sent instead of the token
}

// do sends body (a string is sent as is) and decodes the answer.
func (p scimIdP) do(method, path string, body any) (int, map[string]any, http.Header) {
	p.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(p.t, err)
	}
	req, err := http.NewRequest(method, p.base+path, bytes.NewReader(raw))
	require.NoError(p.t, err)
	switch {
	case p.auth != "":
		req.Header.Set("Authorization", p.auth)
	case p.token != "":
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusNoContent {
		require.Equal(p.t, "application/scim+json", resp.Header.Get("Content-Type"))
		require.NoError(p.t, json.NewDecoder(resp.Body).Decode(&out))
	}
	return resp.StatusCode, out, resp.Header
}

// requireSCIMError checks an answer in RFC 7644's error shape.
func requireSCIMError(t *testing.T, status int, body map[string]any, wantStatus int, scimType string) {
	t.Helper()
	require.Equal(t, wantStatus, status, body)
	require.Equal(t, []any{scimErrorSchema}, body["schemas"])
	require.Equal(t, strconv.Itoa(wantStatus), body["status"])
	require.NotEmpty(t, body["detail"])
	if scimType == "" {
		require.NotContains(t, body, "scimType")
	} else {
		require.Equal(t, scimType, body["scimType"])
	}
}

// scimTestConnection creates a connection for org and returns its IdP.
func scimTestConnection(t *testing.T, c *b2b.Client, orgID string) (*b2b.SCIMConnectionWithToken, scimIdP) {
	t.Helper()
	resp, err := c.SCIM.Connection.Create(ctx, &b2b.SCIMConnectionCreateParams{
		OrganizationID: orgID, DisplayName: stytch.Ptr("Okta"), IdentityProvider: stytch.Ptr(b2b.SCIMIdentityProviderOkta),
	})
	require.NoError(t, err)
	return resp.Connection, scimIdP{t: t, base: resp.Connection.BaseURL, token: resp.Connection.BearerToken}
}

func TestSCIMConnectionLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)

	got, err := c.SCIM.Connection.Get(ctx, &b2b.SCIMConnectionGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Nil(t, got.Connection)

	conn, idp := scimTestConnection(t, c, o.OrganizationSlug)
	require.True(t, strings.HasPrefix(conn.ConnectionID, "scim-connection-test-"), conn.ConnectionID)
	require.Equal(t, srv.URL+"/v1/b2b/scim/"+conn.ConnectionID, conn.BaseURL)
	require.Len(t, conn.BearerToken, 48)
	require.Equal(t, "active", conn.Status)
	require.Equal(t, "okta", conn.IdentityProvider)
	require.NotNil(t, conn.BearerTokenExpiresAt)

	// Only the last four characters are shown again.
	got, err = c.SCIM.Connection.Get(ctx, &b2b.SCIMConnectionGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Equal(t, conn.ConnectionID, got.Connection.ConnectionID)
	require.Equal(t, conn.BearerToken[44:], got.Connection.BearerTokenLastFour)
	require.Empty(t, got.Connection.NextBearerTokenLastFour)
	org, err := c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Equal(t, conn.ConnectionID, org.Organization.SCIMActiveConnection.ConnectionID)
	require.Equal(t, "Okta", org.Organization.SCIMActiveConnection.DisplayName)

	// One connection per organization.
	_, err = c.SCIM.Connection.Create(ctx, &b2b.SCIMConnectionCreateParams{OrganizationID: o.OrganizationID})
	requireAPIError(t, err, 400, "active_scim_connection_exists")

	upd, err := c.SCIM.Connection.Update(ctx, &b2b.SCIMConnectionUpdateParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID,
		DisplayName: stytch.Ptr("Entra"), IdentityProvider: stytch.Ptr(b2b.SCIMIdentityProviderMicrosoftEntra)})
	require.NoError(t, err)
	require.Equal(t, "Entra", upd.Connection.DisplayName)
	require.Equal(t, "microsoft-entra", upd.Connection.IdentityProvider)
	_, err = c.SCIM.Connection.Update(ctx, &b2b.SCIMConnectionUpdateParams{OrganizationID: o.OrganizationID, ConnectionID: "scim-connection-test-nope"})
	requireAPIError(t, err, 404, "scim_connection_not_found")

	status, _, _ := idp.do("GET", "/Users", nil)
	require.Equal(t, 200, status)

	// Deleting the connection makes its token useless.
	del, err := c.SCIM.Connection.Delete(ctx, &b2b.SCIMConnectionDeleteParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID})
	require.NoError(t, err)
	require.Equal(t, conn.ConnectionID, del.ConnectionID)
	status, body, _ := idp.do("GET", "/Users", nil)
	requireSCIMError(t, status, body, 401, "")
	got, err = c.SCIM.Connection.Get(ctx, &b2b.SCIMConnectionGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Nil(t, got.Connection)
	org, err = c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	require.Nil(t, org.Organization.SCIMActiveConnection)
	_, err = c.SCIM.Connection.Delete(ctx, &b2b.SCIMConnectionDeleteParams{OrganizationID: o.OrganizationID, ConnectionID: conn.ConnectionID})
	requireAPIError(t, err, 404, "scim_connection_not_found")

	// A new one may be made.
	_, idp2 := scimTestConnection(t, c, o.OrganizationID)
	status, _, _ = idp2.do("GET", "/Users", nil)
	require.Equal(t, 200, status)
}

func TestSCIMConnectionRotation(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	_, c := b2bTestServer(t, WithClock(clk.Now))
	o := b2bTestOrg(t, c, "Acme", nil)
	conn, old := scimTestConnection(t, c, o.OrganizationID)
	ids := func() (string, string) { return o.OrganizationID, conn.ConnectionID }
	works := func(p scimIdP) bool {
		status, _, _ := p.do("GET", "/Users", nil)
		return status == 200
	}

	org, id := ids()
	_, err := c.SCIM.Connection.RotateComplete(ctx, &b2b.SCIMConnectionRotateCompleteParams{OrganizationID: org, ConnectionID: id})
	requireAPIError(t, err, 400, "scim_token_rotation_not_started")
	_, err = c.SCIM.Connection.RotateCancel(ctx, &b2b.SCIMConnectionRotateCancelParams{OrganizationID: org, ConnectionID: id})
	requireAPIError(t, err, 400, "scim_token_rotation_not_started")

	// During a rotation both tokens work.
	start, err := c.SCIM.Connection.RotateStart(ctx, &b2b.SCIMConnectionRotateStartParams{OrganizationID: org, ConnectionID: id})
	require.NoError(t, err)
	next := scimIdP{t: t, base: old.base, token: start.Connection.NextBearerToken}
	require.Len(t, next.token, 48)
	require.NotEqual(t, old.token, next.token)
	require.Equal(t, old.token[44:], start.Connection.BearerTokenLastFour)
	require.NotNil(t, start.Connection.NextBearerTokenExpiresAt)
	require.True(t, works(old))
	require.True(t, works(next))
	got, err := c.SCIM.Connection.Get(ctx, &b2b.SCIMConnectionGetParams{OrganizationID: org})
	require.NoError(t, err)
	require.Equal(t, next.token[44:], got.Connection.NextBearerTokenLastFour)

	// Cancel drops the next token.
	cancel, err := c.SCIM.Connection.RotateCancel(ctx, &b2b.SCIMConnectionRotateCancelParams{OrganizationID: org, ConnectionID: id})
	require.NoError(t, err)
	require.Empty(t, cancel.Connection.NextBearerTokenLastFour)
	require.Nil(t, cancel.Connection.NextBearerTokenExpiresAt)
	require.True(t, works(old))
	require.False(t, works(next))

	// Complete makes the next token the only one.
	start, err = c.SCIM.Connection.RotateStart(ctx, &b2b.SCIMConnectionRotateStartParams{OrganizationID: org, ConnectionID: id})
	require.NoError(t, err)
	next.token = start.Connection.NextBearerToken
	done, err := c.SCIM.Connection.RotateComplete(ctx, &b2b.SCIMConnectionRotateCompleteParams{OrganizationID: org, ConnectionID: id})
	require.NoError(t, err)
	require.Equal(t, next.token[44:], done.Connection.BearerTokenLastFour)
	require.Empty(t, done.Connection.NextBearerTokenLastFour)
	require.False(t, works(old))
	require.True(t, works(next))
	orgResp, err := c.Organizations.Get(ctx, &b2b.OrganizationsGetParams{OrganizationID: org})
	require.NoError(t, err)
	require.Equal(t, next.token[44:], orgResp.Organization.SCIMActiveConnection.BearerTokenLastFour)

	// A token expires.
	clk.Add(scimTokenLifetime + time.Minute)
	require.False(t, works(next))
}

func TestSCIMConnectionMemberSession(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	m := b2bTestMember(t, c, o.OrganizationID, "ada@acme.com", nil)
	login := b2bTestSignIn(t, srv, c, o.OrganizationID, m.EmailAddress, nil)

	// stytch_member may not manage SCIM.
	_, err := c.SCIM.Connection.Create(ctx, &b2b.SCIMConnectionCreateParams{OrganizationID: o.OrganizationID}, stytch.WithMemberSession(login.SessionToken))
	requireAPIError(t, err, 403, "session_authorization_error")
	_, err = c.Organizations.Members.Update(ctx, &b2b.OrganizationsMembersUpdateParams{OrganizationID: o.OrganizationID, MemberID: m.MemberID, Roles: &[]string{b2bAdminRole}})
	require.NoError(t, err)
	_, err = c.SCIM.Connection.Create(ctx, &b2b.SCIMConnectionCreateParams{OrganizationID: o.OrganizationID}, stytch.WithMemberSession(login.SessionToken))
	require.NoError(t, err)
}

// TestSCIMGoesWithItsOrganization checks that deleting an organization
// drops its SCIM connection, with what it provisioned, and that the
// connection's token then opens nothing.
func TestSCIMGoesWithItsOrganization(t *testing.T) {
	t.Parallel()
	srv, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	_, idp := scimTestConnection(t, c, o.OrganizationID)
	status, _, _ := idp.do(http.MethodPost, "/Users", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "ada@acme.example",
		"emails": []map[string]any{{"value": "ada@acme.example", "primary": true}},
	})
	require.Equal(t, http.StatusCreated, status)
	_, err := c.Organizations.Delete(ctx, &b2b.OrganizationsDeleteParams{OrganizationID: o.OrganizationID})
	require.NoError(t, err)
	srv.mu.Lock()
	conns, users := len(srv.b2b.scim.conns), len(srv.b2b.scim.users)
	srv.mu.Unlock()
	require.Zero(t, conns)
	require.Zero(t, users)
	status, _, _ = idp.do(http.MethodGet, "/Users", nil)
	require.Equal(t, http.StatusUnauthorized, status)
}
