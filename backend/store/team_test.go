package store

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestTurnIsAtomic(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		const workers, each = 4, 25
		var mu sync.Mutex
		var got []uint64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					n, err := db.Turn(ctx, "provider:glm", 1)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, n)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		for i, n := range got {
			if n != uint64(i+1) {
				t.Fatalf("turns %v: want 1..%d, each once", got, workers*each)
			}
		}
		if n, err := db.Turn(ctx, "combo:fast", 3); err != nil || n != 3 {
			t.Errorf("another counter's first run of 3 ends at 3: %d, %v", n, err)
		}
		if n, err := db.Turn(ctx, "combo:fast", 3); err != nil || n != 6 {
			t.Errorf("its second run ends at 6: %d, %v", n, err)
		}
	})
}

func TestSpendCounters(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		day, month := DayPeriod(now), MonthPeriod(now)
		entry := EntrySubject("team", "glm/glm-4.6")
		steps := [][]SpendCounter{
			{{SpendAccount, "7", day, 0.25}, {SpendAccount, "7", month, 0.25}, {SpendEntry, entry, day, 0.5}},
			{{SpendAccount, "7", day, 0.5}, {SpendAccount, "7", month, 0.5}, {SpendAccount, "7", "2026-10", 9}},
		}
		for _, add := range steps {
			if err := db.AddSpend(ctx, add); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.PruneSpend(ctx, now.AddDate(0, -1, 0)); err != nil {
			t.Fatal(err)
		}
		var left int64
		if err := db.Raw("SELECT COUNT(*) FROM team_spend WHERE period = '2026-10'").Scan(&left).Error; err != nil || left != 0 {
			t.Errorf("October's counter was not pruned: %d, %v", left, err)
		}
		got, err := db.SpendOf(ctx, day, month)
		if err != nil {
			t.Fatal(err)
		}
		want := map[SpendCounter]bool{
			{SpendAccount, "7", day, 0.75}: true, {SpendAccount, "7", month, 0.75}: true, {SpendEntry, entry, day, 0.5}: true,
		}
		if len(got) != len(want) {
			t.Fatalf("counters %+v, want %v", got, want)
		}
		for _, c := range got {
			if !want[c] {
				t.Errorf("unexpected counter %+v", c)
			}
		}
	})
}

// An upgrade creates the counters from this month's ledger, so a cap already spent stays spent.
func TestSpendCountersSeededFromLedger(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		now := time.Now().UTC()
		rows := []UsageRecord{
			{ID: "a", Time: now, AccountID: 3, Combo: "team", Entry: "glm/x", Outcome: "ok", CostUSD: 1.5},
			{ID: "b", Time: now, AccountID: 3, Outcome: "ok", CostUSD: 0.5},
			{ID: "c", Time: now.AddDate(0, -2, 0), AccountID: 3, Outcome: "ok", CostUSD: 100},
		}
		if err := db.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("DELETE FROM team_spend").Error; err != nil {
				return err
			}
			return seedTeamSpend(tx, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.SpendOf(context.Background(), DayPeriod(now), MonthPeriod(now))
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]float64{}
		for _, c := range got {
			sums[c.Kind+" "+c.Subject+" "+c.Period] += c.USD
		}
		for k, want := range map[string]float64{
			"a 3 " + DayPeriod(now): 2, "a 3 " + MonthPeriod(now): 2,
			"e " + EntrySubject("team", "glm/x") + " " + MonthPeriod(now): 1.5,
		} {
			if sums[k] != want {
				t.Errorf("%q = %v, want %v (all: %v)", k, sums[k], want, sums)
			}
		}
	})
}
