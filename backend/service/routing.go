package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpproxy"
	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/builtin"
	"github.com/ninerouter/ninerouter/backend/provider/compatible"
	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// Setting keys of the router core.
const (
	SettingActiveCombo      = "active_combo"
	SettingStickyLimit      = "routing.sticky_limit"
	settingStrategyPrefix   = "routing.strategy." // + provider id
	secretNamespaceAccounts = "account/"
)

// Errors the API maps to statuses.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")
	ErrConflict = errors.New("conflict")
)

// routing is the router core's state inside the service.
type routing struct {
	mu     sync.Mutex // serialises configuration changes and snapshot rebuilds
	router *route.Router
	usage  *usage.Writer
	keys   *keys.Keys
	proxy  *proxy.Proxy

	errMu   sync.Mutex
	lastErr map[int64]lastError // per account, in memory (no database write per failure)

	reqLog    *usage.RequestLog
	envProxy  atomic.Pointer[func(*url.URL) (*url.URL, error)]
	stopWatch context.CancelFunc
	watchDone chan struct{}
}

// refreshSettings re-reads the settings the proxy follows (debug request logs, outbound proxy) so that the
// hot path never reads the database for them.
func (s *Service) refreshSettings(ctx context.Context) {
	rt := s.routing
	rt.reqLog.SetEnabled(s.DebugRequestLog(ctx))
	httpP, httpsP, noP := s.OutboundProxy(ctx)
	f := (&httpproxy.Config{HTTPProxy: httpP, HTTPSProxy: httpsP, NoProxy: noP}).ProxyFunc()
	rt.envProxy.Store(&f)
}

// watchSettings follows settings changes until closeRouting; it is the routing core's one goroutine besides
// the usage writer.
func (s *Service) watchSettings(ctx context.Context, done chan struct{}) {
	defer close(done)
	for ev := range s.bus.Subscribe(ctx) {
		if ev.Kind == events.KindSettings {
			s.refreshSettings(ctx)
		}
	}
}

type lastError struct {
	Message string
	At      time.Time
}

// RoutingOptions tune the proxy (tests shorten the timeouts). Zero values take the defaults.
type RoutingOptions struct {
	AttemptBudget, HeaderTimeout, IdleTimeout, TotalTimeout time.Duration
	// Translator converts between wire formats; nil serves same-format pairs only.
	Translator proxy.Translator
}

// openRouting starts the router core: the usage writer, the client keys and the first snapshot.
func (s *Service) openRouting(ctx context.Context, o RoutingOptions) error {
	rt := &routing{lastErr: map[int64]lastError{}}
	var err error
	rt.usage, err = usage.Open(ctx, s.db, s.log, func() { s.Publish(events.KindUsage, nil) })
	if err != nil {
		return fmt.Errorf("usage ledger: %w", err)
	}
	rt.keys, err = keys.Open(ctx, s.db)
	if err != nil {
		rt.usage.Close()
		return err
	}
	snap, err := s.buildSnapshot(ctx)
	if err != nil {
		rt.usage.Close()
		return err
	}
	rt.router = route.New(snap, rt.usage.Spend())
	rt.reqLog = usage.NewRequestLog(s.cfg.DataDir, false)
	s.routing = rt
	s.refreshSettings(ctx)
	watchCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	rt.stopWatch, rt.watchDone = stop, make(chan struct{})
	go s.watchSettings(watchCtx, rt.watchDone)
	rt.proxy = proxy.New(proxy.Options{
		Router: rt.router, Usage: rt.usage, Log: s.log, RequestLog: rt.reqLog,
		Translator:    o.Translator, // nil: the translation package's table
		EnvProxy:      func(u *url.URL) (*url.URL, error) { return (*rt.envProxy.Load())(u) },
		AttemptBudget: o.AttemptBudget, HeaderTimeout: o.HeaderTimeout, IdleTimeout: o.IdleTimeout, TotalTimeout: o.TotalTimeout,
		OnFailure: func(account int64, v route.Verdict, until time.Time, msg string) {
			rt.errMu.Lock()
			rt.lastErr[account] = lastError{Message: msg, At: time.Now().UTC()}
			rt.errMu.Unlock()
			if !until.IsZero() {
				s.Publish(events.KindAccounts, map[string]any{"accountId": account, "cooldownUntil": until})
			}
		},
	})
	return nil
}

// closeRouting commits queued usage and stops the writer. The HTTP server must have drained first.
func (s *Service) closeRouting() error {
	if s.routing == nil {
		return nil
	}
	rt := s.routing
	rt.stopWatch()
	<-rt.watchDone
	rt.proxy.Close()
	return errors.Join(rt.usage.Close(), rt.reqLog.Close())
}

// Router is the routing state (for the API's model handlers).
func (s *Service) Router() *route.Router { return s.routing.router }

// Proxy serves model requests.
func (s *Service) Proxy() *proxy.Proxy { return s.routing.proxy }

// Keys is the client API key manager.
func (s *Service) Keys() *keys.Keys { return s.routing.keys }

// UsageWriter is the usage ledger's writer.
func (s *Service) UsageWriter() *usage.Writer { return s.routing.usage }

// buildSnapshot reads the whole routing configuration (and the accounts' keys) into an immutable snapshot.
func (s *Service) buildSnapshot(ctx context.Context) (*route.Snapshot, error) {
	db := s.db.WithContext(ctx)
	var nodes []store.Node
	var accts []store.Account
	var combos []store.Combo
	var aliases []store.ModelAlias
	if err := db.Order("id").Find(&nodes).Error; err != nil {
		return nil, err
	}
	if err := db.Order("priority, id").Find(&accts).Error; err != nil {
		return nil, err
	}
	if err := db.Find(&combos).Error; err != nil {
		return nil, err
	}
	if err := db.Find(&aliases).Error; err != nil {
		return nil, err
	}
	settings, err := s.db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	specs := builtin.Specs()
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
		key, err := s.secrets.Get(store.AccountSecretKey(a.ID))
		if err != nil && !errors.Is(err, secret.ErrNotFound) {
			return nil, fmt.Errorf("read the key of account %d from the %s store: %w", a.ID, s.secrets.Kind(), err)
		}
		ra := &route.Account{ID: a.ID, Provider: a.Provider, Name: a.Name, BaseURL: a.BaseURL, ProxyURL: a.ProxyURL,
			Priority: a.Priority, Enabled: a.Enabled, Models: decodeList(a.Models), DailyUSD: a.DailyUSD,
			MonthlyUSD: a.MonthlyUSD, Cred: provider.StaticKey(key)}
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

// reload rebuilds the snapshot after a change and tells the views. Callers hold rt.mu.
func (s *Service) reload(ctx context.Context, kinds ...events.Kind) error {
	snap, err := s.buildSnapshot(ctx)
	if err != nil {
		return err
	}
	s.routing.router.Swap(snap)
	for _, k := range kinds {
		s.Publish(k, nil)
	}
	return nil
}

func decodeList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func encodeList(l []string) string {
	if len(l) == 0 {
		return ""
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// ---- providers ----

// ProviderInfo describes one provider for the Providers page.
type ProviderInfo struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Prefixes       []string `json:"prefixes"`
	Auth           string   `json:"auth"`
	Formats        []string `json:"formats"`
	DefaultBaseURL string   `json:"defaultBaseUrl"`
	Models         []string `json:"models"`
	Notice         string   `json:"notice,omitempty"`
	Node           bool     `json:"node"`
	NodeID         int64    `json:"nodeId,omitempty"`
	Strategy       string   `json:"strategy"`
	Accounts       int      `json:"accounts"`
}

// Providers lists built-in providers and nodes.
func (s *Service) Providers(ctx context.Context) ([]ProviderInfo, error) {
	snap := s.Router().Snapshot()
	nodeIDs := map[string]int64{}
	var nodes []store.Node
	if err := s.db.WithContext(ctx).Find(&nodes).Error; err != nil {
		return nil, err
	}
	for _, n := range nodes {
		nodeIDs[n.Prefix] = n.ID
	}
	var out []ProviderInfo
	for _, sp := range snap.Registry.All() {
		var formats []string
		for _, f := range sp.Executor.Formats() {
			formats = append(formats, string(f))
		}
		strategy := string(snap.Strategies[sp.ID])
		if strategy == "" {
			strategy = string(route.FillFirst)
		}
		out = append(out, ProviderInfo{ID: sp.ID, Name: sp.Name, Prefixes: sp.Prefixes(), Auth: string(sp.Auth),
			Formats: formats, DefaultBaseURL: sp.DefaultBaseURL, Models: sp.Models, Notice: sp.Notice, Node: sp.Node,
			NodeID: nodeIDs[sp.ID], Strategy: strategy, Accounts: len(snap.Accounts[sp.ID])})
	}
	return out, nil
}

// SetProviderStrategy chooses how a provider's accounts are picked; stickyLimit > 0 also sets the global
// round-robin sticky limit.
func (s *Service) SetProviderStrategy(ctx context.Context, providerID string, strategy route.Strategy, stickyLimit int) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	if _, ok := s.Router().Snapshot().Registry.ByID(providerID); !ok {
		return fmt.Errorf("%w: provider %q", ErrNotFound, providerID)
	}
	if strategy != route.FillFirst && strategy != route.RoundRobin {
		return fmt.Errorf("%w: strategy %q: want fill-first or round-robin", ErrInvalid, strategy)
	}
	if err := s.db.SetSetting(ctx, settingStrategyPrefix+providerID, string(strategy)); err != nil {
		return err
	}
	if stickyLimit > 0 {
		if err := s.db.SetSetting(ctx, SettingStickyLimit, fmt.Sprint(stickyLimit)); err != nil {
			return err
		}
	}
	return s.reload(ctx, events.KindAccounts)
}

// ---- accounts ----

// AccountView is one account as the UI shows it. The key itself is never returned.
type AccountView struct {
	ID           int64            `json:"id"`
	Provider     string           `json:"provider"`
	ProviderName string           `json:"providerName"`
	Name         string           `json:"name"`
	BaseURL      string           `json:"baseUrl"`      // the override, "" when the default is used
	EffectiveURL string           `json:"effectiveUrl"` // what requests go to
	ProxyURL     string           `json:"proxyUrl"`
	Priority     int              `json:"priority"`
	Enabled      bool             `json:"enabled"`
	Models       []string         `json:"models"`
	HasKey       bool             `json:"hasKey"`
	DailyUSD     float64          `json:"dailyUsd"`
	MonthlyUSD   float64          `json:"monthlyUsd"`
	SpentToday   float64          `json:"spentToday"`
	SpentMonth   float64          `json:"spentMonth"`
	OverBudget   bool             `json:"overBudget"`
	LastError    string           `json:"lastError,omitempty"`
	LastErrorAt  *time.Time       `json:"lastErrorAt,omitempty"`
	Cooldowns    []route.Cooldown `json:"cooldowns"`
	CreatedAt    time.Time        `json:"createdAt"`
}

// AccountInput creates or edits an account. Nil pointers leave a field unchanged on edit.
type AccountInput struct {
	Provider   string    `json:"provider"`
	Name       *string   `json:"name"`
	APIKey     *string   `json:"apiKey"`
	BaseURL    *string   `json:"baseUrl"`
	ProxyURL   *string   `json:"proxyUrl"`
	Priority   *int      `json:"priority"`
	Enabled    *bool     `json:"enabled"`
	Models     *[]string `json:"models"`
	DailyUSD   *float64  `json:"dailyUsd"`
	MonthlyUSD *float64  `json:"monthlyUsd"`
}

// Accounts lists every account with its live state (cooldowns, last error, spend).
func (s *Service) Accounts(ctx context.Context) ([]AccountView, error) {
	var rows []store.Account
	if err := s.db.WithContext(ctx).Order("provider, priority, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]AccountView, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.accountView(r))
	}
	return out, nil
}

// Account returns one account.
func (s *Service) Account(ctx context.Context, id int64) (AccountView, error) {
	var r store.Account
	if err := s.db.WithContext(ctx).First(&r, id).Error; err != nil {
		return AccountView{}, fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	return s.accountView(r), nil
}

func (s *Service) accountView(r store.Account) AccountView {
	snap := s.Router().Snapshot()
	v := AccountView{ID: r.ID, Provider: r.Provider, Name: r.Name, BaseURL: r.BaseURL, ProxyURL: r.ProxyURL,
		Priority: r.Priority, Enabled: r.Enabled, Models: decodeList(r.Models), DailyUSD: r.DailyUSD,
		MonthlyUSD: r.MonthlyUSD, CreatedAt: r.CreatedAt, Cooldowns: []route.Cooldown{}}
	if sp, ok := snap.Registry.ByID(r.Provider); ok {
		v.ProviderName = sp.Name
		v.EffectiveURL = sp.DefaultBaseURL
	}
	if r.BaseURL != "" {
		v.EffectiveURL = r.BaseURL
	}
	if ra, ok := snap.ByID[r.ID]; ok {
		if sk, ok := ra.Cred.(provider.StaticKey); ok {
			v.HasKey = sk != ""
		}
	}
	now := time.Now()
	v.SpentToday, v.SpentMonth = s.routing.usage.Spend().AccountSpend(r.ID, now)
	v.OverBudget = (r.DailyUSD > 0 && v.SpentToday >= r.DailyUSD) || (r.MonthlyUSD > 0 && v.SpentMonth >= r.MonthlyUSD)
	for _, c := range s.Router().Cooldowns() {
		if c.AccountID == r.ID {
			v.Cooldowns = append(v.Cooldowns, c)
		}
	}
	s.routing.errMu.Lock()
	if le, ok := s.routing.lastErr[r.ID]; ok {
		at := le.At
		v.LastError, v.LastErrorAt = le.Message, &at
	}
	s.routing.errMu.Unlock()
	return v
}

// AddAccount creates an account and stores its key in the secret store.
func (s *Service) AddAccount(ctx context.Context, in AccountInput) (AccountView, error) {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	spec, ok := s.Router().Snapshot().Registry.ByID(in.Provider)
	if !ok {
		spec, ok = s.Router().Snapshot().Registry.ByPrefix(in.Provider)
	}
	if !ok {
		return AccountView{}, fmt.Errorf("%w: unknown provider %q (known: %s)", ErrInvalid, in.Provider,
			strings.Join(s.Router().Snapshot().Registry.PrefixList(), ", "))
	}
	if in.APIKey == nil || strings.TrimSpace(*in.APIKey) == "" {
		return AccountView{}, fmt.Errorf("%w: an API key is required", ErrInvalid)
	}
	row := store.Account{Provider: spec.ID, Enabled: true, CreatedAt: time.Now().UTC()}
	if err := applyAccountInput(&row, in); err != nil {
		return AccountView{}, err
	}
	if row.Name == "" {
		row.Name = spec.Name
	}
	if in.Priority == nil {
		var maxPrio *int
		s.db.WithContext(ctx).Model(&store.Account{}).Where("provider = ?", spec.ID).Select("MAX(priority)").Scan(&maxPrio)
		if maxPrio != nil {
			row.Priority = *maxPrio + 1
		} else {
			row.Priority = 1
		}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		// The key goes to the secret store inside the transaction, so a failure leaves no keyless row.
		return s.secrets.Set(store.AccountSecretKey(row.ID), strings.TrimSpace(*in.APIKey))
	})
	if err != nil {
		return AccountView{}, fmt.Errorf("save account: %w", err)
	}
	if err := s.reload(ctx, events.KindAccounts); err != nil {
		return AccountView{}, err
	}
	return s.accountView(row), nil
}

func applyAccountInput(row *store.Account, in AccountInput) error {
	if in.Name != nil {
		row.Name = strings.TrimSpace(*in.Name)
	}
	if in.BaseURL != nil {
		u := strings.TrimSpace(*in.BaseURL)
		if u != "" {
			if err := checkURL(u); err != nil {
				return err
			}
		}
		row.BaseURL = u
	}
	if in.ProxyURL != nil {
		p := strings.TrimSpace(*in.ProxyURL)
		if p != "" && p != "direct" && p != "none" {
			pu, err := url.Parse(p)
			if err != nil || pu.Host == "" {
				return fmt.Errorf("%w: proxy %q: want http://host:port, socks5://host:port or direct", ErrInvalid, p)
			}
		}
		row.ProxyURL = p
	}
	if in.Priority != nil {
		row.Priority = *in.Priority
	}
	if in.Enabled != nil {
		row.Enabled = *in.Enabled
	}
	if in.Models != nil {
		row.Models = encodeList(*in.Models)
	}
	if in.DailyUSD != nil {
		if *in.DailyUSD < 0 {
			return fmt.Errorf("%w: budgets cannot be negative", ErrInvalid)
		}
		row.DailyUSD = *in.DailyUSD
	}
	if in.MonthlyUSD != nil {
		if *in.MonthlyUSD < 0 {
			return fmt.Errorf("%w: budgets cannot be negative", ErrInvalid)
		}
		row.MonthlyUSD = *in.MonthlyUSD
	}
	return nil
}

func checkURL(u string) error {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return fmt.Errorf("%w: base URL %q: want http(s)://host[/path]", ErrInvalid, u)
	}
	return nil
}

// UpdateAccount edits an account; a non-nil APIKey replaces the stored key.
func (s *Service) UpdateAccount(ctx context.Context, id int64, in AccountInput) (AccountView, error) {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	var row store.Account
	if err := s.db.WithContext(ctx).First(&row, id).Error; err != nil {
		return AccountView{}, fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	if err := applyAccountInput(&row, in); err != nil {
		return AccountView{}, err
	}
	if in.APIKey != nil {
		if strings.TrimSpace(*in.APIKey) == "" {
			return AccountView{}, fmt.Errorf("%w: the API key cannot be empty", ErrInvalid)
		}
		if err := s.secrets.Set(store.AccountSecretKey(id), strings.TrimSpace(*in.APIKey)); err != nil {
			return AccountView{}, err
		}
	}
	row.UpdatedAt = time.Now().UTC()
	if err := s.db.WithContext(ctx).Save(&row).Error; err != nil {
		return AccountView{}, err
	}
	if err := s.reload(ctx, events.KindAccounts); err != nil {
		return AccountView{}, err
	}
	return s.accountView(row), nil
}

// DeleteAccount removes an account and its key.
func (s *Service) DeleteAccount(ctx context.Context, id int64) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	res := s.db.WithContext(ctx).Delete(&store.Account{}, id)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	if err := s.secrets.Delete(store.AccountSecretKey(id)); err != nil && !errors.Is(err, secret.ErrNotFound) {
		s.log.Warn("could not delete an account's key from the secret store", "account", id, "err", err)
	}
	s.Router().ResetCooldowns(id)
	return s.reload(ctx, events.KindAccounts)
}

// ResetCooldowns clears an account's cooldowns (the UI's "reset" button).
func (s *Service) ResetCooldowns(ctx context.Context, id int64) error {
	if _, ok := s.Router().Snapshot().ByID[id]; !ok {
		return fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	s.Router().ResetCooldowns(id)
	s.routing.errMu.Lock()
	delete(s.routing.lastErr, id)
	s.routing.errMu.Unlock()
	s.Publish(events.KindAccounts, nil)
	return nil
}

// ---- nodes ----

// NodeInput defines a custom node and its first account.
type NodeInput struct {
	Prefix   string   `json:"prefix"`
	Name     string   `json:"name"`
	Format   string   `json:"format"` // openai | openai-responses | anthropic
	BaseURL  string   `json:"baseUrl"`
	APIKey   string   `json:"apiKey"`
	ProxyURL string   `json:"proxyUrl"`
	Models   []string `json:"models"`
}

// NodeView is a node.
type NodeView struct {
	ID        int64     `json:"id"`
	Prefix    string    `json:"prefix"`
	Name      string    `json:"name"`
	Format    string    `json:"format"`
	BaseURL   string    `json:"baseUrl"`
	CreatedAt time.Time `json:"createdAt"`
}

// Nodes lists custom nodes.
func (s *Service) Nodes(ctx context.Context) ([]NodeView, error) {
	var rows []store.Node
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]NodeView, len(rows))
	for i, n := range rows {
		out[i] = NodeView{ID: n.ID, Prefix: n.Prefix, Name: n.Name, Format: n.Format, BaseURL: n.BaseURL, CreatedAt: n.CreatedAt}
	}
	return out, nil
}

// AddNode creates a node and, when a key is given, its first account.
func (s *Service) AddNode(ctx context.Context, in NodeInput) (NodeView, *AccountView, error) {
	n := compatible.Node{Prefix: strings.ToLower(strings.TrimSpace(in.Prefix)), Name: in.Name, Format: wire.Format(in.Format), BaseURL: strings.TrimSpace(in.BaseURL)}
	if err := compatible.Validate(n); err != nil {
		return NodeView{}, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := checkURL(n.BaseURL); err != nil {
		return NodeView{}, nil, err
	}
	s.routing.mu.Lock()
	if _, taken := s.Router().Snapshot().Registry.ByPrefix(n.Prefix); taken {
		s.routing.mu.Unlock()
		return NodeView{}, nil, fmt.Errorf("%w: the prefix %q is already used by a provider or node", ErrConflict, n.Prefix)
	}
	row := store.Node{Prefix: n.Prefix, Name: n.Name, Format: string(n.Format), BaseURL: n.BaseURL, CreatedAt: time.Now().UTC()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		s.routing.mu.Unlock()
		return NodeView{}, nil, fmt.Errorf("save node: %w", err)
	}
	if err := s.reload(ctx, events.KindAccounts); err != nil {
		s.routing.mu.Unlock()
		return NodeView{}, nil, err
	}
	s.routing.mu.Unlock()
	view := NodeView{ID: row.ID, Prefix: row.Prefix, Name: row.Name, Format: row.Format, BaseURL: row.BaseURL, CreatedAt: row.CreatedAt}
	if in.APIKey == "" {
		return view, nil, nil
	}
	name := in.Name
	if name == "" {
		name = n.Prefix
	}
	ai := AccountInput{Provider: n.Prefix, Name: &name, APIKey: &in.APIKey}
	if in.ProxyURL != "" {
		ai.ProxyURL = &in.ProxyURL
	}
	if len(in.Models) > 0 {
		ai.Models = &in.Models
	}
	acct, err := s.AddAccount(ctx, ai)
	if err != nil {
		return view, nil, err
	}
	return view, &acct, nil
}

// DeleteNode removes a node and its accounts.
func (s *Service) DeleteNode(ctx context.Context, id int64) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	var n store.Node
	if err := s.db.WithContext(ctx).First(&n, id).Error; err != nil {
		return fmt.Errorf("%w: node %d", ErrNotFound, id)
	}
	var accts []store.Account
	s.db.WithContext(ctx).Where("provider = ?", n.Prefix).Find(&accts)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("provider = ?", n.Prefix).Delete(&store.Account{}).Error; err != nil {
			return err
		}
		return tx.Delete(&n).Error
	})
	if err != nil {
		return err
	}
	for _, a := range accts {
		_ = s.secrets.Delete(store.AccountSecretKey(a.ID))
	}
	return s.reload(ctx, events.KindAccounts)
}

// ---- combos ----

// ComboView is a combo for the Combos page and the tray.
type ComboView struct {
	Name     string           `json:"name"`
	Strategy string           `json:"strategy"`
	Entries  []ComboEntryView `json:"entries"`
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
		d, m := s.routing.usage.Spend().EntrySpend(c.Name, e.Model, now)
		v.Entries[i] = ComboEntryView{ComboEntry: e, SpentToday: d, SpentMonth: m,
			OverBudget: (e.DailyUSD > 0 && d >= e.DailyUSD) || (e.MonthlyUSD > 0 && m >= e.MonthlyUSD)}
	}
	return v
}

// Combos lists combos by name.
func (s *Service) Combos(ctx context.Context) ([]ComboView, error) {
	snap := s.Router().Snapshot()
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
	snap := s.Router().Snapshot()
	if err := route.CheckCombo(snap, c); err != nil {
		return ComboView{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	entries, _ := json.Marshal(c.Entries)
	now := time.Now().UTC()
	var row store.Combo
	err := s.db.WithContext(ctx).Where("name = ?", c.Name).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row = store.Combo{Name: c.Name, CreatedAt: now}
	} else if err != nil {
		return ComboView{}, err
	}
	row.Strategy, row.Entries, row.UpdatedAt = c.Strategy, string(entries), now
	if err := s.db.WithContext(ctx).Save(&row).Error; err != nil {
		return ComboView{}, err
	}
	if err := s.reload(ctx, events.KindCombos); err != nil {
		return ComboView{}, err
	}
	snap = s.Router().Snapshot()
	return s.comboView(snap.Combos[c.Name], snap.Active), nil
}

// DeleteCombo removes a combo that no other combo uses; deleting the active one leaves none active.
func (s *Service) DeleteCombo(ctx context.Context, name string) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	snap := s.Router().Snapshot()
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
	if err := s.db.WithContext(ctx).Where("name = ?", name).Delete(&store.Combo{}).Error; err != nil {
		return err
	}
	if snap.Active == name {
		if err := s.db.SetSetting(ctx, SettingActiveCombo, ""); err != nil {
			return err
		}
	}
	return s.reload(ctx, events.KindCombos)
}

// ActiveCombo is the combo served under route.ActiveModel ("" when none).
func (s *Service) ActiveCombo(ctx context.Context) (string, error) {
	return s.Router().Snapshot().Active, nil
}

// ActivateCombo makes name the combo served under route.ActiveModel; it takes effect on the next request. An
// empty name deactivates.
func (s *Service) ActivateCombo(ctx context.Context, name string) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	if name != "" {
		if _, ok := s.Router().Snapshot().Combos[name]; !ok {
			return fmt.Errorf("%w: combo %q", ErrNotFound, name)
		}
	}
	if err := s.db.SetSetting(ctx, SettingActiveCombo, name); err != nil {
		return err
	}
	return s.reload(ctx, events.KindCombos)
}

// ---- aliases ----

// Aliases lists user model aliases.
func (s *Service) Aliases(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range s.Router().Snapshot().Aliases {
		out[k] = v
	}
	return out, nil
}

// SetAlias maps a bare name to a model string; it must resolve and not shadow a combo.
func (s *Service) SetAlias(ctx context.Context, name, target string) error {
	name, target = strings.TrimSpace(name), strings.TrimSpace(target)
	if name == "" || strings.ContainsAny(name, "/ \t") {
		return fmt.Errorf("%w: alias name %q: no '/' or spaces", ErrInvalid, name)
	}
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	snap := *s.Router().Snapshot()
	if _, ok := snap.Combos[name]; ok {
		return fmt.Errorf("%w: %q is a combo", ErrConflict, name)
	}
	snap.Aliases = map[string]string{name: target}
	for k, v := range s.Router().Snapshot().Aliases {
		if k != name {
			snap.Aliases[k] = v
		}
	}
	if _, err := route.Resolve(&snap, name, nil); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := s.db.WithContext(ctx).Save(&store.ModelAlias{Name: name, Target: target, UpdatedAt: time.Now().UTC()}).Error; err != nil {
		return err
	}
	return s.reload(ctx, events.KindCombos)
}

// DeleteAlias removes an alias.
func (s *Service) DeleteAlias(ctx context.Context, name string) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	res := s.db.WithContext(ctx).Delete(&store.ModelAlias{Name: name})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%w: alias %q", ErrNotFound, name)
	}
	return s.reload(ctx, events.KindCombos)
}

// ---- models ----

// ModelInfo is one entry of /v1/models (OpenAI list format).
type ModelInfo struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// Models lists every model an enabled account serves, every combo, every alias and the active virtual model.
func (s *Service) Models(ctx context.Context) []ModelInfo {
	snap := s.Router().Snapshot()
	seen := map[string]bool{}
	var out []ModelInfo
	add := func(id, owner string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, ModelInfo{ID: id, Object: "model", Created: 0, OwnedBy: owner})
		}
	}
	if snap.Active != "" {
		add(route.ActiveModel, "ninerouter")
	}
	for _, name := range sortedKeys(snap.Combos) {
		add(name, "ninerouter")
	}
	for _, name := range sortedKeys(snap.Aliases) {
		add(name, "ninerouter")
	}
	for _, sp := range snap.Registry.All() {
		for _, a := range snap.Accounts[sp.ID] {
			if !a.Enabled {
				continue
			}
			models := a.Models
			if len(models) == 0 {
				models = sp.Models
			}
			for _, m := range models {
				add(sp.ID+"/"+m, sp.ID)
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- keys ----

// CreateKey makes a client API key; the clear key is returned once.
func (s *Service) CreateKey(ctx context.Context, name string) (string, keys.Key, error) {
	secretKey, k, err := s.routing.keys.Create(ctx, name)
	if err == nil {
		s.Publish(events.KindKeys, nil)
	}
	return secretKey, k, err
}

// ListKeys lists client API keys (never the keys themselves).
func (s *Service) ListKeys(ctx context.Context) ([]keys.Key, error) { return s.routing.keys.List(ctx) }

// RevokeKey revokes a key at once.
func (s *Service) RevokeKey(ctx context.Context, id int64) (keys.Key, error) {
	k, err := s.routing.keys.Revoke(ctx, id)
	if errors.Is(err, keys.ErrNotFound) {
		return k, fmt.Errorf("%w: key %d", ErrNotFound, id)
	}
	if err == nil {
		s.Publish(events.KindKeys, nil)
	}
	return k, err
}

// ---- usage ----

// Usage aggregates the ledger.
func (s *Service) Usage(ctx context.Context, q usage.Query) (usage.Report, error) {
	return usage.Aggregate(ctx, s.db, q)
}

// UsageRecords lists the latest attempts.
func (s *Service) UsageRecords(ctx context.Context, since time.Time, limit int) ([]store.UsageRecord, error) {
	return usage.Records(ctx, s.db, since, limit)
}

// TestResult is the answer of an account test.
type TestResult = proxy.ProbeResult

// TestAccount sends one tiny real request with the account's credential.
// model "" picks the account's first listed model, else the provider's.
func (s *Service) TestAccount(ctx context.Context, id int64, model string) (TestResult, error) {
	snap := s.Router().Snapshot()
	a, ok := snap.ByID[id]
	if !ok {
		return TestResult{}, fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	spec, _ := snap.Registry.ByID(a.Provider)
	switch {
	case model != "":
	case len(a.Models) > 0:
		model = a.Models[0]
	case len(spec.Models) > 0:
		model = spec.Models[0]
	}
	res := s.Proxy().Probe(ctx, spec, a, model)
	if res.OK {
		s.Router().Succeed(id, model)
	}
	s.Publish(events.KindAccounts, nil)
	return res, nil
}

// Prices is the pricing table.
func (s *Service) Prices() *usage.Prices { return s.routing.usage.Prices() }
