package specload_test

import (
	"testing"

	"github.com/gostytch/stytch/internal/specload"
	"github.com/gostytch/stytch/spec"
)

// BenchmarkLoad loads both surfaces of the repository's spec, as `make
// generate` and the emulator do.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, surface := range []string{"consumer", "b2b"} {
			if _, err := specload.Load(spec.FS, "spec", surface); err != nil {
				b.Fatal(err)
			}
		}
	}
}
