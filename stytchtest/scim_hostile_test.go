package stytchtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Malformed filters, paths and PATCH bodies get SCIM errors, never the
// 500 of a recovered panic.
func TestSCIMHostileInput(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	_, idp := scimTestConnection(t, c, o.OrganizationID)
	status, user, _ := idp.do("POST", "/Users", map[string]any{"userName": "ada@acme.com", "emails": []any{map[string]any{"value": "ada@acme.com", "type": "work"}}})
	require.Equal(t, http.StatusCreated, status)
	id := user["id"].(string)
	status, group, _ := idp.do("POST", "/Groups", map[string]any{"displayName": "Eng", "members": []any{map[string]any{"value": id}}})
	require.Equal(t, http.StatusCreated, status)
	gid := group["id"].(string)

	for _, f := range []string{`"`, `userName`, `userName eq "a" and`, `userName eq "a" or or`, `"a" eq "b"`, `userName eq "\`,
		`emails[type eq "work"].value eq "a"`, `userName eq {}`, `userName eq [1`, `a eq "b" c`, `urn:ietf:params:scim:schemas:core:2.0:User eq "a"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq "a"`, `. pr`, `.. eq "x"`, strings.Repeat(`a eq "b" and `, 200) + `a pr`} {
		status, body, _ := idp.do("GET", "/Users"+scimFilterQuery(f), nil)
		require.NotEqual(t, http.StatusInternalServerError, status, "filter %q: %v", f, body)
	}
	ops := []string{
		`{"op":"add","path":"emails[type eq \"work\"","value":"x"}`, `{"op":"add","path":"]emails[","value":"x"}`,
		`{"op":"add","path":"[type eq \"work\"]","value":"x"}`, `{"op":"add","path":"emails[]","value":"x"}`,
		`{"op":"replace","path":"emails[type eq \"work\"].value.x","value":"x"}`, `{"op":"replace","path":"name.givenName.x","value":"x"}`,
		`{"op":"replace","path":"name","value":"x"}`, `{"op":"replace","path":"name.givenName","value":{"a":1}}`,
		`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":"x"}`,
		`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"x"}`,
		`{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:","value":"x"}`, `{"op":"add","path":".","value":"x"}`,
		`{"op":"add","path":"emails","value":[null,1,"x",{}]}`, `{"op":"remove","path":"emails","value":[null]}`,
		`{"op":"add","value":null}`, `{"op":"replace","value":[1]}`, `{"op":"add","path":"active","value":null}`,
		`{"op":"replace","path":"emails[value pr].primary","value":"maybe"}`, `{"op":"add","path":"members","value":[{"value":{}}]}`,
		`{"op":"remove","path":"members[value eq 1]"}`, `{"op":1}`, `null`, `[]`,
	}
	for _, op := range ops {
		for _, path := range []string{"/Users/" + id, "/Groups/" + gid} {
			body := `{"schemas":["` + scimPatchSchema + `"],"Operations":[` + op + `]}`
			status, resp, _ := idp.do("PATCH", path, body)
			require.NotEqual(t, http.StatusInternalServerError, status, "PATCH %s %s: %v", path, op, resp)
		}
	}
	for _, body := range []string{`{"schemas":["` + scimPatchSchema + `"],"Operations":null}`, `{"schemas":"x"}`, `null`, `[]`, `"x"`} {
		status, resp, _ := idp.do("PATCH", "/Users/"+id, body)
		require.NotEqual(t, http.StatusInternalServerError, status, "PATCH %s: %v", body, resp)
		status, resp, _ = idp.do("PUT", "/Groups/"+gid, body)
		require.NotEqual(t, http.StatusInternalServerError, status, "PUT %s: %v", body, resp)
	}
}

// A PATCH that adds many distinct values is answered at once: adding is
// not quadratic in the values.
func TestSCIMPatchManyValues(t *testing.T) {
	t.Parallel()
	_, c := b2bTestServer(t)
	o := b2bTestOrg(t, c, "Acme", nil)
	_, idp := scimTestConnection(t, c, o.OrganizationID)
	status, group, _ := idp.do("POST", "/Groups", map[string]any{"displayName": "Eng"})
	require.Equal(t, http.StatusCreated, status)
	var b strings.Builder
	b.WriteString(`{"schemas":["` + scimPatchSchema + `"],"Operations":[{"op":"add","path":"members","value":[`)
	for i := 0; b.Len() < maxRequestBytes-100; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"value":"m%d"}`, i)
	}
	b.WriteString(`]}]}`)
	status, body, _ := idp.do("PATCH", "/Groups/"+group["id"].(string), b.String())
	requireSCIMError(t, status, body, 400, "invalidValue")
}
