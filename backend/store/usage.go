package store

import "gorm.io/gorm"

// UsageRollupsDDL is the hourly roll-up of finished usage rows per provider, model, account, client key and combo.
// The usage writer adds each finished row to it in the same transaction as the row, so reports read a few rows
// per hour instead of every attempt, and the roll-ups outlive the raw rows' retention (issue #9 finding 2).
// Hour is the Unix time of the hour's start (UTC). Written for SQLite; Dialect.DDL adapts it for PostgreSQL.
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

// usageMigrations: range 400–449 (usage roll-ups, retention, ledger indexes).
func usageMigrations() []Migration {
	return []Migration{
		{Version: 400, Name: "usage hourly roll-ups", Up: func(tx *gorm.DB) error {
			if err := tx.Exec(DialectOf(tx).DDL(UsageRollupsDDL)).Error; err != nil {
				return err
			}
			// Existing history is rolled up once; rows still in flight are added when the next start marks
			// them interrupted.
			return RollUpUsage(tx)
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
	}
}

// FailedSQL is the one definition of an attempt that counts as an error, for every report and roll-up: anything
// but "ok", except "canceled" (the client left; not the account's or the upstream's failure). usage.Record.Failed
// says the same in Go.
const FailedSQL = "outcome NOT IN ('ok', 'canceled')"

// RollUpUsage rebuilds usage_rollups from every finished row of usage_records (the migration's backfill; the
// benchmark uses it after seeding a ledger directly). Rows already pruned by retention are not in it any more, so
// only a database that was never pruned should be rebuilt.
func RollUpUsage(tx *gorm.DB) error {
	if err := tx.Exec("DELETE FROM usage_rollups").Error; err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO usage_rollups (hour, provider, model, account_id, key_id, combo, requests,
		errors, input, output, cache_read, cache_write, reasoning, cost_usd)
		SELECT ` + DialectOf(tx).UnixSeconds("time") + ` / 3600 * 3600, provider, model, account_id, key_id, combo,
		COUNT(*), ` + ErrorsSQL + `, SUM(input), SUM(output), SUM(cache_read), SUM(cache_write),
		SUM(reasoning), SUM(cost_usd)
		FROM usage_records WHERE outcome <> 'in_flight' GROUP BY 1, 2, 3, 4, 5, 6`).Error
}
