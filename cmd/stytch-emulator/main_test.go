package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/b2b"
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

// startTLS runs the emulator with -tls and returns its URL and CA file; it
// is stopped when the test ends.
func startTLS(t *testing.T) (base, caFile string) {
	t.Helper()
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-tls", "-ca-file", caFile}, pw, io.Discard)
		_ = pw.Close()
	}()
	r := bufio.NewReader(pr)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "listening on https://127.0.0.1:"), line)
	base = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	line, err = r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "CA certificate in "+caFile+"\n", line)
	go func() { _, _ = io.Copy(io.Discard, r) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("the emulator did not stop")
		}
	})
	return base, caFile
}

// TestServesTLSToAClientTrustingTheCAFile drives the standalone emulator
// over HTTPS with the Go SDK, trusting only the CA file it wrote, as the
// Node SDK does with NODE_EXTRA_CA_CERTS.
func TestServesTLSToAClientTrustingTheCAFile(t *testing.T) {
	base, caFile := startTLS(t)
	pemBytes, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	defer hc.CloseIdleConnections()

	c, err := b2b.NewClient(stytchtest.DefaultProjectID, stytchtest.DefaultSecret, stytch.WithBaseURL(base), stytch.WithHTTPClient(hc))
	require.NoError(t, err)
	var raw stytch.Response
	org, err := c.Organizations.Create(context.Background(), &b2b.OrganizationsCreateParams{OrganizationName: "Over TLS"}, stytch.WithResponseInto(&raw))
	require.NoError(t, err)
	require.Equal(t, 200, raw.StatusCode)
	got, err := c.Organizations.Get(context.Background(), &b2b.OrganizationsGetParams{OrganizationID: org.Organization.OrganizationID})
	require.NoError(t, err)
	require.Equal(t, "Over TLS", got.Organization.OrganizationName)

	resp, err := hc.Get(base + "/v1/b2b/organizations/" + org.Organization.OrganizationID)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "HTTP/2.0", resp.Proto)
}

func TestTLSRefusesAnUntrustingClient(t *testing.T) {
	base, _ := startTLS(t)
	hc := &http.Client{Transport: &http.Transport{}} // the system roots only
	c, err := b2b.NewClient(stytchtest.DefaultProjectID, stytchtest.DefaultSecret, stytch.WithBaseURL(base), stytch.WithHTTPClient(hc), stytch.WithMaxRetries(0))
	require.NoError(t, err)
	_, err = c.Organizations.Create(context.Background(), &b2b.OrganizationsCreateParams{OrganizationName: "No"})
	var unknown x509.UnknownAuthorityError
	require.True(t, errors.As(err, &unknown), "%v", err)
}
