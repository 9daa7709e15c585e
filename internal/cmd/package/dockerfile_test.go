package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The Dockerfile cannot be built on the CI machine (it has the docker client but no engine; docs/packaging.md),
// so its contract is checked here by reading it: a static headless build, a small runtime stage that runs as a
// non-root user, data in a volume, a HEALTHCHECK on /healthz. scripts/ci/packages.sh runs the image's command and
// environment on the host besides.

// dockerInstruction is one instruction of a Dockerfile: its keyword in upper case, its arguments with the line
// continuations joined, the stage it belongs to (0 = the first FROM) and its first line.
type dockerInstruction struct {
	stage int
	cmd   string
	args  string
	line  int
}

// readDockerfile splits a Dockerfile into instructions: comment lines (also those inside a continued
// instruction) are dropped and a trailing backslash joins the next line, as the Dockerfile reference says. The
// file uses no heredocs and no escape directive; a line that starts an instruction with an unknown keyword is an
// error. (A real parser, buildkit's, would bring its protobuf dependency graph into go.mod for this one test.)
func readDockerfile(t *testing.T, path string) []dockerInstruction {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true,
		"ADD": true, "COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true,
		"ONBUILD": true, "STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true}
	var out []dockerInstruction
	stage := -1
	var cur *dockerInstruction
	for i, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur == nil) {
			continue
		}
		if cur == nil {
			word, rest, _ := strings.Cut(trimmed, " ")
			word = strings.ToUpper(word)
			if !known[word] {
				t.Fatalf("%s:%d: unknown instruction %q", path, i+1, word)
			}
			if word == "FROM" {
				stage++
			}
			cur = &dockerInstruction{stage: stage, cmd: word, line: i + 1}
			trimmed = rest
		}
		continued := strings.HasSuffix(trimmed, `\`)
		cur.args = strings.TrimSpace(cur.args + " " + strings.TrimSuffix(trimmed, `\`))
		if !continued {
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		t.Fatalf("%s: the last instruction (line %d) ends in a line continuation", path, cur.line)
	}
	return out
}

func TestReadDockerfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Dockerfile")
	src := "# syntax comment\nFROM alpine AS a\nRUN echo one \\\n  # a comment inside\n  && echo two\n\nfrom scratch\nCMD [\"x\"]\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := readDockerfile(t, path)
	want := []dockerInstruction{
		{stage: 0, cmd: "FROM", args: "alpine AS a", line: 2},
		{stage: 0, cmd: "RUN", args: "echo one && echo two", line: 3},
		{stage: 1, cmd: "FROM", args: "scratch", line: 7},
		{stage: 1, cmd: "CMD", args: `["x"]`, line: 8},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("instruction %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDockerfileContract(t *testing.T) {
	all := readDockerfile(t, filepath.Join("..", "..", "..", "Dockerfile"))
	last := all[len(all)-1].stage
	if last < 1 {
		t.Fatal("the Dockerfile must build in one stage and run in another (a small runtime image without Go)")
	}
	var final []dockerInstruction
	stageOf := map[string]int{} // stage name (FROM … AS name) -> index
	for _, in := range all {
		if in.cmd == "FROM" {
			if f := strings.Fields(in.args); len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stageOf[f[2]] = in.stage
			}
		}
		if in.stage == last {
			final = append(final, in)
		}
	}
	find := func(cmd string) []dockerInstruction {
		var r []dockerInstruction
		for _, in := range final {
			if in.cmd == cmd {
				r = append(r, in)
			}
		}
		return r
	}
	index := func(cmd string) int {
		for i, in := range final {
			if in.cmd == cmd {
				return i
			}
		}
		return -1
	}

	t.Run("runtime image has no toolchain", func(t *testing.T) {
		if base := final[0].args; strings.Contains(base, "golang") || strings.Contains(base, "node") {
			t.Errorf("the runtime stage starts FROM %s", base)
		}
	})

	t.Run("static headless binary", func(t *testing.T) {
		copies := find("COPY")
		var from string
		for _, c := range copies {
			if strings.Contains(c.args, "/usr/local/bin/ninerouter") {
				m := regexp.MustCompile(`--from=(\S+)`).FindStringSubmatch(c.args)
				if m == nil {
					t.Fatalf("line %d copies the binary from no build stage: %s", c.line, c.args)
				}
				from = m[1]
			}
		}
		build, ok := stageOf[from]
		if !ok {
			t.Fatalf("the runtime binary comes from stage %q, which no FROM … AS names", from)
		}
		var cgoOff, built bool
		for _, in := range all {
			if in.stage != build {
				continue
			}
			if (in.cmd == "ENV" || in.cmd == "RUN") && regexp.MustCompile(`(^|\s)CGO_ENABLED=0(\s|$)`).MatchString(in.args) {
				cgoOff = true
			}
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				built = true
				if !regexp.MustCompile(`-tags[ =]headless(\s|$)`).MatchString(in.args) {
					t.Errorf("line %d: go build without -tags headless (the desktop build needs GTK): %s", in.line, in.args)
				}
			}
		}
		if !cgoOff {
			t.Errorf("stage %q does not set CGO_ENABLED=0: the binary would link the C library", from)
		}
		if !built {
			t.Errorf("stage %q runs no go build", from)
		}
	})

	t.Run("non-root user before the command", func(t *testing.T) {
		users := find("USER")
		if len(users) == 0 {
			t.Fatal("the runtime stage has no USER: the router would run as root")
		}
		user, _, _ := strings.Cut(users[len(users)-1].args, ":")
		if user == "root" || user == "0" {
			t.Errorf("USER %s", users[len(users)-1].args)
		}
		if u, e := index("USER"), index("ENTRYPOINT"); e >= 0 && u > e {
			t.Error("USER comes after ENTRYPOINT")
		}
	})

	t.Run("data in a volume", func(t *testing.T) {
		vols := find("VOLUME")
		if len(vols) != 1 || !strings.Contains(vols[0].args, `"/data"`) {
			t.Fatalf("VOLUME: %+v", vols)
		}
		var env string
		for _, e := range find("ENV") {
			env += " " + e.args + " "
		}
		for _, want := range []string{" NINEROUTER_DATA_DIR=/data ", " HOME=/data ", " NINEROUTER_ADDR=0.0.0.0:20128 "} {
			if !strings.Contains(env, want) {
				t.Errorf("ENV lacks%s(have:%s)", want, env)
			}
		}
	})

	t.Run("health check on /healthz", func(t *testing.T) {
		hc := find("HEALTHCHECK")
		if len(hc) != 1 {
			t.Fatalf("HEALTHCHECK: %+v", hc)
		}
		_, probe, ok := strings.Cut(hc[0].args, " CMD ")
		if !ok || !strings.Contains(probe, "http://127.0.0.1:20128/healthz") {
			t.Errorf("HEALTHCHECK does not fetch /healthz on the listen port: %s", hc[0].args)
		}
		for _, opt := range []string{"--interval=", "--timeout=", "--start-period="} {
			if !strings.Contains(hc[0].args, opt) {
				t.Errorf("HEALTHCHECK without %s: %s", opt, hc[0].args)
			}
		}
		if !strings.Contains(final[0].args, "alpine") || !strings.Contains(probe, "wget") {
			t.Errorf("the probe's tool must exist in the runtime image (busybox wget on Alpine): FROM %s, probe %s", final[0].args, probe)
		}
	})

	t.Run("serves on the published port", func(t *testing.T) {
		if ep := find("ENTRYPOINT"); len(ep) != 1 || ep[0].args != `["/usr/local/bin/ninerouter"]` {
			t.Errorf("ENTRYPOINT: %+v", ep)
		}
		if cmd := find("CMD"); len(cmd) != 1 || cmd[0].args != `["serve"]` {
			t.Errorf("CMD: %+v", cmd)
		}
		if ex := find("EXPOSE"); len(ex) != 1 || ex[0].args != "20128" {
			t.Errorf("EXPOSE: %+v", ex)
		}
	})
}
