package stytch_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
)

// TestSurfacesLinkNoGenerator checks what a user's binary links when it
// imports a surface: the standard library and this module, nothing else.
func TestSurfacesLinkNoGenerator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"github.com/gostytch/stytch/consumer", "github.com/gostytch/stytch/b2b").CombinedOutput()
	require.NoError(t, err, "%s", out)
	// Local JWT verification uses golang-jwt and jwkset (which brings x/time).
	allowed := map[string]bool{"github.com/golang-jwt/jwt/v5": true, "github.com/MicahParks/jwkset": true, "golang.org/x/time/rate": true}
	for _, pkg := range strings.Fields(string(out)) {
		require.True(t, allowed[pkg] || pkg == "github.com/gostytch/stytch" || strings.HasPrefix(pkg, "github.com/gostytch/stytch/"),
			"consumer and b2b must not depend on %s", pkg)
		require.NotContains(t, pkg, "specload", "the spec loader is for the generator only")
	}
}

func TestPtr(t *testing.T) {
	p := stytch.Ptr(false)
	require.NotNil(t, p)
	require.False(t, *p)
	*p = true
	require.True(t, *stytch.Ptr(true), "each call returns a fresh pointer")
}

func TestErrorMessages(t *testing.T) {
	require.Equal(t, "stytch: 401 unauthorized_credentials: Unauthorized credentials. (request_id request-id-test-1)",
		(&stytch.Error{StatusCode: 401, ErrorType: stytch.ErrorTypeUnauthorizedCredentials, ErrorMessage: "Unauthorized credentials.", RequestID: "request-id-test-1"}).Error())
	require.Equal(t, `stytch: 502: Bad Gateway: unexpected response body "<html>"`,
		(&stytch.Error{StatusCode: 502, ErrorMessage: "Bad Gateway", Body: "<html>"}).Error())
	require.Equal(t, "stytch: Users.Get: user_id is required",
		(&stytch.ParamError{Operation: "Users.Get", Param: "user_id", Reason: "is required"}).Error())
}
