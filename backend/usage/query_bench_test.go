package usage

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkAggregateMonth: a 30-day report over a busy month's roll-ups (every hour × 32 provider/model/account/
// key/combo slices, the shape of bench lane M's million rows) plus raw rows in the partial hours at both ends.
func BenchmarkAggregateMonth(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, b.TempDir())
	defer db.Close()
	now := time.Now().UTC()
	first := now.Add(-30 * 24 * time.Hour).Truncate(time.Hour)
	tx := db.Begin()
	for h := first; h.Before(now); h = h.Add(time.Hour) {
		for i := range 32 {
			tx.Exec(rollupSQL, h.Unix(), []string{"mock", "mocka"}[i&1], []string{"a", "b"}[i>>1&1], 1+i>>2&1, 1+i>>3&1,
				[]string{"", "c"}[i>>4&1], 40, 1, 4000, 800, 0, 0, 0, 0.01)
		}
	}
	for i := range 3000 {
		at := now.Add(-time.Duration(i) * time.Second)
		tx.Exec("INSERT INTO usage_records (id, time, provider, model, account_id, key_id, combo, outcome, input) VALUES (?,?,?,?,?,?,?,?,?)",
			fmt.Sprint("e", i), at, "mock", "a", 1, 1, "", OK, 10)
	}
	if err := tx.Commit().Error; err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		rep, err := Aggregate(ctx, db, Query{Since: now.Add(-720 * time.Hour)})
		if err != nil || rep.Total.Requests == 0 {
			b.Fatal(err, rep.Total)
		}
	}
}
