// Command tsgen writes frontend/src/lib/types.ts, the TypeScript declarations of the JSON the management API
// writes, from the Go types themselves (roots.go) by reflection, so the frontend's types cannot drift from the
// backend's: a field renamed, added or made optional in Go shows up in svelte-check. Its test fails when the
// committed file is out of date.
//
//	go run ./internal/cmd/tsgen            (or `make types`, or `go generate ./internal/cmd/tsgen`)
//	go run ./internal/cmd/tsgen -check     exits 1 when the file is out of date
//
// No served generator fitted (tygo, typescriptify and guts are not on the module proxy this project can use), and
// encoding/json's rules that matter here are few: tags, omitempty/omitzero, ",string", embedding, nil slices
// and maps as null, types that marshal themselves.
package main

//go:generate go run .

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// output is the generated file, relative to the repository root.
const output = "frontend/src/lib/types.ts"

func main() {
	check := flag.Bool("check", false, "exit 1 when "+output+" is out of date instead of writing it")
	flag.Parse()
	repo, err := repoRoot()
	if err != nil {
		fail(err)
	}
	out, err := Generate(repo, roots)
	if err != nil {
		fail(err)
	}
	path := filepath.Join(repo, filepath.FromSlash(output))
	if *check {
		old, _ := os.ReadFile(path)
		if !bytes.Equal(old, out) {
			fail(fmt.Errorf("%s is out of date: run make types", output))
		}
		return
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		fail(err)
	}
}

// repoRoot is the nearest directory upward holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tsgen:", err)
	os.Exit(1)
}
