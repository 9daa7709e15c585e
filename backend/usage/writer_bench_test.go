package usage

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm/clause"
)

// BenchmarkInsert compares the writer's chunked insert with gorm's CreateInBatches for a batch of 20 final rows
// (about what commitEvery gathers at concurrency 1 in the benchmark).
func BenchmarkInsert(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, b.TempDir())
	defer db.Close()
	w, err := Open(ctx, db, quiet, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	batch := func(n int) []Record {
		rows := make([]Record, 20)
		for i := range rows {
			rows[i] = Record{ID: strconv.Itoa(n*20 + i), RequestID: "r", Time: time.Now(), Provider: "openai",
				AccountID: 1, Model: "gpt-4o", Outcome: OK, Status: 200, Input: 10, Output: 5, Reported: true}
		}
		return rows
	}
	b.Run("chunked", func(b *testing.B) {
		for i := range b.N {
			if err := w.insert(batch(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gorm", func(b *testing.B) {
		for i := range b.N {
			if err := db.Table(recordTable).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(batch(i+1_000_000), 100).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBeginFinish is what an attempt's usage costs the request path: the in-flight row and the final row
// appended to the journal, the final row queued for the writer.
func BenchmarkBeginFinish(b *testing.B) {
	db := openDB(b, b.TempDir())
	defer db.Close()
	w, err := Open(context.Background(), db, quiet, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := Record{ID: strconv.Itoa(i), RequestID: "r", Attempt: 1, Time: time.Now().UTC(), Provider: "openai",
			AccountID: 1, Model: "gpt-4o", Requested: "openai/gpt-4o", Endpoint: "/v1/chat/completions"}
		w.Begin(r)
		r.Status, r.Input, r.Output, r.Reported, r.LatencyMs = 200, 10, 5, true, 1
		w.Finish(r)
	}
}
