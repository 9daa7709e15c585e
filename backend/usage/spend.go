package usage

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
)

// spendTotals keeps today's and this month's spend per account and per combo entry in memory, so budget checks
// cost a map lookup. Day and month are UTC.
type spendTotals struct {
	mu      sync.Mutex
	account map[int64]*window
	entry   map[string]*window
}

type window struct {
	day, month       string // the UTC day/month the sums belong to
	daySum, monthSum float64
}

func dayKey(t time.Time) string   { return t.UTC().Format("2006-01-02") }
func monthKey(t time.Time) string { return t.UTC().Format("2006-01") }

func (w *window) add(at time.Time, cost float64) {
	d, m := dayKey(at), monthKey(at)
	if w.month != m {
		w.month, w.monthSum = m, 0
	}
	if w.day != d {
		w.day, w.daySum = d, 0
	}
	w.daySum += cost
	w.monthSum += cost
}

func (w *window) read(now time.Time) (float64, float64) {
	if w == nil {
		return 0, 0
	}
	var d, m float64
	if w.day == dayKey(now) {
		d = w.daySum
	}
	if w.month == monthKey(now) {
		m = w.monthSum
	}
	return d, m
}

func entryKey(combo, entry string) string { return combo + "\x00" + entry }

func (s *spendTotals) add(r Record) {
	if r.CostUSD == 0 {
		return
	}
	at := r.Time
	if at.IsZero() {
		at = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.AccountID != 0 {
		w := s.account[r.AccountID]
		if w == nil {
			w = &window{}
			s.account[r.AccountID] = w
		}
		w.add(at, r.CostUSD)
	}
	if r.Combo != "" && r.Entry != "" {
		k := entryKey(r.Combo, r.Entry)
		w := s.entry[k]
		if w == nil {
			w = &window{}
			s.entry[k] = w
		}
		w.add(at, r.CostUSD)
	}
}

// AccountSpend implements route.Spend.
func (s *spendTotals) AccountSpend(account int64, now time.Time) (float64, float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.account[account].read(now)
}

// EntrySpend implements route.Spend.
func (s *spendTotals) EntrySpend(combo, entry string, now time.Time) (float64, float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entry[entryKey(combo, entry)].read(now)
}

// loadSpend sums this month's finished rows. SQLite adds them up per account, combo entry and UTC day, so start-up
// reads a few rows per day instead of the whole month's ledger.
func loadSpend(ctx context.Context, db *store.DB, now time.Time) (*spendTotals, error) {
	s := &spendTotals{account: map[int64]*window{}, entry: map[string]*window{}}
	u := now.UTC()
	monthStart := time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
	var sums []struct {
		AccountID int64
		Combo     string
		Entry     string
		Day       string
		Cost      float64
	}
	err := db.WithContext(ctx).Model(&store.UsageRecord{}).
		Select("account_id, combo, entry, "+db.Dialect().UTCDay("time")+" AS day, SUM(cost_usd) AS cost").
		Where("time >= ? AND cost_usd > 0", monthStart).
		Group("account_id, combo, entry, day").Scan(&sums).Error
	if err != nil {
		return nil, err
	}
	for _, r := range sums {
		day, err := time.Parse("2006-01-02", r.Day)
		if err != nil {
			return nil, fmt.Errorf("usage ledger: unreadable day %q", r.Day)
		}
		s.add(Record{Time: day, AccountID: r.AccountID, Combo: r.Combo, Entry: r.Entry, CostUSD: r.Cost})
	}
	return s, nil
}
