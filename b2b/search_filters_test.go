package b2b

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

func TestOrganizationFiltersOnTheWire(t *testing.T) {
	t.Parallel()
	c, got := searchServer(t, `{"request_id":"r","status_code":200,"organizations":[],"results_metadata":{"total":0,"next_cursor":""}}`)
	for _, tc := range []struct {
		filter OrganizationSearchFilter
		want   string
	}{
		{OrganizationFilterIDs("organization-test-1", "organization-test-2"), `{"filter_name":"organization_ids","filter_value":["organization-test-1","organization-test-2"]}`},
		{OrganizationFilterIDs(), `{"filter_name":"organization_ids","filter_value":[]}`},
		{OrganizationFilterSlugs("acme-corp"), `{"filter_name":"organization_slugs","filter_value":["acme-corp"]}`},
		{OrganizationFilterSlugFuzzy("acme"), `{"filter_name":"organization_slug_fuzzy","filter_value":"acme"}`},
		{OrganizationFilterNameFuzzy("Acme"), `{"filter_name":"organization_name_fuzzy","filter_value":"Acme"}`},
		{OrganizationFilterMemberEmails("ada@example.com"), `{"filter_name":"member_emails","filter_value":["ada@example.com"]}`},
		{OrganizationFilterMemberEmailFuzzy("ada"), `{"filter_name":"member_email_fuzzy","filter_value":"ada"}`},
		{OrganizationFilterAllowedDomains("example.com"), `{"filter_name":"allowed_domains","filter_value":["example.com"]}`},
		{OrganizationFilterAllowedDomainFuzzy("exam"), `{"filter_name":"allowed_domain_fuzzy","filter_value":"exam"}`},
		{OrganizationFilterClaimedEmailDomains("acme.com"), `{"filter_name":"claimed_email_domains","filter_value":["acme.com"]}`},
		{OrganizationFilterHasActiveSSOConnection(false), `{"filter_name":"has_active_sso_connection","filter_value":false}`},
		{OrganizationFilterSSOConnectionID("saml-connection-test-1"), `{"filter_name":"sso_connection_id","filter_value":"saml-connection-test-1"}`},
		{OrganizationFilter("organization_external_ids", []string{"ext-1"}), `{"filter_name":"organization_external_ids","filter_value":["ext-1"]}`},
	} {
		_, err := c.Organizations.Search(context.Background(), &OrganizationsSearchParams{Query: &OrganizationSearchQuery{
			Operator: SearchOperatorAnd, Operands: []OrganizationSearchFilter{tc.filter},
		}})
		if err != nil {
			t.Fatalf("%v: %v", tc.want, err)
		}
		jsonEqual(t, tc.want, operand(t, <-got))
	}
}

func TestMemberFiltersOnTheWire(t *testing.T) {
	t.Parallel()
	c, got := searchServer(t, `{"request_id":"r","status_code":200,"members":[],"organizations":{},"results_metadata":{"total":0,"next_cursor":""}}`)
	for _, tc := range []struct {
		filter MemberSearchFilter
		want   string
	}{
		{MemberFilterIDs("member-test-1"), `{"filter_name":"member_ids","filter_value":["member-test-1"]}`},
		{MemberFilterEmails("ada@example.com", "grace@example.com"), `{"filter_name":"member_emails","filter_value":["ada@example.com","grace@example.com"]}`},
		{MemberFilterEmailFuzzy("ada"), `{"filter_name":"member_email_fuzzy","filter_value":"ada"}`},
		{MemberFilterStatuses(MemberStatusActive, MemberStatusDeleted), `{"filter_name":"statuses","filter_value":["active","deleted"]}`},
		{MemberFilterStatuses(MemberStatusInvited), `{"filter_name":"statuses","filter_value":["invited"]}`},
		{MemberFilterStatuses(), `{"filter_name":"statuses","filter_value":[]}`},
		{MemberFilterRoles("stytch_admin"), `{"filter_name":"member_roles","filter_value":["stytch_admin"]}`},
		{MemberFilterIsBreakglass(false), `{"filter_name":"member_is_breakglass","filter_value":false}`},
		{MemberFilterMFAPhoneNumbers("+12025550162"), `{"filter_name":"member_mfa_phone_numbers","filter_value":["+12025550162"]}`},
		{MemberFilterMFAPhoneNumberFuzzy("415"), `{"filter_name":"member_mfa_phone_number_fuzzy","filter_value":"415"}`},
		{MemberFilterPasswordExists(true), `{"filter_name":"member_password_exists","filter_value":true}`},
		{MemberFilter("member_external_ids", []string{"ext-1"}), `{"filter_name":"member_external_ids","filter_value":["ext-1"]}`},
	} {
		_, err := c.Organizations.Members.Search(context.Background(), &OrganizationsMembersSearchParams{
			OrganizationIDs: []string{"organization-test-1"},
			Query:           &MemberSearchQuery{Operator: SearchOperatorAnd, Operands: []MemberSearchFilter{tc.filter}},
		})
		if err != nil {
			t.Fatalf("%v: %v", tc.want, err)
		}
		jsonEqual(t, tc.want, operand(t, <-got))
	}
}

func TestM2MFiltersOnTheWire(t *testing.T) {
	t.Parallel()
	c, got := searchServer(t, `{"request_id":"r","status_code":200,"m2m_clients":[],"results_metadata":{"total":0,"next_cursor":""}}`)
	_, err := c.M2M.Clients.Search(context.Background(), &M2MClientsSearchParams{Query: &M2MSearchQuery{
		Operator: SearchOperatorAnd, Operands: []M2MSearchFilter{M2MFilterScopes("read:users")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, `{"filter_name":"scopes","filter_value":["read:users"]}`, operand(t, <-got))
}

// Every exported constructor of search_filters.go is sent over the wire at least
// once in this file.
func TestEveryFilterConstructorIsTested(t *testing.T) {
	t.Parallel()
	test, err := os.ReadFile("search_filters_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"search_filters.go"} {
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
