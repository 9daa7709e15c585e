package toolkit

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
	"github.com/ninerouter/ninerouter/backend/safefile/tomledit"
)

var jsonOps = []Op{
	{Kind: Set, Path: []string{"env", "ANTHROPIC_BASE_URL"}, Value: "http://127.0.0.1:1"},
	{Kind: Set, Path: []string{"env", "ANTHROPIC_AUTH_TOKEN"}, Value: "nr-x"},
	{Kind: Delete, Path: []string{"env", "CLAUDE_CODE_USE_BEDROCK"}},
	{Kind: Upsert, Path: []string{"customModels"}, MatchKey: "id", Value: jsonedit.Obj{{Key: "id", Value: "custom:NineRouter-0"}, {Key: "n", Value: 1}}},
	{Kind: Set, Path: []string{"a", "b", "c"}, Value: jsonedit.Obj{{Key: "k", Value: []any{"v"}}}},
}

var tomlOps = []Op{
	{Kind: Set, Path: []string{"model_provider"}, Value: tomledit.Quote("ninerouter")},
	{Kind: Set, Path: []string{"model"}, Value: tomledit.Quote("ninerouter/active")},
	{Kind: Table, Path: []string{"model_providers.ninerouter"}, Note: "managed", KVs: []tomledit.KV{{Key: "base_url", Raw: `"http://127.0.0.1:1/v1"`}}},
}

func seeds(f *testing.F, glob string, extra ...string) {
	matches, _ := filepath.Glob(filepath.Join("..", "testdata", "homes", glob))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(b)
		}
	}
	for _, e := range extra {
		f.Add([]byte(e))
	}
}

// FuzzJSONApplyRevert: on any document apply accepts, revert gives back the same data, and the same bytes.
func FuzzJSONApplyRevert(f *testing.F) {
	seeds(f, "*/.*/settings.json", `{}`, `{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "X": 2}, "customModels": [{"id": "other"}]}`, `{"env": []}`)
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, format := range []Format{JSON, JSONC, JSON5} {
			d, err := ParseJSON(format, src)
			if err != nil {
				continue
			}
			out, changes, err := Apply(format, src, true, jsonOps)
			if err != nil {
				continue // refused (e.g. env is not an object): nothing to undo
			}
			back, kept, err := Revert(format, out, changes)
			if err != nil {
				t.Fatalf("revert: %v", err)
			}
			if len(kept) != 0 {
				t.Fatalf("nothing was edited, yet revert kept %v", kept)
			}
			d2, err := ParseJSON(format, back)
			if err != nil {
				t.Fatalf("revert produced invalid text: %v", err)
			}
			if !jsonedit.Equal(d.Decode(d.Root()), d2.Decode(d2.Root())) {
				t.Fatalf("data differs after apply+revert:\n%s\n---\n%s", src, back)
			}
		}
	})
}

func FuzzTOMLApplyRevert(f *testing.F) {
	seeds(f, "codex/.codex/config.toml", "", "model = 'x'\n", "[a]\nb = 1\n", "x = [\n 1,\n]\n# c\n[t]\n")
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := tomledit.Parse(src)
		if err != nil {
			return
		}
		out, changes, err := Apply(TOML, src, true, tomlOps)
		if err != nil {
			return
		}
		back, _, err := Revert(TOML, out, changes)
		if err != nil {
			t.Fatalf("revert: %v", err)
		}
		d2, err := tomledit.Parse(back)
		if err != nil {
			t.Fatalf("revert produced invalid TOML: %v", err)
		}
		if !reflect.DeepEqual(d.Decoded(), d2.Decoded()) {
			t.Fatalf("data differs after apply+revert:\n%q\n%q", src, back)
		}
		if len(src) > 0 && src[len(src)-1] == '\n' && !bytes.Equal(back, src) {
			t.Fatalf("bytes differ after apply+revert:\n%q\n%q", src, back)
		}
	})
}

func TestApplyRefusesOutsideChanges(t *testing.T) {
	// "env" is a string: NineRouter cannot put keys in it and must refuse rather than replace it
	if _, _, err := Apply(JSON, []byte(`{"env": "oops"}`), true, jsonOps[:1]); err == nil {
		t.Fatal("a non-object parent was replaced")
	}
	if _, _, err := Apply(TOML, []byte("model_providers = { ninerouter = { base_url = 'x' } }\n"), true, tomlOps); err == nil {
		t.Fatal("an inline model_providers table was edited")
	}
}
