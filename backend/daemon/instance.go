package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/ninerouter/ninerouter/backend/safefile"
	"github.com/ninerouter/ninerouter/backend/version"
)

// Files in the data dir that say which instance serves it (issue #9 finding 9: the CLI looked only at the
// default or configured port, so with `serve --addr 127.0.0.1:P` it wrote straight into the database of a
// running server that never learnt of the change).
const (
	// LockFile is held with an exclusive OS lock for as long as an instance serves the data dir. The lock (not
	// the file's existence) is the truth: the OS drops it when the process dies, even by kill -9.
	LockFile = "instance.lock"
	// RecordFile holds the running instance's address, written once it listens.
	RecordFile = "instance.json"
)

// Record is what a running instance publishes about itself.
type Record struct {
	Addr    string    `json:"addr"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Version string    `json:"version"`
}

// ErrRunning is returned by Claim when another instance holds the data dir.
var ErrRunning = errors.New("another NineRouter instance is running on this data dir")

// Claim is a held data-dir lock. The lock is an flock(2) on Unix and LockFileEx on Windows through
// github.com/gofrs/flock (maintained, used by Terraform and Helm), so both platforms release it when the process
// dies and no hand-written syscall code per OS is needed.
type Claim struct {
	dir  string
	lock *flock.Flock
}

// claimWait covers a CLI that checks the lock at the moment an instance starts (Running takes it briefly).
const claimWait = 2 * time.Second

// ClaimDataDir takes the data dir's exclusive lock, or fails with ErrRunning naming the running instance.
func ClaimDataDir(ctx context.Context, dataDir string) (*Claim, error) {
	lk := flock.New(filepath.Join(dataDir, LockFile), flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, claimWait)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 50*time.Millisecond)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("lock the data dir %s: %w", dataDir, err)
	}
	if !ok {
		rec, _ := readRecord(dataDir)
		where := "no address recorded yet: starting up, or a `ninerouter` command is working on it"
		if rec.Addr != "" {
			where = fmt.Sprintf("listening on %s, pid %d", rec.Addr, rec.PID)
		}
		return nil, fmt.Errorf("%w (%s, data dir %s): quit it first, or use another --data-dir", ErrRunning, where, dataDir)
	}
	return &Claim{dir: dataDir, lock: lk}, nil
}

// Publish records the bound address for the CLI, atomically (temp file + rename).
func (c *Claim) Publish(addr string) error {
	b, err := json.Marshal(Record{Addr: addr, PID: os.Getpid(), Started: time.Now().UTC(), Version: version.Get().Version})
	if err != nil {
		return err
	}
	// safefile: temp file + fsync + rename, the data dir's one atomic writer. A record left by a killed
	// instance is simply replaced (this process holds the lock, so nobody else writes it).
	snap, err := safefile.Read(filepath.Join(c.dir, RecordFile))
	if err == nil {
		err = safefile.Write(snap, b, safefile.Options{NewMode: 0o600})
	}
	if err != nil {
		return fmt.Errorf("record the instance address: %w", err)
	}
	return nil
}

// Release removes the record and drops the lock.
func (c *Claim) Release() error {
	if c == nil {
		return nil
	}
	err := os.Remove(filepath.Join(c.dir, RecordFile))
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return errors.Join(err, c.lock.Unlock())
}

// Running reports the instance that holds dataDir, if any. running is false when nobody holds the lock (a
// record left by a killed instance is then ignored); rec.Addr is empty while a holder has not listened yet.
func Running(dataDir string) (rec Record, running bool, err error) {
	path := filepath.Join(dataDir, LockFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return Record{}, false, nil
	}
	lk := flock.New(path)
	got, err := lk.TryRLock()
	if err != nil {
		return Record{}, false, fmt.Errorf("check the data dir lock %s: %w", path, err)
	}
	if got {
		_ = lk.Unlock()
		return Record{}, false, nil
	}
	rec, err = readRecord(dataDir)
	return rec, true, err
}

func readRecord(dataDir string) (Record, error) {
	var rec Record
	b, err := os.ReadFile(filepath.Join(dataDir, RecordFile))
	if errors.Is(err, os.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return Record{}, fmt.Errorf("instance record %s: %w", RecordFile, err)
	}
	return rec, nil
}
