package main

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/internal/optest"
	"github.com/gostytch/stytch/internal/specload"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/*/want")

// surfaceOf returns the one surface folder of a test spec.
func surfaceOf(t *testing.T, specDir string) string {
	t.Helper()
	entries, err := os.ReadDir(specDir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() && e.Name() != "shared" {
			return e.Name()
		}
	}
	t.Fatalf("no surface folder in %s", specDir)
	return ""
}

func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/golden/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			specDir := filepath.Join(dir, "spec")
			surface := surfaceOf(t, specDir)
			files, err := generate(os.DirFS(specDir), specDir, surface)
			require.NoError(t, err)

			again, err := generate(os.DirFS(specDir), specDir, surface)
			require.NoError(t, err)
			require.Equal(t, files, again, "generation must be deterministic")

			wantDir := filepath.Join(dir, "want")
			if *update {
				require.NoError(t, os.RemoveAll(wantDir))
				require.NoError(t, write(wantDir, files))
			}
			want, err := filepath.Glob(filepath.Join(wantDir, "*"))
			require.NoError(t, err)
			require.Len(t, files, len(want), "files generated vs. golden files in %s", wantDir)
			for name, got := range files {
				wantBytes, err := os.ReadFile(filepath.Join(wantDir, name))
				require.NoError(t, err, "missing golden file (run go test . -update in gen/)")
				require.Equal(t, string(wantBytes), string(got), name)

				first, _, _ := bytes.Cut(got, []byte("\n"))
				require.Regexp(t, `^// Code generated .*; DO NOT EDIT\.$`, string(first), name)
				require.NotContains(t, string(got), "version", "no generator or VCS version in %s", name)
			}
		})
	}
}

// TestNegative runs specs that must be rejected. Each case's want_error.txt
// lists, one per line, substrings the error must contain: the file and line,
// the JSON pointer and the message.
func TestNegative(t *testing.T) {
	dirs, err := filepath.Glob("testdata/negative/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			specDir := filepath.Join(dir, "spec")
			_, err := generate(os.DirFS(specDir), specDir, surfaceOf(t, specDir))
			require.Error(t, err)
			want, rerr := os.ReadFile(filepath.Join(dir, "want_error.txt"))
			require.NoError(t, rerr)
			for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				require.Contains(t, err.Error(), line)
			}
		})
	}
}

// TestRepositorySpec checks that the committed spec generates what is
// committed: the same check as `make check`, runnable on its own.
func TestRepositorySpec(t *testing.T) {
	var all []*Surface
	for _, surface := range surfaces {
		files, s, err := generateSurface(specload.NewLoader(os.DirFS("../spec"), "spec"), surface)
		require.NoError(t, err)
		all = append(all, s)
		for name, got := range files {
			dir := outputDir(surface, name)
			want, err := os.ReadFile(filepath.Join("..", dir, name))
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "%s/%s drifts from spec/; run make generate", dir, name)
		}
	}
	servers, err := servers(all)
	require.NoError(t, err)
	for name, got := range servers {
		want, err := os.ReadFile(filepath.Join("..", serverDir, name))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%s/%s drifts from spec/; run make generate", serverDir, name)
	}
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	want, err := replaceSection(readme, servicesTable(all))
	require.NoError(t, err)
	require.Equal(t, string(want), string(readme), "README.md's services table drifts from spec/; run make generate")
	require.Contains(t, string(readme), "190 endpoints in all")
}

// TestSampleConstants keeps the generator's copy of optest's constants,
// which the generated tests expect on the wire, in step with optest.
func TestSampleConstants(t *testing.T) {
	require.Equal(t, optest.ProjectID, optestProjectID)
	require.Equal(t, optest.FraudPrefix, optestFraudPrefix)
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"user_id": "UserID", "organization_ids": "OrganizationIDs", "mfa_phone_number": "MFAPhoneNumber",
		"session_jwt": "SessionJWT", "oauth_tenant": "OAuthTenant", "webauthn_registrations": "WebAuthnRegistrations",
		"pt-br": "PtBr", "ALL_ALLOWED": "AllAllowed", "zh-Hans": "ZhHans", "123abc": "X123abc", "totp_registration_id": "TOTPRegistrationID",
		"oauth_linkedin": "OAuthLinkedIn", "hubspot": "HubSpot", "oauth_exchange_github": "OAuthExchangeGitHub", "tiktok": "TikTok",
	} {
		require.Equal(t, want, goName(in), in)
	}
}

// misspelt matches an identifier word spelt other than the naming table's
// way: Github for GitHub, Id for ID, Url for URL. A word ends at an upper
// case letter, a digit or the end of the name; a trailing s is a plural.
var misspelt = regexp.MustCompile(`(Github|Gitlab|Linkedin|Hubspot|Tiktok|Youtube|Whatsapp|Webauthn|Oauth|Id|Ids|Url|Uri|Jwt|Jwks|Otp|Totp|Sso|Scim|Oidc|Saml|Idp|M2m|Rbac|Mfa|Sms|Api|Jit|Pkce)s?([A-Z0-9_]|$)`)

// declaredNames lists every identifier a Go file declares: types, fields,
// constants, variables, functions and methods.
func declaredNames(t *testing.T, name string, src []byte) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
	require.NoError(t, err, name)
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeSpec:
			names = append(names, n.Name.Name)
		case *ast.ValueSpec:
			for _, id := range n.Names {
				names = append(names, id.Name)
			}
		case *ast.FuncDecl:
			names = append(names, n.Name.Name)
		case *ast.Field:
			for _, id := range n.Names {
				names = append(names, id.Name)
			}
		}
		return true
	})
	return names
}

// TestSpelling fails when a generated identifier spells a brand or an
// initialism other than the way the naming table does.
func TestSpelling(t *testing.T) {
	golden, err := generate(os.DirFS("testdata/golden/mini/spec"), "testdata/golden/mini/spec", "mini")
	require.NoError(t, err)
	outputs := map[string]map[string][]byte{"golden mini": golden}
	for _, surface := range surfaces {
		files, _, err := generateSurface(specload.NewLoader(os.DirFS("../spec"), "spec"), surface)
		require.NoError(t, err)
		outputs[surface] = files
	}
	for _, surface := range sortedKeys(outputs) {
		files := outputs[surface]
		var bad []string
		for _, name := range sortedKeys(files) {
			for _, id := range declaredNames(t, name, files[name]) {
				if misspelt.MatchString(id) {
					bad = append(bad, name+": "+id)
				}
			}
		}
		assert.Empty(t, bad, "%s: identifiers spelt other than the naming table's way", surface)
	}
}

func TestRespell(t *testing.T) {
	for in, want := range map[string]string{
		"GithubOAuthFactor": "GitHubOAuthFactor", "GitHubOAuthFactor": "GitHubOAuthFactor", "OAuthLinkedin": "OAuthLinkedIn",
		"UserId": "UserID", "UserIds": "UserIDs", "Identity": "Identity", "IdpConnection": "IDPConnection",
		"SsoJitProvisioning": "SSOJITProvisioning", "M2mClient": "M2MClient", "Oauth": "OAuth", "Sessions.GetJwks": "Sessions.GetJWKS",
		"XYZThing": "XYZThing", "Hubspot": "HubSpot", "Tiktok": "TikTok", "YoutubeURL": "YouTubeURL",
	} {
		require.Equal(t, want, respell(in), in)
	}
	require.Empty(t, misspelt.FindString("GitHubOAuthFactor UserID IDPConnection Identity Idea"))
	require.NotEmpty(t, misspelt.FindString("GithubOAuthFactor"))
	require.NotEmpty(t, misspelt.FindString("UserId"))
}

// TestKinOpenAPIPinned keeps the generator on the kin-openapi the SDK's
// go.mod pins for the emulator: the two modules resolve their versions
// apart, and kin-openapi breaks its API in minor releases.
func TestKinOpenAPIPinned(t *testing.T) {
	const kin = "github.com/getkin/kin-openapi"
	info, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	var linked string
	for _, dep := range info.Deps {
		if dep.Path == kin {
			linked = dep.Version
		}
	}
	gomod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	require.Regexp(t, `(?m)^\s*`+regexp.QuoteMeta(kin)+` `+regexp.QuoteMeta(linked)+`$`, string(gomod), "the generator links %s %s", kin, linked)
}
