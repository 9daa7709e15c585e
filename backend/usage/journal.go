package usage

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// journal is the usage ledger's append-only file (docs/architecture.md § Usage ledger): an attempt's in-flight row
// when it begins and its final row when it ends are each appended, no fsync, before the request goes on (on
// Linux a copy into the file's mapping, elsewhere one write); the writer commits the final rows to the database
// in the background. A process kill keeps what was
// written (the page cache survives it), so an answered request's row is never lost; the next start replays the
// journal into the database (replayJournal). The file is fsynced with the WAL in the background, and removed
// once every row in it is committed and the WAL is synced.
//
// The journal rotates: past rotateAt bytes the writer starts a new generation (usage-journal.<gen>), copying
// the rows still in flight into it, so an old generation only waits for its final rows' commit.
type journal struct {
	dir string
	log *slog.Logger

	mu       sync.Mutex
	f        *os.File
	m        []byte // f mapped (journalmap_linux.go), mapSize bytes: frames are copied here; nil: written to f
	gen      uint64
	size     int64 // where the next frame goes
	buf      []byte
	inflight map[string]Record // begun, not finished: the in-flight rows live here and in the journal only
	pending  map[uint64]int    // per generation: final rows written and not yet committed
	retired  []uint64          // generations no longer written and fully committed: removed after the next sync
	broken   error             // the last write failed: Finish waits for the commit instead (see Writer.Finish)
	unmapped bool              // a generation could not be mapped (logged once)
}

// journalPrefix names the journal's files in the data dir.
const journalPrefix = "usage-journal."

// rotateAt is the size past which the writer starts a new generation. It bounds what a start after a crash
// replays (about 600 attempts, a few milliseconds) and what a generation keeps on disk.
const rotateAt = 256 << 10

// mapSize is a mapped generation's size: room for the frames that arrive between two commits after rotateAt
// (the writer rotates after a commit; at 10k requests/s a commitEvery brings ~1 MB). Frames beyond it are written
// to the file past the mapping. Pages count in the RSS only once written.
const mapSize = 8 * rotateAt

// maxField bounds each string of a row (a hostile client can send a long model name); it keeps a frame far
// below maxPayload.
const maxField = 4096

// journalFiles lists dir's journal generations, oldest first.
func journalFiles(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("usage journal: %w", err)
	}
	var gens []uint64
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), journalPrefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		if g, err := strconv.ParseUint(rest, 10, 64); err == nil {
			gens = append(gens, g)
		}
	}
	slices.Sort(gens)
	return gens, nil
}

func journalPath(dir string, gen uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%s%020d", journalPrefix, gen))
}

// replayJournal reads every generation in dir, oldest first, and returns the final rows it holds and the rows
// begun and never finished (marked interrupted), each attempt once. Torn or corrupt frames are skipped and
// logged. It returns the generations read, which the caller removes once the rows are committed.
func replayJournal(dir string, log *slog.Logger) (rows []Record, gens []uint64, err error) {
	gens, err = journalFiles(dir)
	if err != nil {
		return nil, nil, err
	}
	final := map[string]int{} // id → index in rows
	begun := map[string]Record{}
	var order []string
	for _, g := range gens {
		data, err := os.ReadFile(journalPath(dir, g))
		if err != nil {
			return nil, nil, fmt.Errorf("usage journal: %w", err)
		}
		skipped := scanFrames(data, func(kind byte, r Record) {
			if kind == kindBegun {
				if _, seen := begun[r.ID]; !seen {
					order = append(order, r.ID)
				}
				begun[r.ID] = r
				return
			}
			if i, ok := final[r.ID]; ok {
				rows[i] = r
				return
			}
			final[r.ID] = len(rows)
			rows = append(rows, r)
		})
		if skipped > 0 {
			log.Warn("usage journal: skipped a torn or corrupt part (an OS crash can leave one at the end)",
				"file", journalPath(dir, g), "bytes", skipped)
		}
	}
	for _, id := range order {
		if _, done := final[id]; done {
			continue
		}
		r := begun[id]
		r.Outcome, r.Error = Interrupted, interruptedMessage
		rows = append(rows, r)
	}
	return rows, gens, nil
}

// interruptedMessage is the error of a row whose attempt was in flight when NineRouter stopped.
const interruptedMessage = "NineRouter stopped before this attempt ended"

// openJournal starts generation gen in dir (after replayJournal's generations).
func openJournal(dir string, gen uint64, log *slog.Logger) (*journal, error) {
	j := &journal{dir: dir, log: log, gen: gen, inflight: map[string]Record{}, pending: map[uint64]int{}}
	f, m, err := j.create(gen)
	if err != nil {
		return nil, err
	}
	j.f, j.m = f, m
	return j, nil
}

// memoryJournal keeps the rows in flight without a file (PostgreSQL): finish reports every row as not journaled,
// so Finish waits for the commit.
func memoryJournal(log *slog.Logger) *journal {
	return &journal{log: log, inflight: map[string]Record{}, pending: map[uint64]int{}}
}

// create makes generation gen's file and maps it where the system allows (m is nil otherwise).
func (j *journal) create(gen uint64) (f *os.File, m []byte, err error) {
	f, err = os.OpenFile(journalPath(j.dir, gen), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("usage journal: %w", err)
	}
	m, err = mapJournal(f, mapSize)
	if err != nil && !errors.Is(err, errors.ErrUnsupported) && !j.unmapped {
		j.unmapped = true // said once: every generation would say it again
		j.log.Warn("usage journal: appending with a write per frame", "err", err)
	}
	return f, m, nil
}

// release unmaps and closes the current file.
func (j *journal) release() {
	if j.m != nil {
		if err := unmapJournal(j.m); err != nil {
			j.log.Warn("usage journal: unmapping", "err", err)
		}
		j.m = nil
	}
	j.f.Close()
}

// write appends one frame; the caller holds mu.
func (j *journal) write(kind byte, r *Record) error {
	if j.f == nil {
		return errNoFile
	}
	j.buf = appendFrame(j.buf[:0], kind, r)
	n, err := len(j.buf), error(nil)
	if j.m != nil && j.size+int64(n) <= int64(len(j.m)) {
		err = j.copyFrame()
	} else {
		n, err = j.f.WriteAt(j.buf, j.size)
	}
	j.size += int64(n)
	if err != nil {
		if j.broken == nil {
			j.log.Error("usage journal: write failed; usage rows are committed on the request path until it works again",
				"file", j.f.Name(), "err", err)
		}
		j.broken = err
		return err
	}
	if j.broken != nil {
		j.log.Info("usage journal: writing again", "file", j.f.Name())
		j.broken = nil
	}
	return nil
}

// copyFrame copies the frame in buf into the mapping at size. A fault there (the file shrunk or an I/O error
// under the mapping) becomes an error instead of ending the process: the journal then writes to the file, and
// reports the error so this row waits for its commit.
func (j *journal) copyFrame() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			err = errMapFault
			_ = unmapJournal(j.m)
			j.m = nil
		}
	}()
	copy(j.m[j.size:], j.buf)
	return nil
}

// errMapFault: the journal's mapping faulted.
var errMapFault = errors.New("usage journal: the mapped file faulted")

// errNoFile: a memory-only journal, or one already closed.
var errNoFile = errors.New("usage journal: no file")

// begin records an attempt's in-flight row.
func (j *journal) begin(r Record) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.inflight[r.ID] = r
	_ = j.write(kindBegun, &r) // logged; a lost in-flight row only loses the evidence of an interrupted attempt
}

// finish records an attempt's final row and returns the generation that holds it; ok is false when the write
// failed (the caller must then wait for the database commit).
func (j *journal) finish(r Record) (gen uint64, ok bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.inflight, r.ID)
	if j.write(kindFinished, &r) != nil {
		return 0, false
	}
	j.pending[j.gen]++
	return j.gen, true
}

// committed tells the journal that final rows of these generations are in the database (one entry per row).
func (j *journal) committed(gens []uint64) {
	if len(gens) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, g := range gens {
		j.pending[g]--
		if j.pending[g] <= 0 {
			delete(j.pending, g)
			if g != j.gen {
				j.retired = append(j.retired, g)
			}
		}
	}
}

// rotateIfLarge starts a new generation when the current one has grown past rotateAt: the rows in flight are
// written again into the new file, so the old one only waits for its final rows' commit. Only the writer
// goroutine rotates, so the new file is made (and mapped) before taking the lock requests take.
func (j *journal) rotateIfLarge() {
	j.mu.Lock()
	if j.f == nil || j.size < rotateAt {
		j.mu.Unlock()
		return
	}
	next := j.gen + 1
	j.mu.Unlock()
	f, m, err := j.create(next)
	if err != nil {
		j.log.Warn("usage journal: cannot start a new file; the current one keeps growing", "err", err)
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil { // closed meanwhile
		if m != nil {
			_ = unmapJournal(m)
		}
		f.Close()
		_ = os.Remove(f.Name())
		return
	}
	old := j.gen
	j.release()
	j.f, j.m, j.gen, j.size = f, m, next, 0
	if j.pending[old] == 0 {
		delete(j.pending, old)
		j.retired = append(j.retired, old)
	}
	for _, r := range j.inflight {
		_ = j.write(kindBegun, &r)
	}
}

// sync fsyncs the current file and removes the retired generations. The caller has synced the database's WAL
// first, so the retired rows are on disk there.
func (j *journal) sync() {
	j.mu.Lock()
	f, retired := j.f, j.retired
	j.retired = nil
	j.mu.Unlock()
	if f != nil {
		if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
			j.log.Warn("usage journal: fsync failed", "err", err)
		}
	}
	for _, g := range retired {
		if err := os.Remove(journalPath(j.dir, g)); err != nil && !errors.Is(err, os.ErrNotExist) {
			j.log.Warn("usage journal: cannot remove a committed file", "err", err)
		}
	}
}

// busy tells whether any attempt is in flight.
func (j *journal) busy() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.inflight) > 0
}

// inFlight returns a copy of the rows in flight.
func (j *journal) inFlight() []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Record, 0, len(j.inflight))
	for _, r := range j.inflight {
		out = append(out, r)
	}
	return out
}

// close closes the file; when every row it took is committed (a clean shutdown) it removes every generation,
// else it leaves them for the next start to replay.
func (j *journal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return
	}
	j.release()
	j.f = nil
	if len(j.pending) > 0 {
		j.log.Warn("usage journal: rows not yet in the database are kept for the next start", "files", j.dir)
		return
	}
	gens, err := journalFiles(j.dir)
	if err != nil {
		j.log.Warn("usage journal: cannot list its files at close", "err", err)
		return
	}
	for _, g := range gens {
		if g <= j.gen {
			_ = os.Remove(journalPath(j.dir, g))
		}
	}
}

// clip bounds r's strings to maxField bytes (see maxField).
func clip(r *Record) {
	for _, s := range [...]*string{&r.ID, &r.RequestID, &r.Provider, &r.Model, &r.Requested, &r.Combo, &r.Entry,
		&r.Endpoint, &r.Outcome, &r.Error} {
		if len(*s) > maxField {
			*s = strings.ToValidUTF8((*s)[:maxField], "")
		}
	}
}
