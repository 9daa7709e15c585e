package service

import (
	"context"
	"time"

	"github.com/ninerouter/ninerouter/backend/usage"
)

// Usage aggregates the ledger.
func (s *Service) Usage(ctx context.Context, q usage.Query) (usage.Report, error) {
	return usage.Aggregate(ctx, s.db, q)
}

// UsageRecords lists the latest attempts.
func (s *Service) UsageRecords(ctx context.Context, since time.Time, limit int) ([]usage.Record, error) {
	return usage.Records(ctx, s.db, since, limit)
}
