package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReplaceExamples(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "pkg"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pkg", "example_test.go"), []byte(`package pkg_test

import "fmt"

func Example_hello() {
	for i := range 2 {
		fmt.Println("hello", i) // a comment stays
	}
	// Output:
	// hello 0
	// hello 1
}
`), 0o644))
	readme := []byte("intro\n<!-- example: pkg/Example_hello -->\nstale text\n<!-- example end -->\noutro\n")
	got, err := replaceExamples(dir, readme)
	require.NoError(t, err)
	require.Equal(t, "intro\n<!-- example: pkg/Example_hello -->\n```go\nfor i := range 2 {\n\tfmt.Println(\"hello\", i) // a comment stays\n}\n```\n<!-- example end -->\noutro\n", string(got))
	again, err := replaceExamples(dir, got)
	require.NoError(t, err)
	require.Equal(t, string(got), string(again), "regenerating changes nothing")

	_, err = replaceExamples(dir, []byte("<!-- example: pkg/Example_missing -->\n<!-- example end -->\n"))
	require.ErrorContains(t, err, "no func Example_missing")
	_, err = replaceExamples(dir, []byte("<!-- example: pkg/Example_hello -->\nno end\n"))
	require.ErrorContains(t, err, "has no")
}
