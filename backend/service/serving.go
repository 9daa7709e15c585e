package service

// What the Overview shows about routing right now: which tier and account the next request to the active combo
// goes to, and each account's state in the same words as the Providers page and the tray.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/secret"
)

// Account states, shared by the Overview, the Providers page and the tray.
const (
	StateReady       = "ready"
	StateCooling     = "cooling"
	StateOverBudget  = "over-budget"
	StateDisabled    = "disabled"
	StateNeedsSignIn = "needs-sign-in"
	StateNoAccount   = "no-account"
)

// ServingAccount is one account behind a tier.
type ServingAccount struct {
	ID     int64      `json:"id"`
	Name   string     `json:"name"`
	State  string     `json:"state"`
	Until  *time.Time `json:"until,omitempty"` // when a cooling or over-budget account frees up
	Reason string     `json:"reason,omitempty"`
}

// ServingTier is one target of the active combo's plan, in fallback order.
type ServingTier struct {
	Entry        string           `json:"entry"` // the combo entry it came from
	Provider     string           `json:"provider"`
	ProviderName string           `json:"providerName"`
	Model        string           `json:"model"`
	State        string           `json:"state"` // ready when one of its accounts is ready
	Accounts     []ServingAccount `json:"accounts" tstype:"ServingAccount[]"`
}

// ServingView answers "what serves ninerouter/active now".
type ServingView struct {
	Active string        `json:"active"`
	Tiers  []ServingTier `json:"tiers" tstype:"ServingTier[]"`
	// NextTier and NextAccount are where the next request goes (-1 and 0 when nothing can serve).
	NextTier    int    `json:"nextTier"`
	NextAccount int64  `json:"nextAccount"`
	Problem     string `json:"problem,omitempty"`
}

// Serving resolves the active combo without sending anything and reports each tier's and account's state.
// Round-robin combos and providers may start elsewhere; the order shown is the fallback order.
func (s *Service) Serving(ctx context.Context) ServingView {
	snap := s.routing.router.Snapshot()
	v := ServingView{Active: snap.Active, NextTier: -1, Tiers: []ServingTier{}}
	if snap.Active == "" {
		v.Problem = "no combo is active"
		return v
	}
	plan, err := route.Resolve(snap, route.ActiveModel, nil)
	if err != nil {
		v.Problem = err.Error()
		return v
	}
	now := time.Now()
	cooling := map[int64][]route.Cooldown{}
	for _, c := range s.routing.router.Cooldowns() {
		cooling[c.AccountID] = append(cooling[c.AccountID], c)
	}
	for i, t := range plan.Targets {
		tier := ServingTier{Entry: t.Entry, Provider: t.Spec.ID, ProviderName: t.Spec.Name, Model: t.Model,
			State: StateNoAccount, Accounts: []ServingAccount{}}
		entryOver := false
		if t.Entry != "" && (t.DailyUSD > 0 || t.MonthlyUSD > 0) {
			d, m := s.spend().EntrySpend(t.Combo, t.Entry, now)
			entryOver = (t.DailyUSD > 0 && d >= t.DailyUSD) || (t.MonthlyUSD > 0 && m >= t.MonthlyUSD)
		}
		for _, a := range snap.Accounts[t.Spec.ID] {
			sa := s.accountState(a, t.Model, cooling[a.ID], now)
			if entryOver && sa.State == StateReady {
				sa.State, sa.Reason = StateOverBudget, "the combo entry's budget is spent"
			}
			tier.Accounts = append(tier.Accounts, sa)
			if sa.State == StateReady && v.NextTier < 0 {
				v.NextTier, v.NextAccount = i, a.ID
			}
		}
		tier.State = tierState(tier.Accounts)
		v.Tiers = append(v.Tiers, tier)
	}
	if v.NextTier < 0 {
		v.Problem = "no account of the active combo can serve right now"
	}
	return v
}

// tierState is ready when any account is; otherwise the most hopeful state (cooling frees up by itself).
func tierState(accts []ServingAccount) string {
	if len(accts) == 0 {
		return StateNoAccount
	}
	best := accts[0].State
	rank := map[string]int{StateReady: 0, StateCooling: 1, StateOverBudget: 2, StateNeedsSignIn: 3, StateDisabled: 4}
	for _, a := range accts[1:] {
		if rank[a.State] < rank[best] {
			best = a.State
		}
	}
	return best
}

// accountState is one account's state for model ("" = any model).
func (s *Service) accountState(a *route.Account, model string, cools []route.Cooldown, now time.Time) ServingAccount {
	sa := ServingAccount{ID: a.ID, Name: a.Name, State: StateReady}
	if sa.Name == "" {
		sa.Name = fmt.Sprintf("#%d", a.ID)
	}
	if !a.Enabled {
		sa.State = StateDisabled
		return sa
	}
	if sk, ok := a.Cred.(provider.StaticKey); ok && sk == "" {
		sa.State, sa.Reason = StateNeedsSignIn, "no key or sign-in stored"
		return sa
	}
	for _, c := range cools {
		if (model == "" || c.Model == "*" || c.Model == model) && c.Until.After(now) {
			until := c.Until
			if sa.Until == nil || until.After(*sa.Until) {
				sa.State, sa.Until, sa.Reason = StateCooling, &until, c.Reason
			}
		}
	}
	if sa.State == StateCooling {
		return sa
	}
	if a.DailyUSD > 0 || a.MonthlyUSD > 0 {
		d, m := s.spend().AccountSpend(a.ID, now)
		if (a.DailyUSD > 0 && d >= a.DailyUSD) || (a.MonthlyUSD > 0 && m >= a.MonthlyUSD) {
			sa.State, sa.Reason = StateOverBudget, "its spending cap is reached"
		}
	}
	return sa
}

// testKeySecret names the secret-store entry holding the dashboard's own client key (the "send a test
// request" button), so the user never handles a key for it.
const testKeySecret = "client-key/dashboard-test"

// TestKeyName is the name the dashboard's own client key is listed under.
const TestKeyName = "NineRouter test button"

// TestClientKey returns the client key the dashboard's test button sends, creating it (and keeping it in the
// secret store) when there is none or it was revoked.
func (s *Service) TestClientKey(ctx context.Context) (string, error) {
	k, err := s.secrets.Get(s.perDataDir(testKeySecret))
	if err != nil && !errors.Is(err, secret.ErrNotFound) {
		return "", fmt.Errorf("read the test key from the %s store: %w", s.secrets.Kind(), err)
	}
	if k != "" {
		if _, ok := s.VerifyKey(k); ok {
			return k, nil
		}
	}
	k, _, err = s.CreateKey(ctx, TestKeyName)
	if err != nil {
		return "", fmt.Errorf("create the test key: %w", err)
	}
	if err := s.secrets.Set(s.perDataDir(testKeySecret), k); err != nil {
		return "", fmt.Errorf("keep the test key in the %s store: %w", s.secrets.Kind(), err)
	}
	return k, nil
}
