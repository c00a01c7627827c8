// Package leakcheck finds goroutines that tests left behind. It does for the
// SDK's own tests what go.uber.org/goleak does, with the standard library
// only: a user's `go mod tidy` reads the tests of every SDK package it
// imports, and should download nothing for them.
package leakcheck

import (
	"errors"
	"runtime"
	"strings"
	"time"
)

// Find waits up to two seconds for every goroutine but the caller's to be
// the runtime's or the testing package's, and otherwise returns an error
// holding the stacks of the others. A goroutine still running code of a
// test (a parallel test waiting its turn, a parent waiting for its
// subtests) is not a leak; one that a test started and never stopped is.
func Find() error {
	deadline := time.Now().Add(2 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		leaked := others()
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("goroutines left running:\n\n" + strings.Join(leaked, "\n\n"))
		}
		time.Sleep(wait)
	}
}

// others returns the stacks of the goroutines other than the caller's that
// run code outside the runtime and the testing package.
func others() []string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	// The caller's goroutine comes first.
	stacks := strings.Split(string(buf), "\n\n")[1:]
	var leaked []string
	for _, s := range stacks {
		if !idle(s) {
			leaked = append(leaked, s)
		}
	}
	return leaked
}

// idle reports whether a goroutine's stack is the runtime's own or a test's.
func idle(stack string) bool {
	lines := strings.Split(stack, "\n")[1:] // "goroutine 7 [chan receive]:"
	for _, l := range lines {
		if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "created by ") {
			continue
		}
		if strings.HasPrefix(l, "testing.") {
			return true
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "created by ") {
			continue
		}
		if !strings.HasPrefix(l, "runtime.") && !strings.HasPrefix(l, "os/signal.") {
			return false
		}
	}
	return true
}
