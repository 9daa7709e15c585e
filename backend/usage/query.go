package usage

import (
	"context"
	"fmt"
	"sort"
	"strconv"
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
	if r.Outcome != OK {
		t.Errors++
	}
	t.Input += r.Input
	t.Output += r.Output
	t.CacheRead += r.CacheRead
	t.CacheWrite += r.CacheWrite
	t.Reasoning += r.Reasoning
	t.CostUSD += r.CostUSD
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

// Aggregate builds a report from the ledger. Aggregation runs in Go over the selected columns: it is simple,
// exact, and for a desktop's volume (thousands of attempts a day) fast enough.
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
	rep := Report{Since: q.Since.UTC(), Until: q.Until.UTC(), BucketSize: q.Bucket, By: map[string][]Group{}}
	var rows []Record
	err := db.WithContext(ctx).Table(recordTable).Where("time >= ? AND time <= ? AND outcome <> ?", q.Since.UTC(), q.Until.UTC(), InFlight).
		Order("time").Find(&rows).Error
	if err != nil {
		return rep, err
	}
	buckets := map[time.Time]*Bucket{}
	groups := map[string]map[string]*Totals{}
	for _, dim := range []string{"provider", "model", "account", "key", "combo"} {
		groups[dim] = map[string]*Totals{}
	}
	for _, r := range rows {
		rep.Total.add(r)
		start := r.Time.UTC().Truncate(time.Hour)
		if q.Bucket == "day" {
			u := r.Time.UTC()
			start = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
		}
		b := buckets[start]
		if b == nil {
			b = &Bucket{Start: start}
			buckets[start] = b
		}
		b.add(r)
		for dim, key := range map[string]string{
			"provider": r.Provider, "model": r.Provider + "/" + r.Model, "account": strconv.FormatInt(r.AccountID, 10),
			"key": strconv.FormatInt(r.KeyID, 10), "combo": r.Combo,
		} {
			t := groups[dim][key]
			if t == nil {
				t = &Totals{}
				groups[dim][key] = t
			}
			t.add(r)
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

// Records lists the latest attempts, newest first.
func Records(ctx context.Context, db *store.DB, since time.Time, limit int) ([]Record, error) {
	if limit <= 0 || limit > 10000 {
		limit = 200
	}
	var rows []Record
	err := db.WithContext(ctx).Table(recordTable).Where("time >= ?", since.UTC()).Order("time DESC").Limit(limit).Find(&rows).Error
	return rows, err
}
