package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/keys"
)

// CreateKey makes a client API key; the clear key is returned once.
func (s *Service) CreateKey(ctx context.Context, name string) (string, keys.Key, error) {
	secretKey, k, err := s.routing.keys.Create(ctx, name)
	if err == nil {
		s.Publish(events.KindKeys, nil)
	}
	return secretKey, k, err
}

// ListKeys lists client API keys (never the keys themselves).
func (s *Service) ListKeys(ctx context.Context) ([]keys.Key, error) { return s.routing.keys.List(ctx) }

// RevokeKey revokes a key at once.
func (s *Service) RevokeKey(ctx context.Context, id int64) (keys.Key, error) {
	k, err := s.routing.keys.Revoke(ctx, id)
	if errors.Is(err, keys.ErrNotFound) {
		return k, fmt.Errorf("%w: key %d", ErrNotFound, id)
	}
	if err == nil {
		s.Publish(events.KindKeys, nil)
	}
	return k, err
}
