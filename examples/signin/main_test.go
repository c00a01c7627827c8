package main

import (
	"context"
	"testing"
	"time"
)

// TestDemoOnEmulator runs what `make demo` runs, on the embedded emulator.
func TestDemoOnEmulator(t *testing.T) {
	t.Setenv("STYTCH_PROJECT_ID", "")
	t.Setenv("STYTCH_SECRET", "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx); err != nil {
		t.Fatal(err)
	}
}
