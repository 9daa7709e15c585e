package usage

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// RetentionSetting names the setting that keeps raw usage rows for that many days (0 keeps them forever). The
// hourly roll-ups are kept whatever it says, so reports over old ranges stay whole.
const RetentionSetting = "usage_retention_days"

// DefaultRetentionDays applies when the setting is unset.
const DefaultRetentionDays = 90

// pruneChunk bounds one DELETE transaction, so the writer (which shares the connection) waits at most one chunk.
const pruneChunk = 2000

// retainFirst and retainEvery: raw rows older than the retention are pruned a minute after start, then hourly.
const (
	retainFirst = time.Minute
	retainEvery = time.Hour
)

// retainPass prunes raw rows older than the retention.
func (w *Writer) retainPass(ctx context.Context) time.Duration {
	if n, err := w.Prune(ctx, time.Now()); err != nil && ctx.Err() == nil {
		w.log.Warn("usage: pruning old rows failed", "err", err)
	} else if n > 0 {
		w.log.Info("usage: pruned rows past the retention", "rows", n)
	}
	return retainEvery
}

// RetentionDays reads the retention setting (DefaultRetentionDays when unset).
func (w *Writer) RetentionDays(ctx context.Context) (int, error) {
	v, ok, err := w.db.GetSetting(ctx, RetentionSetting)
	if err != nil || !ok {
		return DefaultRetentionDays, err
	}
	days, err := strconv.Atoi(v)
	if err != nil || days < 0 {
		return DefaultRetentionDays, fmt.Errorf("setting %s=%q: want a whole number of days (0 keeps every row)", RetentionSetting, v)
	}
	return days, nil
}

// Prune deletes finished raw rows older than the retention, in small transactions, and returns how many went.
// In-flight rows are never pruned; the roll-ups are never touched.
func (w *Writer) Prune(ctx context.Context, now time.Time) (int64, error) {
	days, err := w.RetentionDays(ctx)
	if err != nil {
		return 0, err
	}
	if days == 0 {
		return 0, nil
	}
	cutoff := now.UTC().AddDate(0, 0, -days)
	var total int64
	for {
		res := w.db.WithContext(ctx).Exec(`DELETE FROM usage_records WHERE id IN
			(SELECT id FROM usage_records WHERE time < ? AND outcome <> ? LIMIT ?)`, cutoff, InFlight, pruneChunk)
		if res.Error != nil {
			return total, fmt.Errorf("usage: prune rows before %s: %w", cutoff.Format(time.DateOnly), res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected < pruneChunk {
			return total, nil
		}
		select { // let the writer in between chunks
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
