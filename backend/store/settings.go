package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
