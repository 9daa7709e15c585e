package team

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/store"
)

// refreshLockSpace is the first key of the two-key advisory locks that guard token refreshes (the account id is
// the second), so they never collide with other advisory locks (store's migration lock uses the one-key form).
const refreshLockSpace = 0x4e52_5246 // "NRRF"

// RefreshLock returns the oauth.Options.ClusterLock of a team server: fn runs inside a transaction holding
// pg_advisory_xact_lock for the account, so exactly one instance at a time refreshes a given token, and the
// lock goes with the transaction even if the instance dies. fn's own database work (the vault) runs on other
// connections and commits before the lock is released.
func RefreshLock(db *store.DB) func(ctx context.Context, account int64, fn func(context.Context) error) error {
	return func(ctx context.Context, account int64, fn func(context.Context) error) error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))", refreshLockSpace, int32(account)).Error; err != nil {
				return fmt.Errorf("cluster lock of account %d's token: %w", account, err)
			}
			return fn(ctx)
		})
	}
}
