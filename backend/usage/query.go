package usage

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
)

// Totals are summed counts. A request is one client request, an attempt one upstream try of it (a request that
// fell back has several attempts); errors counts failed attempts (Record.Failed). docs/ui.md.
type Totals struct {
	Requests   int64   `json:"requests"`
	Attempts   int64   `json:"attempts"`
	Errors     int64   `json:"errors"`
	Input      int64   `json:"input"`
	Output     int64   `json:"output"`
	CacheRead  int64   `json:"cacheRead"`
	CacheWrite int64   `json:"cacheWrite"`
	Reasoning  int64   `json:"reasoning"`
	CostUSD    float64 `json:"costUsd"`
}

func (t *Totals) add(r Record) {
	t.Attempts++
	if r.IsRequest() {
		t.Requests++
	}
	if r.Failed() {
		t.Errors++
	}
	t.Input += r.Input
	t.Output += r.Output
	t.CacheRead += r.CacheRead
	t.CacheWrite += r.CacheWrite
	t.Reasoning += r.Reasoning
	t.CostUSD += r.CostUSD
}

func (t *Totals) merge(o Totals) {
	t.Requests += o.Requests
	t.Attempts += o.Attempts
	t.Errors += o.Errors
	t.Input += o.Input
	t.Output += o.Output
	t.CacheRead += o.CacheRead
	t.CacheWrite += o.CacheWrite
	t.Reasoning += o.Reasoning
	t.CostUSD += o.CostUSD
}

// Bucket is one hour or day of the chart.
type Bucket struct {
	Start time.Time `json:"start"`
	Totals
}

// Group is one row of a breakdown table.
type Group struct {
	Key string `json:"key"`
	Totals
}

// Report is what the Usage page and `ninerouter usage` show.
type Report struct {
	Since      time.Time          `json:"since"`
	Until      time.Time          `json:"until"`
	BucketSize string             `json:"bucket"` // hour | day
	Total      Totals             `json:"total"`
	Buckets    []Bucket           `json:"buckets"`
	By         map[string][]Group `json:"by"` // provider, model, account, key, combo
}

// Query selects the rows of a report.
type Query struct {
	Since  time.Time
	Until  time.Time // zero = now
	Bucket string    // hour | day; "" picks hour up to 48 h, else day
}

// slice is the totals of one hour or day and one (provider, model, account, key, combo): a roll-up row, the same
// summed from raw rows at the edges of a range, or a cached day.
type slice struct {
	Hour      int64 // start of the hour or day, Unix seconds
	Provider  string
	Model     string
	AccountID int64
	KeyID     int64
	Combo     string
	Totals
}

const sliceSums = store.RequestsSQL + ` AS requests, COUNT(*) AS attempts, ` + store.ErrorsSQL + ` AS errors,
	SUM(input) AS input, SUM(output) AS output,
	SUM(cache_read) AS cache_read, SUM(cache_write) AS cache_write, SUM(reasoning) AS reasoning,
	SUM(cost_usd) AS cost_usd`

// rollupSums sums roll-up columns (or rows shaped like them) per slice.
const rollupSums = `COALESCE(SUM(requests), 0), COALESCE(SUM(attempts), 0), COALESCE(SUM(errors), 0),
	COALESCE(SUM(input), 0), COALESCE(SUM(output), 0), COALESCE(SUM(cache_read), 0), COALESCE(SUM(cache_write), 0),
	COALESCE(SUM(reasoning), 0), COALESCE(SUM(cost_usd), 0)`

// Aggregate builds a report on the read-only connections (store.DB.Reads), without the cache of past hours and
// days (the running instance reports through Writer.Report, which keeps one).
func Aggregate(ctx context.Context, db *store.DB, q Query) (Report, error) {
	return aggregate(ctx, db, q, nil)
}

// Report builds a report like Aggregate, with the hours and days that are over read from memory once they have
// been read from the roll-ups, and the current hour from its roll-ups: a month's report then reads the raw rows of
// one partial hour, the roll-ups of the current hour and whatever past span it has not seen yet, whatever the
// traffic was (issue #9 finding 2: the Usage page polls while requests run).
func (w *Writer) Report(ctx context.Context, q Query) (Report, error) {
	// The rows finished so far first reach the database (a report reads what the caller's requests did).
	if err := w.Flush(ctx); err != nil && ctx.Err() != nil {
		return Report{}, err
	}
	return aggregate(ctx, w.db, q, w.past)
}

func aggregate(ctx context.Context, db *store.DB, q Query, past *pastCache) (Report, error) {
	now := time.Now()
	if q.Until.IsZero() {
		q.Until = now
	}
	if q.Bucket == "" {
		q.Bucket = "hour"
		if q.Until.Sub(q.Since) > 48*time.Hour {
			q.Bucket = "day"
		}
	}
	if q.Bucket != "hour" && q.Bucket != "day" {
		return Report{}, fmt.Errorf("bucket %q: want hour or day", q.Bucket)
	}
	since, until := q.Since.UTC(), q.Until.UTC()
	rep := Report{Since: since, Until: until, BucketSize: q.Bucket, By: map[string][]Group{}}
	if until.Before(since) {
		return rep, nil
	}
	r := sliceReader{db: db, past: past, bucket: q.Bucket, now: now}
	slices, err := r.read(ctx, since, until)
	if err != nil {
		return rep, fmt.Errorf("usage report: %w", err)
	}
	buckets := map[int64]*Bucket{}
	groups := map[string]map[string]*Totals{}
	dims := []string{"provider", "model", "account", "key", "combo"}
	for _, dim := range dims {
		groups[dim] = map[string]*Totals{}
	}
	var keys [5]string
	for i := range slices {
		sl := &slices[i]
		if sl.Attempts == 0 {
			continue
		}
		rep.Total.merge(sl.Totals)
		start := sl.Hour
		if q.Bucket == "day" {
			start = start / 86400 * 86400
		}
		b := buckets[start]
		if b == nil {
			b = &Bucket{Start: time.Unix(start, 0).UTC()}
			buckets[start] = b
		}
		b.merge(sl.Totals)
		keys = [5]string{sl.Provider, sl.Provider + "/" + sl.Model, strconv.FormatInt(sl.AccountID, 10),
			strconv.FormatInt(sl.KeyID, 10), sl.Combo}
		for d, dim := range dims {
			t := groups[dim][keys[d]]
			if t == nil {
				t = &Totals{}
				groups[dim][keys[d]] = t
			}
			t.merge(sl.Totals)
		}
	}
	for _, b := range buckets {
		rep.Buckets = append(rep.Buckets, *b)
	}
	sort.Slice(rep.Buckets, func(i, j int) bool { return rep.Buckets[i].Start.Before(rep.Buckets[j].Start) })
	for dim, m := range groups {
		list := make([]Group, 0, len(m))
		for k, t := range m {
			list = append(list, Group{Key: k, Totals: *t})
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].CostUSD != list[j].CostUSD {
				return list[i].CostUSD > list[j].CostUSD
			}
			return list[i].Key < list[j].Key
		})
		rep.By[dim] = list
	}
	return rep, nil
}

// sliceReader sums a range per bucket and (provider, model, account, key, combo).
type sliceReader struct {
	db     *store.DB
	past   *pastCache // nil: everything from SQL
	bucket string
	now    time.Time

	parts  []string // SELECTs of UNION ALL, each with slice-shaped columns
	args   []any
	cached []slice
}

// read sums [since, until]: the raw rows of the partial hours at both ends, the hourly roll-ups of the whole
// hours, with the past cache (when given) for hours and whole days that are over, and the current hour's roll-ups
// instead of its raw rows when the range reaches the present (no row can be newer). Buckets are grouped in SQL,
// so a month by day returns ~30 × slices rows whatever the traffic was; rows are scanned without reflection
// (gorm's Scan was most of a report's CPU in BenchmarkAggregateMonth).
func (r *sliceReader) read(ctx context.Context, since, until time.Time) ([]slice, error) {
	firstFull := since.Truncate(time.Hour)
	if firstFull.Before(since) {
		firstFull = firstFull.Add(time.Hour)
	}
	lastStart := until.Truncate(time.Hour)
	open := !until.Before(r.now)    // the range reaches the present: the current hour's roll-ups are whole
	if firstFull.After(lastStart) { // the range lies within one hour
		r.edge(since, until, true)
	} else {
		r.edge(since, firstFull, false)
		if err := r.whole(ctx, firstFull.Unix(), lastStart.Unix()); err != nil {
			return nil, err
		}
		if open {
			r.rollups(lastStart.Unix(), lastStart.Unix()+3600)
		} else {
			r.edge(lastStart, until, true)
		}
	}
	width := int64(3600)
	if r.bucket == "day" {
		width = 86400
	}
	query := `SELECT hour / ? * ? AS b, provider, model, account_id, key_id, combo, ` + rollupSums + `
		FROM (` + strings.Join(r.parts, " UNION ALL ") + `) AS parts GROUP BY b, provider, model, account_id, key_id, combo`
	out, err := scanSlices(ctx, r.db, query, append([]any{width, width}, r.args...)...)
	return append(out, r.cached...), err
}

// edge sums the raw rows of a partial hour.
func (r *sliceReader) edge(from, to time.Time, inclusive bool) {
	op := "<"
	if inclusive {
		op = "<="
	}
	r.parts = append(r.parts, `SELECT CAST(? AS BIGINT) AS hour, provider, model, account_id, key_id, combo, `+sliceSums+`
		FROM usage_records WHERE time >= ? AND time `+op+` ? AND outcome <> ?
		GROUP BY provider, model, account_id, key_id, combo`)
	r.args = append(r.args, hourOf(from), from, to, InFlight)
}

// rollups reads the hourly roll-ups of [from, to) in the query.
func (r *sliceReader) rollups(from, to int64) {
	if from < to {
		r.parts = append(r.parts, `SELECT hour, provider, model, account_id, key_id, combo, requests, attempts,
			errors, input, output, cache_read, cache_write, reasoning, cost_usd FROM usage_rollups WHERE hour >= ? AND hour < ?`)
		r.args = append(r.args, from, to)
	}
}

// maxCachedHourRange bounds the hours an hour-bucket report takes from the past cache (two days and a bit, the
// Usage page's longest hourly view); longer hourly reports read the roll-ups.
const maxCachedHourRange = 72 * 3600

// whole adds the whole hours [from, to): past ones from the cache (whole days as days when the buckets are days),
// the rest from the roll-ups.
func (r *sliceReader) whole(ctx context.Context, from, to int64) error {
	closed := min(to, hourOf(r.now)) // hours before the current one are over
	if r.past == nil || from >= closed || (r.bucket == "hour" && closed-from > maxCachedHourRange) {
		r.rollups(from, to)
		return nil
	}
	add := func(width, a, b int64) error {
		if a >= b {
			return nil
		}
		sl, err := r.past.read(ctx, r.db, width, a, b)
		r.cached = append(r.cached, sl...)
		return err
	}
	firstDay, lastDay := (from+86399)/86400*86400, closed/86400*86400
	if r.bucket == "day" && firstDay < lastDay {
		if err := add(3600, from, firstDay); err != nil {
			return err
		}
		if err := add(86400, firstDay, lastDay); err != nil {
			return err
		}
		if err := add(3600, lastDay, closed); err != nil {
			return err
		}
	} else if err := add(3600, from, closed); err != nil {
		return err
	}
	r.rollups(closed, to)
	return nil
}

// scanSlices runs a query whose columns are a slice's, in order, on the read pool.
func scanSlices(ctx context.Context, db *store.DB, query string, args ...any) ([]slice, error) {
	sqlDB, err := db.Reader().DB()
	if err != nil {
		return nil, err
	}
	rows, err := sqlDB.QueryContext(ctx, db.Dialect().Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []slice
	for rows.Next() {
		var sl slice
		if err := rows.Scan(&sl.Hour, &sl.Provider, &sl.Model, &sl.AccountID, &sl.KeyID, &sl.Combo, &sl.Requests,
			&sl.Attempts, &sl.Errors, &sl.Input, &sl.Output, &sl.CacheRead, &sl.CacheWrite, &sl.Reasoning,
			&sl.CostUSD); err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	return out, rows.Err()
}

// Records lists the latest attempts in the database, newest first (Writer.Records adds the rows in flight).
func Records(ctx context.Context, db *store.DB, since time.Time, limit int) ([]Record, error) {
	var rows []Record
	err := db.Reader().WithContext(ctx).Table(recordTable).Where("time >= ?", since.UTC()).Order("time DESC").
		Limit(recordsLimit(limit)).Find(&rows).Error
	return rows, err
}

// recordsLimit is the number of rows a list returns: 200 unless 1-10000 is asked.
func recordsLimit(limit int) int {
	if limit <= 0 || limit > 10000 {
		return 200
	}
	return limit
}
