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
)

// PendingWrite is a secret write that has started and whose owner row's fate was not yet settled: the mark
// that lets a start-up sweep tell a crash between the keychain and the database apart from a row that is
// legally without a secret (issue #9 finding 5).
type PendingWrite struct {
	Key   string    `json:"key"`
	Op    string    `json:"op"`
	Owner string    `json:"owner"` // the caller's name for the row that owns the secret; opaque here
	Since time.Time `json:"since"`
}

// Journal records pending secret writes in a small JSON file, written whole and synced before each write it
// announces (the file holds key names, never values). A keychain cannot list its entries, so without the journal
// a key whose row never committed, or whose row was deleted before the key, would stay in it for good.
type Journal struct {
	path string
	mu   sync.Mutex
}

// OpenJournal returns the journal of dataDir (the file is created on the first Begin).
func OpenJournal(dataDir string) *Journal {
	return &Journal{path: filepath.Join(dataDir, JournalFile)}
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
	Removed    []string // keys deleted: their row never committed, or was deleted before them
	Unfinished []string // owners whose row exists but whose secret never arrived (enter it again)
	Left       int      // entries kept for a later sweep (the store could not answer)
}

// Sweep settles every pending write against the rows: live(w) says whether w's owner row exists now. A set
// whose row is gone and a delete whose row is gone lose their key; a set whose row exists but whose key reads
// as absent is reported as unfinished; a delete whose row still exists keeps its key. Entries the store cannot
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
		switch {
		case !alive:
			if err := s.Delete(w.Key); err != nil && !errors.Is(err, ErrNotFound) {
				rep.Left++
				continue
			}
			rep.Removed = append(rep.Removed, w.Key)
		case w.Op == OpSet:
			if _, err := s.Get(w.Key); errors.Is(err, ErrNotFound) {
				rep.Unfinished = append(rep.Unfinished, w.Owner)
			} else if err != nil {
				rep.Left++
				continue
			}
		}
		if err := j.Done(w.Key); err != nil {
			return rep, err
		}
	}
	return rep, nil
}
