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
)

// The modules a program that calls Stytch needs: local JWT verification uses
// golang-jwt and jwkset, which brings x/time.
var runtimeModules = []string{"github.com/MicahParks/jwkset", "github.com/golang-jwt/jwt/v5", "golang.org/x/time"}

// emulatorModules are what the emulator (stytchtest) links besides the
// runtime modules: TOTP codes and their QR images (pquerna/otp, barcode),
// real password hashing (x/crypto, which brings x/sys, and whose legacy
// Keccak hashes Ethereum messages), zxcvbn strength scoring (with regexp2),
// secp256k1 signature recovery for Ethereum wallets (decred's), WebAuthn
// ceremonies (go-webauthn, which brings its CBOR, TPM, msgp, mapstructure
// and UUID modules) and signed SAML responses for SSO (gosaml2 and
// goxmldsig, with etree, clockwork and xml-roundtrip-validator). A program
// that imports only consumer and b2b links none of them.
var emulatorModules = []string{
	"github.com/boombuler/barcode", "github.com/decred/dcrd/dcrec/secp256k1/v4", "github.com/dlclark/regexp2", "github.com/pquerna/otp", "github.com/trustelem/zxcvbn", "golang.org/x/crypto", "golang.org/x/sys",
	"github.com/fxamacker/cbor/v2", "github.com/go-viper/mapstructure/v2", "github.com/go-webauthn/webauthn", "github.com/go-webauthn/x",
	"github.com/google/go-tpm", "github.com/google/uuid", "github.com/philhofer/fwd", "github.com/tinylib/msgp", "github.com/x448/float16",
	"github.com/beevik/etree", "github.com/jonboulle/clockwork", "github.com/mattermost/xml-roundtrip-validator", "github.com/russellhaering/gosaml2", "github.com/russellhaering/goxmldsig",
}

// TestUserModuleFootprint tidies a scratch module that uses the SDK, the way
// a user's module would, and checks what it ends up requiring and
// downloading. `go mod tidy` reads every file of every package it imports,
// whatever its build tags, so a tools.go in one of them would drag in the
// generator; the generator is therefore a module of its own (gen/go.mod).
// It also loads the tests of those packages and fetches what they import,
// to record go.sum lines for `go test all`; so the tests of the root
// package, consumer, b2b and the internal packages they import use only the
// standard library and the runtime modules. Tests that need more live where
// no user's module reads them: the emulator's examples in stytchtest/, the
// generated operation tests and their check against the spec in
// internal/optest/<surface>/.
//
// It needs no network: modules come from this machine's module cache, served
// as a file proxy to a scratch module cache, which tells what was fetched.
func TestUserModuleFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy in scratch modules")
	}
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// Make sure the real module cache holds what the SDK needs (a no-op when
	// it does, as on a machine that has built the SDK).
	goCmd(t, repo, nil, "mod", "download")
	proxy := "file://" + filepath.ToSlash(filepath.Join(strings.TrimSpace(goCmd(t, repo, nil, "env", "GOMODCACHE")), "cache", "download"))

	surfaces := []string{"github.com/gostytch/stytch", "github.com/gostytch/stytch/consumer", "github.com/gostytch/stytch/b2b"}
	t.Run("surfaces", func(t *testing.T) {
		requires, zips := tidyScratch(t, repo, proxy, surfaces)
		if !slices.Equal(requires, runtimeModules) {
			t.Fatalf("a module using consumer and b2b must require only their runtime dependencies: requires %v, want %v", requires, runtimeModules)
		}
		// Nor may tidy download anything else, the SDK's tests included:
		// a zip fetched is a download on every user's first tidy.
		if !slices.Equal(zips, runtimeModules) {
			t.Fatalf("tidy downloaded %v, want only the runtime modules %v", zips, runtimeModules)
		}
	})
	t.Run("emulator", func(t *testing.T) {
		pkgs := append(slices.Clone(surfaces), "github.com/gostytch/stytch/stytchtest")
		requires, _ := tidyScratch(t, repo, proxy, pkgs)
		if want := linkedModules(t, repo, pkgs...); !slices.Equal(requires, want) {
			t.Fatalf("stytchtest must add only the modules the emulator links: requires %v, want %v", requires, want)
		}
	})
}

// TestEmulatorLinksNoSpec checks that a binary using a surface links only
// the runtime modules, and the emulator only those and emulatorModules: the
// emulator's routes and request validation are generated from the spec,
// which it never parses, so neither kin-openapi nor the spec loader reaches
// a user's module (stytchtest's own tests still use them, to check it
// against the spec).
func TestEmulatorLinksNoSpec(t *testing.T) {
	for _, pkg := range []string{"github.com/gostytch/stytch/consumer", "github.com/gostytch/stytch/b2b", "github.com/gostytch/stytch/stytchtest"} {
		allowed := runtimeModules
		if pkg == "github.com/gostytch/stytch/stytchtest" {
			allowed = append(slices.Clone(runtimeModules), emulatorModules...)
		}
		for _, m := range linkedModules(t, ".", pkg) {
			if !slices.Contains(allowed, m) {
				t.Errorf("%s links %s; allowed: %v", pkg, m, allowed)
			}
		}
	}
	out := goCmd(t, ".", nil, "list", "-deps", "-f", "{{.ImportPath}}", "github.com/gostytch/stytch/stytchtest")
	for _, p := range strings.Fields(out) {
		if p == "github.com/gostytch/stytch/internal/specload" || p == "github.com/gostytch/stytch/spec" {
			t.Errorf("the emulator must not load the spec at run time, but it links %s", p)
		}
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
	for name, data := range map[string]string{"go.mod": mod, "main.go": src.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd(t, dir, env, "mod", "tidy")
	goCmd(t, dir, env, "list", "-deps", ".") // every import resolves

	var gomod struct{ Require []struct{ Path string } }
	if err := json.Unmarshal([]byte(goCmd(t, dir, env, "mod", "edit", "-json")), &gomod); err != nil {
		t.Fatal(err)
	}
	for _, r := range gomod.Require {
		if r.Path != "github.com/gostytch/stytch" {
			requires = append(requires, r.Path)
		}
	}
	sort.Strings(requires)
	root := filepath.Join(cache, "cache", "download")
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".zip") {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(filepath.Dir(p))) // <module>/@v/<version>.zip
		zips = append(zips, unescapeModulePath(filepath.ToSlash(rel)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}
