package stytch_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The modules a program that calls Stytch needs: local JWT verification uses
// golang-jwt and jwkset, which brings x/time.
var runtimeModules = []string{"github.com/MicahParks/jwkset", "github.com/golang-jwt/jwt/v5", "golang.org/x/time"}

// emulatorModules are what the emulator (stytchtest) links besides the
// runtime modules: TOTP codes and their QR images (pquerna/otp, barcode),
// real password hashing (x/crypto, which brings x/sys), zxcvbn strength
// scoring (with regexp2), and signed SAML responses for SSO (gosaml2 and
// goxmldsig, with etree, clockwork and xml-roundtrip-validator). A program
// that imports only consumer and b2b links none of them.
var emulatorModules = []string{
	"github.com/beevik/etree", "github.com/boombuler/barcode", "github.com/dlclark/regexp2", "github.com/jonboulle/clockwork",
	"github.com/mattermost/xml-roundtrip-validator", "github.com/pquerna/otp", "github.com/russellhaering/gosaml2",
	"github.com/russellhaering/goxmldsig", "github.com/trustelem/zxcvbn", "golang.org/x/crypto", "golang.org/x/sys",
}

// TestUserModuleFootprint tidies a scratch module that uses the SDK, the way
// a user's module would, and checks what it ends up requiring and
// downloading. `go mod tidy` reads every file of every package it imports,
// whatever its build tags, so a tools.go in one of them would drag in the
// generator; the generator is therefore a module of its own (gen/go.mod).
//
// It needs no network: modules come from this machine's module cache, served
// as a file proxy to a scratch module cache, which tells what was fetched.
func TestUserModuleFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy in scratch modules")
	}
	repo, err := os.Getwd()
	require.NoError(t, err)
	// Make sure the real module cache holds what the SDK needs (a no-op when
	// it does, as on a machine that has built the SDK).
	goCmd(t, repo, nil, "mod", "download")
	proxy := "file://" + filepath.ToSlash(filepath.Join(strings.TrimSpace(goCmd(t, repo, nil, "env", "GOMODCACHE")), "cache", "download"))

	surfaces := []string{"github.com/gostytch/stytch", "github.com/gostytch/stytch/consumer", "github.com/gostytch/stytch/b2b"}
	t.Run("surfaces", func(t *testing.T) {
		requires, zips := tidyScratch(t, repo, proxy, surfaces)
		require.Equal(t, runtimeModules, requires, "a module using consumer and b2b must require only their runtime dependencies")
		// tidy also fetches what the tests of every package it loads import
		// (to record go.sum lines for `go test` of them), so the SDK's own
		// tests set a floor; nothing beyond them may be fetched.
		allowed := sdkTestModules(t, repo, surfaces)
		for _, z := range zips {
			require.True(t, slices.Contains(allowed, z), "tidy downloaded %s, which neither the SDK nor its tests use; allowed: %v", z, allowed)
		}
	})
	t.Run("emulator", func(t *testing.T) {
		pkgs := append(slices.Clone(surfaces), "github.com/gostytch/stytch/stytchtest")
		requires, _ := tidyScratch(t, repo, proxy, pkgs)
		require.Equal(t, linkedModules(t, repo, pkgs...), requires, "stytchtest must add only the modules the emulator links")
	})
}

// TestEmulatorLinksNoSpec checks that a binary using a surface links only
// the runtime modules, and the emulator only those and emulatorModules: the emulator's routes and
// request validation are generated from the spec, which it never parses,
// so neither kin-openapi nor the spec loader reaches a user's module
// (stytchtest's own tests still use them, to check it against the spec).
func TestEmulatorLinksNoSpec(t *testing.T) {
	for _, pkg := range []string{"github.com/gostytch/stytch/consumer", "github.com/gostytch/stytch/b2b", "github.com/gostytch/stytch/stytchtest"} {
		allowed := runtimeModules
		if pkg == "github.com/gostytch/stytch/stytchtest" {
			allowed = append(slices.Clone(runtimeModules), emulatorModules...)
		}
		for _, m := range linkedModules(t, ".", pkg) {
			require.True(t, slices.Contains(allowed, m), "%s links %s", pkg, m)
		}
	}
	out := goCmd(t, ".", nil, "list", "-deps", "-f", "{{.ImportPath}}", "github.com/gostytch/stytch/stytchtest")
	for _, p := range strings.Fields(out) {
		require.NotContains(t, []string{"github.com/gostytch/stytch/internal/specload", "github.com/gostytch/stytch/spec"}, p, "the emulator must not load the spec at run time")
	}
}

// tidyScratch tidies a module importing pkgs (with this repository replacing
// the SDK) against proxy, with a scratch module cache, and returns the
// modules its go.mod requires besides the SDK and those whose zip it fetched.
func tidyScratch(t *testing.T, repo, proxy string, pkgs []string) (requires, zips []string) {
	t.Helper()
	dir, cache := t.TempDir(), t.TempDir()
	env := []string{"GOMODCACHE=" + cache, "GOPROXY=" + proxy, "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local"}
	// The module cache is read-only; only go can remove it.
	t.Cleanup(func() { goCmd(t, dir, env, "clean", "-modcache") })
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n")
	for _, p := range pkgs {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	src.WriteString(")\n\nfunc main() {}\n")
	mod := fmt.Sprintf("module example.com/user\n\ngo 1.25.0\n\nrequire github.com/gostytch/stytch v0.0.0\n\nreplace github.com/gostytch/stytch => %s\n", repo)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src.String()), 0o644))
	goCmd(t, dir, env, "mod", "tidy")
	goCmd(t, dir, env, "list", "-deps", ".") // every import resolves

	var gomod struct{ Require []struct{ Path string } }
	require.NoError(t, json.Unmarshal([]byte(goCmd(t, dir, env, "mod", "edit", "-json")), &gomod))
	for _, r := range gomod.Require {
		if r.Path != "github.com/gostytch/stytch" {
			requires = append(requires, r.Path)
		}
	}
	sort.Strings(requires)
	root := filepath.Join(cache, "cache", "download")
	require.NoError(t, filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".zip") {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(filepath.Dir(p))) // <module>/@v/<version>.zip
		zips = append(zips, unescapeModulePath(filepath.ToSlash(rel)))
		return nil
	}))
	sort.Strings(zips)
	t.Logf("%d requirements %v; %d lines in go.sum; %d zips fetched %v", len(requires), requires, lines(t, filepath.Join(dir, "go.sum")), len(zips), zips)
	return requires, zips
}

// linkedModules lists the modules, other than the standard library and the
// SDK, that provide a package linked into a program importing pkgs.
func linkedModules(t *testing.T, dir string, pkgs ...string) []string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}"}, pkgs...)
	return otherModules(goCmd(t, dir, nil, args...))
}

// sdkTestModules lists the modules that the SDK packages linked by pkgs, and
// their tests, use.
func sdkTestModules(t *testing.T, dir string, pkgs []string) []string {
	t.Helper()
	var sdk []string
	args := append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, pkgs...)
	for _, p := range strings.Fields(goCmd(t, dir, nil, args...)) {
		if p == "github.com/gostytch/stytch" || strings.HasPrefix(p, "github.com/gostytch/stytch/") {
			sdk = append(sdk, p)
		}
	}
	args = append([]string{"list", "-deps", "-test", "-f", "{{with .Module}}{{.Path}}{{end}}"}, sdk...)
	return otherModules(goCmd(t, dir, nil, args...))
}

func otherModules(out string) []string {
	var mods []string
	for _, m := range strings.Fields(out) {
		if m != "github.com/gostytch/stytch" && !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	sort.Strings(mods)
	return mods
}

func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "go %s in %s:\n%s", strings.Join(args, " "), dir, stderr)
	return string(out)
}

// unescapeModulePath undoes the module cache's case encoding (!m is M).
func unescapeModulePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '!' && i+1 < len(p) {
			i++
			b.WriteString(strings.ToUpper(p[i : i+1]))
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func lines(t *testing.T, path string) int {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Count(string(data), "\n")
}
