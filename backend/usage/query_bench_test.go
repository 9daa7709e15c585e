package usage

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkAggregateMonth: a 30-day report over a busy month's roll-ups (every hour × 32 provider/model/account/
// key/combo slices, the shape of bench lane M's million rows) plus raw rows in the partial hours at both ends:
// without the day cache (Aggregate) and with it (Writer.Report, as the running instance answers).
func BenchmarkAggregateMonth(b *testing.B) {
	ctx := context.Background()
	db, w := openLedger(b)
	now := time.Now().UTC()
	first := now.Add(-30 * 24 * time.Hour).Truncate(time.Hour)
	tx := db.Begin()
	for h := first; h.Before(now); h = h.Add(time.Hour) {
		for i := range 32 {
			if err := tx.Exec(w.stmts.rollup[1].query, h.Unix(), []string{"mock", "mocka"}[i&1], []string{"a", "b"}[i>>1&1], 1+i>>2&1,
				1+i>>3&1, []string{"", "c"}[i>>4&1], 40, 40, 1, 4000, 800, 0, 0, 0, 0.01).Error; err != nil {
				b.Fatal(err)
			}
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
	q := Query{Since: now.Add(-720 * time.Hour), Until: now}
	for _, via := range []string{"Aggregate", "Writer.Report"} {
		b.Run(via, func(b *testing.B) {
			for range b.N {
				rep, err := Aggregate(ctx, db, q)
				if via == "Writer.Report" {
					rep, err = w.Report(ctx, q)
				}
				if err != nil || rep.Total.Requests == 0 {
					b.Fatal(err, rep.Total)
				}
			}
		})
	}
}
