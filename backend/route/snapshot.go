// Package route decides where a request goes: it resolves a model string (prefix/model, combo, alias, the active
// combo's virtual name) into an ordered plan of targets, picks accounts per provider (fill-first, or round-robin
// with a sticky limit), keeps cooldowns per (account, model) in memory, and classifies failures into
// next-account, next-model or stop. It reads an immutable Snapshot of the configuration, swapped atomically when
// the user changes something, so the hot path takes no database round trip.
package route

import (
	"github.com/ninerouter/ninerouter/backend/provider"
)

// ActiveModel is the fixed virtual model name that always serves the active combo. Every configured CLI points
// at it, so switching the active combo (tray, window, `ninerouter combo activate`) takes effect on the very next
// request without touching any CLI config.
const ActiveModel = "ninerouter/active"

// Strategy chooses among a provider's accounts.
type Strategy string

const (
	FillFirst  Strategy = "fill-first"  // the first available account by priority
	RoundRobin Strategy = "round-robin" // sticky: reuse the last account StickyLimit times, then the least recently used
)

// DefaultStickyLimit is 9Router's default stickyRoundRobinLimit.
const DefaultStickyLimit = 3

// Combo strategies.
const (
	ComboFallback   = "fallback"
	ComboRoundRobin = "round-robin"
	// ComboSoonestReset is a fallback chain that spends what resets first: entries and accounts with the
	// earliest subscription quota reset go first (issue 12).
	ComboSoonestReset = "soonest-reset"
)

// Account is the runtime view of one account.
type Account struct {
	ID         int64
	Provider   string
	Name       string
	BaseURL    string // resolved: override or the spec's default
	ProxyURL   string
	Priority   int
	Enabled    bool
	Models     []string // exposed in /v1/models; empty = the provider's catalogue
	DailyUSD   float64  // 0 = no cap
	MonthlyUSD float64
	Cred       provider.CredentialSource
}

// ComboEntry is one step of a combo: a model string or another combo's name, with an optional budget.
type ComboEntry struct {
	Model      string  `json:"model"`
	DailyUSD   float64 `json:"dailyUsd,omitempty"`
	MonthlyUSD float64 `json:"monthlyUsd,omitempty"`
}

// Combo is a named ordered chain.
type Combo struct {
	Name     string       `json:"name"`
	Strategy string       `json:"strategy"`
	Entries  []ComboEntry `json:"entries"`
}

// Snapshot is the whole routing configuration, immutable once built.
type Snapshot struct {
	Registry    *provider.Registry
	Accounts    map[string][]*Account // by provider id, sorted by priority then id
	ByID        map[int64]*Account
	Combos      map[string]*Combo
	Aliases     map[string]string
	Active      string              // the active combo's name, "" when none
	Strategies  map[string]Strategy // per provider; missing = fill-first
	StickyLimit int
}

// HasAccounts reports whether any enabled account serves provider.
func (s *Snapshot) HasAccounts(providerID string) bool {
	for _, a := range s.Accounts[providerID] {
		if a.Enabled {
			return true
		}
	}
	return false
}
