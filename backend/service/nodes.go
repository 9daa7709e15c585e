package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/provider/compatible"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// NodeInput defines a custom node and its first account.
type NodeInput struct {
	Prefix   string   `json:"prefix"`
	Name     string   `json:"name"`
	Format   string   `json:"format"` // openai | openai-responses | anthropic
	BaseURL  string   `json:"baseUrl"`
	APIKey   string   `json:"apiKey"`
	ProxyURL string   `json:"proxyUrl"`
	Models   []string `json:"models"`
}

// NodeView is a node.
type NodeView struct {
	ID        int64     `json:"id"`
	Prefix    string    `json:"prefix"`
	Name      string    `json:"name"`
	Format    string    `json:"format"`
	BaseURL   string    `json:"baseUrl"`
	CreatedAt time.Time `json:"createdAt"`
}

// Nodes lists custom nodes.
func (s *Service) Nodes(ctx context.Context) ([]NodeView, error) {
	rows, err := s.db.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]NodeView, len(rows))
	for i, n := range rows {
		out[i] = NodeView{ID: n.ID, Prefix: n.Prefix, Name: n.Name, Format: n.Format, BaseURL: n.BaseURL, CreatedAt: n.CreatedAt}
	}
	return out, nil
}

// AddNode creates a node and, when a key is given, its first account.
func (s *Service) AddNode(ctx context.Context, in NodeInput) (NodeView, *AccountView, error) {
	n := compatible.Node{Prefix: strings.ToLower(strings.TrimSpace(in.Prefix)), Name: in.Name, Format: wire.Format(in.Format), BaseURL: strings.TrimSpace(in.BaseURL)}
	if err := compatible.Validate(n); err != nil {
		return NodeView{}, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := checkURL(n.BaseURL); err != nil {
		return NodeView{}, nil, err
	}
	s.routing.mu.Lock()
	if _, taken := s.routing.router.Snapshot().Registry.ByPrefix(n.Prefix); taken {
		s.routing.mu.Unlock()
		return NodeView{}, nil, fmt.Errorf("%w: the prefix %q is already used by a provider or node", ErrConflict, n.Prefix)
	}
	row := store.Node{Prefix: n.Prefix, Name: n.Name, Format: string(n.Format), BaseURL: n.BaseURL, CreatedAt: time.Now().UTC()}
	// The node, its first account and the account's key are written in one transaction (issue #9 finding 5: a
	// kill between them left a node without its account, and a retry then failed with "prefix already used").
	var acct *store.Account
	if key := strings.TrimSpace(in.APIKey); key != "" {
		name := in.Name
		if name == "" {
			name = n.Prefix
		}
		ai := AccountInput{Name: &name}
		if in.ProxyURL != "" {
			ai.ProxyURL = &in.ProxyURL
		}
		if len(in.Models) > 0 {
			ai.Models = &in.Models
		}
		acct = &store.Account{Provider: n.Prefix, Enabled: true, CreatedAt: row.CreatedAt}
		if err := applyAccountInput(acct, ai); err != nil {
			s.routing.mu.Unlock()
			return NodeView{}, nil, err
		}
	}
	err := s.db.CreateNodeWithAccount(ctx, &row, acct, func(a *store.Account) error {
		_, proxyAuth := splitProxyURL(strings.TrimSpace(in.ProxyURL))
		return s.setAccountKey(*a, strings.TrimSpace(in.APIKey), proxyAuth)
	})
	if acct != nil && acct.ID != 0 {
		s.settleAccountKey(acct.ID, err == nil)
	}
	if err != nil {
		s.routing.mu.Unlock()
		return NodeView{}, nil, fmt.Errorf("save node: %w", err)
	}
	if err := s.reload(ctx, events.KindAccounts); err != nil {
		s.routing.mu.Unlock()
		return NodeView{}, nil, err
	}
	s.routing.mu.Unlock()
	view := NodeView{ID: row.ID, Prefix: row.Prefix, Name: row.Name, Format: row.Format, BaseURL: row.BaseURL, CreatedAt: row.CreatedAt}
	if acct == nil {
		return view, nil, nil
	}
	av := s.accountView(*acct)
	return view, &av, nil
}

// DeleteNode removes a node and its accounts (one transaction), then their keys.
func (s *Service) DeleteNode(ctx context.Context, id int64) error {
	return s.removeNode(ctx, id, false, false)
}
