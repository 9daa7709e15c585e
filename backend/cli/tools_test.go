package cli

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
	"github.com/ninerouter/ninerouter/backend/safefile/tomledit"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

func copyHome(t *testing.T, tools ...string) string {
	t.Helper()
	home := t.TempDir()
	for _, tool := range tools {
		from := filepath.Join("..", "clitool", "testdata", "homes", tool)
		filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(from, p)
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(home, rel), 0o755)
			}
			b, _ := os.ReadFile(p)
			return os.WriteFile(filepath.Join(home, rel), b, 0o644)
		})
	}
	return home
}

func readTree(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

// TestToolCommandsAgainstARunningInstance drives `ninerouter tool` exactly as scripts do: apply makes Codex point
// at the running NineRouter with a key that the instance accepts, status says configured, revert gives back the
// same bytes, and revert --all finds nothing left.
func TestToolCommandsAgainstARunningInstance(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file"}
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
	defer inst.Stop(5 * time.Second)
	addr := inst.API.Addr()
	home := copyHome(t, "codex", "claude")
	before := readTree(t, home)
	cli := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := run(t, env, append(args, "--addr", addr, "--data-dir", dir)...)
		if code != wantCode {
			t.Fatalf("ninerouter %s: exit %d (want %d): %s%s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		return out + errOut
	}

	out := cli(0, "tool", "apply", "codex", "--home", home)
	if !strings.Contains(out, "codex now uses NineRouter (model ninerouter/active)") {
		t.Fatalf("apply printed:\n%s", out)
	}
	cfgPath := filepath.Join(home, ".codex", "config.toml")
	raw, _ := os.ReadFile(cfgPath)
	doc, err := tomledit.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	prov := doc.Decoded()["model_providers"].(map[string]any)["ninerouter"].(map[string]any)
	if prov["base_url"] != "http://"+addr+"/v1" {
		t.Fatalf("base_url = %v", prov["base_url"])
	}
	// the key written is a real client key of this instance
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+prov["experimental_bearer_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/v1/models with the tool's key: %d", resp.StatusCode)
	}

	var st struct {
		State string `json:"state"`
		Model string `json:"model"`
	}
	if err := json.Unmarshal([]byte(cli(0, "tool", "status", "codex", "--home", home, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != "configured" || st.Model != "ninerouter/active" {
		t.Fatalf("status = %+v\n%s", st, cli(0, "tool", "status", "codex", "--home", home))
	}
	if list := cli(0, "tool", "list", "--home", home); !strings.Contains(list, "codex") || !strings.Contains(list, "configured") {
		t.Fatalf("list:\n%s", list)
	}

	cli(0, "tool", "revert", "codex", "--home", home)
	after := readTree(t, home)
	for p, c := range before {
		if after[p] != c {
			t.Errorf("%s differs after revert", p)
		}
	}
	// the revoked key no longer works
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked key: %d", resp.StatusCode)
	}

	cli(0, "tool", "apply", "claude", "--home", home, "--model", "my-combo")
	if out := cli(0, "tool", "revert", "--all", "--home", home); !strings.Contains(out, "claude no longer uses NineRouter") {
		t.Fatalf("revert --all:\n%s", out)
	}
	if out := cli(0, "tool", "revert", "--all", "--home", home); !strings.Contains(out, "Nothing to revert") {
		t.Fatalf("second revert --all:\n%s", out)
	}
	if out := cli(1, "tool", "revert", "codex", "--home", home); !strings.Contains(out, "has not applied") {
		t.Fatalf("revert of an unapplied tool:\n%s", out)
	}
}

func TestToolUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"tool", "apply"}, "needs a TOOL"},
		{[]string{"tool", "apply", "vim"}, `unknown tool "vim"`},
		{[]string{"tool", "frob"}, "unknown tool subcommand"},
		{[]string{"tool", "revert", "--model", "x", "claude"}, "--model is for apply"},
	}
	for _, tc := range cases {
		code, _, errOut := run(t, nil, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q", tc.args, code, errOut)
		}
	}
}

// TestAppliedToolFollowsTheActiveCombo is the promise: a tool configured once uses whatever combo is
// active, because it is told the active-combo virtual model; switching the combo changes what it gets without
// touching its file. The request is sent exactly as OpenCode would, from the values in its applied config.
func TestAppliedToolFollowsTheActiveCombo(t *testing.T) {
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	li := startLive(t)
	cli, ctx := li.cli, context.Background()
	cli("provider", "add-node", "--prefix", "mock", "--format", "openai", "--base-url", mock.URL+"/v1", "--api-key", "k-mock")
	cli("combo", "set", "c", "mock/good")
	cli("combo", "set", "d", "mock/other")
	cli("combo", "activate", "c")

	home := copyHome(t, "opencode")
	cli("tool", "apply", "opencode", "--home", home)
	path := filepath.Join(home, ".config", "opencode", "opencode.jsonc")
	applied, _ := os.ReadFile(path)
	doc, err := jsonedit.Parse(applied, jsonedit.JSONC)
	if err != nil {
		t.Fatal(err)
	}
	providerID, model, _ := strings.Cut(doc.String("model"), "/")
	baseURL := doc.String("provider", providerID, "options", "baseURL")
	key := doc.String("provider", providerID, "options", "apiKey")
	client := openai.NewClient(option.WithBaseURL(baseURL+"/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	ask := func() string {
		t.Helper()
		if _, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}); err != nil {
			t.Fatalf("request as OpenCode: %v", err)
		}
		reqs := mock.Requests()
		return reqs[len(reqs)-1].Model
	}
	if got := ask(); got != "good" {
		t.Fatalf("combo c active, served by %q", got)
	}
	cli("combo", "activate", "d")
	if got := ask(); got != "other" {
		t.Fatalf("after activating d, served by %q", got)
	}
	if now, _ := os.ReadFile(path); string(now) != string(applied) {
		t.Fatal("switching the combo touched the tool's file")
	}
}
