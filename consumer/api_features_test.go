package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gostytch/stytch"
)

// M2M.Token is form-encoded, takes the project ID from the client, and its
// OAuth2-shaped errors become a *stytch.Error like any other.
func TestM2MTokenIsFormEncodedAndDecodesOAuth2Errors(t *testing.T) {
	var got url.Values
	var path, contentType string
	var auth []string
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		path, contentType, auth = r.URL.EscapedPath(), r.Header.Get("Content-Type"), r.Header.Values("Authorization")
		body, _ := io.ReadAll(r.Body)
		got, _ = url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"The client could not be authenticated.","error_uri":"https://stytch.com/docs"}`)
	})
	resp, err := c.M2M.Token(context.Background(), &M2MTokenParams{
		ClientID: "m2m-client-test-1", ClientSecret: "m2m-secret", Scopes: []string{"read:users", "write:users"},
	})
	if resp != nil {
		t.Fatalf("resp = %+v, want nil", resp)
	}
	var apiErr *stytch.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v", err)
	}
	if apiErr.StatusCode != 401 {
		t.Fatalf("apiErr.StatusCode = %v, want %v", apiErr.StatusCode, 401)
	}
	if want := stytch.ErrorType("invalid_client"); apiErr.ErrorType != want {
		t.Fatalf("apiErr.ErrorType = %q, want %q", apiErr.ErrorType, want)
	}
	if want := "The client could not be authenticated."; apiErr.ErrorMessage != want {
		t.Fatalf("apiErr.ErrorMessage = %q, want %q", apiErr.ErrorMessage, want)
	}
	if apiErr.ErrorURL != "https://stytch.com/docs" {
		t.Fatalf("apiErr.ErrorURL = %q, want %q", apiErr.ErrorURL, "https://stytch.com/docs")
	}

	if path != ("/v1/public/" + testProject + "/oauth2/token") {
		t.Fatalf("path = %q, want %q", path, "/v1/public/"+testProject+"/oauth2/token")
	}
	if want := "application/x-www-form-urlencoded"; contentType != want {
		t.Fatalf("contentType = %q, want %q", contentType, want)
	}
	if len(auth) != 0 {
		t.Fatalf("the project's secret is not sent to the OAuth 2.0 token endpoint: auth = %q, want empty", auth)
	}
	if !reflect.DeepEqual(got, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"m2m-client-test-1"},
		"client_secret": {"m2m-secret"}, "scope": {"read:users write:users"},
	}) {
		t.Fatalf("got %v, want %v", got, url.Values{
			"grant_type": {"client_credentials"}, "client_id": {"m2m-client-test-1"},
			"client_secret": {"m2m-secret"}, "scope": {"read:users write:users"},
		})
	}
}

// The fraud endpoints go to telemetry.stytch.com unless told otherwise,
// whatever the API's base URL is.
func TestFraudCallsGoToTelemetryHost(t *testing.T) {
	var hosts []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hosts = append(hosts, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"request_id":"r","status_code":200}`)), Request: r}, nil
	})}
	c, err := NewClient(testProject, testSecret, stytch.WithHTTPClient(hc), stytch.WithBaseURL("https://login.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fraud.Rules.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.Get(context.Background(), &UsersGetParams{UserID: "user-test-1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://telemetry.stytch.com/v1/rules/list", "https://login.example.com/v1/users/user-test-1"}; !reflect.DeepEqual(hosts, want) {
		t.Fatalf("hosts = %q, want %q", hosts, want)
	}

	c, err = NewClient(testProject, testSecret, stytch.WithHTTPClient(hc), stytch.WithFraudBaseURL("https://fraud.example.com/prefix/"))
	if err != nil {
		t.Fatal(err)
	}
	hosts = nil
	_, err = c.Fraud.Rules.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://fraud.example.com/prefix/v1/rules/list"}; !reflect.DeepEqual(hosts, want) {
		t.Fatalf("hosts = %q, want %q", hosts, want)
	}

	_, err = NewClient(testProject, testSecret, stytch.WithFraudBaseURL("telemetry.example.com"))
	if err == nil {
		t.Fatal("got no error, want one")
	}
}

// SearchAll walks every page, leaves the caller's params alone, stops when
// the loop breaks, and refuses to loop on a cursor the API repeats.
func TestUsersSearchAll(t *testing.T) {
	var calls atomic.Int32
	var cursors []string
	repeat := false
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		var body struct {
			Cursor *string `json:"cursor"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		cur := "<nil>"
		if body.Cursor != nil {
			cur = *body.Cursor
		}
		cursors = append(cursors, cur)
		next := fmt.Sprintf("cursor-%d", n)
		if n == 3 && !repeat {
			next = ""
		}
		if repeat && n >= 2 {
			next = "cursor-1"
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"request_id":"r","status_code":200,"results":[{"user_id":"user-%d-a"},{"user_id":"user-%d-b"}],"results_metadata":{"total":6,"next_cursor":%q}}`, n, n, next)
	})
	params := &UsersSearchParams{Limit: stytch.Ptr(2)}
	var ids []string
	for u, err := range c.Users.SearchAll(context.Background(), params) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.UserID)
	}
	if want := []string{"user-1-a", "user-1-b", "user-2-a", "user-2-b", "user-3-a", "user-3-b"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids = %q, want %q", ids, want)
	}
	if want := []string{"<nil>", "cursor-1", "cursor-2"}; !reflect.DeepEqual(cursors, want) {
		t.Fatalf("cursors = %q, want %q", cursors, want)
	}
	if params.Cursor != nil {
		t.Fatalf("the caller's params changed: params.Cursor = %v, want nil", params.Cursor)
	}

	// Breaking out of the loop stops the paging.
	calls.Store(0)
	for range c.Users.SearchAll(context.Background(), params) {
		break
	}
	if got := calls.Load(); got != int32(1) {
		t.Fatalf("calls.Load() = %v, want %v", got, int32(1))
	}

	// A cursor the API hands back twice ends the loop with an error.
	calls.Store(0)
	repeat = true
	var last error
	n := 0
	for _, err := range c.Users.SearchAll(context.Background(), params) {
		n++
		last = err
	}
	if !errors.Is(last, stytch.ErrPaginationStuck) {
		t.Fatalf("last = %v, want %v", last, stytch.ErrPaginationStuck)
	}
	if want := "Users.Search: the API returned a cursor it had already returned"; last == nil || !strings.Contains(last.Error(), want) {
		t.Fatalf("last = %v, want an error containing %q", last, want)
	}
	if got := calls.Load(); got != int32(2) {
		t.Fatalf("calls.Load() = %v, want %v", got, int32(2))
	}
	if n != 5 {
		t.Fatalf("n = %v, want %v", n, 5)
	} // two pages of two, then the error
}

// A server whose cursors cycle (A, B, A, B) or whose empty pages each name
// a new cursor would keep SearchAll looping forever; it stops with an error.
func TestUsersSearchAllStopsOnStuckPagination(t *testing.T) {
	for _, tc := range []struct {
		name      string
		page      func(n int32) (results, next string)
		wantCalls int32
		wantItems int
		wantText  string
	}{
		{"cursors cycle", func(n int32) (string, string) {
			return fmt.Sprintf(`[{"user_id":"user-%d"}]`, n), []string{"cursor-A", "cursor-B"}[(n-1)%2]
		}, 3, 3, "a cursor it had already returned"},
		{"the caller's own cursor comes back", func(n int32) (string, string) {
			return `[{"user_id":"user-1"}]`, "cursor-start"
		}, 1, 1, "a cursor it had already returned"},
		{"empty pages with fresh cursors", func(n int32) (string, string) {
			return `[]`, fmt.Sprintf("cursor-%d", n)
		}, 3, 0, "3 empty pages in a row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				results, next := tc.page(calls.Add(1))
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"request_id":"r","status_code":200,"results":%s,"results_metadata":{"total":9,"next_cursor":%q}}`, results, next)
			})
			items := 0
			var last error
			for _, err := range c.Users.SearchAll(context.Background(), &UsersSearchParams{Cursor: stytch.Ptr("cursor-start")}) {
				if err != nil {
					last = err
					continue
				}
				items++
			}
			if !errors.Is(last, stytch.ErrPaginationStuck) {
				t.Fatalf("last = %v, want %v", last, stytch.ErrPaginationStuck)
			}
			if last == nil || !strings.Contains(last.Error(), tc.wantText) {
				t.Fatalf("last = %v, want an error containing %q", last, tc.wantText)
			}
			if got := calls.Load(); got != tc.wantCalls {
				t.Fatalf("calls.Load() = %v, want %v", got, tc.wantCalls)
			}
			if items != tc.wantItems {
				t.Fatalf("items = %v, want %v", items, tc.wantItems)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
