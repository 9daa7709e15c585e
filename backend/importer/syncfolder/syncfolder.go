// Package syncfolder keeps several machines' configurations in step through a folder the user already syncs
// (Dropbox, iCloud Drive, Syncthing…): each machine writes its own encrypted snapshot file there (one file per
// machine, so two machines never write the same file) and reads the others'. Objects (a node, an account, a
// combo…) carry when they last changed and on which machine; the newer one wins, object by object, and a lost
// concurrent edit goes to the conflict log. Snapshots are sealed by backend/importer/backup: nothing in the
// folder is readable without the sync passphrase.
package syncfolder

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/backup"
	"github.com/ninerouter/ninerouter/backend/safefile"
)

// filePrefix and fileSuffix frame a snapshot's name: ninerouter-sync-<machine id>.age.
const (
	filePrefix = "ninerouter-sync-"
	fileSuffix = ".age"
)

// WorkFactor is the scrypt work of a snapshot: lower than a backup's, since one is written after every change.
const WorkFactor = 15

// Object is one synced thing: Kind ("node", "account", "combo", "alias", "key", "price", "setting"), Key (its
// identity on every machine), Hash (of Data, to see a change) and Data (the importer record, secrets included).
type Object struct {
	Kind  string          `json:"kind"`
	Key   string          `json:"key"`
	Hash  string          `json:"hash"`
	Stamp importer.Stamp  `json:"stamp"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// ID is the object's identity across kinds.
func (o Object) ID() string { return o.Kind + "\x00" + o.Key }

// HashOf is the content hash of data.
func HashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// Snapshot is what one machine wrote.
type Snapshot struct {
	Machine   string    `json:"machine"`
	WrittenAt time.Time `json:"writtenAt"`
	Objects   []Object  `json:"objects"`
}

// FileName is the snapshot file of machine.
func FileName(machine string) string { return filePrefix + machine + fileSuffix }

// Write seals snap (scrypt work factor workFactor; 0 = WorkFactor) and writes it atomically to the folder under
// this machine's name.
func Write(folder string, snap Snapshot, passphrase, app string, workFactor int) error {
	if workFactor == 0 {
		workFactor = WorkFactor
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	// The snapshot travels inside a bundle's settings-free envelope: the backup format, versioned and sealed.
	b := &importer.Bundle{Source: importer.SourceSync, Format: "sync snapshot", Settings: map[string]string{"snapshot": string(raw)}}
	data, err := backup.Seal(b, backup.Header{Machine: snap.Machine, App: app, CreatedAt: snap.WrittenAt}, passphrase, workFactor)
	clear(raw)
	if err != nil {
		return err
	}
	path := filepath.Join(folder, FileName(snap.Machine))
	prev, err := safefile.Read(path)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	if err := safefile.Write(prev, data, safefile.Options{NewMode: 0o600}); err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	return nil
}

// Peer is another machine's snapshot file.
type Peer struct {
	Machine string
	Path    string
	ModTime time.Time
	Size    int64
}

// Peers lists the snapshot files of machines other than self.
func Peers(folder, self string) ([]Peer, error) {
	ents, err := os.ReadDir(folder)
	if err != nil {
		return nil, fmt.Errorf("sync folder: %w", err)
	}
	var out []Peer
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, filePrefix) || !strings.HasSuffix(name, fileSuffix) || e.IsDir() {
			continue
		}
		m := strings.TrimSuffix(strings.TrimPrefix(name, filePrefix), fileSuffix)
		if m == self || m == "" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, Peer{Machine: m, Path: filepath.Join(folder, name), ModTime: info.ModTime(), Size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Machine < out[j].Machine })
	return out, nil
}

// Read opens a peer's snapshot.
func Read(p Peer, passphrase string) (Snapshot, error) {
	data, err := os.ReadFile(p.Path)
	if err != nil {
		return Snapshot{}, err
	}
	b, _, err := backup.Open(data, passphrase)
	if err != nil {
		return Snapshot{}, err
	}
	var snap Snapshot
	if err := json.Unmarshal([]byte(b.Settings["snapshot"]), &snap); err != nil {
		return Snapshot{}, fmt.Errorf("%w: not a sync snapshot (%v)", backup.ErrNotBackup, err)
	}
	if snap.Machine != p.Machine {
		return Snapshot{}, errors.New("the snapshot names another machine than its file")
	}
	return snap, nil
}

// Conflict is a concurrent edit that lost.
type Conflict struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Key     string    `json:"key"`
	Winner  string    `json:"winner"` // machine
	Loser   string    `json:"loser"`
	Deleted bool      `json:"deleted"` // the winner deleted it
}

// Newer reports whether a is the later write (ties go to the larger machine id, the same answer on every machine).
func Newer(a, b importer.Stamp) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.After(b.UpdatedAt)
	}
	return a.Origin > b.Origin
}

// Merge compares a peer's objects with the local ones (by ID) and returns the peer's objects that win (to apply
// here; Stamp.Deleted ones are deletions) and the conflicts: edits on both sides since this peer was last read
// (since), of which one lost.
func Merge(local map[string]Object, remote Snapshot, since, now time.Time) (wins []Object, conflicts []Conflict) {
	for _, r := range remote.Objects {
		l, ok := local[r.ID()]
		switch {
		case !ok:
			if !r.Stamp.Deleted {
				wins = append(wins, r)
			}
		case l.Hash == r.Hash && l.Stamp.Deleted == r.Stamp.Deleted:
			// in step
		case Newer(r.Stamp, l.Stamp):
			wins = append(wins, r)
			if l.Stamp.Origin != r.Stamp.Origin && l.Stamp.UpdatedAt.After(since) {
				conflicts = append(conflicts, Conflict{At: now, Kind: r.Kind, Key: r.Key, Winner: r.Stamp.Origin, Loser: l.Stamp.Origin, Deleted: r.Stamp.Deleted})
			}
		default:
			if l.Stamp.Origin != r.Stamp.Origin && r.Stamp.UpdatedAt.After(since) {
				conflicts = append(conflicts, Conflict{At: now, Kind: r.Kind, Key: r.Key, Winner: l.Stamp.Origin, Loser: r.Stamp.Origin, Deleted: l.Stamp.Deleted})
			}
		}
	}
	return wins, conflicts
}
