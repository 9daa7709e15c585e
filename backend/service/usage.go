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

// UsageRecords lists the latest attempts, those in flight included.
func (s *Service) UsageRecords(ctx context.Context, since time.Time, limit int) ([]usage.Record, error) {
	return s.routing.usage.Records(ctx, since, limit)
}
