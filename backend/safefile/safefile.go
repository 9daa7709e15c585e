// Package safefile changes a user's files without ever losing them: a Snapshot remembers exactly what was read,
// Write replaces the file atomically (temp file in the same directory, fsync, rename, directory fsync) only if it
// still holds what was read, keeps its permissions, and Backups keeps the first-seen original plus rotating
// copies in NineRouter's data dir.
//
// Why not github.com/google/renameio: it does not build its atomic writer on Windows, and we need the
// re-check-before-rename and mode keeping anyway; the remaining code is a few lines of os calls.
package safefile

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Snapshot is a file as it was read.
type Snapshot struct {
	Path   string
	Data   []byte
	Exists bool
	Mode   fs.FileMode // permission bits; 0 when the file did not exist
	Sum    string      // sha256 of Data, hex; "" when the file did not exist
}

// Read reads path. A missing file is a Snapshot with Exists false, not an error; a directory or a file that
// cannot be read is an error.
func Read(path string) (Snapshot, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Snapshot{Path: path}, nil
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return Snapshot{}, fmt.Errorf("read %s: not a regular file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read %s: %w", path, err)
	}
	return Snapshot{Path: path, Data: data, Exists: true, Mode: st.Mode().Perm(), Sum: Sum(data)}, nil
}

// Sum is the hex sha256 used to recognise content.
func Sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// ErrChanged means the file changed on disk after it was read; nothing was written.
var ErrChanged = errors.New("the file changed since it was read")

// Check reports ErrChanged when the file on disk differs from the snapshot.
func (s Snapshot) Check() error {
	now, err := Read(s.Path)
	if err != nil {
		return err
	}
	if now.Exists != s.Exists || !bytes.Equal(now.Data, s.Data) {
		return fmt.Errorf("%s: %w; read it again and retry", s.Path, ErrChanged)
	}
	return nil
}

// Options tune Write.
type Options struct {
	// NewMode is the mode of a file that did not exist (default 0600: tool configs we write hold an API key).
	NewMode fs.FileMode
	// BeforeRename runs after the temp file is complete and synced, just before the rename; tests use it to
	// stop a writer at the worst moment.
	BeforeRename func(tmp string)
}

// Write replaces the file of snap with data, atomically, if the file still holds what snap read.
func Write(snap Snapshot, data []byte, opt Options) error {
	path, err := realPath(snap.Path)
	if err != nil {
		return fmt.Errorf("write %s: %w", snap.Path, err)
	}
	dir := filepath.Dir(path)
	mode := snap.Mode
	if !snap.Exists {
		mode = opt.NewMode
		if mode == 0 {
			mode = 0o600
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	cleanStaleTemps(dir, filepath.Base(path))
	tmp, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if runtime.GOOS != "windows" {
		if err := os.Chmod(name, mode); err != nil {
			return fmt.Errorf("write %s: keep permissions: %w", path, err)
		}
		keepOwner(name, path)
	}
	if opt.BeforeRename != nil {
		opt.BeforeRename(name)
	}
	// Optimistic concurrency: the tool (or the user) may have saved the file while we were working.
	if err := snap.Check(); err != nil {
		return err
	}
	if err := replace(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	return syncDir(dir)
}

// realPath follows a symlink to the file it names, so a config kept in a dotfiles repo and linked into place is
// updated where it lives instead of being replaced by a regular file.
func realPath(path string) (string, error) {
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	return filepath.EvalSymlinks(path)
}

// Remove deletes the file of snap if it still holds what snap read (restoring a file that did not exist).
func Remove(snap Snapshot) error {
	if !snap.Exists {
		return nil
	}
	if err := snap.Check(); err != nil {
		return err
	}
	if err := os.Remove(snap.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", snap.Path, err)
	}
	return syncDir(filepath.Dir(snap.Path))
}

// createTemp makes "<base>.nrtmp-<random>" next to the target with create-new semantics, so it is on the same
// volume (rename stays atomic) and never collides with another writer's temp file.
func createTemp(dir, base string) (*os.File, error) {
	for range 16 {
		var b [6]byte
		_, _ = rand.Read(b[:])
		f, err := os.OpenFile(filepath.Join(dir, "."+base+".nrtmp-"+hex.EncodeToString(b[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, errors.New("could not create a temp file")
}

// cleanStaleTemps removes temp files a killed writer left behind (older than a minute, so a concurrent writer's
// live temp file is never touched).
func cleanStaleTemps(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, "."+base+".nrtmp-*"))
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && time.Since(st.ModTime()) > time.Minute {
			os.Remove(m)
		}
	}
}

// replace renames tmp over path. On Windows, os.Rename is MoveFileEx(REPLACE_EXISTING), which fails with a
// sharing violation while another program holds the file open; a few short retries ride that out, and the
// target keeps its old contents if they all fail.
func replace(tmp, path string) error {
	var err error
	for attempt := range 5 {
		if err = os.Rename(tmp, path); err == nil || runtime.GOOS != "windows" {
			return err
		}
		time.Sleep(time.Duration(20*(attempt+1)) * time.Millisecond)
	}
	return err
}

// syncDir makes the rename itself durable. Windows cannot open a directory for fsync; NTFS journals the rename.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
