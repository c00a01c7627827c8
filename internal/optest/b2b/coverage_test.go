package b2b_test

import (
	"testing"

	"github.com/gostytch/stytch/b2b"
	"github.com/gostytch/stytch/internal/optest"
)

// TestEveryOperationIsGenerated fails if an operation of the spec has no
// method on the client or no httptest case in operationCases.
func TestEveryOperationIsGenerated(t *testing.T) {
	c, err := b2b.NewClient(optest.ProjectID, optest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	optest.Coverage(t, "b2b", c, operationCases)
}
