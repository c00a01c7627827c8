package stytch_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gostytch/stytch"
)

// TestSurfacesLinkNoGenerator checks what a user's binary links when it
// imports a surface: the standard library and this module, nothing else.
func TestSurfacesLinkNoGenerator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"github.com/gostytch/stytch/consumer", "github.com/gostytch/stytch/b2b").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	// Local JWT verification uses golang-jwt and jwkset (which brings x/time).
	allowed := map[string]bool{"github.com/golang-jwt/jwt/v5": true, "github.com/MicahParks/jwkset": true, "golang.org/x/time/rate": true}
	for _, pkg := range strings.Fields(string(out)) {
		if !(allowed[pkg] || pkg == "github.com/gostytch/stytch" || strings.HasPrefix(pkg, "github.com/gostytch/stytch/")) {
			t.Fatalf("consumer and b2b must not depend on %s", pkg)
		}
		if strings.Contains(pkg, "specload") {
			t.Fatalf("the spec loader is for the generator only: pkg = %q, want it not to contain %q", pkg, "specload")
		}
	}
}

func TestPtr(t *testing.T) {
	p := stytch.Ptr(false)
	if p == nil {
		t.Fatal("p = nil, want non-nil")
	}
	if *p {
		t.Fatal("*p = true, want false")
	}
	*p = true
	if !*stytch.Ptr(true) {
		t.Fatal("each call returns a fresh pointer")
	}
}

func TestErrorMessages(t *testing.T) {
	if got, want := (&stytch.Error{StatusCode: 401, ErrorType: stytch.ErrorTypeUnauthorizedCredentials, ErrorMessage: "Unauthorized credentials.", RequestID: "request-id-test-1"}).Error(), "stytch: 401 unauthorized_credentials: Unauthorized credentials. (request_id request-id-test-1)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := (&stytch.Error{StatusCode: 502, ErrorMessage: "Bad Gateway", Body: "<html>"}).Error(), `stytch: 502: Bad Gateway: unexpected response body "<html>"`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := (&stytch.ParamError{Operation: "Users.Get", Param: "user_id", Reason: "is required"}).Error(), "stytch: Users.Get: user_id is required"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
