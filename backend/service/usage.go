package service

import (
	"context"
	"time"

	"github.com/ninerouter/ninerouter/backend/usage"
)

// Usage aggregates the ledger (past days from the usage writer's cache).
func (s *Service) Usage(ctx context.Context, q usage.Query) (usage.Report, error) {
	return s.routing.usage.Report(ctx, q)
}

// UsageRecords lists the latest attempts.
func (s *Service) UsageRecords(ctx context.Context, since time.Time, limit int) ([]usage.Record, error) {
	return usage.Records(ctx, s.db, since, limit)
}
