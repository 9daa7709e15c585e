package usage

import (
	"context"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/wake"
)

// pastCache keeps the per-slice totals of hours and whole UTC days that are over, as reports read them from the
// hourly roll-ups, so that a report over a month sums about 30 days + 48 hours of slices in memory instead of
// reading 720 × slices roll-up rows on every poll of the Usage page (issue #9 finding 2). Only spans before the
// current hour are kept. A finished row that still lands in one (an attempt that began before the hour ended,
// the start-up sweep of interrupted rows) drops its hour and day when it commits (Writer.forgetPast), and a read
// that raced with such a commit is not kept (gen). The writer never waits for a reader: forget takes the lock for
// two map deletes, and only for rows of an earlier hour.
type pastCache struct {
	mu    sync.Mutex
	gen   uint64 // bumped by every forget
	spans map[span][]slice
}

// span is one hour (width 3600) or UTC day (86400) starting at start (Unix seconds).
type span struct{ width, start int64 }

// maxCachedSpans bounds the memory (a few KB per span for a handful of slices); past it the cache starts over.
const maxCachedSpans = 2000

func newPastCache() *pastCache { return &pastCache{spans: map[span][]slice{}} }

// read returns the slices of the spans of the given width in [from, to) (aligned to width, all before the current
// hour), each slice's Hour being its span's start; the missing spans are read from the roll-ups in one query and
// kept.
func (c *pastCache) read(ctx context.Context, db *store.DB, width, from, to int64) ([]slice, error) {
	var out []slice
	var missing []int64
	c.mu.Lock()
	gen := c.gen
	for s := from; s < to; s += width {
		if sl, ok := c.spans[span{width, s}]; ok {
			out = append(out, sl...)
		} else {
			missing = append(missing, s)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	read, err := scanSlices(ctx, db, `SELECT hour / ? * ? AS s, provider, model, account_id, key_id, combo, `+rollupSums+`
		FROM usage_rollups WHERE hour >= ? AND hour < ? GROUP BY s, provider, model, account_id, key_id, combo`,
		width, width, missing[0], missing[len(missing)-1]+width)
	if err != nil {
		return nil, err
	}
	byStart := map[int64][]slice{}
	for _, sl := range read {
		byStart[sl.Hour] = append(byStart[sl.Hour], sl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.gen == gen
	if keep && len(c.spans)+len(missing) > maxCachedSpans {
		clear(c.spans)
	}
	for _, s := range missing {
		out = append(out, byStart[s]...)
		if keep {
			c.spans[span{width, s}] = byStart[s] // an empty span is kept too: it is not read again
		}
	}
	return out, nil
}

// forget drops the hour (and its day) whose roll-ups changed.
func (c *pastCache) forget(hour int64) {
	c.mu.Lock()
	c.gen++
	delete(c.spans, span{3600, hour})
	delete(c.spans, span{86400, hour / 86400 * 86400})
	c.mu.Unlock()
}

// warmAfter is how long after Open the report cache is filled with the last month: late enough to stay out of
// the start-up's way (exec → first answer), early enough that the Usage page's first look is already cheap.
const warmAfter = 2 * time.Second

// warmPass reads the last month's past hours and days into the report cache once, on the read pool, so that
// the first report over a month does not read 720 × slices roll-up rows while requests run.
func (w *Writer) warmPass(ctx context.Context) time.Duration {
	if _, err := w.Report(ctx, Query{Since: time.Now().AddDate(0, 0, -31), Bucket: "day"}); err != nil && ctx.Err() == nil {
		w.log.Warn("usage: reading the last month's roll-ups ahead failed", "err", err)
	}
	return wake.Never
}
