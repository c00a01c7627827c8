package consumer

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// searchServer answers every call with body and hands each request's JSON
// body to the test through the returned channel.
func searchServer(t *testing.T, body string) (*Client, <-chan []byte) {
	t.Helper()
	got := make(chan []byte, 1)
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		got <- raw
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	})
	return c, got
}

// operand returns the first operand of the query a search request sent.
func operand(t *testing.T, raw []byte) string {
	t.Helper()
	var body struct {
		Query struct {
			Operands []json.RawMessage `json:"operands"`
		} `json:"query"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Query.Operands) != 1 {
		t.Fatalf("len(body.Query.Operands) = %d, want %d: %v", len(body.Query.Operands), 1, body.Query.Operands)
	}
	return string(body.Query.Operands[0])
}

func TestUserFiltersOnTheWire(t *testing.T) {
	t.Parallel()
	c, got := searchServer(t, `{"request_id":"r","status_code":200,"results":[],"results_metadata":{"total":0,"next_cursor":""}}`)
	paris := time.FixedZone("CET", 3600)
	from := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, paris)
	to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		filter UserSearchFilter
		want   string
	}{
		{UserFilterCreatedAtGreaterThan(from), `{"filter_name":"created_at_greater_than","filter_value":"2026-01-02T02:04:05Z"}`},
		{UserFilterCreatedAtLessThan(to), `{"filter_name":"created_at_less_than","filter_value":"2026-02-01T00:00:00Z"}`},
		{UserFilterCreatedAtBetween(from, to), `{"filter_name":"created_at_between","filter_value":{"greater_than":"2026-01-02T02:04:05Z","less_than":"2026-02-01T00:00:00Z"}}`},
		{UserFilterStatus(UserStatusActive), `{"filter_name":"status","filter_value":"active"}`},
		{UserFilterID("user-test-1", "user-test-2"), `{"filter_name":"user_id","filter_value":["user-test-1","user-test-2"]}`},
		{UserFilterID(), `{"filter_name":"user_id","filter_value":[]}`},
		{UserFilterFullNameFuzzy("Grace H"), `{"filter_name":"full_name_fuzzy","filter_value":"Grace H"}`},
		{UserFilterOAuthProvider("google"), `{"filter_name":"oauth_provider","filter_value":["google"]}`},
		{UserFilterEmailAddress("ada@example.com"), `{"filter_name":"email_address","filter_value":["ada@example.com"]}`},
		{UserFilterEmailAddressFuzzy("example"), `{"filter_name":"email_address_fuzzy","filter_value":"example"}`},
		{UserFilterEmailID("email-test-1"), `{"filter_name":"email_id","filter_value":["email-test-1"]}`},
		{UserFilterEmailVerified(false), `{"filter_name":"email_verified","filter_value":false}`},
		{UserFilterPhoneNumber("+12025550162"), `{"filter_name":"phone_number","filter_value":["+12025550162"]}`},
		{UserFilterPhoneNumberFuzzy("415"), `{"filter_name":"phone_number_fuzzy","filter_value":"415"}`},
		{UserFilterPhoneID("phone-number-test-1"), `{"filter_name":"phone_id","filter_value":["phone-number-test-1"]}`},
		{UserFilterPhoneVerified(true), `{"filter_name":"phone_verified","filter_value":true}`},
		{UserFilterWebAuthnRegistrationID("webauthn-registration-test-1"), `{"filter_name":"webauthn_registration_id","filter_value":["webauthn-registration-test-1"]}`},
		{UserFilterWebAuthnRegistrationVerified(true), `{"filter_name":"webauthn_registration_verified","filter_value":true}`},
		{UserFilterCryptoWalletID("crypto-wallet-test-1"), `{"filter_name":"crypto_wallet_id","filter_value":["crypto-wallet-test-1"]}`},
		{UserFilterCryptoWalletAddress("0xabc"), `{"filter_name":"crypto_wallet_address","filter_value":["0xabc"]}`},
		{UserFilterCryptoWalletVerified(false), `{"filter_name":"crypto_wallet_verified","filter_value":false}`},
		{UserFilterTOTPID("totp-test-1"), `{"filter_name":"totp_id","filter_value":["totp-test-1"]}`},
		{UserFilterTOTPVerified(true), `{"filter_name":"totp_verified","filter_value":true}`},
		{UserFilterPasswordExists(false), `{"filter_name":"password_exists","filter_value":false}`},
		{UserFilter("biometric_registration_id", []string{"biometric-registration-test-1"}), `{"filter_name":"biometric_registration_id","filter_value":["biometric-registration-test-1"]}`},
	} {
		_, err := c.Users.Search(context.Background(), &UsersSearchParams{Query: &SearchUsersQuery{
			Operator: SearchOperatorAnd, Operands: []UserSearchFilter{tc.filter},
		}})
		if err != nil {
			t.Fatalf("%v: %v", tc.want, err)
		}
		jsonEqual(t, tc.want, operand(t, <-got))
	}
}

func TestUserSearchQueryOnTheWire(t *testing.T) {
	t.Parallel()
	c, got := searchServer(t, `{"request_id":"r","status_code":200,"results":[],"results_metadata":{"total":0,"next_cursor":""}}`)
	_, err := c.Users.Search(context.Background(), &UsersSearchParams{Query: &SearchUsersQuery{
		Operator: SearchOperatorAnd,
		Operands: []UserSearchFilter{UserFilterEmailAddressFuzzy("example.com"), UserFilterStatus(UserStatusPending)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, `{"query":{"operator":"AND","operands":[
		{"filter_name":"email_address_fuzzy","filter_value":"example.com"},
		{"filter_name":"status","filter_value":"pending"}]}}`, string(<-got))
}

// A list given to a constructor is copied: changing it later changes
// nothing that was sent.
func TestUserFilterCopiesItsList(t *testing.T) {
	t.Parallel()
	ids := []string{"user-test-1"}
	f := UserFilterID(ids...)
	ids[0] = "changed"
	if want := []string{"user-test-1"}; !reflect.DeepEqual(f.FilterValue, want) {
		t.Fatalf("f.FilterValue = %q, want %q", f.FilterValue, want)
	}
}

func TestM2MFiltersOnTheWire(t *testing.T) {
	t.Parallel()
	c, got := searchServer(t, `{"request_id":"r","status_code":200,"m2m_clients":[],"results_metadata":{"total":0,"next_cursor":""}}`)
	for _, tc := range []struct {
		filter M2MSearchFilter
		want   string
	}{
		{M2MFilterClientID("m2m-client-test-1", "m2m-client-test-2"), `{"filter_name":"client_id","filter_value":["m2m-client-test-1","m2m-client-test-2"]}`},
		{M2MFilterClientName("My Sample Client"), `{"filter_name":"client_name","filter_value":["My Sample Client"]}`},
		{M2MFilterScopes("read:users"), `{"filter_name":"scopes","filter_value":["read:users"]}`},
		{M2MFilterScopes(), `{"filter_name":"scopes","filter_value":[]}`},
		{M2MFilter("client_description", "raw"), `{"filter_name":"client_description","filter_value":"raw"}`},
	} {
		_, err := c.M2M.Clients.Search(context.Background(), &M2MClientsSearchParams{Query: &M2MSearchQuery{
			Operator: SearchOperatorAnd, Operands: []M2MSearchFilter{tc.filter},
		}})
		if err != nil {
			t.Fatalf("%v: %v", tc.want, err)
		}
		jsonEqual(t, tc.want, operand(t, <-got))
	}
}

// The M2M filters are written once per package, as M2M is generated into
// both from spec/shared; the two copies must not drift apart.
func TestM2MSearchFiltersMatch(t *testing.T) {
	t.Parallel()
	read := func(path string) string {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(string(raw), "\n")
		if !ok {
			t.Fatal("ok = false, want true")
		}
		return rest
	}
	if got := read("../b2b/m2m_search_filters.go"); got != read("m2m_search_filters.go") {
		t.Fatalf("consumer/m2m_search_filters.go and b2b/m2m_search_filters.go differ beyond their package clause: got %q, want %q", got, read("m2m_search_filters.go"))
	}
}

// Every exported constructor of search_filters.go and m2m_search_filters.go is sent over the wire at least
// once in this file.
func TestEveryFilterConstructorIsTested(t *testing.T) {
	t.Parallel()
	test, err := os.ReadFile("search_filters_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"search_filters.go", "m2m_search_filters.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.IsExported() {
				if !strings.Contains(string(test), fn.Name.Name+"(") {
					t.Fatalf("%s: %s has no wire test: string(test) = %q, want it to contain %q", file, fn.Name.Name, string(test), fn.Name.Name+"(")
				}
			}
		}
	}
}

// jsonEqual fails t unless got holds the same JSON value as want.
func jsonEqual(t *testing.T, want, got string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got %s, which is not JSON (%v), want %s", got, err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got JSON %s, want %s", got, want)
	}
}
