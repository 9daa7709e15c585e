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

// Totals are summed counts.
type Totals struct {
	Requests   int64   `json:"requests"` // attempts
	Errors     int64   `json:"errors"`
	Input      int64   `json:"input"`
	Output     int64   `json:"output"`
	CacheRead  int64   `json:"cacheRead"`
	CacheWrite int64   `json:"cacheWrite"`
	Reasoning  int64   `json:"reasoning"`
	CostUSD    float64 `json:"costUsd"`
}

func (t *Totals) add(r Record) {
	t.Requests++
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

// slice is the totals of one hour and one (provider, model, account, key, combo): a roll-up row, or the same
// summed from raw rows at the edges of a range.
type slice struct {
	Hour      int64
	Provider  string
	Model     string
	AccountID int64
	KeyID     int64
	Combo     string
	Totals
}

const sliceSums = `COUNT(*) AS requests, ` + store.ErrorsSQL + ` AS errors, SUM(input) AS input, SUM(output) AS output,
	SUM(cache_read) AS cache_read, SUM(cache_write) AS cache_write, SUM(reasoning) AS reasoning, SUM(cost_usd) AS cost_usd`

// Aggregate builds a report on the read-only connections (store.DB.Reads). Whole hours come from the hourly
// roll-ups the writer keeps; only the partial hours at the two ends of the range are summed from raw rows (in
// SQL, through the time index). A report over a month of a million attempts reads a few thousand rows.
func Aggregate(ctx context.Context, db *store.DB, q Query) (Report, error) {
	if q.Until.IsZero() {
		q.Until = time.Now()
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
	slices, err := readSlices(ctx, db, since, until, q.Bucket)
	if err != nil {
		return rep, fmt.Errorf("usage report: %w", err)
	}
	buckets := map[time.Time]*Bucket{}
	groups := map[string]map[string]*Totals{}
	for _, dim := range []string{"provider", "model", "account", "key", "combo"} {
		groups[dim] = map[string]*Totals{}
	}
	for _, sl := range slices {
		if sl.Requests == 0 {
			continue
		}
		rep.Total.merge(sl.Totals)
		start := time.Unix(sl.Hour, 0).UTC()
		if q.Bucket == "day" {
			start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
		}
		b := buckets[start]
		if b == nil {
			b = &Bucket{Start: start}
			buckets[start] = b
		}
		b.merge(sl.Totals)
		for dim, key := range map[string]string{
			"provider": sl.Provider, "model": sl.Provider + "/" + sl.Model, "account": strconv.FormatInt(sl.AccountID, 10),
			"key": strconv.FormatInt(sl.KeyID, 10), "combo": sl.Combo,
		} {
			t := groups[dim][key]
			if t == nil {
				t = &Totals{}
				groups[dim][key] = t
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

// readSlices sums the range per bucket and (provider, model, account, key, combo) in one SQL statement: the
// roll-ups of the whole hours plus the raw rows of the partial hours at both ends. Buckets are grouped in SQL, so
// a month by day returns ~30 × slices rows whatever the traffic was; rows are scanned without reflection (gorm's
// Scan was most of a report's CPU in BenchmarkAggregateMonth).
func readSlices(ctx context.Context, db *store.DB, since, until time.Time, bucket string) ([]slice, error) {
	width := int64(3600)
	if bucket == "day" {
		width = 86400
	}
	var parts []string
	var args []any
	edge := func(from, to time.Time, inclusive bool) {
		op := "<"
		if inclusive {
			op = "<="
		}
		parts = append(parts, `SELECT CAST(? AS BIGINT) AS hour, provider, model, account_id, key_id, combo, `+sliceSums+`
			FROM usage_records WHERE time >= ? AND time `+op+` ? AND outcome <> ?
			GROUP BY provider, model, account_id, key_id, combo`)
		args = append(args, hourOf(from), from, to, InFlight)
	}
	firstFull := since.Truncate(time.Hour)
	if firstFull.Before(since) {
		firstFull = firstFull.Add(time.Hour)
	}
	lastStart := until.Truncate(time.Hour)
	if firstFull.After(lastStart) { // the range lies within one hour
		edge(since, until, true)
	} else {
		edge(since, firstFull, false)
		parts = append(parts, `SELECT hour, provider, model, account_id, key_id, combo, requests, errors, input, output,
			cache_read, cache_write, reasoning, cost_usd FROM usage_rollups WHERE hour >= ? AND hour < ?`)
		args = append(args, firstFull.Unix(), lastStart.Unix())
		edge(lastStart, until, true)
	}
	query := `SELECT hour / ? * ? AS b, provider, model, account_id, key_id, combo, COALESCE(SUM(requests), 0),
		COALESCE(SUM(errors), 0), COALESCE(SUM(input), 0), COALESCE(SUM(output), 0), COALESCE(SUM(cache_read), 0),
		COALESCE(SUM(cache_write), 0), COALESCE(SUM(reasoning), 0), COALESCE(SUM(cost_usd), 0)
		FROM (` + strings.Join(parts, " UNION ALL ") + `) AS slices GROUP BY b, provider, model, account_id, key_id, combo`
	sqlDB, err := db.Reader().DB()
	if err != nil {
		return nil, err
	}
	rows, err := sqlDB.QueryContext(ctx, db.Dialect().Rebind(query), append([]any{width, width}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []slice
	for rows.Next() {
		var sl slice
		if err := rows.Scan(&sl.Hour, &sl.Provider, &sl.Model, &sl.AccountID, &sl.KeyID, &sl.Combo, &sl.Requests,
			&sl.Errors, &sl.Input, &sl.Output, &sl.CacheRead, &sl.CacheWrite, &sl.Reasoning, &sl.CostUSD); err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	return out, rows.Err()
}

// Records lists the latest attempts, newest first.
func Records(ctx context.Context, db *store.DB, since time.Time, limit int) ([]Record, error) {
	if limit <= 0 || limit > 10000 {
		limit = 200
	}
	var rows []Record
	err := db.Reader().WithContext(ctx).Table(recordTable).Where("time >= ?", since.UTC()).Order("time DESC").Limit(limit).Find(&rows).Error
	return rows, err
}
