// Package bench compares the SDK's local JWT verification with stytch-go,
// the official Go SDK, and with its floor, golang-jwt checking the same
// RS256 token against a key it is handed, in one run on the same tokens.
// It is a module of its own so that whatever it compares against never
// becomes a requirement of the SDK's module.
//
// What is compared, for consumer session JWTs and B2B member-session JWTs:
//
//   - ours: consumer.Client.Sessions.AuthenticateJWTLocal and
//     b2b.Client.Sessions.AuthenticateJWTLocal, keys fetched through the
//     client from an httptest JWKS server before the measured tokens;
//   - stytch-go: its consumer stytchapi.API.Sessions.AuthenticateJWTLocal and
//     its B2B b2bstytchapi.API.Sessions.AuthenticateJWTLocal (no
//     authorization check), whose NewClient fetches the same JWKS from the
//     same server, pointed at it with WithBaseURI; it requires a maximum
//     token age, given as the tokens' lifetime so that it refuses none;
//   - the floor: golang-jwt's ParseWithClaims into jwt.RegisteredClaims with
//     the RSA key already parsed and the same alg, iss, aud and time checks.
//
// The tokens are the ones Stytch issues (iss stytch.com/<project ID>, aud
// the project ID, the https://stytch.com/session claim and, for B2B,
// https://stytch.com/organization), which both SDKs accept; TestSameSessions
// checks that they read the same session out of them. BenchmarkPaired
// verifies each never-seen token with all three back to back, rotating their
// order, and reports each one's mean time and the ratios ours/floor,
// ours/stytchgo and stytchgo/floor: on a loaded machine only times from the
// same run compare fairly. Allocations come from the separate benchmarks
// (BenchmarkConsumerSession, BenchmarkB2BSession, BenchmarkStytchGo…,
// BenchmarkFloor), which the load does not change.
//
// stytch-go is v18.0.0, standing in for v18.1.0, which this machine's module
// proxy does not serve (403); go.sum records v18.0.0's hash, so builds need
// no setting of GONOSUMDB or GOPROXY. Its golang-jwt is the v5.3.0 this
// module requires (it asks for v5.2.2), the same as the floor's.
//
//	cd bench && go test -run '^$' -bench . -benchmem -benchtime 3000x -count 6
package bench
