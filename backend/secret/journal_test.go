package secret

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestJournalSweep settles each kind of pending write against its row (live or gone) and the store (key
// present or absent, store answering or locked).
func TestJournalSweep(t *testing.T) {
	cases := []struct {
		name              string
		op                string
		live, hasKey      bool
		locked            bool
		wantKey           bool
		wantRemoved       bool
		wantUnfinished    bool
		wantLeftInJournal bool
	}{
		{name: "set, row committed", op: OpSet, live: true, hasKey: true, wantKey: true},
		{name: "set, row never committed", op: OpSet, live: false, hasKey: true, wantRemoved: true},
		{name: "set, row committed but the key never arrived", op: OpSet, live: true, hasKey: false, wantUnfinished: true},
		{name: "delete, row gone", op: OpDelete, live: false, hasKey: true, wantRemoved: true},
		{name: "delete, row delete rolled back", op: OpDelete, live: true, hasKey: true, wantKey: true},
		{name: "store locked: left for later", op: OpSet, live: false, hasKey: true, locked: true, wantKey: true, wantLeftInJournal: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			j := OpenJournal(dir)
			mem := NewMemory()
			if tc.hasKey {
				_ = mem.Set("account/7/api_key", "v")
			}
			if err := j.Begin(PendingWrite{Key: "account/7/api_key", Op: tc.op, Owner: "account:7:1"}); err != nil {
				t.Fatal(err)
			}
			var s Store = mem
			if tc.locked {
				s = lockedStore{mem}
			}
			rep, err := j.Sweep(s, func(PendingWrite) (bool, error) { return tc.live, nil })
			if err != nil {
				t.Fatal(err)
			}
			_, getErr := mem.Get("account/7/api_key")
			if (getErr == nil) != tc.wantKey {
				t.Errorf("key present %v, want %v", getErr == nil, tc.wantKey)
			}
			if (len(rep.Removed) == 1) != tc.wantRemoved || (len(rep.Unfinished) == 1) != tc.wantUnfinished {
				t.Errorf("report %+v", rep)
			}
			left, _ := j.Pending()
			if (len(left) == 1) != tc.wantLeftInJournal {
				t.Errorf("journal after the sweep: %+v", left)
			}
		})
	}
}

// lockedStore answers ErrWaiting to everything, as a Patient whose keychain is locked.
type lockedStore struct{ Store }

func (lockedStore) Get(string) (string, error) { return "", ErrWaiting }
func (lockedStore) Set(string, string) error   { return ErrWaiting }
func (lockedStore) Delete(string) error        { return ErrWaiting }

// TestJournalBeginReplacesTheSameKey: a new write of a key decides its value, so an older entry for it goes.
func TestJournalBeginReplacesTheSameKey(t *testing.T) {
	j := OpenJournal(t.TempDir())
	for _, w := range []PendingWrite{{Key: "a", Op: OpSet, Owner: "account:1:1"}, {Key: "b", Op: OpSet}, {Key: "a", Op: OpDelete, Owner: "account:1:1"}} {
		if err := j.Begin(w); err != nil {
			t.Fatal(err)
		}
	}
	p, err := j.Pending()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range p {
		got = append(got, w.Key+":"+w.Op)
	}
	if want := []string{"b:set", "a:delete"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("pending %v, want %v", got, want)
	}
	if err := j.Done("a"); err != nil {
		t.Fatal(err)
	}
	if err := j.Done("b"); err != nil {
		t.Fatal(err)
	}
	if p, _ := j.Pending(); len(p) != 0 {
		t.Fatalf("pending after Done: %+v", p)
	}
}

// TestJournalSweepReplaceAndAlso settles replaces (a staged new value for an existing row) and entries with
// companion keys (a token's second slot).
func TestJournalSweepReplaceAndAlso(t *testing.T) {
	const target, staged, also = "account/7/oauth", "account/7/oauth.staged", "account/7/oauth.next"
	cases := []struct {
		name      string
		w         PendingWrite
		keys      map[string]string // the store before the sweep
		committed bool
		locked    bool
		want      map[string]string // the store after it
		promoted  bool
		left      bool
	}{
		{name: "replace committed: the staged value takes the target's place",
			w: PendingWrite{Key: staged, Op: OpReplace, Target: target}, keys: map[string]string{target: "old", staged: "new"},
			committed: true, want: map[string]string{target: "new"}, promoted: true},
		{name: "replace committed and already moved (killed before its entry went)",
			w: PendingWrite{Key: staged, Op: OpReplace, Target: target}, keys: map[string]string{target: "new"},
			committed: true, want: map[string]string{target: "new"}},
		{name: "replace not committed: the old value stays, the staged one goes",
			w: PendingWrite{Key: staged, Op: OpReplace, Target: target}, keys: map[string]string{target: "old", staged: "new"},
			want: map[string]string{target: "old"}},
		{name: "replace with the store locked: left for later",
			w: PendingWrite{Key: staged, Op: OpReplace, Target: target}, keys: map[string]string{target: "old", staged: "new"},
			committed: true, locked: true, want: map[string]string{target: "old", staged: "new"}, left: true},
		{name: "set whose row never committed: its companion goes too",
			w: PendingWrite{Key: target, Also: []string{also}, Op: OpSet}, keys: map[string]string{target: "t", also: "t"},
			want: map[string]string{}},
		{name: "set committed with the value in the companion only (the vault repairs it)",
			w: PendingWrite{Key: target, Also: []string{also}, Op: OpSet}, keys: map[string]string{also: "t"},
			committed: true, want: map[string]string{also: "t"}},
		{name: "delete of a row that is gone: every key goes",
			w:    PendingWrite{Key: "account/7/api_key", Also: []string{target, also, staged}, Op: OpDelete},
			keys: map[string]string{"account/7/api_key": "k", target: "t", staged: "s"}, want: map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := OpenJournal(t.TempDir())
			mem := NewMemory()
			for k, v := range tc.keys {
				_ = mem.Set(k, v)
			}
			tc.w.Owner = "account:7:1"
			if err := j.Begin(tc.w); err != nil {
				t.Fatal(err)
			}
			var s Store = mem
			if tc.locked {
				s = lockedStore{mem}
			}
			rep, err := j.Sweep(s, func(PendingWrite) (bool, error) { return tc.committed, nil })
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, k := range []string{target, staged, also, "account/7/api_key"} {
				if v, err := mem.Get(k); err == nil {
					got[k] = v
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("store after the sweep: %v, want %v", got, tc.want)
			}
			if (len(rep.Promoted) == 1) != tc.promoted || len(rep.Unfinished) != 0 {
				t.Errorf("report %+v", rep)
			}
			if left, _ := j.Pending(); (len(left) == 1) != tc.left {
				t.Errorf("journal after the sweep: %+v", left)
			}
		})
	}
}

// TestJournalOpenRemovesStaleTemps: a write killed before its rename leaves a temp beside the journal; the next
// open removes it.
func TestJournalOpenRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "."+JournalFile+".tmp-42")
	if err := os.WriteFile(stale, []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	OpenJournal(dir)
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the stale temp is still there: %v", err)
	}
}
