package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/route"
)

// Errors of a member key's limits; the API answers them in the client's own format.
var (
	// ErrKeyForbidden: the key may not use the requested model (403).
	ErrKeyForbidden = errors.New("this API key may not use that model")
	// ErrKeyBudget: the key's daily or monthly budget is spent (429).
	ErrKeyBudget = errors.New("this API key's budget is spent")
)

// keySpendTTL bounds how stale a key's spend may be when checked against its budget: the spend is read from the
// shared roll-ups (the whole cluster's), at most once per key per TTL, so the request path rarely reads the
// database. A burst can overshoot a cap by what it spends within the TTL.
const keySpendTTL = 2 * time.Second

// keySpendCache keeps each limited key's last-read spend.
type keySpendCache struct {
	mu sync.Mutex
	m  map[int64]keySpend
}

type keySpend struct {
	day, month float64
	at         time.Time
}

// SetKeyLimits replaces a member key's allowed combos and budgets. Every combo named must exist.
func (s *Service) SetKeyLimits(ctx context.Context, id int64, l keys.Limits) (keys.Key, error) {
	if err := s.ValidKeyLimits(l); err != nil {
		return keys.Key{}, err
	}
	k, err := s.routing.keys.SetLimits(ctx, id, l)
	switch {
	case errors.Is(err, keys.ErrNotFound):
		return k, fmt.Errorf("%w: key %d", ErrNotFound, id)
	case errors.Is(err, keys.ErrBadLimits):
		return k, fmt.Errorf("%w: %v", ErrInvalid, err)
	case err != nil:
		return k, err
	}
	s.keySpend.mu.Lock()
	delete(s.keySpend.m, id)
	s.keySpend.mu.Unlock()
	s.Publish(events.KindKeys, nil)
	return k, nil
}

// ValidKeyLimits checks limits before a key gets them (trimming combo names in place): every combo named must
// exist and no budget may be negative.
func (s *Service) ValidKeyLimits(l keys.Limits) error {
	snap := s.routing.router.Snapshot()
	for i, c := range l.AllowedCombos {
		c = strings.TrimSpace(c)
		if _, ok := snap.Combos[c]; !ok {
			return fmt.Errorf("%w: no combo is called %q", ErrInvalid, c)
		}
		l.AllowedCombos[i] = c
	}
	if l.DailyUSD < 0 || l.MonthlyUSD < 0 {
		return fmt.Errorf("%w: a budget cannot be negative", ErrInvalid)
	}
	return nil
}

// CheckKeyAccess applies a member key's limits to one request for model: a key limited to some combos may use
// only those (by name, through an alias, or as the active combo), and a key with a budget is refused once the
// cluster's spend under it reaches the cap. Keys without limits, and keyless requests, pass without any work.
func (s *Service) CheckKeyAccess(ctx context.Context, keyID int64, model string) error {
	if keyID == 0 {
		return nil
	}
	l, ok := s.routing.keys.LimitsOf(keyID)
	if !ok || (len(l.AllowedCombos) == 0 && l.DailyUSD == 0 && l.MonthlyUSD == 0) {
		return nil
	}
	if len(l.AllowedCombos) > 0 {
		snap := s.routing.router.Snapshot()
		name := strings.TrimSpace(model)
		if strings.EqualFold(name, route.ActiveModel) {
			name = snap.Active
		} else if target, ok := snap.Aliases[name]; ok {
			name = target
		}
		if !slices.Contains(l.AllowedCombos, name) {
			return fmt.Errorf("%w: %q is not one of its combos (%s)", ErrKeyForbidden, model, strings.Join(l.AllowedCombos, ", "))
		}
	}
	if l.DailyUSD == 0 && l.MonthlyUSD == 0 {
		return nil
	}
	day, month, err := s.spentByKey(ctx, keyID)
	if err != nil {
		return nil // the database is away: serve, the ledger catches up (docs/team-server.md)
	}
	if l.DailyUSD > 0 && day >= l.DailyUSD {
		return fmt.Errorf("%w: $%.2f of its $%.2f daily budget used", ErrKeyBudget, day, l.DailyUSD)
	}
	if l.MonthlyUSD > 0 && month >= l.MonthlyUSD {
		return fmt.Errorf("%w: $%.2f of its $%.2f monthly budget used", ErrKeyBudget, month, l.MonthlyUSD)
	}
	return nil
}

func (s *Service) spentByKey(ctx context.Context, keyID int64) (day, month float64, err error) {
	now := time.Now().UTC()
	c := &s.keySpend
	c.mu.Lock()
	if c.m == nil {
		c.m = map[int64]keySpend{}
	}
	v, ok := c.m[keyID]
	c.mu.Unlock()
	if ok && now.Sub(v.at) < keySpendTTL {
		return v.day, v.month, nil
	}
	dayStart := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	day, month, err = s.db.KeySpend(ctx, keyID, dayStart, monthStart)
	if err != nil {
		return 0, 0, err
	}
	c.mu.Lock()
	c.m[keyID] = keySpend{day: day, month: month, at: now}
	c.mu.Unlock()
	return day, month, nil
}
