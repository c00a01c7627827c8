package specload_test

import (
	"testing"

	"github.com/gostytch/stytch/internal/specload"
	"github.com/gostytch/stytch/spec"
)

// BenchmarkLoad loads both surfaces of the repository's spec with one
// Loader, as `make generate` does.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		l := specload.NewLoader(spec.FS, "spec")
		for _, surface := range []string{"consumer", "b2b"} {
			if _, err := l.Load(surface); err != nil {
				b.Fatal(err)
			}
		}
	}
}
