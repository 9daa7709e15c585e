package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/route"
)

// Aliases lists user model aliases.
func (s *Service) Aliases(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range s.routing.router.Snapshot().Aliases {
		out[k] = v
	}
	return out, nil
}

// SetAlias maps a bare name to a model string; it must resolve and not shadow a combo.
func (s *Service) SetAlias(ctx context.Context, name, target string) error {
	name, target = strings.TrimSpace(name), strings.TrimSpace(target)
	if name == "" || strings.ContainsAny(name, "/ \t") {
		return fmt.Errorf("%w: alias name %q: no '/' or spaces", ErrInvalid, name)
	}
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	snap := *s.routing.router.Snapshot()
	if _, ok := snap.Combos[name]; ok {
		return fmt.Errorf("%w: %q is a combo", ErrConflict, name)
	}
	snap.Aliases = map[string]string{name: target}
	for k, v := range s.routing.router.Snapshot().Aliases {
		if k != name {
			snap.Aliases[k] = v
		}
	}
	if _, err := route.Resolve(&snap, name, nil); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := s.db.SaveAlias(ctx, name, target); err != nil {
		return err
	}
	return s.reload(ctx, events.KindCombos)
}

// DeleteAlias removes an alias.
func (s *Service) DeleteAlias(ctx context.Context, name string) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	found, err := s.db.DeleteAlias(ctx, name)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: alias %q", ErrNotFound, name)
	}
	return s.reload(ctx, events.KindCombos)
}
