package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SealedSecret is one secret of a team server (backend/secret.Database): the value sealed with AES-256-GCM under
// the instances' shared key, never in clear. The desktop keeps its secrets in the OS keychain and leaves this
// table empty.
type SealedSecret struct {
	Key       string `gorm:"primaryKey"`
	Nonce     []byte `gorm:"not null"`
	Sealed    []byte `gorm:"not null"`
	UpdatedAt time.Time
}

// teamMigrations: range 700–749 (team server: sealed secrets, member keys, shared routing state).
func teamMigrations() []Migration {
	return []Migration{
		{Version: 700, Name: "sealed secrets", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&SealedSecret{}) }},
		{Version: 701, Name: "member key limits", Up: func(tx *gorm.DB) error {
			m := tx.Migrator()
			for _, col := range []string{"AllowedCombos", "DailyUSD", "MonthlyUSD"} {
				if !m.HasColumn(&ClientKey{}, col) {
					if err := m.AddColumn(&ClientKey{}, col); err != nil {
						return err
					}
				}
			}
			return nil
		}},
		{Version: 702, Name: "shared rotation counters", Up: func(tx *gorm.DB) error {
			return tx.Exec(DialectOf(tx).DDL(TeamTurnsDDL)).Error
		}},
		{Version: 703, Name: "shared spend counters", Up: func(tx *gorm.DB) error {
			if err := tx.Exec(DialectOf(tx).DDL(TeamSpendDDL)).Error; err != nil {
				return err
			}
			return seedTeamSpend(tx, time.Now())
		}},
	}
}

// TeamTurnsDDL holds the round-robin counters of a team server, one row per combo or provider, so that the
// instances rotate as one (backend/team.Cluster.Turn). Unused on the desktop.
const TeamTurnsDDL = `CREATE TABLE IF NOT EXISTS team_turns (
	name TEXT PRIMARY KEY,
	n INTEGER NOT NULL
)`

// TeamSpendDDL holds the spend of a team server per account ("a", subject the id) and per combo entry ("e",
// subject EntrySubject), per UTC day ("2006-01-02") and month ("2006-01"): the cluster's running totals the
// budget caps are checked against (backend/team.Spend). Every instance adds what it spends; the usage ledger stays
// the record. Unused on the desktop, whose totals live in memory (backend/usage).
const TeamSpendDDL = `CREATE TABLE IF NOT EXISTS team_spend (
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	period TEXT NOT NULL,
	usd REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, subject, period)
)`

// Spend counter kinds.
const (
	SpendAccount = "a"
	SpendEntry   = "e"
)

// SpendCounter is one row of team_spend, or an amount to add to it.
type SpendCounter struct {
	Kind    string
	Subject string
	Period  string
	USD     float64
}

// EntrySubject names a combo entry in team_spend (a unit separator between the two: PostgreSQL text holds no NUL).
func EntrySubject(combo, entry string) string { return combo + "\x1f" + entry }

// DayPeriod and MonthPeriod name the UTC day and month of t in team_spend.
func DayPeriod(t time.Time) string   { return t.UTC().Format("2006-01-02") }
func MonthPeriod(t time.Time) string { return t.UTC().Format("2006-01") }

// DaySpend is the cost of finished usage rows of one account, combo entry and UTC day ("2006-01-02").
type DaySpend struct {
	AccountID int64
	Combo     string
	Entry     string
	Day       string
	Cost      float64
}

// SpendByDay sums the ledger's costs since since per account, combo entry and UTC day: a few rows a day instead of
// every row, for the running totals budgets are checked against (backend/usage, the team counters).
func SpendByDay(tx *gorm.DB, since time.Time) ([]DaySpend, error) {
	var sums []DaySpend
	err := tx.Model(&UsageRecord{}).
		Select("account_id, combo, entry, "+DialectOf(tx).UTCDay("time")+" AS day, SUM(cost_usd) AS cost").
		Where("time >= ? AND cost_usd > 0", since).
		Group("account_id, combo, entry, day").Scan(&sums).Error
	if err != nil {
		return nil, err
	}
	for _, r := range sums {
		if len(r.Day) != len("2006-01-02") {
			return nil, fmt.Errorf("usage ledger: unreadable day %q", r.Day)
		}
	}
	return sums, nil
}

// seedTeamSpend fills the counters of the current month from the ledger when they are created, so caps set before
// an upgrade keep counting what was already spent.
func seedTeamSpend(tx *gorm.DB, now time.Time) error {
	u := now.UTC()
	sums, err := SpendByDay(tx, time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return fmt.Errorf("spend of this month: %w", err)
	}
	var add []SpendCounter
	for _, r := range sums {
		month := r.Day[:len("2006-01")]
		if r.AccountID != 0 {
			subject := fmt.Sprint(r.AccountID)
			add = append(add, SpendCounter{SpendAccount, subject, r.Day, r.Cost}, SpendCounter{SpendAccount, subject, month, r.Cost})
		}
		if r.Combo != "" && r.Entry != "" {
			subject := EntrySubject(r.Combo, r.Entry)
			add = append(add, SpendCounter{SpendEntry, subject, r.Day, r.Cost}, SpendCounter{SpendEntry, subject, month, r.Cost})
		}
	}
	return addSpend(tx, add)
}

// Turn advances the counter called name by n and returns its new value (n on first use): one statement, atomic
// across every instance on the database.
func (db *DB) Turn(ctx context.Context, name string, n int) (uint64, error) {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return 0, err
	}
	var v int64
	err = sqlDB.QueryRowContext(ctx, db.Dialect().Rebind(`INSERT INTO team_turns (name, n) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET n = team_turns.n + excluded.n RETURNING n`), name, n).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("rotation counter %s: %w", name, err)
	}
	return uint64(v), nil
}

// AddSpend adds amounts to the spend counters in one transaction.
func (db *DB) AddSpend(ctx context.Context, add []SpendCounter) error {
	if len(add) == 0 {
		return nil
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return addSpend(tx, add) })
}

func addSpend(tx *gorm.DB, add []SpendCounter) error {
	for _, c := range add {
		if err := tx.Exec(`INSERT INTO team_spend (kind, subject, period, usd) VALUES (?, ?, ?, ?)
			ON CONFLICT (kind, subject, period) DO UPDATE SET usd = team_spend.usd + excluded.usd`,
			c.Kind, c.Subject, c.Period, c.USD).Error; err != nil {
			return fmt.Errorf("spend counter %s %s: %w", c.Kind, c.Period, err)
		}
	}
	return nil
}

// SpendOf reads the spend counters of the given periods (today and this month, to check caps).
func (db *DB) SpendOf(ctx context.Context, periods ...string) ([]SpendCounter, error) {
	var out []SpendCounter
	err := db.WithContext(ctx).Raw("SELECT kind, subject, period, usd FROM team_spend WHERE period IN ?", periods).
		Scan(&out).Error
	return out, err
}

// PruneSpend drops the counters of periods before the month of keepFrom.
func (db *DB) PruneSpend(ctx context.Context, keepFrom time.Time) error {
	return db.WithContext(ctx).Exec("DELETE FROM team_spend WHERE period < ?", MonthPeriod(keepFrom)).Error
}

// KeySpend is what a client key has spent since dayStart and since monthStart (UTC hour boundaries), from the
// hourly roll-ups every instance's usage writer keeps: on a team server it is the whole cluster's spend.
func (db *DB) KeySpend(ctx context.Context, keyID int64, dayStart, monthStart time.Time) (day, month float64, err error) {
	var row struct{ Day, Month float64 }
	err = db.Reader().WithContext(ctx).Raw(`SELECT
		COALESCE(SUM(CASE WHEN hour >= ? THEN cost_usd ELSE 0 END), 0) AS day, COALESCE(SUM(cost_usd), 0) AS month
		FROM usage_rollups WHERE key_id = ? AND hour >= ?`, dayStart.Unix(), keyID, monthStart.Unix()).Scan(&row).Error
	return row.Day, row.Month, err
}
