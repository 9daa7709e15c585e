// Package usage records one row per upstream attempt through a single writer goroutine, keeps running spend
// totals in memory for budget caps, prices tokens from an editable table, and answers aggregate queries.
//
// Durability (docs/security.md § Data safety, rules 2-3; docs/architecture.md § Usage ledger): on SQLite an
// attempt's in-flight row and then its final row are appended to the usage journal (journal.go) on the request
// path, one write each and no fsync, and the writer commits the final rows to the database in the background;
// a kill loses nothing an answered request wrote, and the next start replays the journal, marking rows left in
// flight "interrupted". On PostgreSQL (a team server) Finish waits for the commit instead.
package usage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/wake"
)

// Outcomes of an attempt.
const (
	InFlight    = "in_flight"
	OK          = "ok"
	Failed      = "error"
	Interrupted = "interrupted"
	// Canceled: the client left before the attempt ended (status 499); not the account's failure.
	Canceled = "canceled"
)

// Writer owns the usage ledger's only writer goroutine. Create it with Open; stop it with Close after the HTTP
// server has drained.
type Writer struct {
	db       *store.DB
	log      *slog.Logger
	prices   *Prices
	spend    *spendTotals
	onCommit func()
	past     *pastCache // reports' past hours and days; commit drops the ones a late row changes
	journal  *journal   // in-flight rows, and on SQLite the append-only file final rows reach first
	stmts    *statements

	mu     sync.RWMutex // guards closed against concurrent sends
	closed bool
	ch     chan op
	done   chan struct{}

	backlog  []Record     // rows a lost database could not take (team server); the writer goroutine's own
	buffered atomic.Int64 // len(backlog), for the status

	// Background passes (backend/wake: timers between passes, no goroutine): the WAL and journal fsync after
	// commits, retention, the reports' warm-up and, on a team server, the backlog retry. Close ends them.
	walSync  *wake.Loop
	lastSync atomic.Int64 // UnixNano when the last fsync pass began: paces walSync
	loops    []*wake.Loop
}

type op struct {
	rec       Record
	journaled bool          // rec is in the journal generation gen, which may go once rec is committed
	gen       uint64        //
	flush     chan struct{} // non-nil: a barrier; closed once everything before it is committed
	done      chan struct{} // non-nil: Finish waits; closed once rec is committed
}

// queueSize bounds memory (an op is ~450 bytes and the channel's buffer is allocated whole at Open: 1024 of them
// were a quarter of the idle process's live heap); a full queue makes the request wait briefly instead of dropping
// a record. The writer takes ops off the queue as they come and only stops to commit (a few milliseconds), so 256
// absorbs ~50k requests/s.
const queueSize = 256

// maxBatch is how many records one transaction commits (the batch grows to it as rows come: nothing is allocated
// for it while idle).
const maxBatch = 1024

// commitEvery is how long the writer gathers final rows after the first before it commits them (nobody waits for
// them: they are in the journal). Fewer, larger commits cost less CPU in all (each pays a transaction, the
// roll-up and spend upserts and the WAL write), and a request meets a commit less often: the commit's last step
// (writing the pages to the WAL) cannot be paced, and at 50 ms it was what remained in the added p99 (lane A,
// bench/FINDINGS.md). A barrier (Flush, a report, a Finish that waits) commits at once.
const commitEvery = 200 * time.Millisecond

// walSyncEvery paces the background fsync of the WAL and the journal: commits run with synchronous=NORMAL
// (durable against a crash of the process as soon as they return), and this bounds what an OS crash can lose.
const walSyncEvery = 100 * time.Millisecond

// Open prepares the ledger: replays the usage journal a previous run left (a crash), marks rows an older
// version left in flight as interrupted, loads this month's spend and the pricing table, and starts the writer,
// the WAL syncer and the retention loop. onCommit (may be nil) runs after each committed batch.
func Open(ctx context.Context, db *store.DB, log *slog.Logger, onCommit func()) (*Writer, error) {
	prices, err := LoadPrices(ctx, db)
	if err != nil {
		return nil, err
	}
	if onCommit == nil {
		onCommit = func() {}
	}
	w := &Writer{db: db, log: log, prices: prices, onCommit: onCommit, past: newPastCache(),
		ch: make(chan op, queueSize), done: make(chan struct{})}
	w.stmts = newStatements(db.Dialect())
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, fmt.Errorf("usage ledger: %w", err)
	}
	w.stmts.db = sqlDB
	if err := w.markInterrupted(ctx); err != nil {
		w.stmts.close()
		return nil, err
	}
	if w.journal, err = w.openJournal(); err != nil {
		w.stmts.close()
		return nil, err
	}
	if w.spend, err = loadSpend(ctx, db, time.Now()); err != nil {
		w.journal.close()
		w.stmts.close()
		return nil, err
	}
	w.walSync = wake.New(w.syncPass)
	w.loops = []*wake.Loop{w.walSync, w.startLoop(retainFirst, w.retainPass), w.startLoop(warmAfter, w.warmPass)}
	if db.Dialect() == store.Postgres { // only a team server keeps rows in memory while its database is away
		w.loops = append(w.loops, w.startLoop(backlogEvery, w.backlogPass))
	}
	w.walSync.Start(wake.Never)
	go w.run()
	return w, nil
}

// openJournal replays the journal a crash left (committing its rows before anything reads the ledger) and starts
// a new one. PostgreSQL has no local journal: its in-flight rows live in memory only.
func (w *Writer) openJournal() (*journal, error) {
	if w.db.Path == "" {
		return memoryJournal(w.log), nil
	}
	dir := filepath.Dir(w.db.Path)
	rows, gens, err := replayJournal(dir, w.log)
	if err != nil {
		return nil, err
	}
	if len(rows) > 0 {
		if err := w.insert(rows); err != nil {
			return nil, fmt.Errorf("usage journal: replaying %d rows: %w", len(rows), err)
		}
		w.log.Info("usage journal: rows of the last run committed", "rows", len(rows))
	}
	if len(gens) > 0 {
		w.syncDB()
		for _, g := range gens {
			if err := os.Remove(journalPath(dir, g)); err != nil {
				return nil, fmt.Errorf("usage journal: %w", err)
			}
		}
	}
	next := uint64(1)
	if len(gens) > 0 {
		next = gens[len(gens)-1] + 1
	}
	return openJournal(dir, next, w.log)
}

// markInterrupted finalises the rows an older version (which wrote in-flight rows to the database) left in
// flight when it crashed, and adds them to the roll-ups, in one transaction.
func (w *Writer) markInterrupted(ctx context.Context) error {
	var rows []Record
	if err := w.db.WithContext(ctx).Table(recordTable).Where("outcome = ?", InFlight).Find(&rows).Error; err != nil {
		return fmt.Errorf("usage ledger: rows left in flight: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		rows[i].Outcome, rows[i].Error = Interrupted, interruptedMessage
	}
	return w.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(w.db.Dialect().Rebind("UPDATE usage_records SET outcome = ?, error = ? WHERE outcome = ?"),
			Interrupted, interruptedMessage, InFlight); err != nil {
			return fmt.Errorf("usage ledger: rows left in flight: %w", err)
		}
		return w.addRollups(tx, rows)
	})
}

// Prices is the pricing table in use.
func (w *Writer) Prices() *Prices { return w.prices }

// Spend is the running spend totals (route.Spend).
func (w *Writer) Spend() *spendTotals { return w.spend }

// Begin records the in-flight row of an attempt (in memory and the journal; the database gets only final rows).
// rec.ID must be unique. It does not wait.
func (w *Writer) Begin(rec Record) {
	rec.Outcome = InFlight
	clip(&rec)
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.log.Error("usage record after the writer closed; it is lost", "id", rec.ID)
		return
	}
	w.journal.begin(rec)
}

// Finish prices the final row of an attempt, adds its cost to the running totals and makes the row durable
// against a kill of the process before it returns: the caller sends its last bytes after Finish, so an answered
// request always has its row (issue #9 finding 7). On SQLite the row is appended to the journal (one write, no
// fsync) and committed to the database in the background; without a journal (PostgreSQL, or a journal write
// that failed) Finish waits for the commit, which requests finishing together share.
func (w *Writer) Finish(rec Record) {
	if rec.Outcome == "" || rec.Outcome == InFlight {
		rec.Outcome = OK
	}
	clip(&rec)
	rec.CostUSD = w.prices.Cost(rec.Provider, rec.Model, rec)
	w.spend.add(rec)
	o := op{rec: rec}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.log.Error("usage record after the writer closed; it is lost", "id", rec.ID)
		return
	}
	if o.gen, o.journaled = w.journal.finish(rec); !o.journaled {
		o.done = make(chan struct{})
	}
	w.ch <- o
	w.mu.RUnlock()
	if o.done != nil {
		<-o.done
	}
}

// Flush waits until everything queued so far is committed.
func (w *Writer) Flush(ctx context.Context) error {
	done := make(chan struct{})
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errors.New("usage writer closed")
	}
	w.ch <- op{flush: done}
	w.mu.RUnlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the background passes (one in progress is cancelled and waited for), then commits what is queued
// (rows still in flight as interrupted), fsyncs the WAL and removes the journal. Safe to call twice.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
	w.mu.Unlock()
	for _, l := range w.loops {
		l.Close() // before the writer's last commit and fsync, so no pass runs beside them
	}
	<-w.done
	return nil
}

// startLoop starts a background pass first after first.
func (w *Writer) startLoop(first time.Duration, pass func(context.Context) time.Duration) *wake.Loop {
	l := wake.New(pass)
	l.Start(first)
	return l
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]op, 0, 64)
	urgent := func(o op) bool { return o.flush != nil || o.done != nil }
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range w.ch {
		batch = append(batch[:0], first)
		if !urgent(first) {
			timer.Reset(commitEvery)
		fill:
			for len(batch) < maxBatch {
				select {
				case o, ok := <-w.ch:
					if !ok {
						break fill
					}
					batch = append(batch, o)
					if urgent(o) {
						break fill
					}
				case <-timer.C:
					break fill
				}
			}
			timer.Stop()
		}
		// Group commit: whatever else is already queued joins this transaction.
	drain:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-w.ch:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		w.commitOps(batch)
	}
	// Closing: the HTTP server has drained, so rows still in flight will not finish.
	left := w.journal.inFlight()
	for i := range left {
		left[i].Outcome, left[i].Error = Interrupted, interruptedMessage
	}
	if len(left) > 0 || len(w.backlog) > 0 {
		w.commit(left)
	}
	if len(w.backlog) > 0 {
		w.log.Error("usage: stopping while the database is unreachable; rows kept in memory are lost", "rows", len(w.backlog))
	}
	w.syncNow()
	w.journal.close()
	w.stmts.close()
}

// commitOps commits a batch's rows, tells the journal which of its rows are in the database, and wakes whoever
// waits on the batch.
func (w *Writer) commitOps(batch []op) {
	rows := make([]Record, 0, len(batch))
	var gens []uint64
	for _, o := range batch {
		if o.flush == nil {
			rows = append(rows, o.rec)
			if o.journaled {
				gens = append(gens, o.gen)
			}
		}
	}
	if (len(rows) > 0 || len(w.backlog) > 0) && w.commit(rows) {
		w.journal.committed(gens)
		w.journal.rotateIfLarge()
	}
	for _, o := range batch {
		switch {
		case o.flush != nil:
			close(o.flush)
		case o.done != nil:
			close(o.done)
		}
	}
}

// commit writes rows (and any backlog) and reports whether they are in the database. Rows it could not write
// stay in the journal, which the next start replays.
func (w *Writer) commit(rows []Record) bool {
	if len(w.backlog) > 0 {
		rows = append(w.backlog, rows...)
	}
	var err error
	for try := 0; try < 5; try++ {
		err = w.insert(rows)
		if err == nil {
			if len(w.backlog) > 0 {
				w.log.Info("usage: the database is back; buffered rows written", "rows", len(w.backlog))
				w.backlog = nil
				w.buffered.Store(0)
			}
			w.forgetPast(rows)
			w.walSync.Within(time.Until(time.Unix(0, w.lastSync.Load()).Add(walSyncEvery)))
			w.onCommit()
			return true
		}
		if w.db.Dialect() == store.Postgres && store.IsConnectionLost(err) {
			w.keep(rows, err)
			return false
		}
		time.Sleep(time.Duration(50<<try) * time.Millisecond) // a locked database (backup, checkpoint) clears quickly
	}
	w.log.Error("usage rows could not be written; those in the journal are written at the next start", "rows", len(rows), "err", err)
	return false
}

// maxBacklog bounds the rows kept in memory while a team server's database is away (~1 KB each).
const maxBacklog = 200_000

// keep holds rows a lost database could not take (a team server, docs/team-server.md): requests go on being
// answered from memory, and the rows are written with the next commit once the database answers (backlogRetry
// makes one when nothing else does). Beyond maxBacklog the oldest rows are dropped, and said so.
func (w *Writer) keep(rows []Record, err error) {
	if len(w.backlog) == 0 {
		w.log.Warn("usage: the database is unreachable; keeping usage rows in memory until it returns", "err", err)
	}
	if over := len(rows) - maxBacklog; over > 0 {
		w.log.Error("usage: too many rows kept while the database is away; the oldest are lost", "rows", over)
		rows = rows[over:]
	}
	w.backlog = rows
	w.buffered.Store(int64(len(rows)))
}

// Buffered is how many usage rows wait in memory for the database (0 when it answers).
func (w *Writer) Buffered() int64 { return w.buffered.Load() }

// backlogEvery: while rows wait in memory, a commit is asked for this often, so they are written as soon as the
// database returns even when no request comes.
const backlogEvery = time.Second

// backlogPass asks for a commit while rows wait in memory for the database (team server).
func (w *Writer) backlogPass(ctx context.Context) time.Duration {
	if w.buffered.Load() > 0 {
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_ = w.Flush(fctx)
		cancel()
	}
	return backlogEvery
}

// forgetPast drops from the reports' cache the hours before the current one that committed rows were added to
// (and their days). The cache never holds the current hour, so on the normal path this is one comparison per row.
func (w *Writer) forgetPast(rows []Record) {
	current := hourOf(time.Now())
	for _, r := range rows {
		if h := hourOf(r.Time); r.Outcome != InFlight && h < current {
			w.past.forget(h)
		}
	}
}

// syncPass fsyncs the WAL file and the journal after commits, off the request path: a commit asks for it at once,
// or walSyncEvery after the previous pass began, whichever is later.
func (w *Writer) syncPass(context.Context) time.Duration {
	w.lastSync.Store(time.Now().UnixNano())
	w.syncNow()
	return wake.Never
}

// syncNow fsyncs the WAL, then the journal, whose committed generations it then removes.
func (w *Writer) syncNow() {
	w.syncDB()
	w.journal.sync()
}

func (w *Writer) syncDB() {
	if w.db.Path == "" {
		return // PostgreSQL: the server owns durability
	}
	f, err := os.OpenFile(w.db.Path+"-wal", os.O_RDWR, 0)
	if err != nil {
		return // no WAL yet, or checkpointed away: nothing to sync
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		w.log.Warn("usage: fsync of the database WAL failed", "err", err)
	}
}

// usageColumns are UsageRecord's columns in the order insert binds them.
const usageColumns = `id, request_id, attempt, time, provider, account_id, model, requested, combo, entry, key_id,
	endpoint, outcome, status, error, latency_ms, ttfb_ms, input, output, cache_read, cache_write, reasoning,
	reported, cost_usd`

const usageColumnCount = 24

// rollupColumns are usage_rollups' columns in the order addRollups binds them.
const rollupColumns = `hour, provider, model, account_id, key_id, combo, requests, attempts, errors, input, output,
	cache_read, cache_write, reasoning, cost_usd`

const rollupColumnCount = 15

// rollupUpdate adds to an hour's totals (store.UsageRollupsDDL). The old values are named with their table:
// PostgreSQL finds a bare column ambiguous beside excluded.
const rollupUpdate = ` ON CONFLICT(hour, provider, model, account_id, key_id, combo) DO UPDATE SET
	requests = usage_rollups.requests + excluded.requests, attempts = usage_rollups.attempts + excluded.attempts,
	errors = usage_rollups.errors + excluded.errors, input = usage_rollups.input + excluded.input,
	output = usage_rollups.output + excluded.output, cache_read = usage_rollups.cache_read + excluded.cache_read,
	cache_write = usage_rollups.cache_write + excluded.cache_write,
	reasoning = usage_rollups.reasoning + excluded.reasoning, cost_usd = usage_rollups.cost_usd + excluded.cost_usd`

// chunk bounds the rows of one statement (24 bound values each, far below SQLite's variable limit).
const chunk = 32

// statements are the writer's SQL, built once at Open and, on SQLite, prepared once on the writer's connection
// before its first transaction: the driver keeps a prepared statement's compiled program, so a commit binds and
// steps rows instead of parsing SQL (bench/FINDINGS.md: parsing was most of the writer's CPU). A statement
// carries chunk, busyChunk or 1 rows: few kinds keep the compiled programs' memory small, and many rows per
// statement keep the steps few.
//
// An attempt's row is written once, final (in-flight rows stay in memory and the journal), so a plain insert
// does: no upsert reading and rewriting the row and its indexes. A row already there is left alone
// (OR IGNORE), which makes replaying the journal after a crash idempotent: the roll-ups count only
// the rows that were inserted (insertEach finds them one by one when a chunk inserted fewer than it carried).
type statements struct {
	insert map[int]*statement // rows per statement → the insert of that many rows
	rollup map[int]*statement // the same for roll-up rows
	spend  *statement

	db      *sql.DB // the writer's connection pool (one connection on SQLite)
	dialect store.Dialect
}

// rowsPerStatement are the sizes statements exist for, largest first.
var rowsPerStatement = [...]int{chunk, busyChunk, 1}

// statement is one SQL text and, on SQLite, its prepared form.
type statement struct {
	query    string
	prepared *sql.Stmt // nil on PostgreSQL: see prepare
}

func (s *statement) exec(tx *sql.Tx, args ...any) (sql.Result, error) {
	if s.prepared == nil {
		return tx.Exec(s.query, args...)
	}
	// The statement was prepared on the writer's only connection, which tx holds: Stmt reuses it.
	return tx.Stmt(s.prepared).Exec(args...)
}

func newStatements(d store.Dialect) *statements {
	s := &statements{insert: map[int]*statement{}, rollup: map[int]*statement{},
		spend: &statement{query: d.Rebind(spendSQL)}, dialect: d}
	// SQLite's INSERT OR IGNORE compiles to less than ON CONFLICT DO NOTHING (no upsert clause); for a
	// primary-key conflict the two are the same.
	insert, ignore := "INSERT OR IGNORE INTO", ""
	if d == store.Postgres {
		insert, ignore = "INSERT INTO", " ON CONFLICT(id) DO NOTHING"
	}
	for _, n := range rowsPerStatement {
		s.insert[n] = &statement{query: d.Rebind(insert + " usage_records (" + usageColumns + ") VALUES " +
			tuples(n, usageColumnCount) + ignore)}
		s.rollup[n] = &statement{query: d.Rebind("INSERT INTO usage_rollups (" + rollupColumns + ") VALUES " +
			tuples(n, rollupColumnCount) + rollupUpdate)}
	}
	return s
}

// all lists every statement once.
func (s *statements) all() []*statement {
	list := []*statement{s.spend}
	for _, n := range rowsPerStatement {
		list = append(list, s.insert[n], s.rollup[n])
	}
	return list
}

// prepare compiles the statements on SQLite, once, before the writer's first transaction (the database has one
// connection, which a transaction holds): not at Open, so an instance that serves no request does not hold the
// compiled programs or the compiler's code (idle RSS, docs/benchmark.md). PostgreSQL runs them by text: pgx's
// database/sql adapter would prepare a statement again, with a round trip, on every transaction's connection,
// while its text path caches them itself.
func (s *statements) prepare() error {
	if s.spend.prepared != nil || s.dialect == store.Postgres {
		return nil // prepared already (the writer's own: inTx is its only caller), or run by text
	}
	for _, st := range s.all() {
		p, err := s.db.Prepare(st.query)
		if err != nil {
			s.close()
			return fmt.Errorf("usage ledger: preparing the writer's statements: %w", err)
		}
		st.prepared = p
	}
	return nil
}

func (s *statements) close() {
	for _, st := range s.all() {
		if st.prepared != nil {
			st.prepared.Close()
			st.prepared = nil
		}
	}
}

// size is how many rows the next statement carries: want (chunk, or busyChunk while requests are in flight), or
// fewer when fewer are left.
func (s *statements) size(want, left int) int {
	for _, n := range rowsPerStatement {
		if n <= want && n <= left {
			return n
		}
	}
	return 1
}

// tuples is n groups of width placeholders: (?,?),(?,?).
func tuples(n, width int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

// inTx runs fn in one transaction of the writer's connection, its statements prepared first.
func (w *Writer) inTx(fn func(tx *sql.Tx) error) error {
	if err := w.stmts.prepare(); err != nil {
		return err
	}
	tx, err := w.stmts.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	w.pace()
	return tx.Commit()
}

// busyChunk is the rows of one statement while requests are in flight: about 150 µs of the writer's CPU on the
// benchmark's machine, the most a request's next step waits for it (see pace).
const busyChunk = 4

// paceSleep is how long pace parks the writer: long enough that its timer has not fired when the scheduler next
// looks for work, so the scheduler polls the network first.
const paceSleep = 20 * time.Microsecond

// pace lets the request path go first while attempts are in flight, and reports whether it did. The writer runs
// on the same core as the requests (the benchmark pins the router to one with GOMAXPROCS=1, a laptop's cores are
// shared too), and Go's scheduler does not poll the network while a goroutine is runnable: a request whose
// upstream answer arrives during a commit waits for the whole commit (bench/FINDINGS.md: that wait was the added
// p99). Parking the writer briefly between statements makes the scheduler poll the network and run the requests
// that are ready; runtime.Gosched would not (the writer would be found on the run queue before the network
// is polled). When nothing is in flight the writer does not pace (a replay at start, an idle moment).
func (w *Writer) pace() bool {
	if w.journal == nil || !w.journal.busy() {
		return false
	}
	time.Sleep(paceSleep)
	return true
}

// errAlreadyThere: a chunk inserted fewer rows than it carried (some were already in the ledger).
var errAlreadyThere = errors.New("usage rows already in the ledger")

// insert writes final rows in one transaction, with their roll-ups, a chunk per statement. When some rows are
// already in the ledger (a journal replayed after a crash) it writes them again one by one, so that the roll-ups
// count only those inserted.
func (w *Writer) insert(rows []Record) error {
	err := w.inTx(func(tx *sql.Tx) error {
		args := make([]any, 0, min(len(rows), chunk)*usageColumnCount)
		for rest := rows; len(rest) > 0; {
			want := chunk
			if w.pace() {
				want = busyChunk
			}
			part := rest[:w.stmts.size(want, len(rest))]
			rest = rest[len(part):]
			args = args[:0]
			for i := range part {
				args = appendRow(args, &part[i])
			}
			res, err := w.stmts.insert[len(part)].exec(tx, args...)
			if err != nil {
				return fmt.Errorf("usage rows: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil && n != int64(len(part)) {
				return errAlreadyThere
			}
		}
		return w.addRollups(tx, rows)
	})
	if errors.Is(err, errAlreadyThere) {
		return w.insertEach(rows)
	}
	return err
}

// insertEach writes rows one statement each and adds to the roll-ups only those it inserted.
func (w *Writer) insertEach(rows []Record) error {
	return w.inTx(func(tx *sql.Tx) error {
		added := rows[:0:0]
		args := make([]any, 0, usageColumnCount)
		for i := range rows {
			res, err := w.stmts.insert[1].exec(tx, appendRow(args[:0], &rows[i])...)
			if err != nil {
				return fmt.Errorf("usage rows: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n > 0 {
				added = append(added, rows[i])
			}
		}
		return w.addRollups(tx, added)
	})
}

func appendRow(args []any, r *Record) []any {
	return append(args, r.ID, r.RequestID, r.Attempt, r.Time, r.Provider, r.AccountID, r.Model, r.Requested,
		r.Combo, r.Entry, r.KeyID, r.Endpoint, r.Outcome, r.Status, r.Error, r.LatencyMs, r.TTFBMs, r.Input,
		r.Output, r.CacheRead, r.CacheWrite, r.Reasoning, r.Reported, r.CostUSD)
}

// rollupKey is one row of usage_rollups.
type rollupKey struct {
	hour             int64
	provider, model  string
	accountID, keyID int64
	combo            string
}

func hourOf(t time.Time) int64 { return t.Unix() / 3600 * 3600 }

// addRollups adds finished rows to the hourly roll-ups and the daily spend, in the rows' transaction: a row is
// counted exactly when it is committed (each attempt's final row is inserted once).
func (w *Writer) addRollups(tx *sql.Tx, rows []Record) error {
	if err := addSpend(tx, w.stmts.spend, rows); err != nil {
		return err
	}
	sums := map[rollupKey]*Totals{}
	var order []rollupKey
	for _, r := range rows {
		if r.Outcome == InFlight {
			continue
		}
		k := rollupKey{hourOf(r.Time), r.Provider, r.Model, r.AccountID, r.KeyID, r.Combo}
		t := sums[k]
		if t == nil {
			t = &Totals{}
			sums[k] = t
			order = append(order, k)
		}
		t.add(r)
	}
	args := make([]any, 0, min(len(order), chunk)*rollupColumnCount)
	for len(order) > 0 {
		part := order[:w.stmts.size(chunk, len(order))]
		order = order[len(part):]
		args = args[:0]
		for _, k := range part {
			t := sums[k]
			args = append(args, k.hour, k.provider, k.model, k.accountID, k.keyID, k.combo, t.Requests, t.Attempts,
				t.Errors, t.Input, t.Output, t.CacheRead, t.CacheWrite, t.Reasoning, t.CostUSD)
		}
		if _, err := w.stmts.rollup[len(part)].exec(tx, args...); err != nil {
			return fmt.Errorf("usage roll-ups: %w", err)
		}
	}
	return nil
}

// Records lists the latest attempts, newest first: the rows in flight (from memory) and the ledger's, once
// everything finished so far is committed.
func (w *Writer) Records(ctx context.Context, since time.Time, limit int) ([]Record, error) {
	if err := w.Flush(ctx); err != nil && ctx.Err() != nil {
		return nil, err
	}
	rows, err := Records(ctx, w.db, since, limit)
	if err != nil {
		return nil, err
	}
	for _, r := range w.journal.inFlight() {
		if !r.Time.Before(since) {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b Record) int { return b.Time.Compare(a.Time) })
	if limit := recordsLimit(limit); len(rows) > limit {
		rows = rows[:limit]
	}
	return rows, nil
}
