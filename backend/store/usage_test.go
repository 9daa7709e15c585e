package store

import (
	"testing"
	"time"
)

// TestRollupBackfill: migration 400 rolls existing history up by UTC hour (the stored time format parses in
// SQL), leaves in-flight rows to the start-up sweep, and 401 drops the indexes reports no longer need.
func TestRollupBackfill(t *testing.T) { eachDialect(t, testRollupBackfill) }

func testRollupBackfill(t *testing.T, open func() (*DB, error)) {
	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 3, 14, 59, 59, 900_000_000, time.UTC)
	rows := []UsageRecord{
		{ID: "a", Time: at, Provider: "glm", Model: "m", AccountID: 1, KeyID: 2, Combo: "c", Outcome: "ok", Input: 10, CostUSD: 0.5},
		{ID: "b", Time: at.Add(-time.Minute), Provider: "glm", Model: "m", AccountID: 1, KeyID: 2, Combo: "c", Outcome: "error", Input: 5},
		{ID: "c", Time: at.Add(time.Second), Provider: "glm", Model: "m", AccountID: 1, KeyID: 2, Combo: "c", Outcome: "ok", Input: 1},
		{ID: "d", Time: at, Provider: "glm", Model: "m", AccountID: 1, KeyID: 2, Combo: "c", Outcome: "in_flight", Input: 99},
	}
	if err := db.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	// Pretend this database predates the roll-ups.
	for _, q := range []string{"DROP TABLE usage_rollups", "DELETE FROM schema_migrations WHERE version >= 400"} {
		if err := db.Exec(q).Error; err != nil {
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
		Errors   int64
		Input    int64
		CostUSD  float64
	}
	if err := db.Reader().Raw("SELECT hour, requests, errors, input, cost_usd FROM usage_rollups ORDER BY hour").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	h := at.Truncate(time.Hour).Unix()
	if len(got) != 2 || got[0].Hour != h || got[0].Requests != 2 || got[0].Errors != 1 || got[0].Input != 15 ||
		got[0].CostUSD != 0.5 || got[1].Hour != h+3600 || got[1].Requests != 1 {
		t.Fatalf("roll-ups %+v (hour %d)", got, h)
	}
	var idx []string
	if db.Dialect() == Postgres {
		db.Raw("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'usage_records' AND indexname <> 'usage_records_pkey'").Scan(&idx)
	} else {
		db.Raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_records' AND sql IS NOT NULL ORDER BY name").Scan(&idx)
	}
	for _, name := range idx {
		if name != "idx_usage_records_time" && name != "idx_usage_records_outcome" {
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
