// Package service is the one backend service every view talks to: the tray (in-process), the window and the web
// dashboard (through the management API) and the `ninerouter` CLI (through the management API, or directly on
// the data dir when no instance runs). It owns the store, the secrets, the router and the event bus.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/logging"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/version"
)

// Service is the backend. Create it with Open and release it with Close.
type Service struct {
	cfg     config.Config
	log     *slog.Logger
	db      *store.DB
	secrets secret.Store
	journal *secret.Journal // pending account-key writes (secretjournal.go)
	redact  *logging.Values // every secret value the service has seen (redact.go)
	bus     *events.Bus
	// The management credentials (auth.go), embedded so that the Service answers Auth's methods itself
	// (CheckToken, Login, WindowToken, ...) and no caller holds the authenticator.
	*authenticator
	routing *routing         // the router core (routing.go)
	tools   *clitool.Manager // CLI tool auto-config (tools.go)
	subs    *subs            // subscription sign-ins and token refresh (subscriptions.go)
	sync    *syncer          // the sync folder's goroutine (sync.go)
	quota   *quotas          // subscription quotas: tracker, poller, notifications (quota.go)

	started  time.Time
	requests atomic.Int64
	// statusPending is set while a coalesced status event is scheduled.
	statusPending atomic.Bool
	// requireKey caches RequireAPIKey (loadRequireAPIKey).
	requireKey atomic.Bool
	listen     atomic.Pointer[string] // the address actually bound, once the server listens
	settingsMu sync.Mutex             // serialises UpdateSettings (settings.go)
	upd        updates                // the update checker, made on first use (desktop.go)
	purge      atomic.Bool            // an uninstall asked for the data dir to go after Close (uninstall.go)
	team       teamState              // a team server's change feed (team.go); zero on SQLite
	keySpend   keySpendCache          // member keys' recent spend, for their budgets (members.go)
}

// Options tweak Open for tests and embedders.
type Options struct {
	Logger *slog.Logger
	// Secrets overrides the secret store (tests); nil opens the configured one.
	Secrets secret.Store
	// Routing tunes the router core (tests shorten its timeouts).
	Routing RoutingOptions
	// Getenv reads NINEROUTER_ENDPOINTS (tests); nil reads the process environment.
	Getenv func(string) (string, bool)
}

// Open opens the data dir, database and secret store. cfg must have been Finish()ed.
func Open(ctx context.Context, cfg config.Config, opts Options) (*Service, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := config.EnsureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	sec := opts.Secrets
	if sec == nil {
		sec, err = openSecrets(ctx, cfg, db, log)
		if err != nil {
			db.Close()
			return nil, err
		}
	}
	values := logging.NewValues()
	log = slog.New(values.Handler(log.Handler()))
	s := &Service{cfg: cfg, log: log, db: db, secrets: watchedSecrets{Store: sec, values: values}, redact: values, journal: secret.OpenJournal(cfg.DataDir),
		bus: events.NewBus(), started: time.Now()}
	s.sync = s.newSyncer()
	s.authenticator, err = newAuth(ctx, s)
	if err != nil {
		db.Close()
		return nil, err
	}
	values.Add(s.windowPlain, s.cliPlain)
	s.loadRequireAPIKey(ctx)
	if err := s.applySettings(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.openSubscriptions(opts.Getenv); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.openQuota(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.openRouting(ctx, opts.Routing); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.openTeam(ctx); err != nil {
		s.closeSubscriptions()
		s.closeRouting()
		db.Close()
		return nil, err
	}
	s.startRefresher()
	if err := s.openTools(); err != nil {
		s.closeTeam()
		s.closeSubscriptions()
		s.closeRouting()
		db.Close()
		return nil, err
	}
	s.sweepSecrets(ctx)
	s.moveProxyCredentials(ctx)
	s.reloadWhenSecretsOpen(ctx)
	s.startSync()
	return s, nil
}

// Close releases the database. The HTTP server must have been drained first.
func (s *Service) Close() error {
	var errs []error
	s.closeSync()                         // the sync goroutine ends before anything it uses
	s.closeSubscriptions()                // sign-in listeners and the refresher end before the router and database
	s.closeTeam()                         // no other instance's change is applied while the router closes
	s.closeQuota()                        // the quota poller uses the router's transports
	errs = append(errs, s.closeRouting()) // commits queued usage rows before the database closes
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// Config returns the resolved configuration.
func (s *Service) Config() config.Config { return s.cfg }

// Logger is the service's redacting logger.
func (s *Service) Logger() *slog.Logger { return s.log }

// Secrets is the secret store in use.
func (s *Service) Secrets() secret.Store { return s.secrets }

// Events is the event bus views subscribe to.
func (s *Service) Events() *events.Bus { return s.bus }

// Subscribe returns the events every view redraws from, until ctx ends (see events.Bus for the delivery rules).
func (s *Service) Subscribe(ctx context.Context) <-chan events.Event { return s.bus.Subscribe(ctx) }

// Publish sends an event to every view.
func (s *Service) Publish(kind events.Kind, data any) {
	s.publishLocal(events.Event{Kind: kind, Data: data})
	s.announce(kind, data)
}

// publishLocal tells this instance's views (the bus) and its sync folder of an event, without announcing it to
// a team's other instances (changes that came from them).
func (s *Service) publishLocal(ev events.Event) {
	s.bus.Publish(ev)
	s.syncChanged(ev.Kind)
}

// SetListening records the bound address (which may differ from the configured one when port 0 was asked).
func (s *Service) SetListening(addr string) {
	s.listen.Store(&addr)
	s.Publish(events.KindStatus, nil)
}

// statusCoalesce bounds how often request counting republishes status: views redraw at most this often
// under load, and an idle service publishes nothing.
const statusCoalesce = 250 * time.Millisecond

// CountRequest is called once per client request served on /v1; the tray and Overview show the count. The
// status event is coalesced so a burst of requests costs one redraw.
func (s *Service) CountRequest() {
	s.requests.Add(1)
	if s.statusPending.CompareAndSwap(false, true) {
		time.AfterFunc(statusCoalesce, func() {
			s.statusPending.Store(false)
			s.Publish(events.KindStatus, nil)
		})
	}
}

// Status is what `ninerouter status`, the tray's status line and the Overview page show.
type Status struct {
	Version       version.Info `json:"version"`
	Addr          string       `json:"addr"`
	Endpoint      string       `json:"endpoint"`
	DataDir       string       `json:"dataDir"`
	Listening     bool         `json:"listening"`
	StartedAt     time.Time    `json:"startedAt"`
	UptimeSeconds int64        `json:"uptimeSeconds"`
	Requests      int64        `json:"requests"`
	SecretStore   string       `json:"secretStore"`
	SecretDetail  string       `json:"secretStoreDetail"`
	// SecretsWaiting says why account keys are not loaded (a locked keychain), "" when they are: the window's
	// banner shows it with an Unlock button (POST /api/secrets/unlock).
	SecretsWaiting string `json:"secretsWaiting,omitempty"`
	PasswordSet    bool   `json:"passwordSet"`
	RequireAPIKey  bool   `json:"requireApiKey"`
	Loopback       bool   `json:"loopback"`
	Desktop        bool   `json:"desktop"`
	SchemaVersion  int    `json:"schemaVersion"`
	// NeedsSignIn lists subscription accounts that must be signed in again (routing skips them).
	NeedsSignIn []NeedsSignIn `json:"needsSignIn,omitempty"`
	// Database is the engine in use and, on a team server, whether the shared database answers (team.go).
	Database DatabaseStatus `json:"database"`
}

// Status reports the current state.
func (s *Service) Status(ctx context.Context) Status {
	addr := s.cfg.Addr
	listening := false
	if p := s.listen.Load(); p != nil {
		addr, listening = *p, true
	}
	schema, _ := s.db.SchemaVersion(ctx)
	return Status{
		Version:        version.Get(),
		Addr:           addr,
		Endpoint:       "http://" + addr + "/v1",
		DataDir:        s.cfg.DataDir,
		Listening:      listening,
		StartedAt:      s.started.UTC(),
		UptimeSeconds:  int64(time.Since(s.started).Seconds()),
		Requests:       s.requests.Load(),
		SecretStore:    s.secrets.Kind(),
		SecretDetail:   s.secrets.Describe(),
		SecretsWaiting: s.SecretsWaiting(),
		PasswordSet:    s.PasswordSet(ctx),
		RequireAPIKey:  s.RequireAPIKey(ctx),
		Loopback:       config.IsLoopbackAddr(addr),
		Desktop:        s.cfg.Desktop,
		SchemaVersion:  schema,
		NeedsSignIn:    s.AccountsNeedingSignIn(ctx),
		Database:       s.databaseStatus(ctx),
	}
}

// Setting keys stored in the settings table.
const (
	SettingRequireAPIKey = "require_api_key"   // "true"/"false"; default true
	SettingDebug         = "debug_request_log" // "true"/"false"
)

// RequireAPIKey reports whether /v1 demands a client API key. It is asked on every keyless model request, so it
// reads a value kept current by loadRequireAPIKey rather than the settings table.
func (s *Service) RequireAPIKey(context.Context) bool { return s.requireKey.Load() }

// loadRequireAPIKey recomputes RequireAPIKey: flags/env win over the settings table; a non-loopback bind always
// requires a key. Called at Open and after every settings change.
func (s *Service) loadRequireAPIKey(ctx context.Context) {
	switch {
	case !s.cfg.IsLoopback():
		s.requireKey.Store(true)
	case s.cfg.RequireAPIKey != nil:
		s.requireKey.Store(*s.cfg.RequireAPIKey)
	default:
		v, ok, _ := s.db.GetSetting(ctx, SettingRequireAPIKey)
		s.requireKey.Store(!ok || v != "false")
	}
}

// applySettings checks start-up rules that need the database.
func (s *Service) applySettings(ctx context.Context) error {
	if !s.cfg.IsLoopback() {
		if !s.PasswordSet(ctx) {
			return fmt.Errorf("listening on %s (beyond this machine) needs a dashboard password first: "+
				"run `ninerouter password --data-dir %s`, or set NINEROUTER_PASSWORD for the first start", s.cfg.Addr, s.cfg.DataDir)
		}
		s.log.Warn("NineRouter is reachable beyond this machine; API keys and the dashboard password are required", "addr", s.cfg.Addr)
	}
	return nil
}
