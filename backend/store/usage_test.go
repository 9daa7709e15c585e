package store

import (
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestRollupBackfill: migration 400 rolls existing history up by UTC hour (the stored time format parses in
// SQL), leaves in-flight rows to the start-up sweep, 401 drops the indexes reports no longer need, 403 sums the
// daily spend that budgets load at start, and 450 counts
// client requests beside attempts: exactly where the hour's raw rows are all there, as attempts where retention
// took some of them.
func TestRollupBackfill(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pruned    bool  // retention took a row of the oldest hour after it was rolled up
		requests0 int64 // the oldest hour's requests after 450
	}{
		{"every row kept", false, 2},
		{"the oldest hour pruned in part", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, open func() (*DB, error)) { testRollupBackfill(t, open, tc.pruned, tc.requests0) })
		})
	}
}

func testRollupBackfill(t *testing.T, open func() (*DB, error), pruned bool, requests0 int64) {
	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 3, 14, 59, 59, 900_000_000, time.UTC)
	row := func(id string, attempt int, at time.Time, outcome string, input int64, cost float64) UsageRecord {
		return UsageRecord{ID: id, Attempt: attempt, Time: at, Provider: "glm", Model: "m", AccountID: 1, KeyID: 2,
			Combo: "c", Outcome: outcome, Input: input, CostUSD: cost}
	}
	rows := []UsageRecord{
		row("a-1", 1, at, "ok", 10, 0.5),
		row("b-1", 1, at.Add(-time.Minute), "error", 5, 0),
		row("b-2", 2, at.Add(-time.Minute), "ok", 5, 0),
		row("c-1", 1, at.Add(time.Second), "error", 1, 0),
		row("c-2", 2, at.Add(2*time.Second), "ok", 1, 0),
		row("d-1", 1, at, "in_flight", 99, 0),
	}
	if err := db.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	// Pretend this database predates the roll-ups: 400 and 401 run at the next start, then 450.
	for _, q := range []string{"DROP TABLE usage_rollups", "DELETE FROM schema_migrations WHERE version >= 400"} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	if pruned {
		// Roll up in the old shape, then prune, so that only 450 runs at the next start.
		if err := db.Transaction(func(tx *gorm.DB) error {
			for _, m := range usageMigrations()[:2] {
				if err := m.Up(tx); err != nil {
					return err
				}
				if err := tx.Create(&schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now()}).Error; err != nil {
					return err
				}
			}
			return tx.Exec("DELETE FROM usage_records WHERE id = 'b-1'").Error
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []struct {
		Hour     int64
		Requests int64
		Attempts int64
		Errors   int64
		Input    int64
		CostUSD  float64
	}
	if err := db.Reader().Raw("SELECT hour, requests, attempts, errors, input, cost_usd FROM usage_rollups ORDER BY hour").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	h := at.Truncate(time.Hour).Unix()
	if len(got) != 2 || got[0].Hour != h || got[0].Attempts != 3 || got[0].Requests != requests0 || got[0].Errors != 1 ||
		got[0].Input != 20 || got[0].CostUSD != 0.5 || got[1].Hour != h+3600 || got[1].Attempts != 2 ||
		got[1].Requests != 1 || got[1].Errors != 1 {
		t.Fatalf("roll-ups %+v (hour %d)", got, h)
	}
	var spend []struct {
		Day       string
		AccountID int64
		Combo     string
		CostUSD   float64
	}
	if err := db.Reader().Raw("SELECT day, account_id, combo, cost_usd FROM usage_spend_days").Scan(&spend).Error; err != nil {
		t.Fatal(err)
	}
	if len(spend) != 1 || spend[0].Day != "2026-11-03" || spend[0].AccountID != 1 || spend[0].Combo != "c" || spend[0].CostUSD != 0.5 {
		t.Fatalf("daily spend %+v, want a-1's 0.5 on 2026-11-03", spend)
	}
	var idx []string
	if db.Dialect() == Postgres {
		db.Raw("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'usage_records' AND indexname <> 'usage_records_pkey'").Scan(&idx)
	} else {
		db.Raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_records' AND sql IS NOT NULL ORDER BY name").Scan(&idx)
	}
	for _, name := range idx {
		if name != "idx_usage_records_time" && name != "idx_usage_records_in_flight" {
			t.Errorf("index %s is still on usage_records", name)
		}
	}
}

// TestReadsAreReadOnly: the report pool cannot write (query_only), so a report can never take the write lock.
func TestReadsAreReadOnly(t *testing.T) { eachDB(t, testReadsAreReadOnly) }

func testReadsAreReadOnly(t *testing.T, db *DB) {
	if db.Reads == nil {
		t.Fatal("no read pool")
	}
	if err := db.Reads.Exec("INSERT INTO settings (key, value) VALUES ('x', 'y')").Error; err == nil {
		t.Fatal("the read pool wrote")
	}
}
