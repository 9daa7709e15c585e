package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// PruneReferences applies a cascade delete's edits in one transaction: combos get new entries (JSON arrays),
// some combos and aliases go (backend/service/guard.go decides which).
func (db *DB) PruneReferences(ctx context.Context, entries map[string]string, dropCombos, dropAliases []string) error {
	now := time.Now().UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for name, e := range entries {
			if err := tx.Model(&Combo{}).Where("name = ?", name).Updates(map[string]any{"entries": e, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		for _, name := range dropCombos {
			if err := tx.Where("name = ?", name).Delete(&Combo{}).Error; err != nil {
				return err
			}
		}
		for _, name := range dropAliases {
			if err := tx.Delete(&ModelAlias{Name: name}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
