package stytch

import (
	"testing"
)

func TestPKCE(t *testing.T) {
	t.Parallel()
	// RFC 7636, appendix B.
	if got, want := PKCEChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	a, b := NewPKCE(), NewPKCE()
	if len(a.Verifier) != 43 {
		t.Fatalf("len(a.Verifier) = %d, want %d: %q", len(a.Verifier), 43, a.Verifier)
	}
	if b.Verifier == a.Verifier {
		t.Fatalf("b.Verifier = %q, want anything else", b.Verifier)
	}
	if a.Challenge != PKCEChallenge(a.Verifier) {
		t.Fatalf("a.Challenge = %q, want %q", a.Challenge, PKCEChallenge(a.Verifier))
	}
}
