package store

import (
	"context"

	"gorm.io/gorm"
)

// Accounts lists every account, by provider, then priority, then id (the order failover tries them in).
func (db *DB) Accounts(ctx context.Context) ([]Account, error) {
	var rows []Account
	err := db.WithContext(ctx).Order("provider, priority, id").Find(&rows).Error
	return rows, err
}

// AccountsOf lists one provider's accounts.
func (db *DB) AccountsOf(ctx context.Context, provider string) ([]Account, error) {
	var rows []Account
	err := db.WithContext(ctx).Where("provider = ?", provider).Find(&rows).Error
	return rows, err
}

// Account reads one account; a missing one gives gorm.ErrRecordNotFound.
func (db *DB) Account(ctx context.Context, id int64) (Account, error) {
	var row Account
	err := db.WithContext(ctx).First(&row, id).Error
	return row, err
}

// NextAccountPriority is one more than the highest priority among a provider's accounts (1 for the first), so a
// new account is tried last.
func (db *DB) NextAccountPriority(ctx context.Context, provider string) (int, error) {
	var maxPrio *int
	err := db.WithContext(ctx).Model(&Account{}).Where("provider = ?", provider).Select("MAX(priority)").Scan(&maxPrio).Error
	if err != nil || maxPrio == nil {
		return 1, err
	}
	return *maxPrio + 1, nil
}

// CreateAccount inserts row (its ID is set) and runs then inside the same transaction: if then fails, the row is
// not kept. The service stores the account's key in the secret store there, so no keyless row is ever left.
func (db *DB) CreateAccount(ctx context.Context, row *Account, then func(*Account) error) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(row).Error; err != nil {
			return err
		}
		return then(row)
	})
}

// SaveAccount writes every field of an existing account.
func (db *DB) SaveAccount(ctx context.Context, row *Account) error {
	return db.WithContext(ctx).Save(row).Error
}
