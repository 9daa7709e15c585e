package service

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/route"
)

// ComboView is a combo for the Combos page and the tray.
type ComboView struct {
	Name     string           `json:"name"`
	Strategy string           `json:"strategy"`
	Entries  []ComboEntryView `json:"entries" tstype:"ComboEntryView[]"`
	Active   bool             `json:"active"`
}

// ComboEntryView is an entry with its budget state.
type ComboEntryView struct {
	route.ComboEntry
	SpentToday float64 `json:"spentToday"`
	SpentMonth float64 `json:"spentMonth"`
	OverBudget bool    `json:"overBudget"` // skipped like a cooling entry until its window resets
}

func (s *Service) comboView(c *route.Combo, active string) ComboView {
	v := ComboView{Name: c.Name, Strategy: c.Strategy, Active: c.Name == active, Entries: make([]ComboEntryView, len(c.Entries))}
	now := time.Now()
	for i, e := range c.Entries {
		d, m := s.spend().EntrySpend(c.Name, e.Model, now)
		v.Entries[i] = ComboEntryView{ComboEntry: e, SpentToday: d, SpentMonth: m,
			OverBudget: (e.DailyUSD > 0 && d >= e.DailyUSD) || (e.MonthlyUSD > 0 && m >= e.MonthlyUSD)}
	}
	return v
}

// Combos lists combos by name.
func (s *Service) Combos(ctx context.Context) ([]ComboView, error) {
	snap := s.routing.router.Snapshot()
	out := make([]ComboView, 0, len(snap.Combos))
	for _, c := range snap.Combos {
		out = append(out, s.comboView(c, snap.Active))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SetCombo creates or replaces a combo; cycles and unresolvable entries are refused.
func (s *Service) SetCombo(ctx context.Context, c route.Combo) (ComboView, error) {
	if c.Strategy == "" {
		c.Strategy = route.ComboFallback
	}
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	snap := s.routing.router.Snapshot()
	if err := route.CheckCombo(snap, c); err != nil {
		return ComboView{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	entries, _ := json.Marshal(c.Entries)
	if err := s.db.SaveCombo(ctx, c.Name, c.Strategy, string(entries)); err != nil {
		return ComboView{}, err
	}
	if err := s.reload(ctx, events.KindCombos); err != nil {
		return ComboView{}, err
	}
	snap = s.routing.router.Snapshot()
	return s.comboView(snap.Combos[c.Name], snap.Active), nil
}

// DeleteCombo removes a combo that no other combo uses; deleting the active one leaves none active. Both writes
// are one transaction.
func (s *Service) DeleteCombo(ctx context.Context, name string) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	snap := s.routing.router.Snapshot()
	if _, ok := snap.Combos[name]; !ok {
		return fmt.Errorf("%w: combo %q", ErrNotFound, name)
	}
	for _, c := range snap.Combos {
		for _, e := range c.Entries {
			if e.Model == name && c.Name != name {
				return fmt.Errorf("%w: combo %q is used by combo %q", ErrConflict, name, c.Name)
			}
		}
	}
	if err := s.db.Remove(ctx, cascadeRemoval(snap, nil, name)); err != nil {
		return fmt.Errorf("delete combo %q: %w", name, err)
	}
	return s.reload(ctx, events.KindCombos)
}

// ActiveCombo is the combo served under route.ActiveModel ("" when none).
func (s *Service) ActiveCombo(ctx context.Context) (string, error) {
	return s.routing.router.Snapshot().Active, nil
}

// ActivateCombo makes name the combo served under route.ActiveModel; it takes effect on the next request. An
// empty name deactivates.
func (s *Service) ActivateCombo(ctx context.Context, name string) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	if name != "" {
		if _, ok := s.routing.router.Snapshot().Combos[name]; !ok {
			return fmt.Errorf("%w: combo %q", ErrNotFound, name)
		}
	}
	if err := s.db.SetSetting(ctx, SettingActiveCombo, name); err != nil {
		return err
	}
	return s.reload(ctx, events.KindCombos)
}
