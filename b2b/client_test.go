package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

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
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewClientDoesNoIO(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	setup(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	if hits.Load() != 0 {
		t.Fatalf("hits.Load() = %v, want 0", hits.Load())
	}
}

func TestOptionalFalseIsSent(t *testing.T) {
	t.Parallel()
	var body map[string]any
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if want := "/v1/b2b/organizations/org-1/members/member-1"; r.URL.Path != want {
			t.Fatalf("r.URL.Path = %q, want %q", r.URL.Path, want)
		}
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatal(err)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"mfa_enrolled": false, "is_breakglass": false, "name": "", "roles": []any{}}; !reflect.DeepEqual(body, want) {
		t.Fatalf("false, \"\" and an empty list are sent; unset fields and path parameters are not: body = %v, want %v", body, want)
	}
	if resp.Member.MemberID != "member-1" {
		t.Fatalf("resp.Member.MemberID = %q, want %q", resp.Member.MemberID, "member-1")
	}
	if resp.Member.MFAEnrolled {
		t.Fatal("resp.Member.MFAEnrolled = true, want false")
	}
}

func TestAPIErrorReturnsNilResponse(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"status_code":400,"request_id":"request-id-test-9","error_type":"organization_slug_already_used",
			"error_message":"The organization slug is already in use.","error_url":"https://stytch.com/docs/api/errors/400"}`)
	})
	org, err := c.Organizations.Create(context.Background(), &OrganizationsCreateParams{OrganizationName: "Acme"})
	if org != nil {
		t.Fatalf("org = %+v, want nil", org)
	}
	var apiErr *stytch.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a %T", err, apiErr)
	}
	if want := stytch.ErrorTypeOrganizationSlugAlreadyUsed; apiErr.ErrorType != want {
		t.Fatalf("apiErr.ErrorType = %q, want %q", apiErr.ErrorType, want)
	}
	if apiErr.StatusCode != http.StatusBadRequest {
		t.Fatalf("apiErr.StatusCode = %v, want %v", apiErr.StatusCode, http.StatusBadRequest)
	}
	if apiErr.RequestID != "request-id-test-9" {
		t.Fatalf("apiErr.RequestID = %q, want %q", apiErr.RequestID, "request-id-test-9")
	}
}

func TestQueryParameters(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if want := "/v1/b2b/organizations/org-1/member"; r.URL.Path != want {
			t.Fatalf("r.URL.Path = %q, want %q", r.URL.Path, want)
		}
		if got := r.URL.Query().Get("email_address"); got != "ada@example.com" {
			t.Fatalf("got %q, want %q", got, "ada@example.com")
		}
		if r.URL.Query().Has("member_id") {
			t.Fatal("an unset optional query parameter is not sent")
		}
		_, _ = io.WriteString(w, `{"request_id":"r","status_code":200,"member_id":"m","member":{"member_id":"m"},"organization":{"organization_id":"org-1"}}`)
	})
	resp, err := c.Organizations.Members.Get(context.Background(), &OrganizationsMembersGetParams{
		OrganizationID: "org-1", EmailAddress: stytch.Ptr("ada@example.com"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.MemberID != "m" {
		t.Fatalf("resp.MemberID = %q, want %q", resp.MemberID, "m")
	}
}

func TestClientNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testProject, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %v %+v", c, c, c, *c.Organizations, *c.Sessions)
	if strings.Contains(out, testSecret) {
		t.Fatalf("out = %q, want it not to contain %q", out, testSecret)
	}
}
