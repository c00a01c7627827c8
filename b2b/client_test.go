package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

const (
	testProject = "project-test-11111111-2222-4333-8444-555555555555"
	testSecret  = "secret-test-b2b-never-printed-0123456789ab="
)

// setup returns a client of a server that answers with handler.
func setup(t *testing.T, handler http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := NewClient(testProject, testSecret, stytch.WithBaseURL(srv.URL))
	require.NoError(t, err)
	return c
}

func TestNewClientDoesNoIO(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	setup(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	require.Zero(t, hits.Load())
}

func TestOptionalFalseIsSent(t *testing.T) {
	t.Parallel()
	var body map[string]any
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/v1/b2b/organizations/org-1/members/member-1", r.URL.Path)
		raw, _ := io.ReadAll(r.Body)
		require.NoError(t, json.Unmarshal(raw, &body))
		_, _ = io.WriteString(w, `{"request_id":"r","status_code":200,"member_id":"member-1",
			"member":{"member_id":"member-1","mfa_enrolled":false},"organization":{"organization_id":"org-1"}}`)
	})
	resp, err := c.Organizations.Members.Update(context.Background(), &OrganizationsMembersUpdateParams{
		OrganizationID: "org-1",
		MemberID:       "member-1",
		MFAEnrolled:    stytch.Ptr(false),
		IsBreakglass:   stytch.Ptr(false),
		Name:           stytch.Ptr(""),
		Roles:          &[]string{},
	})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"mfa_enrolled": false, "is_breakglass": false, "name": "", "roles": []any{}}, body,
		"false, \"\" and an empty list are sent; unset fields and path parameters are not")
	require.Equal(t, "member-1", resp.Member.MemberID)
	require.False(t, resp.Member.MFAEnrolled)
}

func TestAPIErrorReturnsNilResponse(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"status_code":400,"request_id":"request-id-test-9","error_type":"organization_slug_already_used",
			"error_message":"The organization slug is already in use.","error_url":"https://stytch.com/docs/api/errors/400"}`)
	})
	org, err := c.Organizations.Create(context.Background(), &OrganizationsCreateParams{OrganizationName: "Acme"})
	require.Nil(t, org)
	var apiErr *stytch.Error
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, stytch.ErrorTypeOrganizationSlugAlreadyUsed, apiErr.ErrorType)
	require.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	require.Equal(t, "request-id-test-9", apiErr.RequestID)
}

func TestQueryParameters(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/v1/b2b/organizations/org-1/member", r.URL.Path)
		require.Equal(t, "ada@example.com", r.URL.Query().Get("email_address"))
		require.False(t, r.URL.Query().Has("member_id"), "an unset optional query parameter is not sent")
		_, _ = io.WriteString(w, `{"request_id":"r","status_code":200,"member_id":"m","member":{"member_id":"m"},"organization":{"organization_id":"org-1"}}`)
	})
	resp, err := c.Organizations.Members.Get(context.Background(), &OrganizationsMembersGetParams{
		OrganizationID: "org-1", EmailAddress: stytch.Ptr("ada@example.com"),
	})
	require.NoError(t, err)
	require.Equal(t, "m", resp.MemberID)
}

func TestClientNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret)
	require.NoError(t, err)
	out := fmt.Sprintf("%v %+v %#v %v %+v", c, c, c, *c.Organizations, *c.Sessions)
	require.NotContains(t, out, testSecret)
}
