// Package usage records one row per upstream attempt through a single writer goroutine, keeps running spend
// totals in memory for budget caps, prices tokens from an editable table, and answers aggregate queries.
//
// Durability (security.md §4 rules 2-3): an attempt's row is queued "in_flight" when it starts and queued again,
// finalised, when it ends; the writer commits batches with SQLite's synchronous=FULL. Rows left in_flight by a
// crash are marked "interrupted" at the next start, never deleted.
package usage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
)

// Outcomes of an attempt.
const (
	InFlight    = "in_flight"
	OK          = "ok"
	Failed      = "error"
	Interrupted = "interrupted"
)

// Writer owns the usage ledger's only writer goroutine. Create it with Open; stop it with Close after the HTTP
// server has drained.
type Writer struct {
	db       *store.DB
	log      *slog.Logger
	prices   *Prices
	spend    *spendTotals
	onCommit func()

	mu     sync.RWMutex // guards closed against concurrent sends
	closed bool
	ch     chan op
	done   chan struct{}
}

type op struct {
	rec   Record
	flush chan struct{} // non-nil: a barrier; closed once everything before it is committed
}

// queueSize bounds memory; a full queue makes the request wait briefly instead of dropping a record.
const queueSize = 8192

// maxBatch is how many records one transaction commits (one fsync for the batch).
const maxBatch = 512

// linger is how long the writer waits for more records after the first of a batch. Under load it turns hundreds
// of fsyncs a second into a few, and an attempt that begins and ends within it costs one row write instead of
// two; a crash can lose at most this window (plus the commit), never an hour of rows.
const linger = 5 * time.Millisecond

// Open prepares the ledger: marks rows a previous run left in flight as interrupted, loads this month's spend
// and the pricing table, and starts the writer. onCommit (may be nil) runs after each committed batch.
func Open(ctx context.Context, db *store.DB, log *slog.Logger, onCommit func()) (*Writer, error) {
	if err := db.WithContext(ctx).Model(&store.UsageRecord{}).Where("outcome = ?", InFlight).
		Updates(map[string]any{"outcome": Interrupted, "error": "NineRouter stopped before this attempt ended"}).Error; err != nil {
		return nil, err
	}
	prices, err := LoadPrices(ctx, db)
	if err != nil {
		return nil, err
	}
	spend, err := loadSpend(ctx, db, time.Now())
	if err != nil {
		return nil, err
	}
	if onCommit == nil {
		onCommit = func() {}
	}
	w := &Writer{db: db, log: log, prices: prices, spend: spend, onCommit: onCommit,
		ch: make(chan op, queueSize), done: make(chan struct{})}
	go w.run()
	return w, nil
}

// Prices is the pricing table in use.
func (w *Writer) Prices() *Prices { return w.prices }

// Spend is the running spend totals (route.Spend).
func (w *Writer) Spend() *spendTotals { return w.spend }

// Begin queues the in-flight row of an attempt. rec.ID must be unique.
func (w *Writer) Begin(rec Record) {
	rec.Outcome = InFlight
	w.send(op{rec: rec})
}

// Finish prices and queues the final row of an attempt, and adds its cost to the running totals.
func (w *Writer) Finish(rec Record) {
	if rec.Outcome == "" || rec.Outcome == InFlight {
		rec.Outcome = OK
	}
	rec.CostUSD = w.prices.Cost(rec.Provider, rec.Model, rec)
	w.spend.add(rec)
	w.send(op{rec: rec})
}

func (w *Writer) send(o op) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.log.Error("usage record after the writer closed; it is lost", "id", o.rec.ID)
		return
	}
	w.ch <- o
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

// Close commits what is queued and stops the writer. Safe to call twice.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
	w.mu.Unlock()
	<-w.done
	return nil
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]Record, 0, maxBatch)
	var barriers []chan struct{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range w.ch {
		batch, barriers = batch[:0], barriers[:0]
		add := func(o op) {
			if o.flush != nil {
				barriers = append(barriers, o.flush)
			} else {
				batch = append(batch, o.rec)
			}
		}
		add(first)
		if first.flush == nil {
			timer.Reset(linger)
		fill:
			for len(batch) < maxBatch {
				select {
				case o, ok := <-w.ch:
					if !ok {
						break fill
					}
					add(o)
					if o.flush != nil {
						break fill // someone waits: commit now
					}
				case <-timer.C:
					break fill
				}
			}
			timer.Stop()
		}
		if len(batch) > 0 {
			w.commit(dedupe(batch))
		}
		for _, b := range barriers {
			close(b)
		}
	}
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
	var err error
	for try := 0; try < 5; try++ {
		err = w.upsert(rows)
		if err == nil {
			w.onCommit()
			return
		}
		time.Sleep(time.Duration(50<<try) * time.Millisecond) // a locked database (backup, checkpoint) clears quickly
	}
	w.log.Error("usage rows could not be written", "rows", len(rows), "err", err)
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
		if _, err := tx.Exec(upsertSQL(len(chunk)), args...); err != nil {
			return fmt.Errorf("usage rows: %w", err)
		}
	}
	return tx.Commit()
}
