// Package starturl builds the browser URLs that start OAuth and SSO
// sign-ins, for the StartURL methods of the consumer and b2b packages.
package starturl

import (
	"net/url"
	"sort"
	"strings"

	"github.com/gostytch/stytch"
)

// Params is one start URL: its path below the base URL, its query, and
// whether to add a PKCE challenge (under challengeParam).
type Params struct {
	Operation      string
	Base           string // the client's base URL
	Path           string // escaped
	PublicToken    string
	Query          url.Values // besides public_token and the challenge; empty values are left out
	ProviderParams map[string]string
	PKCE           bool
	ChallengeParam string
}

// Build checks p and renders the URL. Spaces are encoded as %20, as
// Stytch's reference asks for custom_scopes.
func Build(p Params) (*stytch.StartURL, error) {
	if p.PublicToken == "" {
		return nil, &stytch.ParamError{Operation: p.Operation, Param: "PublicToken", Reason: "is required: the start endpoints are called from the browser, with the project's public token"}
	}
	q := url.Values{"public_token": {p.PublicToken}}
	for k, vs := range p.Query {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	keys := make([]string, 0, len(p.ProviderParams))
	for k := range p.ProviderParams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" {
			return nil, &stytch.ParamError{Operation: p.Operation, Param: "ProviderParams", Reason: "has an empty name"}
		}
		q.Set("provider_"+k, p.ProviderParams[k])
	}
	out := &stytch.StartURL{}
	if p.PKCE {
		pk := stytch.NewPKCE()
		q.Set(p.ChallengeParam, pk.Challenge)
		out.CodeVerifier = pk.Verifier
	}
	// Encode writes a space as "+" and a literal "+" as "%2B", so every "+"
	// left is a space.
	out.URL = p.Base + p.Path + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	return out, nil
}

// Provider checks a provider name and escapes it as a path segment.
func Provider(operation, provider string) (string, error) {
	if provider == "" {
		return "", &stytch.ParamError{Operation: operation, Param: "Provider", Reason: "is required"}
	}
	return url.PathEscape(provider), nil
}
