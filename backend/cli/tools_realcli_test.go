package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	li := startLive(t)
	li.cli("provider", "add-node", "--prefix", "mock", "--format", format, "--base-url", mock.URL+"/v1", "--api-key", "k-mock")
	li.cli("combo", "set", "c", "mock/good")
	li.cli("combo", "activate", "c")
	return li.addr, li.dir, li.env, mock
}

// applyAndRun applies tool's config to a copy of its fixture home, against a live instance whose active combo
// routes to the mock over format, then runs the real program with args. It fails the test when the program sent
// nothing through NineRouter or exited with an error, and returns what it printed and what the mock received.
func applyAndRun(t *testing.T, tool, program, format string, timeout time.Duration, extraEnv []string, args ...string) (string, []mockupstream.Received) {
	t.Helper()
	bin := realCLI(t, program)
	addr, dir, env, mock := realInstance(t, format)
	home := copyHome(t, tool)
	if code, _, errOut := run(t, env, "tool", "apply", tool, "--home", home, "--addr", addr, "--data-dir", dir); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader("")
	cmd.Env = append(append(cleanEnv(), "HOME="+home), extraEnv...)
	out, err := cmd.CombinedOutput()
	reqs := mock.Requests()
	if len(reqs) == 0 {
		t.Fatalf("%s sent nothing through NineRouter (err %v):\n%s", program, err, out)
	}
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", program, strings.Join(args, " "), err, out)
	}
	return string(out), reqs
}

// allServedByGood fails the test for any request the active combo's model did not serve.
func allServedByGood(t *testing.T, reqs []mockupstream.Received) {
	t.Helper()
	for _, r := range reqs {
		if r.Model != "good" {
			t.Errorf("a request was served by %q", r.Model)
		}
	}
}

// TestRealCodexUsesTheAppliedConfig runs the real Codex CLI with the config.toml `tool apply codex` wrote: Codex
// must accept the file (provider table, root keys, wire_api) and send its request through NineRouter to the
// active combo.
func TestRealCodexUsesTheAppliedConfig(t *testing.T) {
	out, reqs := applyAndRun(t, "codex", "codex", "openai-responses", 90*time.Second, nil, "exec", "--skip-git-repo-check", "say hi")
	if reqs[len(reqs)-1].Model != "good" {
		t.Fatalf("served by %q", reqs[len(reqs)-1].Model)
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
	out, reqs := applyAndRun(t, "claude", "claude", "anthropic", 120*time.Second, nil, "-p", "say hi")
	allServedByGood(t, reqs)
	if !strings.Contains(out, "Hello from the mock upstream") {
		t.Fatalf("claude printed:\n%s", out)
	}
}

// TestRealOpenCodeUsesTheAppliedConfig runs the real OpenCode (`opencode run`) with the opencode.jsonc `tool apply
// opencode` wrote into the user's commented config. OpenCode fetches its AI SDK provider package from npm on
// first use, so this needs the npm registry as well as the program.
func TestRealOpenCodeUsesTheAppliedConfig(t *testing.T) {
	_, reqs := applyAndRun(t, "opencode", "opencode", "openai", 240*time.Second, []string{"OPENCODE_DISABLE_MODELS_FETCH=1"}, "run", "say hi")
	allServedByGood(t, reqs)
}

// TestRealGeminiCLIUsesTheAppliedConfig runs the real Gemini CLI (`gemini -p`) with the ~/.gemini/.env and
// settings.json `tool apply gemini` wrote. Gemini CLI reads ~/.gemini/.env only in a trusted folder (0.61), so
// the run trusts its working folder as a user does.
func TestRealGeminiCLIUsesTheAppliedConfig(t *testing.T) {
	applyAndRun(t, "gemini", "gemini", "openai", 120*time.Second, []string{"GEMINI_CLI_TRUST_WORKSPACE=true"}, "-p", "say hi")
}

// TestRealQwenCodeUsesTheAppliedConfig runs the real Qwen Code (`qwen -p`) with the settings.json `tool apply
// qwen` wrote (a NineRouter entry in modelProviders.openai, its key in the settings' env block).
func TestRealQwenCodeUsesTheAppliedConfig(t *testing.T) {
	applyAndRun(t, "qwen", "qwen", "openai", 120*time.Second, nil, "-p", "say hi")
}

// TestRealDroidUsesTheAppliedConfig runs the real Factory Droid (`droid exec -m custom:NineRouter-0`) with the
// customModels entry `tool apply droid` wrote.
func TestRealDroidUsesTheAppliedConfig(t *testing.T) {
	applyAndRun(t, "droid", "droid", "openai", 120*time.Second, nil, "exec", "-m", "custom:NineRouter-0", "say hi")
}
