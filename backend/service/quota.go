package service

// Quota of subscription accounts (issue 12): one backend/quota.Tracker owns every account's windows; routing
// asks it which account is spent, the proxy feeds it each answer's rate-limit headers, the views read it, and
// its one polling goroutine starts with the server (StartQuota) and ends in Close.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/quota"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/store"
)

// Quota setting keys (the Settings page lists them; reserves are per account: quota.reserve.<id>).
const (
	SettingQuotaLow        = "quota.low_percent"
	SettingQuotaTrayMetric = "quota.tray_metric"
	settingQuotaNotify     = "quota.notify." // + low | reset | fallback | sign_in
	settingQuotaReserve    = "quota.reserve."
)

// Tray metrics: what the tray's title (macOS menu bar) or tooltip shows.
const (
	TrayMetricLowest = "lowest" // the subscription window with the least left
	TrayMetricNone   = "none"
)

func quotaSettingSpecs() []SettingSpec {
	pct := func(v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 1 || f > 99 {
			return errors.New("want a percent from 1 to 99")
		}
		return nil
	}
	specs := []SettingSpec{
		{Key: SettingQuotaLow, Kind: "string", Default: strconv.Itoa(quota.DefaultLowPercent), validate: pct,
			Description: "A subscription account with less than this percent left in a window counts as low (tray icon, notification)."},
		{Key: SettingQuotaTrayMetric, Kind: "string", Default: TrayMetricLowest,
			Description: "What the tray shows in its title (macOS menu bar) or tooltip: lowest (the subscription window with the least left) or none.",
			validate: func(v string) error {
				if v != TrayMetricLowest && v != TrayMetricNone {
					return errors.New("want lowest or none")
				}
				return nil
			}},
	}
	for _, k := range []struct{ kind, what string }{{"low", "a subscription window falls under the low threshold or is spent"},
		{"reset", "a spent or low window resets"}, {"fallback", "a combo falls back to a lower tier (at most hourly per combo)"},
		{"sign_in", "an account needs signing in again"}} {
		specs = append(specs, SettingSpec{Key: settingQuotaNotify + k.kind, Kind: "bool", Default: "true",
			Description: "Notify when " + k.what + "."})
	}
	return specs
}

// quotas is the quota side of the service.
type quotas struct {
	t       *quota.Tracker
	pending atomic.Bool // a coalesced quota event is scheduled
	notify  *notifier
}

// openQuota builds the tracker and loads the last known values. It runs before the router exists: its
// account list reads the router's snapshot when asked.
func (s *Service) openQuota(ctx context.Context) error {
	q := &quotas{notify: newNotifier(s)}
	q.t = quota.NewTracker(quota.Options{
		Store: quotaStore{s.db}, Accounts: s.quotaAccounts, Log: s.log,
		Transport: func(proxyURL string) (http.RoundTripper, error) {
			if s.routing == nil {
				return nil, errors.New("the router is not running")
			}
			return s.routing.proxy.Transport(proxyURL)
		},
		URL: func(p string) string {
			if s.subs == nil {
				return quota.DefaultURL(p)
			}
			return s.subs.endpoints.URL(p, "quota", quota.DefaultURL(p))
		},
		OnChange: s.quotaChanged,
		Notify:   q.notify.send,
	})
	s.quota = q
	if err := q.t.Load(ctx); err != nil {
		return fmt.Errorf("read the stored quotas: %w", err)
	}
	s.applyQuotaSettings(ctx)
	return nil
}

// StartQuota starts the poller (the daemon calls it once the server listens; a CLI command working on the data
// dir shows the stored values and never polls).
func (s *Service) StartQuota() {
	if s.quota != nil {
		s.quota.t.Start()
	}
}

// closeQuota ends the poller and stores what is unsaved.
func (s *Service) closeQuota() {
	if s.quota == nil {
		return
	}
	s.quota.t.Close(context.Background())
}

// quotaGate is what routing asks (nil before openQuota).
func (s *Service) quotaGate() route.Quota {
	if s.quota == nil {
		return nil
	}
	return s.quota.t
}

// observeQuota is the proxy's response hook: live rate-limit headers.
func (s *Service) observeQuota(account int64, providerID string, h http.Header) {
	if s.quota != nil {
		s.quota.t.Observe(account, providerID, h)
	}
}

// quotaFailure is told each failed attempt: a rate limit makes the account's quota be fetched at once.
func (s *Service) quotaFailure(account int64, v route.Verdict) {
	if s.quota != nil && (v.Reason == "plan limit reached" || v.Reason == "rate limited") {
		s.quota.t.Limited(account)
	}
}

// quotaChanged publishes one quota event per burst of changes.
func (s *Service) quotaChanged() {
	q := s.quota
	if q == nil || !q.pending.CompareAndSwap(false, true) {
		return
	}
	time.AfterFunc(statusCoalesce, func() {
		q.pending.Store(false)
		s.Publish(events.KindQuota, nil)
	})
}

// quotaAccounts lists the subscription accounts from the router's snapshot.
func (s *Service) quotaAccounts() []quota.Account {
	if s.routing == nil {
		return nil
	}
	snap := s.routing.router.Snapshot()
	var out []quota.Account
	for _, sp := range snap.Registry.All() {
		if sp.Auth != provider.AuthOAuth {
			continue
		}
		for _, a := range snap.Accounts[sp.ID] {
			qa := quota.Account{ID: a.ID, Provider: a.Provider, ProviderName: sp.Name, Name: a.Name, Enabled: a.Enabled,
				Cred: a.Cred, ProxyURL: a.ProxyURL, Supported: quota.Supported(a.Provider)}
			if s.subs != nil {
				if p, ok := s.subs.mgr.Provider(a.Provider); ok {
					qa.ProviderName = p.Name
				}
			}
			if u, ok := a.Cred.(provider.Unusable); ok {
				qa.Unusable = u.Unusable()
			}
			out = append(out, qa)
		}
	}
	return out
}

// applyQuotaSettings hands the stored quota settings to the tracker (at open and after every change).
func (s *Service) applyQuotaSettings(ctx context.Context) {
	if s.quota == nil {
		return
	}
	stored, err := s.db.Settings(ctx)
	if err != nil {
		s.log.Warn("quota: could not read the settings", "err", err)
		return
	}
	st := quota.Settings{Reserve: map[int64]float64{}}
	if f, err := strconv.ParseFloat(stored[SettingQuotaLow], 64); err == nil {
		st.LowPercent = f
	}
	for k, v := range stored {
		if id, ok := strings.CutPrefix(k, settingQuotaReserve); ok {
			n, err1 := strconv.ParseInt(id, 10, 64)
			f, err2 := strconv.ParseFloat(v, 64)
			if err1 == nil && err2 == nil && f > 0 {
				st.Reserve[n] = f
			}
		}
	}
	s.quota.t.SetSettings(st)
	s.quota.notify.configure(stored)
}

// QuotaView is what `GET /api/quota`, the Quota page, the tray and `ninerouter quota` show.
type QuotaView struct {
	Accounts   []quota.AccountQuota `json:"accounts"`
	LowPercent float64              `json:"lowPercent"`
	TrayMetric string               `json:"trayMetric"`
	Now        time.Time            `json:"now"`
}

// Quotas lists every subscription account's quota, soonest reset first. Views that show it to a person call
// LookAtQuota too, so accounts are polled every minute while someone looks.
func (s *Service) Quotas(ctx context.Context) QuotaView {
	v := QuotaView{Accounts: []quota.AccountQuota{}, LowPercent: quota.DefaultLowPercent, TrayMetric: TrayMetricLowest, Now: time.Now().UTC()}
	if s.quota == nil {
		return v
	}
	v.Accounts = s.quota.t.Accounts()
	if stored, err := s.db.Settings(ctx); err == nil {
		if f, err := strconv.ParseFloat(stored[SettingQuotaLow], 64); err == nil {
			v.LowPercent = f
		}
		if m := stored[SettingQuotaTrayMetric]; m != "" {
			v.TrayMetric = m
		}
	}
	return v
}

// LookAtQuota says someone looks at quota (the tray menu opened, the window or CLI read it).
func (s *Service) LookAtQuota() {
	if s.quota != nil {
		s.quota.t.Look()
	}
}

// RefreshQuota fetches one account's quota now (id 0: every subscription account with a quota endpoint).
func (s *Service) RefreshQuota(ctx context.Context, id int64) (QuotaView, error) {
	if s.quota == nil {
		return s.Quotas(ctx), nil
	}
	if id != 0 {
		if _, ok := s.routing.router.Snapshot().ByID[id]; !ok {
			return QuotaView{}, fmt.Errorf("%w: account %d", ErrNotFound, id)
		}
		if err := s.quota.t.Refresh(ctx, id); err != nil {
			return QuotaView{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		return s.Quotas(ctx), nil
	}
	var wg sync.WaitGroup
	for _, a := range s.quotaAccounts() {
		if !a.Supported || a.Unusable != "" || !a.Enabled {
			continue
		}
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			_ = s.quota.t.Refresh(ctx, id) // each account's outcome is in its view
		}(a.ID)
	}
	wg.Wait()
	return s.Quotas(ctx), nil
}

// SetQuotaReserve keeps percent of the account's longest window for the user's own use (0 removes it):
// routing skips the account once only that much is left.
func (s *Service) SetQuotaReserve(ctx context.Context, id int64, percent float64) error {
	a, ok := s.routing.router.Snapshot().ByID[id]
	if !ok {
		return fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	if !s.isSubscription(a.Provider) {
		return fmt.Errorf("%w: account %d is not a subscription account", ErrInvalid, id)
	}
	if percent < 0 || percent > 99 {
		return fmt.Errorf("%w: a reserve is a percent from 0 to 99", ErrInvalid)
	}
	key := settingQuotaReserve + strconv.FormatInt(id, 10)
	if err := s.db.SetSetting(ctx, key, strconv.FormatFloat(percent, 'f', -1, 64)); err != nil {
		return fmt.Errorf("save the reserve: %w", err)
	}
	s.applyQuotaSettings(ctx)
	return nil
}

// quotaStore keeps the tracker's values in SQLite.
type quotaStore struct{ db *store.DB }

func (q quotaStore) LoadQuotas(ctx context.Context) (map[int64]quota.Stored, error) {
	rows, err := q.db.QuotaRecords(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]quota.Stored, len(rows))
	for _, r := range rows {
		if st, err := quota.UnmarshalStored(r.Data); err == nil {
			out[r.AccountID] = st
		}
	}
	return out, nil
}

func (q quotaStore) SaveQuota(ctx context.Context, account int64, providerID string, st quota.Stored) error {
	data, err := quota.MarshalStored(st)
	if err != nil {
		return err
	}
	return q.db.SaveQuotaRecord(ctx, store.QuotaRecord{AccountID: account, Provider: providerID, Data: data, UpdatedAt: time.Now().UTC()})
}

func (q quotaStore) DeleteQuota(ctx context.Context, account int64) error {
	return q.db.DeleteQuotaRecord(ctx, account)
}
