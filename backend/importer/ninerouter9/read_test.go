package ninerouter9

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

// TestReadSamples reads the sample data dir (SQLite) and its backup file (the db.json shape): both hold the same
// configuration, and each matches its golden file.
func TestReadSamples(t *testing.T) {
	fromDB := importtest.ReadSample(t, Read, "9router-0.5.69")
	fromJSON := importtest.ReadSample(t, Read, "9router-0.5.69-backup", "9router-backup.json")
	importtest.Golden(t, "sqlite.golden.json", importtest.Redacted(fromDB), *update)
	importtest.Golden(t, "backup.golden.json", importtest.Redacted(fromJSON), *update)

	for _, b := range []*importer.Bundle{fromDB, fromJSON} {
		if len(b.Accounts) != 10 || len(b.Nodes) != 3 || len(b.Combos) != 2 || len(b.Aliases) != 2 || len(b.ClientKeys) != 2 || len(b.Prices) != 1 {
			t.Errorf("%s: %d accounts, %d nodes, %d combos, %d aliases, %d keys, %d prices", b.Format,
				len(b.Accounts), len(b.Nodes), len(b.Combos), len(b.Aliases), len(b.ClientKeys), len(b.Prices))
		}
		if len(b.Skipped) != 0 {
			t.Errorf("%s: skipped %+v", b.Format, b.Skipped)
		}
	}
	// The data dir is never written: 9Router may be running on it.
	if ents, _ := os.ReadDir(filepath.Join(importtest.Samples(), "9router-0.5.69", "db")); len(ents) != 1 {
		t.Errorf("the 9Router db folder now holds %d entries", len(ents))
	}
}

// TestBadInput: a missing dir, a folder without 9Router data, a file of another kind, a newer schema and a
// damaged record: clear errors for the whole, and the rest imported with the skipped entry listed.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	if _, err := Read(ctx, filepath.Join(tmp, "missing")); err == nil {
		t.Error("a missing dir was read")
	}
	if _, err := Read(ctx, tmp); err == nil || !strings.Contains(err.Error(), "no 9Router data") {
		t.Errorf("empty dir: %v", err)
	}
	other := filepath.Join(tmp, "other.json")
	os.WriteFile(other, []byte(`{"hello":"world"}`), 0o600)
	if _, err := Read(ctx, other); err == nil || !strings.Contains(err.Error(), "not a 9Router") {
		t.Errorf("other JSON: %v", err)
	}
	garbage := filepath.Join(tmp, "garbage.sqlite")
	os.WriteFile(garbage, []byte("SQLite format 3\x00 and then nothing useful"), 0o600)
	if _, err := Read(ctx, garbage); err == nil {
		t.Error("a truncated SQLite file was read")
	}

	raw, err := os.ReadFile(filepath.Join(importtest.Samples(), "9router-0.5.69-backup", "9router-backup.json"))
	if err != nil {
		t.Fatal(err)
	}
	damaged := strings.Replace(string(raw), `"priority": 2,`, `"priority": "two",`, 1)
	b, err := ParseJSON([]byte(damaged), "damaged.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Accounts) != 9 || len(b.Skipped) != 1 || b.Skipped[0].Kind != "account" {
		t.Errorf("damaged record: %d accounts, skipped %+v", len(b.Accounts), b.Skipped)
	}
	wrongShape := strings.Replace(string(raw), `"combos": [`, `"combos": {"x": [`, 1)
	wrongShape = strings.Replace(wrongShape, `"modelAliases"`, `"x2": 1}, "modelAliases"`, 1)
	if b, err := ParseJSON([]byte(wrongShape), "shape.json"); err != nil {
		t.Logf("wrong shape refused whole: %v", err)
	} else if len(b.Accounts) != 10 || len(b.Combos) != 0 {
		t.Errorf("wrong-shaped combos: %d accounts, %d combos, skipped %+v", len(b.Accounts), len(b.Combos), b.Skipped)
	}
}

func FuzzParseJSON(f *testing.F) {
	raw, _ := os.ReadFile(filepath.Join(importtest.Samples(), "9router-0.5.69-backup", "9router-backup.json"))
	f.Add(raw)
	f.Add([]byte(`{"providerConnections":[{"provider":"openai","apiKey":"k","isActive":1}],"combos":[{"name":"c","models":["a/b"]}]}`))
	f.Add([]byte(`{"settings":null,"modelAliases":{"a":1},"pricing":{"x":{"m":{"input":"1"}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseJSON(data, "fuzz.json")
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
