// Package jwtauth verifies Stytch JWTs locally, with no call to the API:
// session JWTs (consumer and B2B) and M2M access tokens. It also holds the
// local authorization rules: M2M scopes, RBAC roles and B2B tenancy.
//
// The SDK wires it up like this:
//
//	keys := jwtauth.NewKeySet(fetchJWKS, jwtauth.KeySetOptions{}) // no I/O yet
//	defer keys.Close()
//	v, err := jwtauth.NewVerifier(keys, jwtauth.VerifierOptions{ProjectID: pid, Issuers: []string{baseURL}})
//	claims, err := v.Verify(ctx, token, jwtauth.WithMaxTokenAge(5*time.Minute))
//	if jwtauth.Fallbackable(err) { /* ask POST /v1/sessions/authenticate */ }
//
// # Libraries
//
// Signatures are checked by golang-jwt/jwt/v5 (RS256 only) and JWKS keys
// are parsed by github.com/MicahParks/jwkset, the parser inside
// keyfunc/v3. keyfunc itself is not used: it fetches by URL with its own
// http.Client, where the SDK must fetch through its transport (auth, retries,
// base URL); it rate-limits unknown kids with a limiter that makes callers
// wait up to a minute, where ours answers at once; and its key lookup copies
// the JWK on every call. KeySet keeps an immutable map of *rsa.PublicKey
// instead, read with one atomic load. go-jose/v4 would also do; golang-jwt
// was already a dependency.
//
// # Failures
//
// Every Verify error is a *VerifyError whose reason matches one of the Err
// values with errors.Is. Fallbackable says whether the API could still
// accept the token (expired, not yet valid, too old, keys unavailable) or
// certainly not (malformed, too large, wrong alg, bad signature, wrong
// issuer or audience, wrong kind, and a kid missing from keys fetched
// within UnknownKIDInterval, which is how forged tokens look). Errors never
// contain the token.
//
// # Kinds
//
// The same keys sign consumer session JWTs, B2B member session JWTs and M2M
// access tokens. Verify takes the Kind expected and checks it from Stytch's
// claims (ErrWrongKind), and everything it caches is keyed by kind.
//
// # Decoding
//
// The JWS steps are golang-jwt's (strict base64url, its RS256 method) and
// the signature is checked before any claim is read. The payload is then
// decoded once: a walker over its top level (members.go) hands each claim
// to its decoder, so the session, organization, scopes and custom claims
// come out of the one pass.
//
// # Caching
//
// A verified token is cached, keyed by its SHA-256 and kind, until its exp; the
// time checks run again on every hit. Keys are cached for an hour and
// refreshed in the background; an unknown kid triggers at most one refresh
// per five minutes. RBAC policies go through PolicyCache (five minutes).
package jwtauth
