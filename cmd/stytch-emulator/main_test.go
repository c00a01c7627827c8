package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/stytchtest"
)

// TestServesAFlowToAPlainHTTPClient drives the standalone emulator the way
// a test in another language would: raw HTTP and JSON, no Go SDK.
func TestServesAFlowToAPlainHTTPClient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, pw, io.Discard); _ = pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "listening on http://"), line)
	base := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	call := func(method, path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.SetBasicAuth(stytchtest.DefaultProjectID, stytchtest.DefaultSecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Equal(t, 200, resp.StatusCode, "%s %s: %v", method, path, out)
		return out
	}
	call("POST", "/v1/magic_links/email/login_or_create", `{"email":"py@example.com"}`)
	msgs := call("GET", "/__emulator/messages?to=py@example.com", "")["messages"].([]any)
	require.Len(t, msgs, 1)
	token := msgs[0].(map[string]any)["token"].(string)
	auth := call("POST", "/v1/magic_links/authenticate", fmt.Sprintf(`{"token":%q,"session_duration_minutes":30}`, token))
	require.NotEmpty(t, auth["session_token"])
	call("POST", "/v1/sessions/authenticate", fmt.Sprintf(`{"session_token":%q}`, auth["session_token"]))

	cancel() // as Ctrl-C does
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the emulator did not stop")
	}
}

// TestBinaryStopsOnInterrupt builds the command and stops it with SIGINT.
func TestBinaryStopsOnInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := t.TempDir() + "/stytch-emulator"
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "listening on http://"), line)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		require.NoError(t, err, "a clean stop exits 0")
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the emulator did not stop on SIGINT")
	}
}
