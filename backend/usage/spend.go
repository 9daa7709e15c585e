package usage

import (
	"context"
	"database/sql"
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

// loadSpend reads this month's spend from the daily sums the writer keeps (usage_spend_days, migration 403): a few
// rows per day, whatever the traffic was.
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
	err := db.WithContext(ctx).Table("usage_spend_days").Select("account_id, combo, entry, day, cost_usd AS cost").
		Where("day >= ?", dayKey(monthStart)).Scan(&sums).Error
	if err != nil {
		return nil, fmt.Errorf("usage ledger: this month's spend: %w", err)
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

// spendKey is one row of usage_spend_days.
type spendKey struct {
	day          string
	accountID    int64
	combo, entry string
}

// spendSQL adds to a day's spend.
const spendSQL = `INSERT INTO usage_spend_days (day, account_id, combo, entry, cost_usd) VALUES (?,?,?,?,?)
	ON CONFLICT(day, account_id, combo, entry) DO UPDATE SET cost_usd = usage_spend_days.cost_usd + excluded.cost_usd`

// addSpend adds the cost of finished rows to the daily sums, in the rows' transaction.
func addSpend(tx *sql.Tx, spend *statement, rows []Record) error {
	sums := map[spendKey]float64{}
	var order []spendKey
	for _, r := range rows {
		if r.CostUSD == 0 || r.Outcome == InFlight {
			continue
		}
		k := spendKey{dayKey(r.Time), r.AccountID, r.Combo, r.Entry}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += r.CostUSD
	}
	for _, k := range order {
		if _, err := spend.exec(tx, k.day, k.accountID, k.combo, k.entry, sums[k]); err != nil {
			return fmt.Errorf("usage spend: %w", err)
		}
	}
	return nil
}
