package store

import (
	"context"
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
	}
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
