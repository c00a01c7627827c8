package main

import (
	"cmp"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/stytchtest"
)

// nodeScript calls the emulator through the official Node SDK: a consumer
// user, a B2B organization, an M2M token (an OAuth 2.0 endpoint, sent
// without the project's secret), and a TOTP sign-in whose code comes from
// the emulator's test hook over HTTP, printing what came back as one JSON
// line.
const nodeScript = `
const stytch = require("stytch");
const [base, projectID, secret] = process.argv.slice(2);
(async () => {
  const consumer = new stytch.Client({ project_id: projectID, secret, custom_base_url: base });
  const user = await consumer.users.create({ email: "node@example.com" });
  const b2b = new stytch.B2BClient({ project_id: projectID, secret, custom_base_url: base });
  const org = await b2b.organizations.create({ organization_name: "From Node" });
  const client = await consumer.m2m.clients.create({ scopes: ["read:users"] });
  const token = await consumer.m2m.token({
    client_id: client.m2m_client.client_id,
    client_secret: client.m2m_client.client_secret,
    scopes: ["read:users"],
  });
  const totp = await consumer.totps.create({ user_id: user.user_id });
  const hook = await fetch(base + "/__emulator/totps/code?totp_id=" + encodeURIComponent(totp.totp_id), {
    headers: { Authorization: "Basic " + Buffer.from(projectID + ":" + secret).toString("base64") },
  });
  const { code } = await hook.json();
  const signedIn = await consumer.totps.authenticate({ user_id: user.user_id, totp_code: code, session_duration_minutes: 60 });
  console.log(JSON.stringify({
    user_status: user.status_code,
    organization_name: org.organization.organization_name,
    token_type: token.token_type,
    totp_factor: signedIn.session.authentication_factors[0].type,
  }));
})().catch((err) => { console.error(err); process.exit(1); });
`

// TestNodeSDKOverTLS installs the official stytch package from npm and
// calls the emulator with it over TLS, trusting the CA file through
// NODE_EXTRA_CA_CERTS. It needs node, npm and the network, so it runs only
// with STYTCH_NODE_E2E=1 (and STYTCH_NODE_VERSION to pick a release).
func TestNodeSDKOverTLS(t *testing.T) {
	if os.Getenv("STYTCH_NODE_E2E") != "1" {
		t.Skip("set STYTCH_NODE_E2E=1 to install the stytch npm package and run it against the emulator")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	pkg := "stytch@" + cmp.Or(os.Getenv("STYTCH_NODE_VERSION"), "latest")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--silent", pkg)
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("npm install %s failed (offline?): %v\n%s", pkg, err, out)
	}
	if manifest, err := os.ReadFile(filepath.Join(dir, "node_modules", "stytch", "package.json")); err == nil {
		var m struct{ Version string }
		_ = json.Unmarshal(manifest, &m)
		t.Logf("installed stytch %s from npm", m.Version)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "e2e.js"), []byte(nodeScript), 0o644))

	base, caFile := startTLS(t)
	node := exec.CommandContext(ctx, "node", "e2e.js", base, stytchtest.DefaultProjectID, stytchtest.DefaultSecret)
	node.Dir = dir
	node.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+caFile)
	out, err := node.Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "node: %s%s", out, stderr)
	t.Logf("node printed: %s", out)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	require.Equal(t, map[string]any{"user_status": 200.0, "organization_name": "From Node", "token_type": "bearer", "totp_factor": "totp"}, got)
}
