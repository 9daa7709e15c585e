package usage

import (
	"context"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm/clause"
)

// BenchmarkUpsert compares the writer's statement with gorm's CreateInBatches for a batch of 20 attempts (about
// what the 5 ms linger gathers at concurrency 1).
func BenchmarkUpsert(b *testing.B) {
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
	b.Run("hand-written", func(b *testing.B) {
		for i := range b.N {
			if err := w.upsert(batch(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gorm", func(b *testing.B) {
		for i := range b.N {
			if err := db.Table(recordTable).Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(batch(i+1_000_000), 100).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
}
