package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Setting is one key/value row of user settings (never a secret).
type Setting struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

func foundationMigrations() []Migration {
	return []Migration{
		{Version: 1, Name: "settings", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&Setting{}) }},
	}
}

// GetSetting returns the value of key, or ok=false when unset.
func (db *DB) GetSetting(ctx context.Context, key string) (value string, ok bool, err error) {
	var s Setting
	err = db.WithContext(ctx).First(&s, "key = ?", key).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return s.Value, true, nil
}

// SetSetting stores key=value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).
		Create(&Setting{Key: key, Value: value, UpdatedAt: time.Now().UTC()}).Error
}

// Settings returns every setting.
func (db *DB) Settings(ctx context.Context) (map[string]string, error) {
	var rows []Setting
	if err := db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Value
	}
	return out, nil
}

// PeekSetting reads one setting from an existing database without creating, migrating or writing anything.
// It is used before the listener is bound (the listen address may come from the settings table). A missing
// database or key gives ok=false.
func PeekSetting(ctx context.Context, dataDir, key string) (value string, ok bool) {
	path := filepath.Join(dataDir, FileName)
	if !fileExists(path) {
		return "", false
	}
	gdb, err := gorm.Open(sqlite.Open("file:"+path+"?mode=ro&_pragma=busy_timeout(2000)"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return "", false
	}
	if sqlDB, err := gdb.DB(); err == nil {
		defer sqlDB.Close()
	}
	var s Setting
	if err := gdb.WithContext(ctx).Where("key = ?", key).Limit(1).Find(&s).Error; err != nil || s.Key == "" {
		return "", false
	}
	return s.Value, true
}

// SetSettings stores every key=value in one transaction: all are written or none.
func (db *DB) SetSettings(ctx context.Context, kv map[string]string) error {
	now := time.Now().UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return writeSettings(tx, kv, now) })
}

// writeSettings stores every key=value inside the caller's transaction.
func writeSettings(tx *gorm.DB, kv map[string]string, now time.Time) error {
	for k, v := range kv {
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&Setting{Key: k, Value: v, UpdatedAt: now}).Error; err != nil {
			return fmt.Errorf("setting %s: %w", k, err)
		}
	}
	return nil
}
