package harness

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/ninerouter/ninerouter/bench/internal/report"
)

// benchPackages lists the packages under backend/ and bench/ whose tests define a Benchmark function.
func benchPackages(repo string) ([]string, error) {
	seen := map[string]bool{}
	walk := func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("\nfunc Benchmark")) {
			rel, err := filepath.Rel(repo, filepath.Dir(path))
			if err != nil {
				return err
			}
			seen["./"+filepath.ToSlash(rel)] = true
		}
		return nil
	}
	var err error
	for _, dir := range []string{"backend", "bench"} {
		if err = filepath.WalkDir(filepath.Join(repo, dir), walk); err != nil {
			break
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, err
}

// laneE runs every package's benchmarks once with -benchmem and folds the results in. The go command runs on
// every core (the run's own pinning is undone for it): this lane measures CPU per operation, not latency.
func laneE(ctx context.Context, repo, benchtime string, smoke bool) *report.LaneE {
	out := &report.LaneE{}
	pkgs, err := benchPackages(repo)
	if smoke {
		// The smoke run keeps the lane's plumbing alive with one test binary to build, not every package's.
		pkgs = slices.DeleteFunc(pkgs, func(p string) bool { return !strings.HasPrefix(p, "./bench/") })
	}
	if err != nil {
		out.Skipped = shortErr(err)
		return out
	}
	if len(pkgs) == 0 {
		out.Skipped = "no package under backend/ or bench/ has a Benchmark function yet"
		return out
	}
	out.Packages = pkgs
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", benchtime, "-count", "1"}, pkgs...)
	out.Command = "go " + strings.Join(args, " ")
	argv := append([]string{"go"}, args...)
	if ts, err := exec.LookPath("taskset"); err == nil {
		argv = append([]string{ts, "-c", allCPUs()}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = repo
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	out.Benchmarks = parseGoBench(stdout)
	if err != nil {
		// A package that does not build or whose benchmark fails is reported, the others still count.
		for _, l := range strings.Split(string(stdout)+stderr.String(), "\n") {
			if strings.HasPrefix(l, "FAIL") || strings.Contains(l, "build failed") || strings.HasPrefix(l, "#") {
				out.Failures = append(out.Failures, strings.TrimSpace(l))
			}
		}
		if len(out.Failures) == 0 {
			out.Failures = append(out.Failures, shortErr(err))
		}
	}
	return out
}

func allCPUs() string {
	n := max(1, runtime.NumCPU())
	return "0-" + strconv.Itoa(n-1)
}

// parseGoBench reads `go test -bench -benchmem` output: "pkg: X" lines set the package; Benchmark lines carry
// N, ns/op, B/op and allocs/op as value-unit pairs.
func parseGoBench(out []byte) []report.GoBench {
	var res []report.GoBench
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(v), "github.com/ninerouter/ninerouter/")
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		g := report.GoBench{Package: pkg, Name: f[0], N: n}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				g.NsPerOp = v
			case "B/op":
				g.BytesPerOp = v
			case "allocs/op":
				g.AllocsPerOp = v
			}
		}
		res = append(res, g)
	}
	return res
}

// gitCommit returns HEAD and whether the working tree has uncommitted changes.
func gitCommit(ctx context.Context, repo string) (string, bool) {
	out, err := exec.CommandContext(ctx, "git", "-C", repo, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown", false
	}
	st, _ := exec.CommandContext(ctx, "git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output()
	return strings.TrimSpace(string(out)), len(bytes.TrimSpace(st)) > 0
}
