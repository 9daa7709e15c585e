package store

import (
	"fmt"

	"gorm.io/gorm"
)

// UsageRollupsDDL is the hourly roll-up of finished usage rows per provider, model, account, client key and combo,
// as migration 400 made it; 450 renames requests (which counted attempts) to attempts and adds requests. The
// usage writer adds each finished row to it in the same transaction as the row, so reports read a few rows per
// hour instead of every attempt, and the roll-ups outlive the raw rows' retention (issue #9 finding 2). Hour is
// the Unix time of the hour's start (UTC). Since 450: requests counts client requests (RequestSQL), attempts
// counts upstream tries, errors counts failed attempts (FailedSQL), the words of docs/ui.md. Written for SQLite;
// Dialect.DDL adapts it for PostgreSQL.
const UsageRollupsDDL = `CREATE TABLE IF NOT EXISTS usage_rollups (
	hour INTEGER NOT NULL,
	provider TEXT NOT NULL,
	model TEXT NOT NULL,
	account_id INTEGER NOT NULL,
	key_id INTEGER NOT NULL,
	combo TEXT NOT NULL,
	requests INTEGER NOT NULL DEFAULT 0,
	errors INTEGER NOT NULL DEFAULT 0,
	input INTEGER NOT NULL DEFAULT 0,
	output INTEGER NOT NULL DEFAULT 0,
	cache_read INTEGER NOT NULL DEFAULT 0,
	cache_write INTEGER NOT NULL DEFAULT 0,
	reasoning INTEGER NOT NULL DEFAULT 0,
	cost_usd REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (hour, provider, model, account_id, key_id, combo)
) WITHOUT ROWID`

// UsageSpendDaysDDL is the spend of each UTC day (YYYY-MM-DD) per account and combo entry, of the finished rows
// that cost something (migration 403); the usage writer adds each row's cost in the row's transaction.
const UsageSpendDaysDDL = `CREATE TABLE IF NOT EXISTS usage_spend_days (
	day TEXT NOT NULL,
	account_id INTEGER NOT NULL,
	combo TEXT NOT NULL,
	entry TEXT NOT NULL,
	cost_usd REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (day, account_id, combo, entry)
) WITHOUT ROWID`

// usageMigrations: range 400–449 (usage roll-ups, retention, ledger indexes) and 450–499 (requests beside
// attempts in the roll-ups).
func usageMigrations() []Migration {
	return []Migration{
		{Version: 400, Name: "usage hourly roll-ups", Up: func(tx *gorm.DB) error {
			if err := tx.Exec(DialectOf(tx).DDL(UsageRollupsDDL)).Error; err != nil {
				return err
			}
			// Existing history is rolled up once (in this migration's shape: requests counted attempts); rows
			// still in flight are added when the next start marks them interrupted.
			return tx.Exec(`INSERT INTO usage_rollups (hour, provider, model, account_id, key_id, combo, requests,
				errors, input, output, cache_read, cache_write, reasoning, cost_usd)
				SELECT ` + hourOfTime(tx) + `, provider, model, account_id, key_id, combo, COUNT(*), ` + ErrorsSQL + `,
				SUM(input), SUM(output), SUM(cache_read), SUM(cache_write), SUM(reasoning), SUM(cost_usd)
				FROM usage_records WHERE outcome <> 'in_flight' GROUP BY 1, 2, 3, 4, 5, 6`).Error
		}},
		// Reports read the roll-ups now; every secondary index on the ledger costs a B-tree write per row on
		// the request path's commit, so only those a remaining query uses stay (time: lists, retention, report
		// edges, month spend; outcome: the start-up in-flight sweep).
		{Version: 401, Name: "drop usage indexes the roll-ups replace", Up: func(tx *gorm.DB) error {
			for _, idx := range []string{"idx_usage_records_provider", "idx_usage_records_account_id",
				"idx_usage_records_model", "idx_usage_records_request_id"} {
				if err := tx.Exec("DROP INDEX IF EXISTS " + idx).Error; err != nil {
					return err
				}
			}
			return nil
		}},
		// In-flight rows no longer reach the ledger (the usage journal keeps them, backend/usage/journal.go); only
		// an older version's crash leaves some, which the start-up sweep finds. A partial index serves that
		// sweep and costs finished rows nothing, where the full one cost a B-tree write per row.
		{Version: 402, Name: "usage in-flight rows: a partial index instead of the outcome index", Up: func(tx *gorm.DB) error {
			for _, q := range []string{
				"DROP INDEX IF EXISTS idx_usage_records_outcome",
				"CREATE INDEX IF NOT EXISTS idx_usage_records_in_flight ON usage_records(outcome) WHERE outcome = 'in_flight'",
			} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		}},
		// Budgets need this month's spend per account and combo entry at every start; summing it from the ledger
		// read every row of the month (seconds with a busy month's 200k rows). The writer keeps these daily
		// sums in the rows' transaction, so a start reads a few rows per day (backend/usage/spend.go).
		{Version: 403, Name: "usage daily spend per account and combo entry", Up: func(tx *gorm.DB) error {
			if err := tx.Exec(DialectOf(tx).DDL(UsageSpendDaysDDL)).Error; err != nil {
				return err
			}
			return rebuildSpendDays(tx)
		}},
		// One definition of a request (a client request) and of an attempt (an upstream try) on every page,
		// the CLI and the API (issue #13): the roll-ups count both. The old column counted attempts.
		{Version: 450, Name: "usage roll-ups count requests and attempts", Up: migrateRollupRequests},
	}
}

// migrateRollupRequests renames the roll-ups' attempt count and adds the request count. Hours whose raw rows
// are all still in the ledger are rebuilt from them exactly; older hours (pruned by retention) no longer have
// the rows that say which attempts were retries, so their requests are their attempts, the closest the data
// allows.
func migrateRollupRequests(tx *gorm.DB) error {
	if tx.Migrator().HasColumn("usage_rollups", "attempts") {
		return nil // already in this shape
	}
	for _, q := range []string{
		"ALTER TABLE usage_rollups RENAME COLUMN requests TO attempts",
		DialectOf(tx).DDL("ALTER TABLE usage_rollups ADD COLUMN requests INTEGER NOT NULL DEFAULT 0"),
		"UPDATE usage_rollups SET requests = attempts",
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	var oldest struct{ Hour *int64 }
	if err := tx.Raw("SELECT MIN(" + hourOfTime(tx) + ") AS hour FROM usage_records WHERE outcome <> 'in_flight'").
		Scan(&oldest).Error; err != nil {
		return err
	}
	if oldest.Hour == nil {
		return nil
	}
	// The oldest hour may have lost part of its rows to retention: it is rebuilt only when its raw rows are as
	// many as its roll-ups counted.
	from := *oldest.Hour
	var raw, rolled int64
	if err := tx.Raw("SELECT COUNT(*) FROM usage_records WHERE outcome <> 'in_flight' AND "+hourOfTime(tx)+" = ?", from).
		Scan(&raw).Error; err != nil {
		return err
	}
	if err := tx.Raw("SELECT COALESCE(SUM(attempts), 0) FROM usage_rollups WHERE hour = ?", from).Scan(&rolled).Error; err != nil {
		return err
	}
	if raw != rolled {
		from += 3600
	}
	return rollUpFrom(tx, from)
}

// FailedSQL is the one definition of an attempt that counts as an error, for every report and roll-up: anything
// but "ok", except "canceled" (the client left; not the account's or the upstream's failure). usage.Record.Failed
// says the same in Go.
const FailedSQL = "outcome NOT IN ('ok', 'canceled')"

// RequestSQL is the one definition of a client request among attempts: a request's first attempt stands for it,
// whatever fallbacks followed. usage.Record.IsRequest says the same in Go.
const RequestSQL = "attempt <= 1"

// RequestsSQL counts the client requests (RequestSQL) in an aggregate.
const RequestsSQL = "SUM(CASE WHEN " + RequestSQL + " THEN 1 ELSE 0 END)"

// hourOfTime is the start of usage_records.time's UTC hour in Unix seconds.
func hourOfTime(tx *gorm.DB) string { return DialectOf(tx).UnixSeconds("time") + " / 3600 * 3600" }

// RollUpUsage rebuilds usage_rollups and usage_spend_days from every finished row of usage_records (the
// benchmark uses it after seeding a ledger directly). Rows already pruned by retention are not in it any more, so
// only a database that was never pruned should be rebuilt whole.
func RollUpUsage(tx *gorm.DB) error {
	if err := rollUpFrom(tx, 0); err != nil {
		return err
	}
	return rebuildSpendDays(tx)
}

// rebuildSpendDays replaces usage_spend_days with the sums of the ledger's rows.
func rebuildSpendDays(tx *gorm.DB) error {
	if err := tx.Exec("DELETE FROM usage_spend_days").Error; err != nil {
		return fmt.Errorf("usage spend: %w", err)
	}
	err := tx.Exec(`INSERT INTO usage_spend_days (day, account_id, combo, entry, cost_usd)
		SELECT ` + DialectOf(tx).UTCDay("time") + `, account_id, combo, entry, SUM(cost_usd) FROM usage_records
		WHERE cost_usd > 0 AND outcome <> 'in_flight' GROUP BY 1, 2, 3, 4`).Error
	if err != nil {
		return fmt.Errorf("usage spend: %w", err)
	}
	return nil
}

// rollUpFrom replaces the roll-ups of the hours from fromHour (Unix seconds) on with sums of the raw rows.
func rollUpFrom(tx *gorm.DB, fromHour int64) error {
	if err := tx.Exec("DELETE FROM usage_rollups WHERE hour >= ?", fromHour).Error; err != nil {
		return fmt.Errorf("usage roll-ups: %w", err)
	}
	err := tx.Exec(`INSERT INTO usage_rollups (hour, provider, model, account_id, key_id, combo, requests, attempts,
		errors, input, output, cache_read, cache_write, reasoning, cost_usd)
		SELECT h, provider, model, account_id, key_id, combo, `+RequestsSQL+`, COUNT(*), `+ErrorsSQL+`, SUM(input),
		SUM(output), SUM(cache_read), SUM(cache_write), SUM(reasoning), SUM(cost_usd)
		FROM (SELECT `+hourOfTime(tx)+` AS h, usage_records.* FROM usage_records WHERE outcome <> 'in_flight') AS finished
		WHERE h >= ? GROUP BY h, provider, model, account_id, key_id, combo`, fromHour).Error
	if err != nil {
		return fmt.Errorf("usage roll-ups: %w", err)
	}
	return nil
}
