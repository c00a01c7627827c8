package stytch

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// PKCE is a Proof Key for Code Exchange pair (RFC 7636): the challenge goes
// in the URL that starts a sign-in, and the verifier, kept by whoever
// started it (in a cookie, say), is sent when the token is authenticated.
type PKCE struct {
	// Verifier is 43 base64url characters from 32 random bytes.
	Verifier string
	// Challenge is the S256 challenge of the verifier: base64url, without
	// padding, of its SHA-256.
	Challenge string
}

// NewPKCE makes a PKCE pair from 32 random bytes.
func NewPKCE() PKCE {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	v := base64.RawURLEncoding.EncodeToString(b[:])
	return PKCE{Verifier: v, Challenge: PKCEChallenge(v)}
}

// PKCEChallenge is the S256 challenge of a verifier.
func PKCEChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// StartURL is where to redirect a browser to start a sign-in through an
// OAuth provider or SSO, built by the StartURL methods with no request made.
type StartURL struct {
	// URL is the absolute URL of Stytch's start endpoint, with its query.
	URL string
	// CodeVerifier is the PKCE verifier whose challenge is in URL, to send
	// when authenticating the token the flow ends with; empty when PKCE was
	// not asked for.
	CodeVerifier string
}
