package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SyncObject is this machine's record of one synced object (backend/importer/syncfolder): its content hash and
// when and where it last changed, kept after a delete as a tombstone so the delete travels too.
type SyncObject struct {
	Kind      string `gorm:"primaryKey"`
	Key       string `gorm:"primaryKey"`
	Hash      string
	UpdatedAt time.Time
	Origin    string
	Deleted   bool
}

// SyncConflict is one concurrent edit that lost, for the conflict log.
type SyncConflict struct {
	ID      int64 `gorm:"primaryKey"`
	At      time.Time
	Kind    string
	Key     string
	Winner  string
	Loser   string
	Deleted bool
}

// syncMigrations belongs to import, backup and sync (range 600–649).
func syncMigrations() []Migration {
	return []Migration{
		{Version: 600, Name: "sync objects and conflicts", Up: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&SyncObject{}, &SyncConflict{})
		}},
	}
}

// SyncObjects reads every object record.
func (db *DB) SyncObjects(ctx context.Context) ([]SyncObject, error) {
	var rows []SyncObject
	err := db.WithContext(ctx).Find(&rows).Error
	return rows, err
}

// SaveSyncObjects upserts records and appends conflicts in one transaction.
func (db *DB) SaveSyncObjects(ctx context.Context, rows []SyncObject, conflicts []SyncConflict) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i := range rows {
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&rows[i]).Error; err != nil {
				return err
			}
		}
		for i := range conflicts {
			if err := tx.Create(&conflicts[i]).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// SyncConflicts lists the newest conflicts first.
func (db *DB) SyncConflicts(ctx context.Context, limit int) ([]SyncConflict, error) {
	var rows []SyncConflict
	err := db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&rows).Error
	return rows, err
}

// UpdateNode changes a node's name, format and base URL (the sync folder applies another machine's edit).
func (db *DB) UpdateNode(ctx context.Context, prefix, name, format, baseURL string) error {
	return db.WithContext(ctx).Model(&Node{}).Where("prefix = ?", prefix).
		Updates(map[string]any{"name": name, "format": format, "base_url": baseURL, "updated_at": time.Now().UTC()}).Error
}
