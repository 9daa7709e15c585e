package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// realCLI finds an installed coding CLI: NINEROUTER_REAL_CLI_DIR (a folder with the npm-installed binaries),
// else PATH. These tests run the real programs against the files `tool apply` wrote; machines without the
// programs skip them.
func realCLI(t *testing.T, name string) string {
	t.Helper()
	if dir := os.Getenv("NINEROUTER_REAL_CLI_DIR"); dir != "" {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (set NINEROUTER_REAL_CLI_DIR to a folder holding it)", name)
	}
	return p
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// realInstance starts NineRouter with a mock upstream node and an active combo.
func realInstance(t *testing.T, format string) (addr, dir string, env map[string]string, mock *mockupstream.Server) {
	t.Helper()
	mock = mockupstream.New(mockupstream.Options{})
	t.Cleanup(mock.Close)
	dir = t.TempDir()
	env = map[string]string{"NINEROUTER_SECRET_STORE": "file"}
	cfg, err := config.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", dir
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	inst, err := daemon.Start(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Stop(5 * time.Second) })
	addr = inst.API.Addr()
	for _, args := range [][]string{
		{"provider", "add-node", "--prefix", "mock", "--format", format, "--base-url", mock.URL + "/v1", "--api-key", "k-mock"},
		{"combo", "set", "c", "mock/good"},
		{"combo", "activate", "c"},
	} {
		if code, _, errOut := run(t, env, append(args, "--addr", addr, "--data-dir", dir)...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	return addr, dir, env, mock
}

// TestRealCodexUsesTheAppliedConfig runs the real Codex CLI with the config.toml `tool apply codex` wrote: Codex
// must accept the file (provider table, root keys, wire_api) and send its request through NineRouter to the
// active combo.
func TestRealCodexUsesTheAppliedConfig(t *testing.T) {
	codex := realCLI(t, "codex")
	addr, dir, env, mock := realInstance(t, "openai-responses")
	home := copyHome(t, "codex")
	if code, _, errOut := run(t, env, "tool", "apply", "codex", "--home", home, "--addr", addr, "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, codex, "exec", "--skip-git-repo-check", "say hi")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader("")
	cmd.Env = append(cleanEnv(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	reqs := mock.Requests()
	if len(reqs) == 0 {
		t.Fatalf("codex sent nothing through NineRouter (err %v):\n%s", err, out)
	}
	if reqs[len(reqs)-1].Model != "good" {
		t.Fatalf("served by %q", reqs[len(reqs)-1].Model)
	}
	if err != nil {
		t.Fatalf("codex exec: %v\n%s", err, out)
	}
	t.Logf("codex output:\n%s", out)
}

// cleanEnv is the environment without variables that would send a CLI elsewhere.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ANTHROPIC_") || strings.HasPrefix(k, "OPENAI_") || strings.HasPrefix(k, "CODEX_") ||
			strings.HasPrefix(k, "CLAUDE_") || strings.HasPrefix(k, "GEMINI_") || strings.HasPrefix(k, "XDG_") ||
			strings.HasPrefix(k, "OPENCODE_") || strings.HasPrefix(k, "GOOGLE_") || k == "HOME" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// TestRealClaudeCodeUsesTheAppliedConfig runs the real Claude Code (`claude -p`) with the settings.json `tool
// apply claude` wrote next to the user's hooks, permissions, plugins and status line: its requests go through
// NineRouter (base URL without /v1, Bearer token) to the active combo.
func TestRealClaudeCodeUsesTheAppliedConfig(t *testing.T) {
	claude := realCLI(t, "claude")
	addr, dir, env, mock := realInstance(t, "anthropic")
	home := copyHome(t, "claude")
	if code, _, errOut := run(t, env, "tool", "apply", "claude", "--home", home, "--addr", addr, "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, claude, "-p", "say hi")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader("")
	cmd.Env = append(cleanEnv(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	reqs := mock.Requests()
	if len(reqs) == 0 {
		t.Fatalf("claude sent nothing through NineRouter (err %v):\n%s", err, out)
	}
	for _, r := range reqs {
		if r.Model != "good" {
			t.Errorf("a request was served by %q", r.Model)
		}
	}
	if err != nil {
		t.Fatalf("claude -p: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Hello from the mock upstream") {
		t.Fatalf("claude printed:\n%s", out)
	}
}

// TestRealOpenCodeUsesTheAppliedConfig runs the real OpenCode (`opencode run`) with the opencode.jsonc `tool apply
// opencode` wrote into the user's commented config. OpenCode fetches its AI SDK provider package from npm on
// first use, so this needs the npm registry as well as the program.
func TestRealOpenCodeUsesTheAppliedConfig(t *testing.T) {
	opencode := realCLI(t, "opencode")
	addr, dir, env, mock := realInstance(t, "openai")
	home := copyHome(t, "opencode")
	if code, _, errOut := run(t, env, "tool", "apply", "opencode", "--home", home, "--addr", addr, "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, opencode, "run", "say hi")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader("")
	cmd.Env = append(cleanEnv(), "HOME="+home, "OPENCODE_DISABLE_MODELS_FETCH=1")
	out, err := cmd.CombinedOutput()
	reqs := mock.Requests()
	if len(reqs) == 0 {
		t.Fatalf("opencode sent nothing through NineRouter (err %v):\n%s", err, out)
	}
	for _, r := range reqs {
		if r.Model != "good" {
			t.Errorf("a request was served by %q", r.Model)
		}
	}
	if err != nil {
		t.Fatalf("opencode run: %v\n%s", err, out)
	}
}

// TestRealGeminiCLIUsesTheAppliedConfig runs the real Gemini CLI (`gemini -p`) with the ~/.gemini/.env and
// settings.json `tool apply gemini` wrote. Gemini CLI reads ~/.gemini/.env only in a trusted folder (0.61), so
// the run trusts its working folder as a user does.
func TestRealGeminiCLIUsesTheAppliedConfig(t *testing.T) {
	gemini := realCLI(t, "gemini")
	addr, dir, env, mock := realInstance(t, "openai")
	home := copyHome(t, "gemini")
	if code, _, errOut := run(t, env, "tool", "apply", "gemini", "--home", home, "--addr", addr, "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gemini, "-p", "say hi")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader("")
	cmd.Env = append(cleanEnv(), "HOME="+home, "GEMINI_CLI_TRUST_WORKSPACE=true")
	out, err := cmd.CombinedOutput()
	reqs := mock.Requests()
	if len(reqs) == 0 {
		t.Fatalf("gemini sent nothing through NineRouter (err %v):\n%s", err, out)
	}
	if err != nil {
		t.Fatalf("gemini -p: %v\n%s", err, out)
	}
}

// TestRealQwenCodeUsesTheAppliedConfig runs the real Qwen Code (`qwen -p`) with the settings.json `tool apply
// qwen` wrote (a NineRouter entry in modelProviders.openai, its key in the settings' env block).
func TestRealQwenCodeUsesTheAppliedConfig(t *testing.T) {
	qwen := realCLI(t, "qwen")
	addr, dir, env, mock := realInstance(t, "openai")
	home := copyHome(t, "qwen")
	if code, _, errOut := run(t, env, "tool", "apply", "qwen", "--home", home, "--addr", addr, "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qwen, "-p", "say hi")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader("")
	cmd.Env = append(cleanEnv(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	reqs := mock.Requests()
	if len(reqs) == 0 {
		t.Fatalf("qwen sent nothing through NineRouter (err %v):\n%s", err, out)
	}
	if err != nil {
		t.Fatalf("qwen -p: %v\n%s", err, out)
	}
}

// TestRealDroidUsesTheAppliedConfig runs the real Factory Droid (`droid exec -m custom:NineRouter-0`) with the
// customModels entry `tool apply droid` wrote.
func TestRealDroidUsesTheAppliedConfig(t *testing.T) {
	droid := realCLI(t, "droid")
	addr, dir, env, mock := realInstance(t, "openai")
	home := copyHome(t, "droid")
	if code, _, errOut := run(t, env, "tool", "apply", "droid", "--home", home, "--addr", addr, "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, droid, "exec", "-m", "custom:NineRouter-0", "say hi")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader("")
	cmd.Env = append(cleanEnv(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	reqs := mock.Requests()
	if len(reqs) == 0 {
		t.Fatalf("droid sent nothing through NineRouter (err %v):\n%s", err, out)
	}
	if err != nil {
		t.Fatalf("droid exec: %v\n%s", err, out)
	}
}
