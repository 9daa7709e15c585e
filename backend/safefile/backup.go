package safefile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Backups keeps copies of the files NineRouter edits, under Root (the data dir's backups/tools), never next to
// the file: tools prune their own directories (OpenClaw deletes every openclaw.json.bak.* it did not make, Claude
// Code rotates ~/.claude/backups). Per file it keeps the permanent first-seen original (or a marker that the file
// did not exist) and the Keep newest timestamped copies; rotation never touches the original.
type Backups struct {
	Root    string
	Keep    int    // timestamped copies kept per file; default 10
	Version string // NineRouter version recorded in each sidecar
}

// Meta is the sidecar of one backup.
type Meta struct {
	OriginalPath string    `json:"originalPath"`
	Tool         string    `json:"tool"`
	AppVersion   string    `json:"appVersion,omitempty"`
	SHA256       string    `json:"sha256,omitempty"`
	Missing      bool      `json:"missing,omitempty"` // the file did not exist
	Reason       string    `json:"reason"`
	CreatedAt    time.Time `json:"createdAt"`
	Mode         uint32    `json:"mode,omitempty"`
}

// Entry is one stored backup.
type Entry struct {
	Meta
	File string `json:"file"` // where the copy lives ("" for a did-not-exist marker)
}

// Data reads the copy; nil for a did-not-exist marker.
func (e Entry) Data() ([]byte, error) {
	if e.Missing {
		return nil, nil
	}
	return os.ReadFile(e.File)
}

const (
	originalName   = "original"
	missingMarker  = "original.missing"
	metaSuffix     = ".meta.json"
	stampLayout    = "20060102T150405.000000000Z"
	defaultBackups = 10
)

// Dir is where the backups of one file of one tool live: a readable name plus a hash of the full path, so two
// files with the same name (settings.json of two tools, or of two homes) never share a folder.
func (b Backups) Dir(tool, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	h := sha256.Sum256([]byte(filepath.ToSlash(abs)))
	return filepath.Join(b.Root, safeName(tool), safeName(filepath.Base(abs))+"-"+hex.EncodeToString(h[:6]))
}

// safeName keeps letters, digits, '.', '-' and '_' so a name is valid on every file system.
func safeName(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	out := strings.Trim(sb.String(), ".")
	if out == "" {
		out = "_"
	}
	return out
}

// Save records snap: the first time a file is seen its content becomes the permanent original; every call also
// adds a timestamped copy and rotates the oldest copies away.
func (b Backups) Save(tool string, snap Snapshot, reason string) (Entry, error) {
	dir := b.Dir(tool, snap.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Entry{}, fmt.Errorf("backup %s: %w", snap.Path, err)
	}
	if _, ok, err := b.Original(tool, snap.Path); err != nil {
		return Entry{}, err
	} else if !ok {
		name := originalName
		if !snap.Exists {
			name = missingMarker
		}
		if _, err := b.store(dir, name, tool, snap, "first-seen original"); err != nil {
			return Entry{}, err
		}
	}
	stamp := time.Now().UTC().Format(stampLayout)
	e, err := b.store(dir, stamp+"-"+safeName(reason), tool, snap, reason)
	if err != nil {
		return Entry{}, err
	}
	return e, b.rotate(dir)
}

func (b Backups) store(dir, name, tool string, snap Snapshot, reason string) (Entry, error) {
	m := Meta{OriginalPath: snap.Path, Tool: tool, AppVersion: b.Version, SHA256: snap.Sum, Missing: !snap.Exists,
		Reason: reason, CreatedAt: time.Now().UTC(), Mode: uint32(snap.Mode)}
	e := Entry{Meta: m}
	if snap.Exists {
		e.File = filepath.Join(dir, name)
		if err := writeNew(e.File, snap.Data); err != nil {
			return Entry{}, fmt.Errorf("backup %s: %w", snap.Path, err)
		}
	}
	meta, _ := json.MarshalIndent(m, "", "  ")
	if err := writeNew(filepath.Join(dir, name+metaSuffix), meta); err != nil {
		return Entry{}, fmt.Errorf("backup %s: %w", snap.Path, err)
	}
	return e, nil
}

// writeNew writes a backup file durably (0600: these copies hold API keys) through the same atomic path.
func writeNew(path string, data []byte) error {
	snap, err := Read(path)
	if err != nil {
		return err
	}
	return Write(snap, data, Options{NewMode: 0o600})
}

// Original returns the first-seen original; ok is false when none was stored yet.
func (b Backups) Original(tool, path string) (Entry, bool, error) {
	dir := b.Dir(tool, path)
	for _, name := range []string{originalName, missingMarker} {
		raw, err := os.ReadFile(filepath.Join(dir, name+metaSuffix))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Entry{}, false, fmt.Errorf("backup of %s: %w", path, err)
		}
		var e Entry
		if err := json.Unmarshal(raw, &e.Meta); err != nil {
			return Entry{}, false, fmt.Errorf("backup of %s: bad sidecar: %w", path, err)
		}
		if !e.Missing {
			e.File = filepath.Join(dir, name)
		}
		return e, true, nil
	}
	return Entry{}, false, nil
}

// List returns the timestamped copies of a file, newest first.
func (b Backups) List(tool, path string) ([]Entry, error) {
	dir := b.Dir(tool, path)
	names, err := b.copies(dir)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(names))
	for i := len(names) - 1; i >= 0; i-- {
		raw, err := os.ReadFile(filepath.Join(dir, names[i]+metaSuffix))
		if err != nil {
			continue
		}
		var e Entry
		if json.Unmarshal(raw, &e.Meta) != nil {
			continue
		}
		if !e.Missing {
			e.File = filepath.Join(dir, names[i])
		}
		out = append(out, e)
	}
	return out, nil
}

// copies lists the timestamped backups (by sidecar), oldest first.
func (b Backups) copies(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, metaSuffix) {
			continue
		}
		n = strings.TrimSuffix(n, metaSuffix)
		if n == originalName || n == missingMarker {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names) // the timestamp prefix sorts by time
	return names, nil
}

func (b Backups) rotate(dir string) error {
	keep := b.Keep
	if keep <= 0 {
		keep = defaultBackups
	}
	names, err := b.copies(dir)
	if err != nil {
		return err
	}
	for len(names) > keep {
		os.Remove(filepath.Join(dir, names[0]))
		os.Remove(filepath.Join(dir, names[0]+metaSuffix))
		names = names[1:]
	}
	return nil
}
