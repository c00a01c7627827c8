package stytchtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryEndpointAnswers walks both surfaces of the spec: every endpoint
// the emulator does not implement answers 501 naming its operation, and
// every one it does is routed to its handler.
func TestEveryEndpointAnswers(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	surfs, err := loadSurfaces()
	require.NoError(t, err)
	param := regexp.MustCompile(`\{[^}]*\}`)
	implemented, missing := 0, 0
	for _, s := range surfs {
		for path, item := range s.doc.Paths.Map() {
			for method, op := range item.Operations() {
				req, err := http.NewRequest(method, srv.URL+param.ReplaceAllString(path, "x-1"), strings.NewReader(`{}`))
				require.NoError(t, err)
				req.SetBasicAuth(srv.ProjectID, srv.Secret)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				var body struct {
					ErrorType    string `json:"error_type"`
					ErrorMessage string `json:"error_message"`
				}
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), "%s %s", method, path)
				_ = resp.Body.Close()
				// Shared services are routed through the consumer surface,
				// where the emulator registers their handlers.
				_, ok := s.handlers[op.OperationID]
				if !ok && s.name == "b2b" {
					_, ok = consumerHandlers[op.OperationID]
					ok = ok && surfs[0].doc.Paths.Find(path) != nil
				}
				if ok {
					implemented++
					require.NotContains(t, []string{"route_not_found", "method_not_allowed", "not_implemented"}, body.ErrorType, "%s %s (%s)", method, path, op.OperationID)
					continue
				}
				missing++
				require.Equal(t, http.StatusNotImplemented, resp.StatusCode, "%s %s (%s)", method, path, op.OperationID)
				require.Equal(t, "not_implemented", body.ErrorType)
				require.Contains(t, body.ErrorMessage, op.OperationID)
			}
		}
	}
	t.Logf("%d implemented, %d answered 501", implemented, missing)
	require.Positive(t, implemented)
}
