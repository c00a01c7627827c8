package specload

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/spec"
)

// TestDecodeMatchesLoader checks that decode, which hands kin-openapi the
// document piece by piece, builds what kin-openapi's own loader builds from
// the whole document.
func TestDecodeMatchesLoader(t *testing.T) {
	for _, surface := range []string{"consumer", "b2b"} {
		t.Run(surface, func(t *testing.T) {
			d, err := Load(spec.FS, "spec", surface)
			require.NoError(t, err)
			want, err := openapi3.NewLoader().LoadFromData(d.JSON)
			require.NoError(t, err)
			require.Equal(t, want, d.T)
		})
	}
}
