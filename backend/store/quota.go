package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// QuotaRecord is the last known quota of a subscription account (backend/quota), kept so that a restart shows
// the last values at once (marked stale until the next fetch). Data is the normalised report as JSON.
type QuotaRecord struct {
	AccountID int64 `gorm:"primaryKey"`
	Provider  string
	Data      string
	UpdatedAt time.Time
}

// quotaMigrations belong to quota (range 350–399).
func quotaMigrations() []Migration {
	return []Migration{
		{Version: 350, Name: "quota records", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&QuotaRecord{}) }},
	}
}

// QuotaRecords lists every stored quota.
func (db *DB) QuotaRecords(ctx context.Context) ([]QuotaRecord, error) {
	var rows []QuotaRecord
	err := db.WithContext(ctx).Find(&rows).Error
	return rows, err
}

// SaveQuotaRecord creates or replaces an account's stored quota.
func (db *DB) SaveQuotaRecord(ctx context.Context, r QuotaRecord) error {
	return db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&r).Error
}

// DeleteQuotaRecord forgets a removed account's quota.
func (db *DB) DeleteQuotaRecord(ctx context.Context, account int64) error {
	return db.WithContext(ctx).Delete(&QuotaRecord{}, account).Error
}
