package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Combos lists every combo.
func (db *DB) Combos(ctx context.Context) ([]Combo, error) {
	var rows []Combo
	err := db.WithContext(ctx).Find(&rows).Error
	return rows, err
}

// SaveCombo creates or replaces the combo called name; entries is its JSON array of entries.
func (db *DB) SaveCombo(ctx context.Context, name, strategy, entries string) error {
	now := time.Now().UTC()
	var row Combo
	err := db.WithContext(ctx).Where("name = ?", name).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row = Combo{Name: name, CreatedAt: now}
	} else if err != nil {
		return err
	}
	row.Strategy, row.Entries, row.UpdatedAt = strategy, entries, now
	return db.WithContext(ctx).Save(&row).Error
}

// Aliases lists every model alias.
func (db *DB) Aliases(ctx context.Context) ([]ModelAlias, error) {
	var rows []ModelAlias
	err := db.WithContext(ctx).Find(&rows).Error
	return rows, err
}

// SaveAlias creates or replaces an alias.
func (db *DB) SaveAlias(ctx context.Context, name, target string) error {
	return db.WithContext(ctx).Save(&ModelAlias{Name: name, Target: target, UpdatedAt: time.Now().UTC()}).Error
}

// DeleteAlias removes an alias; found is false when there was none.
func (db *DB) DeleteAlias(ctx context.Context, name string) (found bool, err error) {
	res := db.WithContext(ctx).Delete(&ModelAlias{Name: name})
	return res.RowsAffected > 0, res.Error
}
