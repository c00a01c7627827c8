package stytchtest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
)

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newID returns an ID in Stytch's form, such as user-test-<uuid>.
func newID(prefix string) string { return prefix + "-test-" + newUUID() }

// newSessionToken returns 44 base64url characters without padding, the
// form of Stytch's session tokens.
func newSessionToken() string {
	var b [33]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// newLinkToken returns 44 base64url characters ending in "=", the form of
// Stytch's magic-link and intermediate session tokens.
func newLinkToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// newOTPCode returns six random digits.
func newOTPCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// pkceMatches reports whether verifier hashes to challenge:
// base64url(SHA-256(verifier)), without padding.
func pkceMatches(challenge, verifier string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
