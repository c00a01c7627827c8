package leakcheck

import (
	"strings"
	"testing"
)

func TestFindReportsALeftGoroutine(t *testing.T) {
	stop := make(chan struct{})
	go leak(stop)
	err := Find()
	close(stop)
	if err == nil || !strings.Contains(err.Error(), "leakcheck.leak") {
		t.Fatalf("Find() = %v, want an error naming leakcheck.leak", err)
	}
	if err := Find(); err != nil {
		t.Fatalf("Find() after the goroutine stopped = %v, want nil", err)
	}
}

func TestFindIgnoresParallelTests(t *testing.T) {
	t.Run("parallel", func(t *testing.T) { t.Parallel() })
	if err := Find(); err != nil {
		t.Fatal(err)
	}
}

func leak(stop chan struct{}) { <-stop }
