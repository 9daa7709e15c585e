package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/builtin"
	"github.com/ninerouter/ninerouter/backend/provider/compatible"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// buildSnapshot reads the whole routing configuration (and the accounts' keys) into an immutable snapshot.
func (s *Service) buildSnapshot(ctx context.Context) (*route.Snapshot, error) {
	nodes, err := s.db.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	accts, err := s.db.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	combos, err := s.db.Combos(ctx)
	if err != nil {
		return nil, err
	}
	aliases, err := s.db.Aliases(ctx)
	if err != nil {
		return nil, err
	}
	settings, err := s.db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	specs := builtin.Specs()
	s.applyEndpoints(specs)
	for _, n := range nodes {
		specs = append(specs, compatible.Spec(compatible.Node{Prefix: n.Prefix, Name: n.Name, Format: wire.Format(n.Format), BaseURL: n.BaseURL}))
	}
	reg, err := provider.NewRegistry(specs...)
	if err != nil {
		return nil, err
	}
	snap := &route.Snapshot{Registry: reg, Accounts: map[string][]*route.Account{}, ByID: map[int64]*route.Account{},
		Combos: map[string]*route.Combo{}, Aliases: map[string]string{}, Strategies: map[string]route.Strategy{},
		Active: settings[SettingActiveCombo], StickyLimit: route.DefaultStickyLimit}
	for _, a := range accts {
		spec, ok := reg.ByID(a.Provider)
		if !ok {
			s.log.Warn("account of an unknown provider is ignored", "account", a.ID, "provider", a.Provider)
			continue
		}
		var cred provider.CredentialSource
		if spec.Auth == provider.AuthOAuth {
			cred = s.subscriptionCredential(ctx, a) // tokens are read lazily by the account's own source
		} else {
			key, err := s.secrets.Get(store.AccountSecretKey(a.ID))
			if errors.Is(err, secret.ErrWaiting) {
				continue // the keychain is locked: served once it opens (reloadWhenSecretsOpen)
			}
			if err != nil && !errors.Is(err, secret.ErrNotFound) {
				return nil, fmt.Errorf("read the key of account %d from the %s store: %w", a.ID, s.secrets.Kind(), err)
			}
			cred = provider.StaticKey(key)
		}
		// The proxy's credentials are read with the key, once per snapshot (proxycred.go).
		proxyURL, err := s.accountProxyURL(a)
		if errors.Is(err, secret.ErrWaiting) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the proxy credentials of account %d from the %s store: %w", a.ID, s.secrets.Kind(), err)
		}
		ra := &route.Account{ID: a.ID, Provider: a.Provider, Name: a.Name, BaseURL: a.BaseURL, ProxyURL: proxyURL,
			Priority: a.Priority, Enabled: a.Enabled, Models: decodeList(a.Models), DailyUSD: a.DailyUSD,
			MonthlyUSD: a.MonthlyUSD, Cred: cred}
		if ra.BaseURL == "" {
			ra.BaseURL = spec.DefaultBaseURL
		}
		snap.Accounts[a.Provider] = append(snap.Accounts[a.Provider], ra)
		snap.ByID[a.ID] = ra
	}
	for _, c := range combos {
		var entries []route.ComboEntry
		if err := json.Unmarshal([]byte(c.Entries), &entries); err != nil {
			return nil, fmt.Errorf("combo %q is damaged: %w", c.Name, err)
		}
		snap.Combos[c.Name] = &route.Combo{Name: c.Name, Strategy: c.Strategy, Entries: entries}
	}
	for _, a := range aliases {
		snap.Aliases[a.Name] = a.Target
	}
	for k, v := range settings {
		if id, ok := strings.CutPrefix(k, settingStrategyPrefix); ok {
			snap.Strategies[id] = route.Strategy(v)
		}
	}
	if v := settings[SettingStickyLimit]; v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err == nil && n > 0 {
			snap.StickyLimit = n
		}
	}
	if _, ok := snap.Combos[snap.Active]; !ok {
		snap.Active = ""
	}
	return snap, nil
}
