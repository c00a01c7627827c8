package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The README's code snippets come from Example functions, so that every
// snippet compiles and runs (go test checks its Output). A snippet is
// written between an opening marker that names the folder and the example,
// as <!-- example: stytchtest/Example_consumerMagicLinkSignIn -->, and
// exampleEnd; the generator rewrites what is between them. Examples that
// run against the emulator live in stytchtest/, whose tests no user's
// module reads.
var exampleBegin = regexp.MustCompile(`<!-- example: ([\w./-]+)/(Example\w*) -->\n`)

const exampleEnd = "<!-- example end -->"

// replaceExamples rewrites every example snippet of readme with the body of
// the Example function it names, read from the _test.go files of the named
// folder under root.
func replaceExamples(root string, readme []byte) ([]byte, error) {
	var out bytes.Buffer
	rest := readme
	for {
		loc := exampleBegin.FindSubmatchIndex(rest)
		if loc == nil {
			out.Write(rest)
			return out.Bytes(), nil
		}
		dir, name := string(rest[loc[2]:loc[3]]), string(rest[loc[4]:loc[5]])
		end := bytes.Index(rest[loc[1]:], []byte(exampleEnd))
		if end < 0 {
			return nil, fmt.Errorf("README.md: the example %s/%s has no %q after it", dir, name, exampleEnd)
		}
		body, err := exampleBody(filepath.Join(root, dir), name)
		if err != nil {
			return nil, fmt.Errorf("README.md: example %s/%s: %w", dir, name, err)
		}
		out.Write(rest[:loc[1]])
		out.WriteString("```go\n" + body + "```\n")
		rest = rest[loc[1]+end:]
	}
}

// exampleBody returns the statements of the Example function name in the
// _test.go files of dir, formatted, one indentation level out, without the
// Output comment that go test checks.
func exampleBody(dir, name string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return "", err
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return "", err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Name.Name != name || fn.Body == nil {
				continue
			}
			start, end := fset.Position(fn.Body.Lbrace).Offset+1, fset.Position(fn.Body.Rbrace).Offset
			for _, cg := range f.Comments {
				if cg.Pos() > fn.Body.Lbrace && cg.End() <= fn.Body.Rbrace && isOutputComment(cg) {
					end = min(end, fset.Position(cg.Pos()).Offset)
				}
			}
			return dedent(string(src[start:end]))
		}
	}
	return "", fmt.Errorf("no func %s in %s/*_test.go", name, dir)
}

func isOutputComment(cg *ast.CommentGroup) bool {
	text := strings.TrimSpace(cg.Text())
	return strings.HasPrefix(text, "Output:") || strings.HasPrefix(text, "Unordered output:")
}

// dedent formats the body of a function as top-level statements.
func dedent(body string) (string, error) {
	formatted, err := format.Source([]byte("package p\nfunc _() {" + body + "}\n"))
	if err != nil {
		return "", err
	}
	s := string(formatted)
	s = s[strings.Index(s, "{\n")+2 : strings.LastIndex(s, "}")]
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(strings.TrimPrefix(line, "\t"))
	}
	return b.String(), nil
}
