package jwtauth

import "strings"

// ScopesSatisfied reports whether the granted M2M scopes cover every required
// one, by Stytch's rule (stytch-go shared.PerformM2MAuthorizationCheck,
// which the API's m2m_authorization_error mirrors):
//
//   - A scope is "action:resource", split at the first colon ("read:users").
//     A scope without a colon is an action whose resource is "-".
//   - A required scope is covered by a granted scope with the same action
//     whose resource is equal or "*": "read:*" covers "read:users" and
//     "read:users:archive" (the resource is everything after the first colon).
//   - Only the resource is a wildcard. "*" and "*:*" are the action "*" and
//     cover only required scopes whose action is literally "*"; there is no
//     super-scope. "read" does not cover "read:users", nor the reverse.
//   - Two consequences kept for fidelity: "read:*" covers a bare "read", and
//     "read" and "read:-" are the same scope.
//   - An empty required list is always satisfied.
func ScopesSatisfied(granted, required []string) bool {
	for _, req := range required {
		ra, rr := splitScope(req)
		ok := false
		for _, g := range granted {
			if ga, gr := splitScope(g); ga == ra && (gr == "*" || gr == rr) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func splitScope(s string) (action, resource string) {
	if a, r, ok := strings.Cut(s, ":"); ok {
		return a, r
	}
	return s, "-"
}
