package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gostytch/stytch/internal/optest"
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
		files, s, err := generateSurface(os.DirFS("../spec"), "spec", surface)
		require.NoError(t, err)
		all = append(all, s)
		for name, got := range files {
			want, err := os.ReadFile(filepath.Join("..", surface, name))
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "%s/%s drifts from spec/; run make generate", surface, name)
		}
	}
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	want, err := replaceSection(readme, servicesTable(all))
	require.NoError(t, err)
	require.Equal(t, string(want), string(readme), "README.md's services table drifts from spec/; run make generate")
	require.Contains(t, string(readme), "187 endpoints in all")
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
	} {
		require.Equal(t, want, goName(in), in)
	}
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
