package syncfolder

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/backup"
)

func obj(kind, key, hash, origin string, at time.Time, deleted bool) Object {
	return Object{Kind: kind, Key: key, Hash: hash, Stamp: importer.Stamp{UpdatedAt: at, Origin: origin, Deleted: deleted}}
}

func TestMerge(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	since := t0.Add(time.Minute)
	cases := []struct {
		name      string
		local     []Object
		remote    Object
		wins      int
		conflicts int
	}{
		{"new there", nil, obj("combo", "c", "h1", "B", t0, false), 1, 0},
		{"deleted there, never here", nil, obj("combo", "c", "", "B", t0, true), 0, 0},
		{"in step", []Object{obj("combo", "c", "h1", "A", t0, false)}, obj("combo", "c", "h1", "A", t0, false), 0, 0},
		{"newer there, old here", []Object{obj("combo", "c", "h1", "A", t0, false)}, obj("combo", "c", "h2", "B", t0.Add(2*time.Minute), false), 1, 0},
		{"newer there, edited here too", []Object{obj("combo", "c", "h1", "A", t0.Add(2*time.Minute), false)}, obj("combo", "c", "h2", "B", t0.Add(3*time.Minute), false), 1, 1},
		{"newer here, edited there too", []Object{obj("combo", "c", "h1", "A", t0.Add(3*time.Minute), false)}, obj("combo", "c", "h2", "B", t0.Add(2*time.Minute), false), 0, 1},
		{"older there, not edited since", []Object{obj("combo", "c", "h1", "A", t0.Add(3*time.Minute), false)}, obj("combo", "c", "h2", "B", t0, false), 0, 0},
		{"deleted there later", []Object{obj("alias", "f", "h1", "A", t0, false)}, obj("alias", "f", "", "B", t0.Add(2*time.Minute), true), 1, 0},
		{"same time: larger machine id wins", []Object{obj("alias", "f", "h1", "A", t0, false)}, obj("alias", "f", "h2", "B", t0, false), 1, 0},
	}
	for _, c := range cases {
		local := map[string]Object{}
		for _, o := range c.local {
			local[o.ID()] = o
		}
		wins, conflicts := Merge(local, Snapshot{Machine: "B", Objects: []Object{c.remote}}, since, t0.Add(time.Hour))
		if len(wins) != c.wins || len(conflicts) != c.conflicts {
			t.Errorf("%s: %d wins, %d conflicts; want %d, %d", c.name, len(wins), len(conflicts), c.wins, c.conflicts)
		}
	}
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	snap := Snapshot{Machine: "m1", WrittenAt: time.Now().UTC(), Objects: []Object{obj("combo", "c", "h", "m1", time.Now(), false)}}
	if err := Write(dir, snap, "sync passphrase", "test", 10); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, snap, "sync passphrase", "test", 10); err != nil {
		t.Fatal(err) // replaces its own file
	}
	peers, err := Peers(dir, "m2")
	if err != nil || len(peers) != 1 {
		t.Fatalf("peers %+v %v", peers, err)
	}
	if self, _ := Peers(dir, "m1"); len(self) != 0 {
		t.Errorf("a machine sees its own file as a peer")
	}
	got, err := Read(peers[0], "sync passphrase")
	if err != nil || len(got.Objects) != 1 {
		t.Fatalf("read %+v %v", got, err)
	}
	if _, err := Read(peers[0], "other passphrase"); !errors.Is(err, backup.ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
	raw, _ := os.ReadFile(peers[0].Path)
	os.WriteFile(filepath.Join(dir, FileName("m3")), raw[:len(raw)/2], 0o600)
	peers, _ = Peers(dir, "m2")
	for _, p := range peers {
		if p.Machine == "m3" {
			if _, err := Read(p, "sync passphrase"); !errors.Is(err, backup.ErrDamaged) {
				t.Errorf("truncated snapshot: %v", err)
			}
		}
	}
	// m1's file renamed to m4 is refused: a snapshot speaks only for its own machine.
	os.WriteFile(filepath.Join(dir, FileName("m4")), raw, 0o600)
	if _, err := Read(Peer{Machine: "m4", Path: filepath.Join(dir, FileName("m4"))}, "sync passphrase"); err == nil {
		t.Error("a snapshot under another machine's name was read")
	}
}
