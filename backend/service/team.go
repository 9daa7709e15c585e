package service

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/team"
)

// openStore opens the configured database: the team server's shared PostgreSQL when cfg.Database names one
// (never falling back to the local file when it cannot be reached: docs/team-server.md), else SQLite in the
// data dir.
func openStore(ctx context.Context, cfg config.Config) (*store.DB, error) {
	if cfg.Database == "" {
		return store.Open(ctx, cfg.DataDir)
	}
	db, err := store.OpenPostgres(ctx, cfg.Database)
	if err != nil {
		return nil, fmt.Errorf("%w (NineRouter does not fall back to a local database when --database is given)", err)
	}
	return db, nil
}

// openSealedSecrets keeps a team server's secrets in the shared database, sealed with the instances' common key:
// there is no OS keychain on a server, and every instance must read the tokens another one refreshed.
func openSealedSecrets(ctx context.Context, cfg config.Config, db *store.DB) (secret.Store, error) {
	pass, source, err := secret.PassphraseFrom(cfg.SecretKey, cfg.SecretKeyFile)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, err
	}
	return secret.OpenDatabase(ctx, sqlDB, db.Where, pass, source)
}

// DatabaseStatus says which database the instance uses and whether it answers.
type DatabaseStatus struct {
	Engine string `json:"engine"` // sqlite | postgres
	Where  string `json:"where"`  // the file, or the server without its password
	// Shared is true on a team server: every instance on the same database serves the same state.
	Shared bool `json:"shared"`
	// Reachable is false while the shared database does not answer; requests are then served from the last
	// snapshot and usage rows wait in memory until it returns.
	Reachable bool   `json:"reachable"`
	Problem   string `json:"problem,omitempty"`
	// BufferedUsageRows are usage rows waiting in memory for the database to return.
	BufferedUsageRows int64 `json:"bufferedUsageRows,omitempty"`
}

func (s *Service) databaseStatus(ctx context.Context) DatabaseStatus {
	st := DatabaseStatus{Engine: string(s.db.Dialect()), Where: s.db.Where, Shared: s.db.Dialect() == store.Postgres,
		Reachable: true}
	if st.Shared {
		sqlDB, err := s.db.DB.DB()
		if err == nil {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err = sqlDB.PingContext(pctx)
			cancel()
		}
		if err != nil {
			st.Reachable, st.Problem = false, err.Error()
		}
		if s.routing != nil {
			st.BufferedUsageRows = s.routing.usage.Buffered()
		}
	}
	return st
}

// teamState is the service's side of a team server (backend/team): the change feed and the one goroutine that
// applies other instances' changes. Zero on SQLite.
type teamState struct {
	bus     atomic.Pointer[team.Bus]
	spend   *team.Spend // the cluster's spend for account and combo-entry caps; set before the router is made
	mu      sync.Mutex
	pending map[events.Kind]bool // kinds other instances changed, not yet applied
	wake    chan struct{}        // capacity 1: pending has work
	stop    chan struct{}
	done    chan struct{}
}

// openTeam joins the change feed of the shared database; a no-op on SQLite.
func (s *Service) openTeam(ctx context.Context) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	t := &s.team
	t.pending, t.wake, t.stop, t.done = map[events.Kind]bool{}, make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	bus, err := team.Start(ctx, s.db, s.log, team.Handlers{Message: s.teamMessage, Resync: s.teamResync})
	if err != nil {
		return fmt.Errorf("change feed of %s: %w", s.db.Where, err)
	}
	t.bus.Store(bus)
	s.routing.router.SetCluster(team.NewCluster(s.db, bus))
	go s.applyTeamChanges()
	return nil
}

// openTeamSpend starts the cluster's spend counters on a team server; nil on SQLite, where the usage writer's
// own running totals are the whole truth.
func (s *Service) openTeamSpend(ctx context.Context) (route.Spend, error) {
	if s.db.Dialect() != store.Postgres {
		return nil, nil
	}
	sp, err := team.StartSpend(ctx, s.db, s.log)
	if err != nil {
		return nil, fmt.Errorf("budget counters of %s: %w", s.db.Where, err)
	}
	s.team.spend = sp
	return sp, nil
}

// spend is what budgets are checked and shown against: the cluster's on a team server, this process's otherwise.
func (s *Service) spend() route.Spend {
	if sp := s.team.spend; sp != nil {
		return sp
	}
	return s.routing.usage.Spend()
}

// closeTeam leaves the feed and stops the applier.
func (s *Service) closeTeam() {
	t := &s.team
	bus := t.bus.Swap(nil)
	if bus == nil {
		return
	}
	bus.Close()
	close(t.stop)
	<-t.done
}

// announce tells the other instances that shared state changed (Publish calls it for every local event). Only
// configuration kinds travel: usage, status and the CLI tools' configs (files on this machine) stay local.
func (s *Service) announce(kind events.Kind, data any) {
	bus := s.team.bus.Load()
	if bus == nil {
		return
	}
	switch kind {
	case events.KindAccounts:
		if data != nil { // a cooldown (announceCooldown sends it) or another per-request note
			return
		}
	case events.KindCombos, events.KindKeys, events.KindSettings:
	default:
		return
	}
	// Waits for the NOTIFY: a change its caller was told about has reached the others even if this process dies
	// right after answering (docs/team-server.md).
	bus.AnnounceWait(string(kind), nil)
}

// announceCooldown shares a cooldown this instance learned, so no other instance keeps sending to a limited
// account (docs/team-server.md).
func (s *Service) announceCooldown(account int64, until time.Time) {
	bus := s.team.bus.Load()
	if bus == nil {
		return
	}
	for _, c := range s.routing.router.Cooldowns() {
		if c.AccountID == account && c.Until.Equal(until.UTC()) {
			bus.Announce(team.KindCooldown, c)
		}
	}
}

// teamMessage runs on the listener's goroutine: cooldowns apply at once, configuration kinds are queued for
// the applier (a burst of changes costs one reload).
func (s *Service) teamMessage(m team.Message) {
	if m.Kind == team.KindCooldownReset { // the user's reset, or a new sign-in (route.Cluster.CooldownCleared)
		var account int64
		if json.Unmarshal(m.Data, &account) == nil && s.routing != nil {
			s.routing.router.ForgetCooldown(account, "")
			s.publishLocal(events.Event{Kind: events.KindAccounts})
		}
		return
	}
	if m.Kind == team.KindCooldownClear { // a cooldown ended early on another instance: route to the account again
		var c team.CooldownClear
		if json.Unmarshal(m.Data, &c) == nil && s.routing != nil {
			s.routing.router.ForgetCooldown(c.AccountID, c.Model)
			s.publishLocal(events.Event{Kind: events.KindAccounts})
		}
		return
	}
	if m.Kind == team.KindCooldown {
		var c route.Cooldown
		if json.Unmarshal(m.Data, &c) == nil && s.routing != nil {
			s.routing.router.AdoptCooldown(c)
			s.publishLocal(events.Event{Kind: events.KindAccounts})
		}
		return
	}
	s.queueTeamKinds(events.Kind(m.Kind))
}

// teamResync reloads everything after the feed was down (announcements may have been missed).
func (s *Service) teamResync() {
	s.queueTeamKinds(events.KindAccounts, events.KindCombos, events.KindKeys, events.KindSettings)
}

func (s *Service) queueTeamKinds(kinds ...events.Kind) {
	t := &s.team
	t.mu.Lock()
	for _, k := range kinds {
		t.pending[k] = true
	}
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// teamBackstop paces a full reload of the shared state without any announcement: a change whose instance was
// killed between its commit and its NOTIFY (its caller never got an answer) reaches the others within this.
const teamBackstop = 30 * time.Second

// applyTeamChanges is the applier goroutine (owned by the service; ends at closeTeam): it re-reads the shared
// state other instances changed (client keys, prices, settings, the routing snapshot) and tells this instance's
// views. A failed reload (database gone) is retried when the feed comes back.
func (s *Service) applyTeamChanges() {
	t := &s.team
	defer close(t.done)
	backstop := time.NewTicker(teamBackstop)
	defer backstop.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-t.wake:
		case <-backstop.C: // reloads everything, tells the views nothing (nothing is known to have changed)
		}
		t.mu.Lock()
		kinds := make([]events.Kind, 0, len(t.pending))
		for k := range t.pending {
			kinds = append(kinds, k)
		}
		clear(t.pending)
		t.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := s.reloadShared(ctx, kinds); err != nil {
			s.log.Warn("team: could not apply another instance's change; retrying when the database answers", "err", err)
		}
		cancel()
	}
}

// reloadShared re-reads every cache of shared state, then publishes kinds to this instance's views.
func (s *Service) reloadShared(ctx context.Context, kinds []events.Kind) error {
	rt := s.routing
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if err := rt.keys.Reload(ctx); err != nil {
		return err
	}
	if err := rt.usage.Prices().Reload(ctx); err != nil {
		return err
	}
	s.refreshSettings(ctx)
	s.loadRequireAPIKey(ctx)
	snap, err := s.buildSnapshot(ctx)
	if err != nil {
		return err
	}
	rt.router.Swap(snap)
	for _, k := range kinds {
		s.publishLocal(events.Event{Kind: k})
	}
	return nil
}

// clusterLock is the sign-in manager's cross-instance refresh lock: on a team server a token is refreshed by one
// instance at a time (backend/team.RefreshLock); nil on SQLite, where this process is the only one.
func (s *Service) clusterLock() func(context.Context, int64, func(context.Context) error) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	return team.RefreshLock(s.db)
}
