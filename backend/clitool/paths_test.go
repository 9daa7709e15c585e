package clitool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile"
)

// TestToolPaths checks every tool's file paths on Linux, macOS and Windows, with and without the tools' own
// relocation variables. Windows paths are built with backslashes even when the test runs elsewhere.
func TestToolPaths(t *testing.T) {
	type tc struct {
		tool string
		goos string
		home string
		vars map[string]string
		want []string
	}
	cases := []tc{
		{"claude", "linux", "/home/me", nil, []string{"/home/me/.claude/settings.json"}},
		{"claude", "darwin", "/Users/me", map[string]string{"CLAUDE_CONFIG_DIR": "/Users/me/cc"}, []string{"/Users/me/cc/settings.json"}},
		{"claude", "windows", `C:\Users\Me`, nil, []string{`C:\Users\Me\.claude\settings.json`}},
		{"claude", "windows", `C:\Users\Me`, map[string]string{"CLAUDE_CONFIG_DIR": `D:\cfg\claude\`}, []string{`D:\cfg\claude\settings.json`}},
		{"codex", "linux", "/home/me", nil, []string{"/home/me/.codex/config.toml"}},
		{"codex", "windows", `C:\Users\Me`, map[string]string{"CODEX_HOME": `C:/Tools/codex`}, []string{`C:\Tools\codex\config.toml`}},
		{"openclaw", "linux", "/home/me", nil, []string{"/home/me/.openclaw/openclaw.json"}},
		{"openclaw", "linux", "/home/me", map[string]string{"OPENCLAW_HOME": "/srv/claw"}, []string{"/srv/claw/.openclaw/openclaw.json"}},
		{"openclaw", "linux", "/home/me", map[string]string{"OPENCLAW_STATE_DIR": "/var/lib/oc"}, []string{"/var/lib/oc/openclaw.json"}},
		{"openclaw", "linux", "/home/me", map[string]string{"OPENCLAW_CONFIG_PATH": "/etc/oc.json5", "OPENCLAW_STATE_DIR": "/x"}, []string{"/etc/oc.json5"}},
		{"openclaw", "windows", `C:\Users\Me`, nil, []string{`C:\Users\Me\.openclaw\openclaw.json`}},
		{"droid", "windows", `C:\Users\Me`, nil, []string{`C:\Users\Me\.factory\settings.json`}},
		{"opencode", "linux", "/home/me", nil, []string{"/home/me/.config/opencode/opencode.json"}},
		{"opencode", "linux", "/home/me", map[string]string{"XDG_CONFIG_HOME": "/home/me/xdg"}, []string{"/home/me/xdg/opencode/opencode.json"}},
		{"opencode", "windows", `C:\Users\Me`, nil, []string{`C:\Users\Me\.config\opencode\opencode.json`}},
		{"gemini", "linux", "/home/me", nil, []string{"/home/me/.gemini/.env", "/home/me/.gemini/settings.json"}},
		{"gemini", "windows", `C:\Users\Me`, map[string]string{"GEMINI_CLI_HOME": `E:\g`}, []string{`E:\g\.gemini\.env`, `E:\g\.gemini\settings.json`}},
		{"qwen", "windows", `C:\Users\Me`, nil, []string{`C:\Users\Me\.qwen\settings.json`}},
	}
	for _, c := range cases {
		t.Run(c.tool+"/"+c.goos+"/"+strings.Join(varNames(c.vars), ","), func(t *testing.T) {
			env := toolkit.Env{Home: c.home, GOOS: c.goos, Getenv: func(k string) string { return c.vars[k] }}
			var tool toolkit.Tool
			for _, tl := range All() {
				if tl.Info().ID == c.tool {
					tool = tl
				}
			}
			files := tool.Files(env)
			if len(files) != len(c.want) {
				t.Fatalf("files = %+v", files)
			}
			for i, f := range files {
				if f.Path != c.want[i] {
					t.Errorf("path = %q, want %q", f.Path, c.want[i])
				}
			}
		})
	}
}

func varNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestJoinWindows(t *testing.T) {
	env := toolkit.Env{GOOS: "windows"}
	cases := []struct {
		base string
		elem []string
		want string
	}{
		{`C:\`, []string{".codex", "config.toml"}, `C:\.codex\config.toml`},
		{`C:`, nil, `C:\`},
		{`\\wsl$\Ubuntu\home\me`, []string{".claude"}, `\\wsl$\Ubuntu\home\me\.claude`},
		{`C:/Users/Me/`, []string{"a/b", "", "c"}, `C:\Users\Me\a\b\c`},
	}
	for _, c := range cases {
		if got := env.Join(c.base, c.elem...); got != c.want {
			t.Errorf("Join(%q, %q) = %q, want %q", c.base, c.elem, got, c.want)
		}
	}
}

// TestBackupDirsAreDistinct: files with the same name in different places never share a backup folder, and the
// folder names are valid on Windows.
func TestBackupDirsAreDistinct(t *testing.T) {
	f := newFixture(t, "")
	a := f.m.backups.Dir("gemini", filepath.Join(f.home, ".gemini", "settings.json"))
	b := f.m.backups.Dir("gemini", filepath.Join(f.home, ".qwen", "settings.json"))
	if a == b {
		t.Fatal("two settings.json share a backup dir")
	}
	for _, r := range filepath.Base(a) {
		if strings.ContainsRune(`<>:"/\|?*`, r) {
			t.Fatalf("backup dir %q has a character Windows refuses", a)
		}
	}
}

func TestKnownDirs(t *testing.T) {
	win := KnownDirs(toolkit.Env{Home: `C:\Users\Me`, GOOS: "windows", Getenv: func(k string) string {
		return map[string]string{"APPDATA": `C:\Users\Me\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\Me\AppData\Local`}[k]
	}})
	for _, want := range []string{`C:\Users\Me\AppData\Roaming\npm`, `C:\Users\Me\scoop\shims`, `C:\Users\Me\AppData\Local\pnpm`, `C:\Users\Me\.bun\bin`} {
		if !contains(win, want) {
			t.Errorf("windows dirs miss %s: %v", want, win)
		}
	}
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".nvm", "versions", "node", "v22.1.0", "bin"), 0o755)
	unix := KnownDirs(toolkit.Env{Home: home, GOOS: "linux", Getenv: func(k string) string { return "" }})
	for _, want := range []string{filepath.Join(home, ".volta", "bin"), filepath.Join(home, ".bun", "bin"), filepath.Join(home, ".nvm", "versions", "node", "v22.1.0", "bin"), filepath.Join(home, ".npm-global", "bin")} {
		if !contains(unix, want) {
			t.Errorf("unix dirs miss %s", want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDetectRunsVersion finds a real executable in an nvm-style dir that is not on PATH and runs its --version.
func TestDetectRunsVersion(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script")
	}
	home := t.TempDir()
	bin := filepath.Join(home, ".nvm", "versions", "node", "v22.1.0", "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "codex"), []byte("#!/bin/sh\necho 'codex-cli 0.169.0'\n"), 0o755)
	os.WriteFile(filepath.Join(bin, "claude"), []byte("not executable"), 0o644)
	d := &Detector{Env: toolkit.Env{Home: home, GOOS: runtime.GOOS, Getenv: func(k string) string {
		if k == "PATH" {
			return "/nonexistent"
		}
		return ""
	}}, ShellPath: func(context.Context) string { return "" }}
	got := d.Detect(context.Background(), []string{"codex"})
	if !got.Installed || got.Version != "codex-cli 0.169.0" || got.Path != filepath.Join(bin, "codex") {
		t.Fatalf("detect = %+v", got)
	}
	if d.Detect(context.Background(), []string{"claude"}).Installed {
		t.Fatal("a non-executable file counted as installed")
	}
}

func TestSnippets(t *testing.T) {
	s := Snippets("http://127.0.0.1:20128/", "ninerouter/active", "")
	ids := map[string]Snippet{}
	for _, x := range s {
		ids[x.ID] = x
	}
	for _, id := range []string{"cursor", "cline", "roo", "kilo", "continue", "aider"} {
		if ids[id].Text == "" {
			t.Errorf("no snippet for %s", id)
		}
	}
	if !strings.Contains(ids["aider"].Text, "model: openai/ninerouter/active") || !strings.Contains(ids["continue"].Text, "apiBase: http://127.0.0.1:20128/v1") {
		t.Errorf("snippets:\n%s\n%s", ids["aider"].Text, ids["continue"].Text)
	}
}

func TestEnvConflictsAreReported(t *testing.T) {
	f := newFixture(t, "gemini")
	os.WriteFile(filepath.Join(f.home, ".zshrc"), []byte("# keys\nexport GEMINI_API_KEY=AIzaSyExample\nalias ll='ls -l'\n"), 0o644)
	f.m.o.Getenv = func(k string) string {
		if k == "GEMINI_MODEL" {
			return "gemini-2.5-pro"
		}
		return ""
	}
	st, err := f.m.Status(context.Background(), "gemini", StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Warnings) != 2 || !strings.Contains(strings.Join(st.Warnings, "\n"), ".zshrc sets GEMINI_API_KEY") {
		t.Fatalf("warnings = %q", st.Warnings)
	}
}

func TestStatesBeforeApply(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		tool, file, content string
		want                State
	}{
		{"claude", ".claude/settings.json", `{"env": {"ANTHROPIC_BASE_URL": "https://api.z.ai/api/anthropic"}}`, Elsewhere},
		{"claude", ".claude/settings.json", `{"model": "opus"}`, NotConfigured},
		{"codex", ".codex/config.toml", "model_provider = \"azure\"\n[model_providers.azure]\nbase_url = \"https://x.openai.azure.com/v1\"\n", Elsewhere},
		{"codex", ".codex/config.toml", "model_provider = \"ninerouter\"\n[model_providers.ninerouter]\nbase_url = \"http://127.0.0.1:1/v1\"\n", Stale},
		{"openclaw", ".openclaw/openclaw.json", "{agents: {defaults: {model: 'ninerouter/x'}}, models: {providers: {ninerouter: {baseUrl: 'http://127.0.0.1:1/v1'}}}}", Stale},
		{"opencode", ".config/opencode/opencode.json", `{"model": "ninerouter/ninerouter/active", "provider": {"ninerouter": {"options": {"baseURL": "` + testOrigin + `/v1"}}}}`, Configured},
		{"gemini", ".gemini/.env", "GOOGLE_GEMINI_BASE_URL=https://generativelanguage.googleapis.com\n", Elsewhere},
	}
	for _, c := range cases {
		t.Run(c.tool+"/"+string(c.want), func(t *testing.T) {
			f := newFixture(t, "")
			p := filepath.Join(f.home, filepath.FromSlash(c.file))
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(c.content), 0o644)
			st, err := f.m.Status(ctx, c.tool, StatusOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st.State != c.want {
				t.Fatalf("state = %s (%s), want %s", st.State, st.Detail, c.want)
			}
		})
	}
}

func TestBadModelIsRefused(t *testing.T) {
	f := newFixture(t, "claude")
	for _, m := range []string{"a\nb", `x"y`, "${HOME}", strings.Repeat("m", 201)} {
		if _, err := f.m.Apply(context.Background(), "claude", ApplyOptions{Model: m}); err == nil {
			t.Errorf("model %q accepted", m)
		}
	}
	if _, err := f.m.Apply(context.Background(), "claude", ApplyOptions{Model: "cc/claude-opus-4-1@2025+x:y"}); err != nil {
		t.Fatal(err)
	}
}

// TestToolSavingDuringApplyWins: when the tool saves its file while NineRouter is writing, NineRouter's write is
// dropped, the tool's content stays, the key is revoked and no apply is recorded.
func TestToolSavingDuringApplyWins(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "claude")
	p := filepath.Join(f.home, ".claude", "settings.json")
	f.m.beforeRename = func(string) { os.WriteFile(p, []byte("{\"saved\": \"by claude\"}\n"), 0o644) }
	_, err := f.m.Apply(ctx, "claude", ApplyOptions{})
	if !errors.Is(err, safefile.ErrChanged) {
		t.Fatalf("err = %v, want ErrChanged", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "{\"saved\": \"by claude\"}\n" {
		t.Fatalf("file = %q", b)
	}
	list, _ := f.keys.List(ctx)
	for _, k := range list {
		if k.RevokedAt == nil {
			t.Error("the key of a failed apply is still active")
		}
	}
	if st, _ := f.m.Status(ctx, "claude", StatusOptions{}); st.Applied != nil {
		t.Error("a failed apply was recorded")
	}
	// retrying on the new content works
	f.m.beforeRename = nil
	if _, err := f.m.Apply(ctx, "claude", ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestSecondFileFailureRollsBackTheFirst: Gemini's .env is written first; when settings.json cannot be written,
// .env is put back as it was.
func TestSecondFileFailureRollsBackTheFirst(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "gemini")
	before := tree(t, f.home)
	settings := filepath.Join(f.home, ".gemini", "settings.json")
	f.m.beforeRename = func(tmp string) {
		if strings.Contains(filepath.Base(tmp), "settings.json") {
			os.WriteFile(settings, []byte(before[".gemini/settings.json"]+" "), 0o644)
		}
	}
	if _, err := f.m.Apply(ctx, "gemini", ApplyOptions{}); !errors.Is(err, safefile.ErrChanged) {
		t.Fatalf("err = %v", err)
	}
	after := tree(t, f.home)
	if after[".gemini/.env"] != before[".gemini/.env"] {
		t.Fatalf(".env not rolled back:\n%s", after[".gemini/.env"])
	}
}

// TestFreshHomeIsLeftEmpty: on a machine where a tool has no config yet, apply creates the files (0600, they
// hold a key) and revert or restore removes them and the folders NineRouter made.
func TestFreshHomeIsLeftEmpty(t *testing.T) {
	ctx := context.Background()
	for _, id := range toolIDs {
		for _, undo := range []string{"revert", "restore"} {
			t.Run(id+"/"+undo, func(t *testing.T) {
				f := newFixture(t, "")
				res, err := f.m.Apply(ctx, id, ApplyOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if runtime.GOOS != "windows" {
					st, err := os.Stat(res.Files[0].Path)
					if err != nil || st.Mode().Perm() != 0o600 {
						t.Fatalf("created file: %v %v", st, err)
					}
				}
				if undo == "revert" {
					_, err = f.m.Revert(ctx, id, RevertOptions{})
				} else {
					_, err = f.m.Restore(ctx, id, RevertOptions{})
				}
				if err != nil {
					t.Fatal(err)
				}
				ents, _ := os.ReadDir(f.home)
				if len(ents) != 0 {
					t.Fatalf("home not empty after %s: %v", undo, ents)
				}
			})
		}
	}
}
