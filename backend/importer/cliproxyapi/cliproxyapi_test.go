package cliproxyapi

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/importtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestReadSample reads the sample config.yaml and its auth dir (resolved against the config's folder).
func TestReadSample(t *testing.T) {
	b := importtest.ReadSample(t, Read, "cliproxyapi")
	importtest.Golden(t, "cliproxyapi.golden.json", importtest.Redacted(b), *update)
	oauth := 0
	for _, a := range b.Accounts {
		if a.OAuth != nil {
			oauth++
		}
	}
	if oauth != 3 || len(b.Nodes) != 2 || len(b.ClientKeys) != 2 || len(b.Skipped) != 0 {
		t.Errorf("%d sign-ins, %d nodes, %d keys, skipped %+v", oauth, len(b.Nodes), len(b.ClientKeys), b.Skipped)
	}
}

// TestBadInput: what cannot be read whole is refused clearly; one bad entry or file is skipped with its reason.
func TestBadInput(t *testing.T) {
	tmp := t.TempDir()
	if _, err := Read(context.Background(), filepath.Join(tmp, "nope.yaml")); err == nil {
		t.Error("a missing config was read")
	}
	for name, raw := range map[string]string{
		"not yaml":      "api-keys: [unclosed",
		"other program": "hello: world\n",
		"empty":         "",
	} {
		if _, _, err := ParseConfig([]byte(raw), name, tmp); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	cfg := `auth-dir: "~/auths"
api-keys: [good-client-key, {not: a key}]
claude-api-key:
  - api-key: sk-good
  - api-key: [broken]
  - base-url: https://no-key.example.com
openai-compatibility: {not: a list}
`
	b, dir, err := ParseConfig([]byte(cfg), filepath.Join(tmp, "config.yaml"), "/home/someone")
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join("/home/someone", "auths") {
		t.Errorf("auth dir %q", dir)
	}
	if len(b.ClientKeys) != 1 || len(b.Accounts) != 1 || len(b.Skipped) != 4 {
		t.Errorf("%d keys, %d accounts, skipped %+v", len(b.ClientKeys), len(b.Accounts), b.Skipped)
	}

	auths := filepath.Join(tmp, "auths")
	os.MkdirAll(auths, 0o700)
	os.WriteFile(filepath.Join(auths, "broken.json"), []byte(`{"type":`), 0o600)
	os.WriteFile(filepath.Join(auths, "qoder.json"), []byte(`{"type":"qoder","access_token":"x"}`), 0o600)
	os.WriteFile(filepath.Join(auths, "empty-claude.json"), []byte(`{"type":"claude","email":"e@example.com"}`), 0o600)
	os.WriteFile(filepath.Join(auths, "claude-ok.json"), []byte(`{"type":"claude","email":"ok@example.com","access_token":"a","refresh_token":"r","expired":"2030-01-01T00:00:00Z","disabled":true}`), 0o600)
	os.WriteFile(filepath.Join(tmp, "config.yaml"), []byte("auth-dir: auths\napi-keys: [k]\n"), 0o600)
	b, err = Read(context.Background(), filepath.Join(tmp, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range b.Skipped {
		reasons[s.Name] = s.Reason
	}
	if len(b.Accounts) != 1 || b.Accounts[0].Enabled || b.Accounts[0].OAuth.Expiry.IsZero() ||
		!strings.Contains(reasons["qoder.json"], "unknown auth type") || !strings.Contains(reasons["broken.json"], "not an auth file") ||
		!strings.Contains(reasons["empty-claude.json"], "no token") {
		t.Errorf("accounts %+v, skipped %+v", b.Accounts, b.Skipped)
	}
}

func FuzzParseConfig(f *testing.F) {
	raw, _ := os.ReadFile(filepath.Join(importtest.Samples(), "cliproxyapi", "config.yaml"))
	f.Add(raw)
	f.Add([]byte("api-keys: [a]\nopenai-compatibility:\n  - name: x\n    api-key-entries: [{api-key: k}]\n"))
	f.Add([]byte("oauth-model-alias:\n  claude: [{name: a, alias: b}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, _, err := ParseConfig(data, "fuzz.yaml", "/home")
		if err == nil && b == nil {
			t.Fatal("no bundle and no error")
		}
		if err == nil {
			if err := importtest.CheckBundle(b); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzParseAuth(f *testing.F) {
	for _, name := range []string{"claude-a@example.com.json", "codex-8bf0ba5b-a@example.com-plus.json", "gemini-a@example.com-fixture-project-a-1234.json"} {
		raw, _ := os.ReadFile(filepath.Join(importtest.Samples(), "cliproxyapi", "auths", name))
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &importer.Bundle{}
		ParseAuth(b, data, "fuzz.json")
		if len(b.Accounts)+len(b.Skipped) != 1 {
			t.Fatalf("one file gave %d accounts and %d skipped", len(b.Accounts), len(b.Skipped))
		}
		if err := importtest.CheckBundle(b); err != nil {
			t.Fatal(err)
		}
	})
}
