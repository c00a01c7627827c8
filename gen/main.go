// Command gen generates the consumer and b2b packages from spec/.
//
//	cd gen && go run . -root ..   # what `make generate` runs
//
// It is a module of its own (see go.mod here), so that oapi-codegen never
// reaches the modules of the SDK's users.
//
// It loads each surface of the spec with kin-openapi, validates it, writes
// the models with oapi-codegen and the client and services from its own
// templates into <surface>/, the operation tests into
// internal/optest/<surface>/, the table of services and the examples in
// README.md, and the B2B member-session permissions the emulator enforces
// (stytchtest/permissions.gen.go). Output is deterministic: the same spec
// gives the same bytes. Stale generated files in the output folders are
// removed.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gostytch/stytch/internal/specload"
)

// surfaces maps each spec surface to the package folder generated from it.
var surfaces = []string{"consumer", "b2b"}

func main() {
	root := flag.String("root", ".", "the SDK's folder; -spec and -out are relative to it")
	specDir := flag.String("spec", "spec", "folder holding the spec")
	outDir := flag.String("out", ".", "folder under which each surface's package is written")
	flag.Parse()
	// Working from the SDK's folder keeps the paths in error messages
	// (spec/consumer/users.yaml:12:3) relative to where make runs.
	if err := os.Chdir(*root); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := run(*specDir, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(specDir, outDir string) error {
	var all []*Surface
	l := specload.NewLoader(os.DirFS(specDir), specDir) // the shared fragments are parsed once
	for _, surface := range surfaces {
		files, s, err := generateSurface(l, surface)
		if err != nil {
			return err
		}
		byDir := map[string]map[string][]byte{surface: {}}
		for name, data := range files {
			dir := outputDir(surface, name)
			if byDir[dir] == nil {
				byDir[dir] = map[string][]byte{}
			}
			byDir[dir][name] = data
		}
		for _, dir := range sortedKeys(byDir) {
			if err := write(filepath.Join(outDir, dir), byDir[dir]); err != nil {
				return err
			}
		}
		all = append(all, s)
	}
	if err := writeServers(filepath.Join(outDir, serverDir), all); err != nil {
		return err
	}
	readme := filepath.Join(outDir, "README.md")
	cur, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	next, err := replaceSection(cur, servicesTable(all))
	if err != nil {
		return err
	}
	if next, err = replaceExamples(outDir, next); err != nil || bytes.Equal(cur, next) {
		return err
	}
	return os.WriteFile(readme, next, 0o644)
}

// write puts files into dir, rewriting only what changed, and removes the
// generated files that are no longer produced.
func write(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range old {
		name := e.Name()
		if _, keep := files[name]; !keep && isGenerated(name) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(files) {
		path := filepath.Join(dir, name)
		if cur, err := os.ReadFile(path); err == nil && bytes.Equal(cur, files[name]) {
			continue
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func isGenerated(name string) bool {
	return strings.HasSuffix(name, ".gen.go") || strings.HasSuffix(name, "_gen_test.go")
}
