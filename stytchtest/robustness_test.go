package stytchtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// TestNoOperationFailsOnOddInput sends every operation bodies the spec
// allows, built from its schema: the required fields only, every field,
// and every field at its emptiest (empty strings, zeros, empty lists and
// objects), with the IDs, emails and session tokens of a user, an
// organization and a member that exist wherever a field or path parameter
// names one, so that handlers get past their first lookup. Whatever each
// answers, it must be an answer: never a 500 from a handler that panicked
// or failed inside, and always Stytch's error object.
func TestNoOperationFailsOnOddInput(t *testing.T) {
	t.Parallel()
	srv, c := newConsumer(t)
	bc := srv.B2BClient()
	user, err := c.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr("ada@example.com"), PhoneNumber: stytch.Ptr("+12025550123")})
	require.NoError(t, err)
	org := b2bTestOrg(t, bc, "Acme", nil)
	member := b2bTestMember(t, bc, org.OrganizationID, "grace@acme.example", nil)
	signedIn := b2bTestSignIn(t, srv, bc, org.OrganizationID, member.EmailAddress, nil)
	known := map[string]any{
		"user_id": user.UserID, "organization_id": org.OrganizationID, "member_id": member.MemberID,
		"email": "ada@example.com", "email_address": member.EmailAddress, "phone_number": "+12025550123",
		"session_token": signedIn.SessionToken, "session_jwt": signedIn.SessionJWT, "organization_slug": org.OrganizationSlug,
		"project_id": srv.ProjectID(),
	}
	param := regexp.MustCompile(`\{([^}]*)\}`)
	type variant int
	const (
		requiredOnly variant = iota
		everyField
		emptiest
		asMember // every field, as the member (its session in X-Stytch-Member-Session)
	)
	var build func(schemas []schema, i int, v variant, depth int) any
	build = func(schemas []schema, i int, v variant, depth int) any {
		s := schemas[i]
		switch s.kind {
		case kindObject:
			out := map[string]any{}
			for _, p := range s.props {
				if !p.required && (v == requiredOnly || depth > 3) {
					continue
				}
				if val, ok := known[p.name]; ok && v != emptiest {
					out[p.name] = val
					continue
				}
				out[p.name] = build(schemas, p.schema, v, depth+1)
			}
			return out
		case kindArray:
			if v == emptiest && s.minLength == 0 || depth > 3 {
				return []any{}
			}
			return []any{build(schemas, s.items, v, depth+1)}
		case kindString:
			switch {
			case len(s.enum) > 0:
				return s.enum[0]
			case s.format == formatDateTime:
				return time.Now().UTC().Format(time.RFC3339)
			case v == emptiest:
				return strings.Repeat("x", s.minLength)
			}
			return "sample" + strings.Repeat("x", max(s.minLength-6, 0))
		case kindInteger, kindNumber:
			if s.hasMin {
				return s.min
			}
			if v == emptiest {
				return 0
			}
			return 1
		case kindBoolean:
			return v != emptiest
		}
		return nil
	}
	n := 0
	for _, rts := range srv.router.bySegments {
		for _, rt := range rts {
			path := param.ReplaceAllStringFunc(rt.pattern, func(m string) string {
				if v, ok := known[m[1:len(m)-1]].(string); ok {
					return v
				}
				return "x-1"
			})
			for _, v := range []variant{requiredOnly, everyField, emptiest, asMember} {
				if v == asMember && !rt.memberSession {
					continue
				}
				var body []byte
				if rt.body {
					body, err = json.Marshal(build(rt.schemas, rt.bodySchema, v, 0))
					require.NoError(t, err)
				}
				req, err := http.NewRequest(rt.method, srv.URL+path, bytes.NewReader(body))
				require.NoError(t, err)
				req.SetBasicAuth(srv.ProjectID(), srv.Secret())
				if rt.body {
					req.Header.Set("Content-Type", "application/json")
				}
				if v == asMember {
					req.Header.Set("X-Stytch-Member-Session", signedIn.SessionToken)
				}
				if rt.form {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				var answer map[string]any
				decodeErr := json.NewDecoder(resp.Body).Decode(&answer)
				_ = resp.Body.Close()
				require.NoError(t, decodeErr, "%s %s (%s): not JSON", rt.method, path, rt.op)
				if resp.StatusCode == http.StatusInternalServerError {
					t.Errorf("%s (%s) with %s: %v", rt.op, path, body, answer["error_message"])
				}
				if resp.StatusCode >= 400 && rt.pattern != "/v1/public/{project_id}/oauth2/token" && !strings.Contains(rt.pattern, "oauth2") {
					require.NotEmpty(t, answer["error_type"], "%s (%s): %v", rt.op, path, answer)
				}
				n++
			}
		}
	}
	t.Logf("%d requests", n)
}
