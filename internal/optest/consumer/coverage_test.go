package consumer_test

import (
	"testing"

	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/internal/optest"
)

// TestEveryOperationIsGenerated fails if an operation of the spec has no
// method on the client or no httptest case in operationCases.
func TestEveryOperationIsGenerated(t *testing.T) {
	c, err := consumer.NewClient(optest.ProjectID, optest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	optest.Coverage(t, "consumer", c, operationCases)
}
