package stytch

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPKCE(t *testing.T) {
	t.Parallel()
	// RFC 7636, appendix B.
	require.Equal(t, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", PKCEChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
	a, b := NewPKCE(), NewPKCE()
	require.Len(t, a.Verifier, 43)
	require.NotEqual(t, a.Verifier, b.Verifier)
	require.Equal(t, PKCEChallenge(a.Verifier), a.Challenge)
}
