package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// JournalFile is the pending-secret-writes journal in the data dir.
const JournalFile = "secret-journal.json"

// Ops a journal entry records.
const (
	OpSet    = "set"
	OpDelete = "delete"
	// OpReplace is a new value for a row that exists: it waits under a staging key (Key) until the row's change
	// commits, then replaces Target, so a crash leaves the old value with the old row or the new one with the new.
	OpReplace = "replace"
)

// PendingWrite is a secret write that has started and whose owner row's fate was not yet settled: the mark
// that lets a start-up sweep tell a crash between the keychain and the database apart from a row that is
// legally without a secret (issue #9 finding 5).
type PendingWrite struct {
	Key   string    `json:"key"`
	Op    string    `json:"op"`
	Owner string    `json:"owner"` // the caller's name for the row that owns the secret; opaque here
	Since time.Time `json:"since"`
	// Also names other keys written (set) or deleted with Key, such as a token's second slot: they go with it
	// when the row is gone and are never checked on their own.
	Also []string `json:"also,omitempty"`
	// Target is the key an OpReplace's staged value replaces.
	Target string `json:"target,omitempty"`
}

// Journal records pending secret writes in a small JSON file, written whole and synced before each write it
// announces (the file holds key names, never values). A keychain cannot list its entries, so without the journal
// a key whose row never committed, or whose row was deleted before the key, would stay in it for good.
type Journal struct {
	path string
	mu   sync.Mutex
}

// OpenJournal returns the journal of dataDir (the file is created on the first Begin), removing the temp files
// of a write a crash interrupted (the service opens it once, before any write).
func OpenJournal(dataDir string) *Journal {
	j := &Journal{path: filepath.Join(dataDir, JournalFile)}
	removeStaleTemps(j.path)
	return j
}

func (j *Journal) read() ([]PendingWrite, error) {
	b, err := os.ReadFile(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret journal: %w", err)
	}
	var ws []PendingWrite
	if err := json.Unmarshal(b, &ws); err != nil {
		return nil, fmt.Errorf("secret journal %s: %w", j.path, err)
	}
	return ws, nil
}

func (j *Journal) write(ws []PendingWrite) error {
	if len(ws) == 0 {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("secret journal: %w", err)
		}
		return nil
	}
	b, err := json.MarshalIndent(ws, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(j.path, b, 0o600); err != nil {
		return fmt.Errorf("secret journal: %w", err)
	}
	return nil
}

// Begin records w durably; call it before touching the secret. An older entry for the same key is replaced:
// the new write decides that key's value.
func (j *Journal) Begin(w PendingWrite) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	ws, err := j.read()
	if err != nil {
		return err
	}
	if w.Since.IsZero() {
		w.Since = time.Now().UTC()
	}
	return j.write(append(without(ws, w.Key), w))
}

// without is ws less key's entry.
func without(ws []PendingWrite, key string) []PendingWrite {
	out := ws[:0:0]
	for _, o := range ws {
		if o.Key != key {
			out = append(out, o)
		}
	}
	return out
}

// Done drops key's entry: its write and its row are settled.
func (j *Journal) Done(key string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	ws, err := j.read()
	if err != nil {
		return err
	}
	out := without(ws, key)
	if len(out) == len(ws) {
		return nil
	}
	return j.write(out)
}

// Pending lists the writes not yet settled.
func (j *Journal) Pending() ([]PendingWrite, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.read()
}

// SweepReport says what a sweep did.
type SweepReport struct {
	Removed    []string       // keys deleted: their row never committed, or was deleted before them
	Promoted   []PendingWrite // replaces whose staged value now is the target's (the caller reloads those rows)
	Unfinished []string       // owners whose row exists but whose secret never arrived (enter it again)
	Left       int            // entries kept for a later sweep (the store could not answer)
}

// Sweep settles every pending write against the rows: live(w) says whether w's row change committed (for a
// set, the row exists; for a delete, the row still exists, so the delete rolled back; for a replace, the row
// exists and was saved at or after w.Since). A set or delete whose row is gone loses its keys; a replace whose
// change did not commit loses its staged value and keeps the old one; a replace whose change committed has its
// staged value moved over Target (again, if a crash hit that move); a set whose row exists but whose keys read as
// absent is reported as unfinished; a delete whose row still exists keeps its keys. Entries the store cannot
// settle now (a locked keychain) stay for the next sweep.
func (j *Journal) Sweep(s Store, live func(PendingWrite) (bool, error)) (SweepReport, error) {
	var rep SweepReport
	ws, err := j.Pending()
	if err != nil {
		return rep, err
	}
	for _, w := range ws {
		alive, err := live(w)
		if err != nil {
			rep.Left++
			continue
		}
		var settled bool
		switch {
		case !alive && w.Op == OpReplace:
			settled = deleteAll(s, w.Key)
			if settled {
				rep.Removed = append(rep.Removed, w.Key)
			}
		case !alive:
			settled = deleteAll(s, append([]string{w.Key}, w.Also...)...)
			if settled {
				rep.Removed = append(rep.Removed, w.Key)
			}
		case w.Op == OpReplace:
			var promoted bool
			promoted, settled = promote(s, w)
			if promoted {
				rep.Promoted = append(rep.Promoted, w)
			}
		case w.Op == OpSet:
			var present bool
			present, settled = anyPresent(s, append([]string{w.Key}, w.Also...))
			if settled && !present {
				rep.Unfinished = append(rep.Unfinished, w.Owner)
			}
		default:
			settled = true // a delete that rolled back: the row keeps its keys
		}
		if !settled {
			rep.Left++
			continue
		}
		if err := j.Done(w.Key); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// deleteAll deletes keys; false when the store could not answer for one of them.
func deleteAll(s Store, keys ...string) bool {
	ok := true
	for _, k := range keys {
		if err := s.Delete(k); err != nil && !errors.Is(err, ErrNotFound) {
			ok = false
		}
	}
	return ok
}

// promote moves a committed replace's staged value over its target, then drops the staging key. A staging key
// that reads as absent was already moved (it goes only after the target is written whole).
func promote(s Store, w PendingWrite) (promoted, settled bool) {
	v, err := s.Get(w.Key)
	if errors.Is(err, ErrNotFound) {
		return false, true
	}
	if err != nil {
		return false, false
	}
	if w.Target == "" {
		return false, deleteAll(s, w.Key) // nothing to replace: the staged value would only linger
	}
	if err := s.Set(w.Target, v); err != nil {
		return false, false
	}
	return true, deleteAll(s, w.Key)
}

// anyPresent reports whether one of keys holds a value; settled is false when the store could not answer.
func anyPresent(s Store, keys []string) (present, settled bool) {
	for _, k := range keys {
		_, err := s.Get(k)
		if err == nil {
			return true, true
		}
		if !errors.Is(err, ErrNotFound) {
			return false, false
		}
	}
	return false, true
}
