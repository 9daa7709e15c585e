package backend_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// The house's layering (docs/architecture.md, "Who may import what"), checked on the package graph as built.
// A rule names a room (a package path under the module, with "/..." for the packages below it) and what it may
// not import. Direct rules look at a package's own imports; transitive rules at everything it links.

const module = "github.com/ninerouter/ninerouter/"

type layerRule struct {
	room       string   // e.g. "backend/proxy/..."
	forbidden  []string // rooms or import paths it may not import
	transitive bool     // check every dependency, not only direct imports
	why        string
}

var layerRules = []layerRule{
	{"backend/...", []string{"app/...", "github.com/wailsapp/...", "fyne.io/..."}, true,
		"the backend has no GUI import and builds with CGO_ENABLED=0; the desktop shell wraps it"},
	{"backend/translate/...", []string{"backend/provider/...", "backend/route/...", "backend/proxy/...", "backend/usage/...",
		"backend/store/...", "backend/service/...", "backend/api/...", "backend/keys/...", "backend/secret/..."}, true,
		"translation is pure: bytes in, bytes out, no I/O, no state"},
	{"backend/translate/openai", codecsExcept("openai"), false, "no codec knows another format; the neutral model (ir) is the hub"},
	{"backend/translate/anthropic", codecsExcept("anthropic"), false, "no codec knows another format"},
	{"backend/translate/gemini", codecsExcept("gemini"), false, "no codec knows another format"},
	{"backend/translate/responses", codecsExcept("responses"), false, "no codec knows another format"},
	{"backend/translate/ollama", codecsExcept("ollama"), false, "no codec knows another format"},
	{"backend/provider/...", []string{"backend/route/...", "backend/proxy/...", "backend/usage/...", "backend/store/...",
		"backend/service/...", "backend/api/...", "backend/secret/..."}, true,
		"a provider says how to reach an upstream; it holds no state and reads no database"},
	{"backend/route/...", []string{"backend/proxy/...", "backend/usage/...", "backend/store/...", "backend/service/...",
		"backend/api/...", "backend/secret/..."}, true, "route decides from an immutable snapshot; it does no I/O"},
	{"backend/proxy/...", []string{"backend/store/...", "backend/service/...", "backend/api/...", "backend/cli/...",
		"backend/daemon/...", "backend/secret/..."}, false,
		"the proxy walks attempts; configuration reaches it as a snapshot, records leave it through usage"},
	{"backend/store/...", []string{"backend/..."}, true, "the store is the bottom floor: gorm models and migrations only"},
	{"backend/usage/...", []string{"backend/service/...", "backend/api/...", "backend/proxy/...", "backend/route/..."}, true,
		"the ledger knows rows and prices, not who writes them"},
	{"backend/service/...", []string{"backend/api/...", "backend/cli/...", "backend/daemon/..."}, true,
		"the service is what every view talks to; it knows no view"},
	{"backend/api/...", []string{"backend/store/...", "backend/secret/...", "backend/cli/...", "backend/daemon/..."}, false,
		"the HTTP layer reaches state only through the service"},
	{"backend/clitool/...", []string{"backend/service/...", "backend/api/...", "backend/proxy/...", "backend/route/..."}, true,
		"CLI tool configs are written through the interfaces the service hands the tool manager"},
	{"backend/events/...", []string{"backend/..."}, true, "a leaf"},
	{"backend/secret/...", []string{"backend/..."}, true, "a leaf: secrets depend on nothing that could log them"},
	{"backend/logging/...", []string{"backend/..."}, true, "a leaf"},
	{"backend/config/...", []string{"backend/..."}, true, "a leaf"},
	{"backend/version/...", []string{"backend/..."}, true, "a leaf"},
	{"backend/wake/...", []string{"backend/..."}, true, "a leaf: the service's loops are built on it"},
	{"backend/safefile/...", []string{"backend/store/...", "backend/service/...", "backend/clitool/..."}, true,
		"file editing knows no database and no tool"},
}

// layerExceptions are known breaches with the issue that removes them. The test fails when one is no longer
// needed, so the list cannot go stale.
var layerExceptions = map[string]string{}

func codecsExcept(self string) []string {
	var out []string
	for _, c := range []string{"openai", "anthropic", "gemini", "responses", "ollama"} {
		if c != self {
			out = append(out, "backend/translate/"+c)
		}
	}
	return out
}

// matches reports whether pkg (module-relative, or a full path outside the module) is in room.
func matches(room, pkg string) bool {
	if base, ok := strings.CutSuffix(room, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == room
}

type pkgInfo struct{ imports, deps []string }

// packageGraph lists every package of the module (tests excluded, as built) with its imports and dependencies.
func packageGraph(t *testing.T) map[string]pkgInfo {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .Deps \" \"}}", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string]pkgInfo{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		rel := func(list string) []string {
			var out []string
			for _, p := range strings.Fields(list) {
				out = append(out, strings.TrimPrefix(p, module))
			}
			return out
		}
		graph[strings.TrimPrefix(parts[0], module)] = pkgInfo{imports: rel(parts[1]), deps: rel(parts[2])}
	}
	if len(graph) == 0 {
		t.Fatal("go list found no packages")
	}
	return graph
}

func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go tool is not on PATH")
	}
	graph := packageGraph(t)
	names := make([]string, 0, len(graph))
	for name := range graph {
		names = append(names, name)
	}
	sort.Strings(names)
	used := map[string]bool{}
	for _, r := range layerRules {
		found := false
		for _, pkg := range names {
			if !matches(r.room, pkg) {
				continue
			}
			found = true
			list := graph[pkg].imports
			if r.transitive {
				list = graph[pkg].deps
			}
			for _, imp := range list {
				if matches(r.room, imp) {
					continue // a room may use its own inside
				}
				for _, f := range r.forbidden {
					if !matches(f, imp) {
						continue
					}
					edge := pkg + " -> " + imp
					if !r.transitive {
						if _, ok := layerExceptions[edge]; ok {
							used[edge] = true
							continue
						}
					}
					how := "imports"
					if r.transitive {
						how = "depends on"
					}
					t.Errorf("%s %s %s (rule: %s may not import %s): %s", pkg, how, imp, r.room, f, r.why)
				}
			}
		}
		if !found {
			t.Errorf("rule for %s matches no package: update the rule or docs/architecture.md", r.room)
		}
	}
	for edge, why := range layerExceptions {
		if !used[edge] {
			t.Errorf("layering exception %q (%s) is no longer needed: remove it", edge, why)
		}
	}
}

// TestLayeringRulesMatch keeps the room matcher honest.
func TestLayeringRulesMatch(t *testing.T) {
	for _, c := range []struct {
		room, pkg string
		want      bool
	}{
		{"backend/proxy/...", "backend/proxy", true},
		{"backend/proxy/...", "backend/proxy/x", true},
		{"backend/proxy/...", "backend/proxyx", false},
		{"backend/translate/openai", "backend/translate/openai", true},
		{"backend/translate/openai", "backend/translate/openai/x", false},
		{"github.com/wailsapp/...", "github.com/wailsapp/wails/v2", true},
	} {
		if got := matches(c.room, c.pkg); got != c.want {
			t.Errorf("matches(%q, %q) = %v", c.room, c.pkg, got)
		}
	}
}
