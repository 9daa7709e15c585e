package team

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/store"
)

// spendEvery paces the spend counters' exchange with the database: what this instance spent is added to the
// shared counters, and the cluster's totals read back. A cap therefore sees another instance's spend within about
// this long; this instance's own spend counts at once.
const spendEvery = 250 * time.Millisecond

type spendKey struct{ kind, subject, period string }

// Spend is route.Spend on a team server: account and combo-entry caps are checked against the whole cluster's
// spend (the team_spend counters every instance adds to), plus what this instance spent and has not yet added.
type Spend struct {
	db  *store.DB
	log *slog.Logger

	mu       sync.Mutex
	shared   map[spendKey]float64 // the counters as last read: every instance's spend added until then
	inflight map[spendKey]float64 // added (or being added) to the counters, not yet read back into shared
	pending  map[spendKey]float64 // spent here since

	stop chan struct{}
	done chan struct{}
}

var _ route.Spend = (*Spend)(nil)

// StartSpend reads the cluster's totals (so caps hold from the first request), drops counters of months before
// the last one, and starts the exchange loop; Close ends it.
func StartSpend(ctx context.Context, db *store.DB, log *slog.Logger) (*Spend, error) {
	s := &Spend{db: db, log: log, shared: map[spendKey]float64{}, inflight: map[spendKey]float64{}, pending: map[spendKey]float64{},
		stop: make(chan struct{}), done: make(chan struct{})}
	now := time.Now()
	if err := db.PruneSpend(ctx, now.AddDate(0, -1, 0)); err != nil {
		return nil, err
	}
	if err := s.read(ctx, now); err != nil {
		return nil, err
	}
	go s.loop()
	return s, nil
}

// Add counts a finished attempt's cost for its account and combo entry.
func (s *Spend) Add(at time.Time, account int64, combo, entry string, usd float64) {
	if usd == 0 {
		return
	}
	if at.IsZero() {
		at = time.Now()
	}
	day, month := store.DayPeriod(at), store.MonthPeriod(at)
	s.mu.Lock()
	defer s.mu.Unlock()
	if account != 0 {
		id := strconv.FormatInt(account, 10)
		s.pending[spendKey{store.SpendAccount, id, day}] += usd
		s.pending[spendKey{store.SpendAccount, id, month}] += usd
	}
	if combo != "" && entry != "" {
		e := store.EntrySubject(combo, entry)
		s.pending[spendKey{store.SpendEntry, e, day}] += usd
		s.pending[spendKey{store.SpendEntry, e, month}] += usd
	}
}

// AccountSpend implements route.Spend.
func (s *Spend) AccountSpend(account int64, now time.Time) (day, month float64) {
	return s.total(store.SpendAccount, strconv.FormatInt(account, 10), now)
}

// EntrySpend implements route.Spend.
func (s *Spend) EntrySpend(combo, entry string, now time.Time) (day, month float64) {
	return s.total(store.SpendEntry, store.EntrySubject(combo, entry), now)
}

func (s *Spend) total(kind, subject string, now time.Time) (day, month float64) {
	dk, mk := spendKey{kind, subject, store.DayPeriod(now)}, spendKey{kind, subject, store.MonthPeriod(now)}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shared[dk] + s.inflight[dk] + s.pending[dk], s.shared[mk] + s.inflight[mk] + s.pending[mk]
}

// Close adds what is still pending (bounded by a short deadline) and ends the loop.
func (s *Spend) Close() {
	close(s.stop)
	<-s.done
}

func (s *Spend) loop() {
	defer close(s.done)
	t := time.NewTicker(spendEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			if err := s.exchange(ctx, time.Now()); err != nil {
				s.log.Warn("team: spend not added to the cluster's budget counters at stop (the usage ledger has it)", "err", err)
			}
			cancel()
			return
		case now := <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := s.exchange(ctx, now); err != nil {
				s.log.Debug("team: spend counters not exchanged; retrying", "err", err)
			}
			cancel()
		}
	}
}

// exchange adds the pending amounts to the shared counters, then reads the cluster's totals. An amount is counted
// exactly once at every moment: in pending, then inflight, then in shared once read back.
func (s *Spend) exchange(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	batch := s.pending
	s.pending = map[spendKey]float64{}
	for k, usd := range batch {
		s.inflight[k] += usd
	}
	s.mu.Unlock()
	add := make([]store.SpendCounter, 0, len(batch))
	for k, usd := range batch {
		add = append(add, store.SpendCounter{Kind: k.kind, Subject: k.subject, Period: k.period, USD: usd})
	}
	if err := s.db.AddSpend(ctx, add); err != nil {
		s.mu.Lock()
		for k, usd := range batch { // kept for the next exchange
			s.inflight[k] -= usd
			s.pending[k] += usd
		}
		s.mu.Unlock()
		return err
	}
	return s.read(ctx, now)
}

// read replaces shared with the counters of today and this month; inflight, all of it added before the read, is
// now inside them.
func (s *Spend) read(ctx context.Context, now time.Time) error {
	rows, err := s.db.SpendOf(ctx, store.DayPeriod(now), store.MonthPeriod(now))
	if err != nil {
		return err
	}
	shared := make(map[spendKey]float64, len(rows))
	for _, r := range rows {
		shared[spendKey{r.Kind, r.Subject, r.Period}] = r.USD
	}
	s.mu.Lock()
	s.shared, s.inflight = shared, map[spendKey]float64{}
	s.mu.Unlock()
	return nil
}
