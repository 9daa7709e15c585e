package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/route"
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

	reqLog   *usage.RequestLog
	envProxy atomic.Pointer[func(*url.URL) (*url.URL, error)]
}

// refreshSettings re-reads the settings the proxy follows (debug request logs, outbound proxy) so that the
// hot path never reads the database for them. UpdateSettings calls it before returning, so a change is in
// effect for the very next request; the event bus only tells the views.
func (s *Service) refreshSettings(ctx context.Context) {
	rt := s.routing
	rt.reqLog.SetEnabled(s.DebugRequestLog(ctx))
	httpP, httpsP, noP := s.OutboundProxy(ctx)
	f := (&httpproxy.Config{HTTPProxy: httpP, HTTPSProxy: httpsP, NoProxy: noP}).ProxyFunc()
	rt.envProxy.Store(&f)
}

type lastError struct {
	Message string
	At      time.Time
}

// RoutingOptions tune the proxy (tests shorten the timeouts). Zero values take the defaults.
type RoutingOptions struct {
	AttemptBudget, HeaderTimeout, IdleTimeout, TotalTimeout time.Duration
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
	spend, err := s.openTeamSpend(ctx)
	if err != nil {
		rt.usage.Close()
		return err
	}
	if spend == nil {
		spend = rt.usage.Spend()
	}
	rt.router = route.New(snap, spend)
	if q := s.quotaGate(); q != nil {
		rt.router.SetQuota(q)
	}
	rt.reqLog = usage.NewRequestLog(s.cfg.DataDir, false)
	rt.reqLog.SetRedactor(s.redact)
	s.routing = rt
	s.refreshSettings(ctx)
	rt.proxy = proxy.New(proxy.Options{
		Router: rt.router, Usage: fallbackWatch{rt.usage, s}, Log: s.log, OnResponse: s.observeQuota, RequestLog: rt.reqLog, Secrets: s.redact,
		EnvProxy:      func(u *url.URL) (*url.URL, error) { return (*rt.envProxy.Load())(u) },
		AttemptBudget: o.AttemptBudget, HeaderTimeout: o.HeaderTimeout, IdleTimeout: o.IdleTimeout, TotalTimeout: o.TotalTimeout,
		OnFailure: func(account int64, v route.Verdict, until time.Time, msg string) {
			s.quotaFailure(account, v)
			rt.errMu.Lock()
			rt.lastErr[account] = lastError{Message: msg, At: time.Now().UTC()}
			rt.errMu.Unlock()
			if !until.IsZero() {
				s.Publish(events.KindAccounts, map[string]any{"accountId": account, "cooldownUntil": until})
				s.announceCooldown(account, until)
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
	rt.proxy.Close()
	if sp := s.team.spend; sp != nil {
		sp.Close() // after the proxy: every answered request's cost is in the shared counters
	}
	return errors.Join(rt.usage.Close(), rt.reqLog.Close())
}

// reload rebuilds the snapshot after a change and tells the views. Callers hold rt.mu.
func (s *Service) reload(ctx context.Context, kinds ...events.Kind) error {
	snap, err := s.buildSnapshot(ctx)
	if err != nil {
		return err
	}
	s.routing.router.Swap(snap)
	s.retainProxyTransports(snap)
	if s.quota != nil {
		s.quota.t.Poke() // a new or re-enabled subscription account has its quota fetched at once
	}
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
