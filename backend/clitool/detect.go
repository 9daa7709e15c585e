package clitool

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
)

// Detection says whether a tool's program was found and which version it reports.
type Detection struct {
	Installed bool   `json:"installed"`
	Path      string `json:"path,omitempty"`
	Version   string `json:"version,omitempty"`
	// ConfigOnly: the program was not found but its config dir exists (installed somewhere we cannot see).
	ConfigOnly bool `json:"configOnly,omitempty"`
}

// Detector finds the coding CLIs the way a GUI app must: a desktop app gets a minimal PATH, so it also asks the
// login shell for its PATH and looks in the usual npm, pnpm, Volta, nvm, Bun, Yarn, Scoop and Go install dirs,
// then runs `<tool> --version` with a short timeout. Every part is replaceable for tests.
type Detector struct {
	Env toolkit.Env
	// ShellPath returns the login shell's PATH ("" when unknown). Default: $SHELL -lc, 3 s timeout.
	ShellPath func(ctx context.Context) string
	// Version runs `bin --version`. Default: exec with a 3 s timeout.
	Version func(ctx context.Context, bin string) (string, error)

	once sync.Once
	dirs []string
}

// Dirs lists the directories searched, in order, without duplicates.
func (d *Detector) Dirs(ctx context.Context) []string {
	d.once.Do(func() { d.dirs = d.searchDirs(ctx) })
	return d.dirs
}

func (d *Detector) searchDirs(ctx context.Context) []string {
	env := d.Env
	sep := ":"
	if env.GOOS == "windows" {
		sep = ";"
	}
	var dirs []string
	dirs = append(dirs, strings.Split(env.Var("PATH"), sep)...)
	shell := d.ShellPath
	if shell == nil {
		shell = d.loginShellPath
	}
	if p := shell(ctx); p != "" {
		dirs = append(dirs, strings.Split(p, sep)...)
	}
	dirs = append(dirs, KnownDirs(env)...)
	seen := map[string]bool{}
	var out []string
	for _, dir := range dirs {
		if dir == "" || seen[dir] {
			continue
		}
		seen[dir] = true
		out = append(out, dir)
	}
	return out
}

// KnownDirs are the install locations of npm-style global binaries per OS.
func KnownDirs(env toolkit.Env) []string {
	h := env.Home
	j := env.Join
	var dirs []string
	add := func(base string, elem ...string) {
		if base != "" {
			dirs = append(dirs, j(base, elem...))
		}
	}
	if env.GOOS == "windows" {
		add(env.Var("APPDATA"), "npm")
		add(env.Var("PNPM_HOME"))
		add(env.Var("LOCALAPPDATA"), "pnpm")
		add(env.Var("NVM_SYMLINK"))
		add(env.Var("VOLTA_HOME"), "bin")
		add(env.Var("LOCALAPPDATA"), "Volta", "bin")
		add(env.Var("SCOOP"), "shims")
		add(h, "scoop", "shims")
		add(h, ".bun", "bin")
		add(h, ".local", "bin")
		add(env.Var("LOCALAPPDATA"), "Yarn", "bin")
		add(h, "go", "bin")
		return dirs
	}
	add(h, ".local", "bin")
	add(h, ".npm-global", "bin")
	add(env.Var("NPM_CONFIG_PREFIX"), "bin")
	add(env.Var("PNPM_HOME"))
	add(h, ".local", "share", "pnpm")
	add(h, "Library", "pnpm")
	add(env.Var("VOLTA_HOME"), "bin")
	add(h, ".volta", "bin")
	add(env.Var("NVM_BIN"))
	// every installed nvm node, newest name last-sorted first
	if matches, _ := filepath.Glob(j(h, ".nvm", "versions", "node", "*", "bin")); len(matches) > 0 {
		sort.Sort(sort.Reverse(sort.StringSlice(matches)))
		dirs = append(dirs, matches...)
	}
	add(h, ".bun", "bin")
	add(h, ".yarn", "bin")
	add(h, ".opencode", "bin")
	add(h, ".claude", "local")
	add(h, ".factory", "bin")
	add(h, "go", "bin")
	add("/opt/homebrew/bin")
	add("/usr/local/bin")
	add("/usr/bin")
	return dirs
}

func (d *Detector) loginShellPath(ctx context.Context) string {
	if d.Env.GOOS == "windows" {
		return ""
	}
	shell := d.Env.Var("SHELL")
	if shell == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, "-lc", `printf '%s' "$PATH"`)
	cmd.WaitDelay = time.Second // a profile that starts a background process must not hold us
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Find looks for one of the binaries in the search dirs.
func (d *Detector) Find(ctx context.Context, binaries []string) string {
	exts := []string{""}
	if d.Env.GOOS == "windows" {
		exts = []string{".exe", ".cmd", ".bat", ".ps1", ""}
	}
	for _, dir := range d.Dirs(ctx) {
		for _, bin := range binaries {
			for _, ext := range exts {
				p := d.Env.Join(dir, bin+ext)
				st, err := os.Stat(p)
				if err != nil || !st.Mode().IsRegular() {
					continue
				}
				if d.Env.GOOS != "windows" && st.Mode().Perm()&0o111 == 0 {
					continue
				}
				return p
			}
		}
	}
	return ""
}

// Detect finds a tool and asks it for its version.
func (d *Detector) Detect(ctx context.Context, binaries []string) Detection {
	p := d.Find(ctx, binaries)
	if p == "" {
		return Detection{}
	}
	det := Detection{Installed: true, Path: p}
	run := d.Version
	if run == nil {
		run = runVersion
	}
	if v, err := run(ctx, p); err == nil {
		det.Version = v
	}
	return det
}

// runVersion runs `bin --version` with a short timeout and returns the first line.
func runVersion(ctx context.Context, bin string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Stdin = nil
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line), nil
}
