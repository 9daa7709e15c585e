package clitool

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/safefile/envedit"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
	"github.com/ninerouter/ninerouter/backend/safefile/tomledit"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/testkit/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const testOrigin = "http://127.0.0.1:43210"

// storeKeys adapts the router core's real key store.
type storeKeys struct{ k *keys.Keys }

func (s storeKeys) CreateKey(ctx context.Context, name string) (string, int64, error) {
	secret, k, err := s.k.Create(ctx, name)
	return secret, k.ID, err
}
func (s storeKeys) Verify(secret string) (int64, bool) { return s.k.Verify(secret) }
func (s storeKeys) RevokeKey(ctx context.Context, id int64) error {
	_, err := s.k.Revoke(ctx, id)
	return err
}

type fixture struct {
	m    *Manager
	home string
	data string
	keys *keys.Keys
}

func newFixture(t *testing.T, tool string) *fixture {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	db, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	k, err := keys.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if tool != "" {
		copyTree(t, filepath.Join("testdata", "homes", tool), home)
	}
	m, err := New(Options{DB: db, DataDir: data, Keys: storeKeys{k}, Origin: func() string { return testOrigin },
		DefaultModel: "ninerouter/active", Home: home, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Getenv: func(string) string { return "" },
		Probe: func(ctx context.Context, origin string) bool { return toolkit.SameOrigin(origin, testOrigin) }})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{m: m, home: home, data: data, keys: k}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tree reads every file under dir.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}

var keyRe = regexp.MustCompile(`nr-[A-Za-z0-9_-]{40,}`)

func maskKeys(s string) string { return keyRe.ReplaceAllString(s, "nr-TESTKEY") }

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "golden", name), []byte(got), *update)
}

var toolIDs = []string{"claude", "codex", "openclaw", "droid", "opencode", "gemini", "qwen"}

// TestApplyRevertExactBytes: apply changes only NineRouter's keys (golden diff per file); revert gives back every
// byte of the home, and nothing outside the tool's files is touched.
func TestApplyRevertExactBytes(t *testing.T) {
	ctx := context.Background()
	for _, id := range toolIDs {
		t.Run(id, func(t *testing.T) {
			f := newFixture(t, id)
			before := tree(t, f.home)
			res, err := f.m.Apply(ctx, id, ApplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			after := tree(t, f.home)
			var diffs strings.Builder
			for _, fr := range res.Files {
				rel, _ := filepath.Rel(f.home, fr.Path)
				rel = filepath.ToSlash(rel)
				d := Diff(rel, []byte(before[rel]), []byte(after[rel]))
				diffs.WriteString(d)
				goldenFile(t, id+"/"+rel+".applied", maskKeys(after[rel]))
			}
			goldenFile(t, id+"/apply.diff", maskKeys(diffs.String()))
			for _, fr := range res.Files {
				if st, err := os.Stat(fr.Path); err == nil && fr.Existed && runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 {
					t.Errorf("%s: mode %v, want the file's own 0644 kept", fr.Path, st.Mode().Perm())
				}
			}
			for rel, content := range before {
				if _, edited := after[rel]; !edited {
					t.Errorf("%s disappeared", rel)
				}
				touched := false
				for _, fr := range res.Files {
					if strings.HasSuffix(filepath.ToSlash(fr.Path), rel) && fr.Changed {
						touched = true
					}
				}
				if !touched && after[rel] != content {
					t.Errorf("%s changed although it is not one of the tool's files", rel)
				}
			}
			st, err := f.m.Status(ctx, id, StatusOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st.State != Configured {
				t.Fatalf("state after apply = %s (%s)", st.State, st.Detail)
			}
			if _, err := f.m.Revert(ctx, id, RevertOptions{}); err != nil {
				t.Fatal(err)
			}
			final := tree(t, f.home)
			if len(final) != len(before) {
				t.Errorf("files after revert: %d, before apply: %d", len(final), len(before))
			}
			for rel, content := range before {
				if final[rel] != content {
					t.Errorf("%s is not byte-identical after revert:\n%s", rel, Diff(rel, []byte(content), []byte(final[rel])))
				}
			}
			// the tool's key is revoked
			list, _ := f.keys.List(ctx)
			for _, k := range list {
				if k.RevokedAt == nil {
					t.Errorf("key %d still active after revert", k.ID)
				}
			}
		})
	}
}

// userEdits are edits a user makes between apply and revert, one per tool, checked after revert.
var userEdits = map[string]struct {
	edit  func(t *testing.T, path string)
	check func(t *testing.T, content string)
}{
	"claude": {jsonEdit(toolkit.JSON, []string{"env", "ANTHROPIC_MODEL"}, "my-own-model", []string{"userAddedLater"}), func(t *testing.T, c string) {
		mustContain(t, c, `"ANTHROPIC_MODEL": "my-own-model"`, `"userAddedLater": true`, `"CLAUDE_CODE_USE_BEDROCK": "1"`)
		mustNotContain(t, c, "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_DEFAULT_OPUS_MODEL")
	}},
	"codex": {func(t *testing.T, p string) { appendText(t, p, "\n[profiles_note]\nadded = \"later\"\n") }, func(t *testing.T, c string) {
		mustContain(t, c, "[profiles_note]", `model = "gpt-5.5" # my usual model`, "# trusted projects")
		mustNotContain(t, c, "ninerouter")
	}},
	"openclaw": {jsonEdit(toolkit.JSON5, []string{"channels", "discord"}, "later", nil), func(t *testing.T, c string) {
		mustContain(t, c, "discord: 'later'", "primary: 'anthropic/claude-sonnet-4-5'", "// allowlist of selectable models")
		mustNotContain(t, c, "ninerouter")
	}},
	"droid": {jsonEdit(toolkit.JSONC, []string{"userAddedLater"}, true, nil), func(t *testing.T, c string) {
		mustContain(t, c, `"userAddedLater": true`, "Local Qwen")
		mustNotContain(t, c, "NineRouter")
	}},
	"opencode": {jsonEdit(toolkit.JSONC, []string{"theme"}, "dracula", nil), func(t *testing.T, c string) {
		mustContain(t, c, `"theme": "dracula"`, "// order matters here", `"model": "anthropic/claude-sonnet-4-5"`)
		mustNotContain(t, c, "ninerouter")
	}},
	"gemini": {func(t *testing.T, p string) {
		appendText(t, p, "USER_LATER=1\n")
	}, func(t *testing.T, c string) {
		mustContain(t, c, "USER_LATER=1", "GEMINI_API_KEY=AIzaSyExample")
		mustNotContain(t, c, "127.0.0.1")
	}},
	"qwen": {jsonEdit(toolkit.JSONC, []string{"ui", "theme"}, "Light", nil), func(t *testing.T, c string) {
		mustContain(t, c, `"theme": "Light"`, "// Qwen Code settings", `"selectedType": "qwen-oauth"`)
		mustNotContain(t, c, "NineRouter", "NINEROUTER_API_KEY")
	}},
}

func jsonEdit(format toolkit.Format, path []string, value any, addTrue []string) func(t *testing.T, p string) {
	return func(t *testing.T, p string) {
		b, _ := os.ReadFile(p)
		d, err := toolkit.ParseJSON(format, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Set(path, value); err != nil {
			t.Fatal(err)
		}
		if addTrue != nil {
			if err := d.Set(addTrue, true); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(p, d.Bytes(), 0o644)
	}
}

func appendText(t *testing.T, p, s string) {
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append(b, s...), 0o644)
}

func mustContain(t *testing.T, c string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(c, s) {
			t.Errorf("missing %q in:\n%s", s, c)
		}
	}
}

func mustNotContain(t *testing.T, c string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(c, s) {
			t.Errorf("still has %q:\n%s", s, c)
		}
	}
}

// TestUserEditBetweenApplyAndRevertSurvives: revert removes our keys and restores replaced values, but keeps
// what the user changed in the meantime, ours included.
func TestUserEditBetweenApplyAndRevertSurvives(t *testing.T) {
	ctx := context.Background()
	for _, id := range toolIDs {
		t.Run(id, func(t *testing.T) {
			f := newFixture(t, id)
			res, err := f.m.Apply(ctx, id, ApplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			main := res.Files[0].Path
			ue := userEdits[id]
			ue.edit(t, main)
			rr, err := f.m.Revert(ctx, id, RevertOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(main)
			ue.check(t, string(b))
			if id == "claude" && len(rr.Kept) != 1 {
				t.Errorf("kept = %v, want the user's ANTHROPIC_MODEL", rr.Kept)
			}
		})
	}
}

// TestUnparsableFileIsRefused: a file that does not parse is left byte for byte, and no key is made.
func TestUnparsableFileIsRefused(t *testing.T) {
	ctx := context.Background()
	broken := map[string]string{
		"claude": `{"env": {"A": 1,}`, "codex": "model = \n[x", "openclaw": "{ models: { providers: ", "droid": "{\"customModels\": [}",
		"opencode": "{ // unterminated", "gemini": "{\"security\": }", "qwen": "\xEF\xBB\xBF{\"ui\": {}, ,}",
	}
	for _, id := range toolIDs {
		t.Run(id, func(t *testing.T) {
			f := newFixture(t, id)
			tool, _ := f.m.tool(id)
			files := tool.Files(f.m.env(""))
			target := files[0]
			if id == "gemini" {
				target = files[1] // the .env accepts any text; settings.json does not
			}
			os.WriteFile(target.Path, []byte(broken[id]), 0o644)
			before := tree(t, f.home)
			_, err := f.m.Apply(ctx, id, ApplyOptions{})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", err)
			}
			if !strings.Contains(err.Error(), target.Path) {
				t.Errorf("error does not name the file: %v", err)
			}
			after := tree(t, f.home)
			for rel, c := range before {
				if after[rel] != c {
					t.Errorf("%s changed", rel)
				}
			}
			if list, _ := f.keys.List(ctx); len(list) != 0 {
				t.Errorf("a key was made for a refused apply")
			}
			st, _ := f.m.Status(ctx, id, StatusOptions{})
			if st.State != Unreadable {
				t.Errorf("state = %s", st.State)
			}
		})
	}
}

// TestRestoreOriginal: restore puts back the first-seen file after backing up the current one, and deletes a
// file that did not exist before NineRouter created it.
func TestRestoreOriginal(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "codex")
	orig := tree(t, f.home)
	if _, err := f.m.Apply(ctx, "codex", ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(f.home, ".codex", "config.toml")
	appendText(t, cfg, "\n[later]\nx = 1\n")
	edited, _ := os.ReadFile(cfg)
	res, err := f.m.Restore(ctx, "codex", RevertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(cfg)
	if string(got) != orig[".codex/config.toml"] {
		t.Fatal("restore did not bring back the original")
	}
	bk, _ := os.ReadFile(res.Files[0].Backup)
	if !bytes.Equal(bk, edited) {
		t.Fatal("the file before restore was not backed up")
	}
	if st, _ := f.m.Status(ctx, "codex", StatusOptions{}); st.Applied != nil {
		t.Fatal("restore must end NineRouter's apply")
	}

	// a file NineRouter created is removed by restore
	f2 := newFixture(t, "")
	if _, err := f2.m.Apply(ctx, "claude", ApplyOptions{Model: "cc/claude-sonnet-4-5"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(f2.home, ".claude", "settings.json")
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), `"ANTHROPIC_MODEL": "cc/claude-sonnet-4-5"`) {
		t.Fatalf("model choice not written:\n%s", b)
	}
	if _, err := f2.m.Restore(ctx, "claude", RevertOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("created file not removed: %v", err)
	}
}

// TestReapplyKeepsTheUsersValues: applying twice (another model) and reverting once gives back the user's own
// values, not the first apply's, and the same key is reused.
func TestReapplyKeepsTheUsersValues(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "claude")
	before := tree(t, f.home)
	if _, err := f.m.Apply(ctx, "claude", ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(f.home, ".claude", "settings.json"))
	if _, err := f.m.Apply(ctx, "claude", ApplyOptions{Model: "fast"}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(f.home, ".claude", "settings.json"))
	if keyRe.FindString(string(first)) != keyRe.FindString(string(second)) {
		t.Error("re-apply made a new key although the old one is valid")
	}
	if !strings.Contains(string(second), `"ANTHROPIC_MODEL": "fast"`) {
		t.Fatalf("second model not written:\n%s", second)
	}
	if _, err := f.m.Revert(ctx, "claude", RevertOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, f.home)[".claude/settings.json"]; got != before[".claude/settings.json"] {
		t.Fatalf("not the original after apply, apply, revert:\n%s", Diff("settings.json", []byte(before[".claude/settings.json"]), []byte(got)))
	}
}

// TestStaleTakeover: a config pointing at a NineRouter that no longer answers, or holding a revoked key, is
// stale; heal points it at the running one with a fresh key.
func TestStaleTakeover(t *testing.T) {
	ctx := context.Background()
	running := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true,"service":"ninerouter"}`))
	}))
	defer running.Close()
	f := newFixture(t, "codex")
	f.m.o.Probe = probeHealthz // the real probe against real listeners
	origin := running.URL
	f.m.o.Origin = func() string { return origin }
	if _, err := f.m.Apply(ctx, "codex", ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.m.Status(ctx, "codex", StatusOptions{}); st.State != Configured {
		t.Fatalf("state %s (%s)", st.State, st.Detail)
	}
	// NineRouter restarts on another port: the old one has nobody listening
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	next := httptest.NewServer(running.Config.Handler)
	defer next.Close()
	origin = next.URL
	cfg := filepath.Join(f.home, ".codex", "config.toml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.ReplaceAll(string(b), running.URL, deadURL)), 0o600)
	stale := f.m.Stale(ctx, "")
	if len(stale) != 1 || stale[0].ID != "codex" {
		t.Fatalf("stale = %+v", stale)
	}
	if _, err := f.m.Heal(ctx, "codex", ""); err != nil {
		t.Fatal(err)
	}
	st, _ := f.m.Status(ctx, "codex", StatusOptions{})
	if st.State != Configured || !strings.HasPrefix(st.BaseURL, next.URL) {
		t.Fatalf("after heal: %s %s (%s)", st.State, st.BaseURL, st.Detail)
	}
	// a revoked key is stale too
	list, _ := f.keys.List(ctx)
	for _, k := range list {
		f.keys.Revoke(ctx, k.ID)
	}
	if st, _ := f.m.Status(ctx, "codex", StatusOptions{}); st.State != Stale {
		t.Fatalf("revoked key: state %s", st.State)
	}
}

// TestRevertAll reverts every applied tool.
func TestRevertAll(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "")
	for _, id := range []string{"claude", "codex", "gemini"} {
		copyTree(t, filepath.Join("testdata", "homes", id), f.home)
	}
	before := tree(t, f.home)
	for _, id := range []string{"claude", "codex", "gemini"} {
		if _, err := f.m.Apply(ctx, id, ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := f.m.RevertAll(ctx, "")
	if err != nil || len(res) != 3 {
		t.Fatalf("revert all: %d results, %v", len(res), err)
	}
	after := tree(t, f.home)
	for rel, c := range before {
		if after[rel] != c {
			t.Errorf("%s not restored", rel)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files after, %d before", len(after), len(before))
	}
}

// TestPreviewWritesNothing shows the exact change without a key or a write.
func TestPreviewWritesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "claude")
	before := tree(t, f.home)
	res, err := f.m.Preview(ctx, "claude", ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || !strings.Contains(res.Files[0].Diff, `+    "ANTHROPIC_BASE_URL": "`+testOrigin+`"`) || !strings.Contains(res.Files[0].Diff, KeyPlaceholder) {
		t.Fatalf("preview:\n%+v", res)
	}
	after := tree(t, f.home)
	for rel, c := range before {
		if after[rel] != c {
			t.Errorf("%s changed by preview", rel)
		}
	}
	if list, _ := f.keys.List(ctx); len(list) != 0 {
		t.Error("preview made a key")
	}
}

// TestOnlyOurValuesDiffer checks the applied files semantically: removing our keys gives the user's document.
func TestOnlyOurValuesDiffer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "opencode")
	before := tree(t, f.home)[".config/opencode/opencode.jsonc"]
	if _, err := f.m.Apply(ctx, "opencode", ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	after := tree(t, f.home)[".config/opencode/opencode.jsonc"]
	d, _ := jsonedit.Parse([]byte(after), jsonedit.JSONC)
	if d.String("model") != "ninerouter/ninerouter/active" {
		t.Fatalf("model = %q", d.String("model"))
	}
	d.Delete([]string{"provider", "ninerouter"})
	d.SetRaw([]string{"model"}, `"anthropic/claude-sonnet-4-5"`)
	if string(d.Bytes()) != before {
		t.Fatalf("more than our keys changed:\n%s", Diff("opencode.jsonc", []byte(before), d.Bytes()))
	}
	_ = envedit.Quote
	_ = tomledit.Quote
}

// inspectCounter is a tool that counts how often its config is inspected.
type inspectCounter struct {
	toolkit.Tool
	inspected *atomic.Int32
}

func (c inspectCounter) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	c.inspected.Add(1)
	return c.Tool.Inspect(env, cur)
}

// TestStaleReadsOnlyToolsWithFiles: the start-up check reads only the tools that have a config file on disk (the
// fixture home holds Codex's); the others are not inspected, and Codex, pointing at this NineRouter, is not stale.
func TestStaleReadsOnlyToolsWithFiles(t *testing.T) {
	f := newFixture(t, "codex")
	var inspected atomic.Int32
	var counted []toolkit.Tool
	for _, tl := range All() {
		counted = append(counted, inspectCounter{Tool: tl, inspected: &inspected})
	}
	f.m.o.Tools = counted
	if stale := f.m.Stale(context.Background(), ""); len(stale) != 0 {
		t.Fatalf("stale = %+v", stale)
	}
	if n := inspected.Load(); n != 1 {
		t.Fatalf("%d tools inspected, want 1 (only Codex has a file in the fixture home)", n)
	}
}
