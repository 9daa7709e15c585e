package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestTypesUpToDate is the golden test: frontend/src/lib/types.ts is what the Go types say now. When it fails,
// run `make types` and commit the file (svelte-check then shows what the frontend must follow).
func TestTypesUpToDate(t *testing.T) {
	repo, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(repo, roots)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(output)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s is out of date: run `make types`. First difference, line %d:\n have %s\n want %s", output, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s is out of date: run `make types` (%d lines, want %d)", output, len(gl), len(wl))
	}
}

type inner struct {
	Shared string `json:"shared"`
	Deep   int    `json:"deep"`
}

type tagged struct {
	Shared string `json:"shared"`
}

type wire struct {
	inner
	*tagged
	Name     string            `json:"name"`
	Skip     string            `json:"-"`
	Opt      string            `json:"opt,omitempty"`
	Struct   inner             `json:"struct,omitempty"` // never omitted by encoding/json
	Zero     inner             `json:"zero,omitzero"`
	Count    int64             `json:"count,string"`
	When     time.Time         `json:"when"`
	Maybe    *time.Time        `json:"maybe,omitempty"`
	List     []string          `json:"list"`
	Fixed    [2]int            `json:"fixed"`
	Bytes    []byte            `json:"bytes"`
	ByKey    map[string][]bool `json:"byKey"`
	Any      any               `json:"any"`
	Raw      []byte            `json:"raw" tstype:"Custom[]"`
	Anon     struct{ A int }   `json:"anon"`
	GoName   string
	Dash     string `json:"x-dash"`
	unexport string
}

// TestJSONRules: each of encoding/json's rules the generator follows, on one struct.
func TestJSONRules(t *testing.T) {
	out, err := Generate(t.TempDir(), []Root{RootOf[wire]("GET /x")})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"export interface wire {",
		"  shared: string;", // the shallower embedded field wins over the deeper one
		"  deep: number;",
		"  name: string;",
		"  opt?: string;",
		"  struct: inner;",
		"  zero?: inner;",
		"  count: string;",
		"  when: string;",
		"  maybe?: string | null;",
		"  list: string[] | null;",
		"  fixed: number[];",
		"  bytes: string;",
		"  byKey: Record<string, boolean[] | null> | null;",
		"  any: unknown;",
		"  raw: Custom[];",
		"  anon: { A: number };",
		"  GoName: string;",
		`  "x-dash": string;`,
		"export interface inner {",
	} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	for _, bad := range []string{"Skip", "unexport", "export interface tagged"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("%s should not be there:\n%s", bad, out)
		}
	}
	_ = reflect.TypeFor[wire]().NumField() // the fixture's unexported field is deliberate
	_ = wire{}.unexport
}

type counts struct {
	Hits int `json:"hits"`
	Miss int `json:"miss,omitempty"`
}

type day struct {
	Date string `json:"date"`
	counts
}

type shadowed struct {
	Hits string `json:"hits"` // hides counts.Hits: not the same members, so no extends
	counts
}

// TestEmbeddedDeclaredType: a struct embedding a declared type whole extends its interface; one that shadows a
// member of it lists its members itself.
func TestEmbeddedDeclaredType(t *testing.T) {
	out, err := Generate(t.TempDir(), []Root{RootOf[counts](""), RootOf[day](""), RootOf[shadowed]("")})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"export interface day extends counts {\n  date: string;\n}\n",
		"export interface shadowed {\n  hits: string;\n  miss?: number;\n}\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

type a struct{ X int }
type b struct{ X int }

// TestNameClash: two Go types under one TypeScript name are refused, not silently merged.
func TestNameClash(t *testing.T) {
	if _, err := Generate(t.TempDir(), []Root{RootOf[a](""), Named[b]("a", "")}); err == nil {
		t.Fatal("two types named a were accepted")
	}
}
