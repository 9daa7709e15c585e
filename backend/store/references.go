package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ErrNothingRemoved is returned by Remove when the account or node it was asked to delete is not there; nothing
// was changed.
var ErrNothingRemoved = errors.New("nothing to remove")

// Removal is one delete and every edit it cascades to. Remove applies it in one transaction, so a failure or a
// crash leaves all of it or none: never a combo entry dropped while the account it named stays, or a deleted
// active combo still named by the active-combo setting. backend/service/guard.go decides what goes.
type Removal struct {
	ComboEntries map[string]string // combo name -> its new entries (a JSON array)
	Combos       []string          // combos to delete
	Aliases      []string          // aliases to delete
	Account      int64             // an account to delete with its sign-in record (0: none)
	Node         *Node             // a node to delete with every account of its prefix (nil: none)
	Settings     map[string]string // settings to write (the active combo cleared when it goes)
}

// Remove applies r in one transaction. A named account or node that is not there gives ErrNothingRemoved and
// changes nothing.
func (db *DB) Remove(ctx context.Context, r Removal) error {
	now := time.Now().UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if r.Account != 0 {
			res := tx.Delete(&Account{}, r.Account)
			if res.Error != nil {
				return fmt.Errorf("delete account %d: %w", r.Account, res.Error)
			}
			if res.RowsAffected == 0 {
				return fmt.Errorf("%w: account %d", ErrNothingRemoved, r.Account)
			}
			if err := tx.Delete(&SignIn{}, r.Account).Error; err != nil {
				return fmt.Errorf("delete account %d's sign-in: %w", r.Account, err)
			}
		}
		if r.Node != nil {
			if err := tx.Where("provider = ?", r.Node.Prefix).Delete(&Account{}).Error; err != nil {
				return fmt.Errorf("delete node %s's accounts: %w", r.Node.Prefix, err)
			}
			res := tx.Delete(&Node{}, r.Node.ID)
			if res.Error != nil {
				return fmt.Errorf("delete node %d: %w", r.Node.ID, res.Error)
			}
			if res.RowsAffected == 0 {
				return fmt.Errorf("%w: node %d", ErrNothingRemoved, r.Node.ID)
			}
		}
		for name, e := range r.ComboEntries {
			if err := tx.Model(&Combo{}).Where("name = ?", name).Updates(map[string]any{"entries": e, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("edit combo %s: %w", name, err)
			}
		}
		for _, name := range r.Combos {
			if err := tx.Where("name = ?", name).Delete(&Combo{}).Error; err != nil {
				return fmt.Errorf("delete combo %s: %w", name, err)
			}
		}
		for _, name := range r.Aliases {
			if err := tx.Delete(&ModelAlias{Name: name}).Error; err != nil {
				return fmt.Errorf("delete alias %s: %w", name, err)
			}
		}
		return writeSettings(tx, r.Settings, now)
	})
}
