package store

import (
	"context"
	"time"
)

// CountClientRequests counts the client requests that finished in [since, until]: a request's first attempt
// (Attempt 1) stands for it, whatever fallbacks followed. Raw rows only: past the ledger's retention the count
// covers what is left (the roll-ups count attempts).
func (db *DB) CountClientRequests(ctx context.Context, since, until time.Time) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&UsageRecord{}).
		Where("attempt <= 1 AND outcome <> 'in_flight' AND time >= ? AND time <= ?", since.UTC(), until.UTC()).
		Count(&n).Error
	return n, err
}
