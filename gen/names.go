package main

import (
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gostytch/stytch/internal/specload"
)

// spellings is the one table that decides how a word is written in a Go
// name: initialisms in capitals (ID, URL, JWT), brands the way their owners
// write them (GitHub, LinkedIn, HubSpot). Field names and enum constants
// are built from it (goName); type, service and method names, which the
// spec writes in Go form already, must agree with it (respell).
var spellings = map[string]string{
	// Initialisms.
	"id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs", "uri": "URI", "uris": "URIs",
	"jwt": "JWT", "jwts": "JWTs", "jwks": "JWKS", "otp": "OTP", "otps": "OTPs", "totp": "TOTP", "totps": "TOTPs",
	"mfa": "MFA", "sso": "SSO", "scim": "SCIM", "saml": "SAML", "oidc": "OIDC", "idp": "IDP", "m2m": "M2M",
	"rbac": "RBAC", "sms": "SMS", "ip": "IP", "api": "API", "jit": "JIT", "pkce": "PKCE", "uuid": "UUID",
	"html": "HTML", "http": "HTTP", "json": "JSON", "x5c": "X5C", "kty": "KTY", "kid": "KID", "utc": "UTC", "ua": "UA",
	// Words with a capital inside.
	"oauth": "OAuth", "webauthn": "WebAuthn", "ims": "IMs", "alg": "Alg",
	// Brands, as their owners write them.
	"github": "GitHub", "gitlab": "GitLab", "linkedin": "LinkedIn", "hubspot": "HubSpot", "tiktok": "TikTok",
	"youtube": "YouTube", "whatsapp": "WhatsApp",
}

// spellingKeys are the table's words, longest first, so that respell
// prefers IDP to ID.
var spellingKeys = func() []string {
	keys := sortedKeys(spellings)
	sort.SliceStable(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	return keys
}()

// goName turns a snake_case JSON name or an enum value into a Go identifier.
// A claim named https://stytch.com/organization becomes StytchOrganization.
func goName(s string) string {
	var b strings.Builder
	if rest, ok := strings.CutPrefix(s, "https://stytch.com/"); ok {
		b.WriteString("Stytch")
		s = rest
	}
	notAlnum := func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }
	for _, w := range strings.FieldsFunc(s, notAlnum) {
		if up, ok := spellings[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + strings.ToLower(w[1:]))
	}
	name := b.String()
	if name == "" || !(name[0] >= 'A' && name[0] <= 'Z') {
		name = "X" + name
	}
	return name
}

// respell rewrites the words of a Go identifier that the table spells
// otherwise: GithubOAuthFactor becomes GitHubOAuthFactor, UserId UserID.
// A word of the table matches, whatever its case, where a word starts and
// ends (at an upper case letter, a digit or the end of the name); every
// other part of the name is kept as written.
func respell(ident string) string {
	var b strings.Builder
	isLower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	for i := 0; i < len(ident); {
		matched := false
		for _, k := range spellingKeys {
			j := i + len(k)
			if j <= len(ident) && strings.EqualFold(ident[i:j], k) && (j == len(ident) || !isLower(ident[j])) {
				b.WriteString(spellings[k])
				i, matched = j, true
				break
			}
		}
		if matched {
			continue
		}
		j := i + 1
		for j < len(ident) && (isLower(ident[j]) || ident[j] >= '0' && ident[j] <= '9') {
			j++
		}
		b.WriteString(ident[i:j])
		i = j
	}
	return b.String()
}

// checkSpelling rejects the names the spec writes in Go form (component
// schemas, operationIds and tags, which name types, services and methods,
// and x-go-name) where they spell a word of the table otherwise.
func checkSpelling(doc *specload.Doc) specload.Errors {
	var errs specload.Errors
	check := func(ptr, what, name string) {
		if want := respell(name); want != name {
			errs = append(errs, doc.Errorf(ptr, "%s %s: spell it %s, as the naming table in gen/names.go does", what, name, want))
		}
	}
	for i, t := range doc.T.Tags {
		check(specload.Pointer("tags", strconv.Itoa(i), "name"), "tag", t.Name)
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(ptr string, ref *openapi3.SchemaRef)
	walk = func(ptr string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil {
			return
		}
		if n, ok := ref.Extensions["x-go-name"].(string); ok {
			check(ptr+"/x-go-name", "x-go-name", n)
		}
		if ref.Ref != "" || seen[ref.Value] {
			return
		}
		seen[ref.Value] = true
		for _, ext := range []string{"x-go-name", "x-go-type-name"} {
			if n, ok := ref.Value.Extensions[ext].(string); ok {
				check(ptr+"/"+ext, ext, n)
			}
		}
		if names, ok := ref.Value.Extensions["x-enum-varnames"].([]any); ok {
			for i, n := range names {
				if s, ok := n.(string); ok {
					check(ptr+"/x-enum-varnames/"+strconv.Itoa(i), "x-enum-varnames", s)
				}
			}
		}
		for _, name := range sortedKeys(ref.Value.Properties) {
			walk(ptr+specload.Pointer("properties", name), ref.Value.Properties[name])
		}
		walk(ptr+"/items", ref.Value.Items)
	}
	if doc.T.Components != nil {
		for _, name := range sortedKeys(doc.T.Components.Schemas) {
			ptr := specload.Pointer("components", "schemas", name)
			check(ptr, "schema", name)
			walk(ptr, doc.T.Components.Schemas[name])
		}
	}
	for _, p := range sortedKeys(doc.T.Paths.Map()) {
		item := doc.T.Paths.Value(p)
		for _, m := range sortedKeys(item.Operations()) {
			op := item.GetOperation(m)
			ptr := specload.Pointer("paths", p, strings.ToLower(m))
			check(ptr+"/operationId", "operationId", op.OperationID)
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				for _, ct := range sortedKeys(rb.Value.Content) {
					if mt := rb.Value.Content[ct]; mt.Schema != nil {
						walk(ptr+specload.Pointer("requestBody", "content", ct, "schema"), mt.Schema)
					}
				}
			}
			for _, code := range sortedKeys(op.Responses.Map()) {
				if r := op.Responses.Value(code); r != nil && r.Value != nil && r.Ref == "" {
					if mt := r.Value.Content.Get("application/json"); mt != nil {
						walk(ptr+specload.Pointer("responses", code, "content", "application/json", "schema"), mt.Schema)
					}
				}
			}
		}
	}
	return errs
}
