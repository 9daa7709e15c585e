// Package usage records one row per upstream attempt through a single writer goroutine, keeps running spend
// totals in memory for budget caps, prices tokens from an editable table, and answers aggregate queries.
//
// Durability (docs/security.md § Data safety, rules 2-3): an attempt's row is queued "in_flight" when it starts and queued again,
// finalised, when it ends; the writer commits batches with SQLite's synchronous=FULL. Rows left in_flight by a
// crash are marked "interrupted" at the next start, never deleted.
package usage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
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

	mu     sync.RWMutex // guards closed against concurrent sends
	closed bool
	ch     chan op
	done   chan struct{}

	backlog  []Record     // rows a lost database could not take (team server); the writer goroutine's own
	buffered atomic.Int64 // len(backlog), for the status

	synced chan struct{} // a commit happened: the WAL syncer has work (capacity 1)
	stop   chan struct{} // closed by Close: background loops end
	loops  sync.WaitGroup
}

type op struct {
	rec   Record
	flush chan struct{} // non-nil: a barrier; closed once everything before it is committed
	done  chan struct{} // non-nil: Finish waits; closed once rec is committed
}

// queueSize bounds memory; a full queue makes the request wait briefly instead of dropping a record.
const queueSize = 8192

// maxBatch is how many records one transaction commits.
const maxBatch = 512

// linger is how long the writer waits for more records after an in-flight row that nobody waits for. An attempt
// that begins and ends within it costs one row write instead of two. A finished row ends the linger at once:
// its request is waiting for the commit (group commit, see Finish).
const linger = 5 * time.Millisecond

// walSyncEvery paces the background fsync of the WAL: commits run with synchronous=NORMAL (durable against a
// crash of the process as soon as they return), and this bounds what an OS crash can lose.
const walSyncEvery = 100 * time.Millisecond

// Open prepares the ledger: marks rows a previous run left in flight as interrupted, loads this month's spend
// and the pricing table, and starts the writer, the WAL syncer and the retention loop. onCommit (may be nil)
// runs after each committed batch.
func Open(ctx context.Context, db *store.DB, log *slog.Logger, onCommit func()) (*Writer, error) {
	prices, err := LoadPrices(ctx, db)
	if err != nil {
		return nil, err
	}
	if onCommit == nil {
		onCommit = func() {}
	}
	w := &Writer{db: db, log: log, prices: prices, onCommit: onCommit, past: newPastCache(),
		ch: make(chan op, queueSize), done: make(chan struct{}), synced: make(chan struct{}, 1), stop: make(chan struct{})}
	if err := w.markInterrupted(ctx); err != nil {
		return nil, err
	}
	if w.spend, err = loadSpend(ctx, db, time.Now()); err != nil {
		return nil, err
	}
	go w.run()
	w.loops.Add(4)
	go w.syncWAL()
	go w.retain()
	go w.backlogRetry()
	go w.warmReports()
	return w, nil
}

// markInterrupted finalises the rows a crash left in flight, through the same upsert as every row so that the
// roll-ups count them.
func (w *Writer) markInterrupted(ctx context.Context) error {
	var rows []Record
	if err := w.db.WithContext(ctx).Table(recordTable).Where("outcome = ?", InFlight).Find(&rows).Error; err != nil {
		return fmt.Errorf("usage ledger: rows left in flight: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		rows[i].Outcome, rows[i].Error = Interrupted, "NineRouter stopped before this attempt ended"
	}
	return w.upsert(rows)
}

// Prices is the pricing table in use.
func (w *Writer) Prices() *Prices { return w.prices }

// Spend is the running spend totals (route.Spend).
func (w *Writer) Spend() *spendTotals { return w.spend }

// Begin queues the in-flight row of an attempt. rec.ID must be unique. It does not wait.
func (w *Writer) Begin(rec Record) {
	rec.Outcome = InFlight
	w.send(op{rec: rec})
}

// Finish prices the final row of an attempt, adds its cost to the running totals, and returns once the row is
// committed. The caller sends its last bytes after Finish, so an answered request always has its row, even when
// the process is killed right after (issue #9 finding 7). Requests finishing together share one commit, and the
// commit does not fsync (see walSyncEvery), so the wait is one short transaction.
func (w *Writer) Finish(rec Record) {
	if rec.Outcome == "" || rec.Outcome == InFlight {
		rec.Outcome = OK
	}
	rec.CostUSD = w.prices.Cost(rec.Provider, rec.Model, rec)
	w.spend.add(rec)
	done := make(chan struct{})
	if w.send(op{rec: rec, done: done}) {
		<-done
	}
}

// send queues o; false when the writer is closed (the record is lost and logged).
func (w *Writer) send(o op) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.log.Error("usage record after the writer closed; it is lost", "id", o.rec.ID)
		return false
	}
	w.ch <- o
	return true
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

// Close commits what is queued, fsyncs the WAL and stops the writer and its loops. Safe to call twice.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ch)
		close(w.stop)
	}
	w.mu.Unlock()
	<-w.done
	w.loops.Wait()
	return nil
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]Record, 0, maxBatch)
	var wake []chan struct{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range w.ch {
		batch, wake = batch[:0], wake[:0]
		waiting := false
		add := func(o op) {
			switch {
			case o.flush != nil:
				wake, waiting = append(wake, o.flush), true
			case o.done != nil:
				batch, wake, waiting = append(batch, o.rec), append(wake, o.done), true
			default:
				batch = append(batch, o.rec)
			}
		}
		add(first)
		if !waiting {
			timer.Reset(linger)
		fill:
			for len(batch) < maxBatch && !waiting {
				select {
				case o, ok := <-w.ch:
					if !ok {
						break fill
					}
					add(o)
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
				add(o)
			default:
				break drain
			}
		}
		if len(batch) > 0 || len(w.backlog) > 0 {
			w.commit(dedupe(batch))
		}
		for _, c := range wake {
			close(c)
		}
	}
	if len(w.backlog) > 0 {
		w.log.Error("usage: stopping while the database is unreachable; rows kept in memory are lost", "rows", len(w.backlog))
	}
	w.syncNow()
}

// dedupe keeps the last version of each row (an attempt that began and ended within one batch).
func dedupe(batch []Record) []Record {
	idx := make(map[string]int, len(batch))
	out := batch[:0:0]
	for _, r := range batch {
		if i, ok := idx[r.ID]; ok {
			out[i] = r
			continue
		}
		idx[r.ID] = len(out)
		out = append(out, r)
	}
	return out
}

func (w *Writer) commit(rows []Record) {
	if len(w.backlog) > 0 {
		rows = dedupe(append(w.backlog, rows...))
	}
	var err error
	for try := 0; try < 5; try++ {
		err = w.upsert(rows)
		if err == nil {
			if len(w.backlog) > 0 {
				w.log.Info("usage: the database is back; buffered rows written", "rows", len(w.backlog))
				w.backlog = nil
				w.buffered.Store(0)
			}
			w.forgetPast(rows)
			select {
			case w.synced <- struct{}{}:
			default:
			}
			w.onCommit()
			return
		}
		if w.db.Dialect() == store.Postgres && store.IsConnectionLost(err) {
			w.keep(rows, err)
			return
		}
		time.Sleep(time.Duration(50<<try) * time.Millisecond) // a locked database (backup, checkpoint) clears quickly
	}
	w.log.Error("usage rows could not be written", "rows", len(rows), "err", err)
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

// backlogRetry asks for a commit every second while rows wait in memory, so they are written as soon as the
// database returns even when no request comes.
func (w *Writer) backlogRetry() {
	defer w.loops.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		if w.buffered.Load() > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = w.Flush(ctx)
			cancel()
		}
	}
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

// syncWAL fsyncs the WAL file after commits, at most every walSyncEvery, off the request path.
func (w *Writer) syncWAL() {
	defer w.loops.Done()
	tick := time.NewTicker(walSyncEvery)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.synced:
		}
		w.syncNow()
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
	}
}

func (w *Writer) syncNow() {
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

// usageColumns are UsageRecord's columns in the order upsert binds them.
var usageColumns = []string{"id", "request_id", "attempt", "time", "provider", "account_id", "model", "requested",
	"combo", "entry", "key_id", "endpoint", "outcome", "status", "error", "latency_ms", "ttfb_ms", "input", "output",
	"cache_read", "cache_write", "reasoning", "reported", "cost_usd"}

// upsertChunk bounds the rows of one statement (24 bound values each, well under SQLite's variable limit).
const upsertChunk = 100

// upsertSQL inserts n rows, or finalises the in-flight rows of the same attempts.
func upsertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO usage_records (" + strings.Join(usageColumns, ",") + ") VALUES ")
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(usageColumns)), ",") + ")"
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tuple)
	}
	b.WriteString(" ON CONFLICT(id) DO UPDATE SET ")
	for i, c := range usageColumns[1:] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c + "=excluded." + c)
	}
	return b.String()
}

// upsert writes a batch in one transaction, up to upsertChunk rows per statement. It is hand-written rather than
// gorm's CreateInBatches: in the benchmark's profile gorm's per-row reflection cost CPU beside every request, and
// the SQLite driver parses each statement again on every execution, so one statement per chunk, not per row
// (bench/FINDINGS.md).
func (w *Writer) upsert(rows []Record) error {
	sqlDB, err := w.db.DB.DB()
	if err != nil {
		return err
	}
	tx, err := sqlDB.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	final := rows
	args := make([]any, 0, min(len(rows), upsertChunk)*len(usageColumns))
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), upsertChunk)]
		rows = rows[len(chunk):]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r.ID, r.RequestID, r.Attempt, r.Time, r.Provider, r.AccountID, r.Model, r.Requested,
				r.Combo, r.Entry, r.KeyID, r.Endpoint, r.Outcome, r.Status, r.Error, r.LatencyMs, r.TTFBMs, r.Input,
				r.Output, r.CacheRead, r.CacheWrite, r.Reasoning, r.Reported, r.CostUSD)
		}
		if _, err := tx.Exec(w.db.Dialect().Rebind(upsertSQL(len(chunk))), args...); err != nil {
			return fmt.Errorf("usage rows: %w", err)
		}
	}
	if err := addRollups(tx, w.db.Dialect(), final); err != nil {
		return err
	}
	return tx.Commit()
}

// rollupKey is one row of usage_rollups.
type rollupKey struct {
	hour             int64
	provider, model  string
	accountID, keyID int64
	combo            string
}

func hourOf(t time.Time) int64 { return t.Unix() / 3600 * 3600 }

// rollupSQL adds to an hour's totals (store.UsageRollupsDDL). The old values are named with their table:
// PostgreSQL finds a bare column ambiguous beside excluded.
const rollupSQL = `INSERT INTO usage_rollups (hour, provider, model, account_id, key_id, combo, requests, attempts,
	errors, input, output, cache_read, cache_write, reasoning, cost_usd) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
	ON CONFLICT(hour, provider, model, account_id, key_id, combo) DO UPDATE SET
	requests = usage_rollups.requests + excluded.requests, attempts = usage_rollups.attempts + excluded.attempts,
	errors = usage_rollups.errors + excluded.errors, input = usage_rollups.input + excluded.input,
	output = usage_rollups.output + excluded.output, cache_read = usage_rollups.cache_read + excluded.cache_read,
	cache_write = usage_rollups.cache_write + excluded.cache_write,
	reasoning = usage_rollups.reasoning + excluded.reasoning, cost_usd = usage_rollups.cost_usd + excluded.cost_usd`

// addRollups adds the finished rows of a batch to the hourly roll-ups, in the batch's transaction: a row is
// counted exactly when it is committed final (Finish and the start-up sweep each finalise a row once).
func addRollups(tx *sql.Tx, dialect store.Dialect, rows []Record) error {
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
	query := dialect.Rebind(rollupSQL)
	for _, k := range order {
		t := sums[k]
		if _, err := tx.Exec(query, k.hour, k.provider, k.model, k.accountID, k.keyID, k.combo, t.Requests,
			t.Attempts, t.Errors, t.Input, t.Output, t.CacheRead, t.CacheWrite, t.Reasoning, t.CostUSD); err != nil {
			return fmt.Errorf("usage roll-ups: %w", err)
		}
	}
	return nil
}
