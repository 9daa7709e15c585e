package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ImportRows is everything one import writes (backend/service/imports.go builds it). It is written in one
// transaction: all of it or none.
type ImportRows struct {
	Nodes    []Node
	Accounts []ImportAccount
	// SignIns replace the sign-in rows of existing accounts (a merged subscription login).
	SignIns    []SignIn
	Combos     []Combo
	Aliases    []ModelAlias
	ClientKeys []ClientKey
	Prices     []Price
	Settings   map[string]string
}

// ImportAccount is a new account and, for a subscription account, its sign-in row (AccountID is filled in).
type ImportAccount struct {
	Account Account
	SignIn  *SignIn
}

// Import writes rows in one transaction and runs then inside it, after the rows are written (their IDs set):
// the service stores the secrets there, so a failure on either side leaves nothing half-imported.
func (db *DB) Import(ctx context.Context, rows *ImportRows, then func(*ImportRows) error) error {
	now := time.Now().UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i := range rows.Nodes {
			if err := tx.Create(&rows.Nodes[i]).Error; err != nil {
				return fmt.Errorf("node %s: %w", rows.Nodes[i].Prefix, err)
			}
		}
		for i := range rows.Accounts {
			a := &rows.Accounts[i]
			if err := tx.Create(&a.Account).Error; err != nil {
				return fmt.Errorf("account %s: %w", a.Account.Name, err)
			}
			if a.SignIn != nil {
				a.SignIn.AccountID = a.Account.ID
				if err := tx.Create(a.SignIn).Error; err != nil {
					return fmt.Errorf("sign-in of account %s: %w", a.Account.Name, err)
				}
			}
		}
		for i := range rows.SignIns {
			if err := tx.Save(&rows.SignIns[i]).Error; err != nil {
				return fmt.Errorf("sign-in of account %d: %w", rows.SignIns[i].AccountID, err)
			}
		}
		for i := range rows.Combos {
			if err := tx.Create(&rows.Combos[i]).Error; err != nil {
				return fmt.Errorf("combo %s: %w", rows.Combos[i].Name, err)
			}
		}
		for i := range rows.Aliases {
			if err := tx.Create(&rows.Aliases[i]).Error; err != nil {
				return fmt.Errorf("alias %s: %w", rows.Aliases[i].Name, err)
			}
		}
		for i := range rows.ClientKeys {
			if err := tx.Create(&rows.ClientKeys[i]).Error; err != nil {
				return fmt.Errorf("client key %s: %w", rows.ClientKeys[i].Name, err)
			}
		}
		for i := range rows.Prices {
			p := &rows.Prices[i]
			p.UpdatedAt = now
			err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "provider"}, {Name: "model"}},
				DoUpdates: clause.AssignmentColumns([]string{"input", "output", "cache_read", "cache_write", "updated_at"})}).Create(p).Error
			if err != nil {
				return fmt.Errorf("price %s/%s: %w", p.Provider, p.Model, err)
			}
		}
		for k, v := range rows.Settings {
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&Setting{Key: k, Value: v, UpdatedAt: now}).Error; err != nil {
				return fmt.Errorf("setting %s: %w", k, err)
			}
		}
		if then != nil {
			return then(rows)
		}
		return nil
	})
}

// ImportState is what an import compares against: the configuration already there.
type ImportState struct {
	Nodes      []Node
	Accounts   []Account
	SignIns    []SignIn
	Combos     []Combo
	Aliases    []ModelAlias
	ClientKeys []ClientKey
	Prices     []Price
	Settings   map[string]string
}

// ReadImportState reads the whole configuration (no secrets: they are in the secret store).
func (db *DB) ReadImportState(ctx context.Context) (ImportState, error) {
	var st ImportState
	tx := db.WithContext(ctx)
	for _, q := range []struct {
		what string
		dst  any
	}{{"nodes", &st.Nodes}, {"accounts", &st.Accounts}, {"sign-ins", &st.SignIns}, {"combos", &st.Combos},
		{"aliases", &st.Aliases}, {"client keys", &st.ClientKeys}, {"prices", &st.Prices}} {
		if err := tx.Order("1").Find(q.dst).Error; err != nil {
			return st, fmt.Errorf("read %s: %w", q.what, err)
		}
	}
	s, err := db.Settings(ctx)
	st.Settings = s
	return st, err
}
