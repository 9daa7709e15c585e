package service

import (
	"context"
	"fmt"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/route"
)

// ProviderInfo describes one provider for the Providers page.
type ProviderInfo struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Prefixes       []string `json:"prefixes"`
	Auth           string   `json:"auth"`
	Formats        []string `json:"formats"`
	DefaultBaseURL string   `json:"defaultBaseUrl"`
	Models         []string `json:"models"`
	Notice         string   `json:"notice,omitempty"`
	Node           bool     `json:"node"`
	NodeID         int64    `json:"nodeId,omitempty"`
	Strategy       string   `json:"strategy"`
	Accounts       int      `json:"accounts"`
}

// Providers lists built-in providers and nodes.
func (s *Service) Providers(ctx context.Context) ([]ProviderInfo, error) {
	snap := s.routing.router.Snapshot()
	nodeIDs := map[string]int64{}
	nodes, err := s.db.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		nodeIDs[n.Prefix] = n.ID
	}
	var out []ProviderInfo
	for _, sp := range snap.Registry.All() {
		var formats []string
		for _, f := range sp.Executor.Formats() {
			formats = append(formats, string(f))
		}
		strategy := string(snap.Strategies[sp.ID])
		if strategy == "" {
			strategy = string(route.FillFirst)
		}
		out = append(out, ProviderInfo{ID: sp.ID, Name: sp.Name, Prefixes: sp.Prefixes(), Auth: string(sp.Auth),
			Formats: formats, DefaultBaseURL: sp.DefaultBaseURL, Models: sp.Models, Notice: sp.Notice, Node: sp.Node,
			NodeID: nodeIDs[sp.ID], Strategy: strategy, Accounts: len(snap.Accounts[sp.ID])})
	}
	return out, nil
}

// SetProviderStrategy chooses how a provider's accounts are picked; stickyLimit > 0 also sets the global
// round-robin sticky limit.
func (s *Service) SetProviderStrategy(ctx context.Context, providerID string, strategy route.Strategy, stickyLimit int) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	if _, ok := s.routing.router.Snapshot().Registry.ByID(providerID); !ok {
		return fmt.Errorf("%w: provider %q", ErrNotFound, providerID)
	}
	if strategy != route.FillFirst && strategy != route.RoundRobin {
		return fmt.Errorf("%w: strategy %q: want fill-first or round-robin", ErrInvalid, strategy)
	}
	changes := map[string]string{settingStrategyPrefix + providerID: string(strategy)}
	if stickyLimit > 0 {
		changes[SettingStickyLimit] = fmt.Sprint(stickyLimit)
	}
	if err := s.db.SetSettings(ctx, changes); err != nil {
		return err
	}
	return s.reload(ctx, events.KindAccounts)
}
