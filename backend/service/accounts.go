package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/store"
)

// AccountView is one account as the UI shows it. The key itself is never returned.
type AccountView struct {
	ID           int64            `json:"id"`
	Provider     string           `json:"provider"`
	ProviderName string           `json:"providerName"`
	Name         string           `json:"name"`
	BaseURL      string           `json:"baseUrl"`      // the override, "" when the default is used
	EffectiveURL string           `json:"effectiveUrl"` // what requests go to
	ProxyURL     string           `json:"proxyUrl"`     // never with a user name or password (proxycred.go)
	ProxyAuth    bool             `json:"proxyAuth"`    // the proxy is given credentials, kept in the secret store
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
	SignIn       *SignInView      `json:"signIn,omitempty"` // subscription accounts only (subscriptions.go)
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
	rows, err := s.db.Accounts(ctx)
	if err != nil {
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
	r, err := s.db.Account(ctx, id)
	if err != nil {
		return AccountView{}, fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	return s.accountView(r), nil
}

func (s *Service) accountView(r store.Account) AccountView {
	snap := s.routing.router.Snapshot()
	v := AccountView{ID: r.ID, Provider: r.Provider, Name: r.Name, BaseURL: r.BaseURL, ProxyURL: shownProxyURL(r.ProxyURL),
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
		v.ProxyAuth = hasProxyAuth(ra.ProxyURL)
	}
	now := time.Now()
	v.SpentToday, v.SpentMonth = s.spend().AccountSpend(r.ID, now)
	v.OverBudget = (r.DailyUSD > 0 && v.SpentToday >= r.DailyUSD) || (r.MonthlyUSD > 0 && v.SpentMonth >= r.MonthlyUSD)
	for _, c := range s.routing.router.Cooldowns() {
		if c.AccountID == r.ID {
			v.Cooldowns = append(v.Cooldowns, c)
		}
	}
	v.SignIn = s.signInView(r.ID, r.Provider)
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
	spec, ok := s.routing.router.Snapshot().Registry.ByID(in.Provider)
	if !ok {
		spec, ok = s.routing.router.Snapshot().Registry.ByPrefix(in.Provider)
	}
	if !ok {
		return AccountView{}, fmt.Errorf("%w: unknown provider %q (known: %s)", ErrInvalid, in.Provider,
			strings.Join(s.routing.router.Snapshot().Registry.PrefixList(), ", "))
	}
	if s.isSubscription(spec.ID) {
		return AccountView{}, fmt.Errorf("%w: %s accounts sign in instead of taking a key: run `ninerouter login %s`", ErrInvalid, spec.Name, spec.ID)
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
		prio, err := s.db.NextAccountPriority(ctx, spec.ID)
		if err != nil {
			return AccountView{}, fmt.Errorf("save account: %w", err)
		}
		row.Priority = prio
	}
	// The key (and the proxy's credentials) go to the secret store inside the transaction, so a failure leaves
	// no keyless row.
	err := s.db.CreateAccount(ctx, &row, func(a *store.Account) error {
		return s.setAccountKey(*a, strings.TrimSpace(*in.APIKey), inputProxyAuth(in))
	})
	if row.ID != 0 {
		s.settleAccountKey(row.ID, err == nil)
	}
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
		if p != "direct" && p != "none" {
			if err := checkProxyURL(p); err != nil {
				return fmt.Errorf("%w: account proxy: %v (or \"direct\" to bypass the environment's proxy)", ErrInvalid, err)
			}
		}
		// A user name or password goes to the secret store (inputProxyAuth), never to the row.
		row.ProxyURL, _ = splitProxyURL(p)
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

// proxySchemes are the proxy kinds net/http's Transport dials (the documentation of its Proxy field).
var proxySchemes = []string{"http", "https", "socks5", "socks5h"}

// checkProxyURL accepts an outbound proxy address scheme://[user[:password]@]host[:port] ("" for none). An
// account keeps a user name and password in the secret store, its row the address without them
// (proxycred.go). The error never repeats the address past its host, where a credential could be.
func checkProxyURL(p string) error {
	if p == "" {
		return nil
	}
	const want = "want http://host:port, https://host:port, socks5://host:port or socks5h://host:port"
	u, err := url.Parse(p)
	if err != nil || u.Opaque != "" {
		return errors.New("not a URL: " + want)
	}
	if !slices.Contains(proxySchemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("the scheme %q is not a proxy NineRouter can use: %s", u.Scheme, want)
	}
	if u.Hostname() == "" {
		return errors.New("no host: " + want)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s://%s: a proxy address has no path or query: %s", u.Scheme, u.Host, want)
	}
	return nil
}

// shownProxyURL is a stored proxy address as the views show it: a user name or password kept in the row by an
// older version, not yet moved to the secret store (moveProxyCredentials), is masked.
func shownProxyURL(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		if strings.Contains(p, "@") {
			return "[REDACTED]"
		}
		return p
	}
	if u.User != nil {
		return u.Scheme + "://[REDACTED]@" + u.Host
	}
	return p
}

// UpdateAccount edits an account; a non-nil APIKey replaces the stored key.
func (s *Service) UpdateAccount(ctx context.Context, id int64, in AccountInput) (AccountView, error) {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	row, err := s.db.Account(ctx, id)
	if err != nil {
		return AccountView{}, fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	if err := applyAccountInput(&row, in); err != nil {
		return AccountView{}, err
	}
	// A new key waits under a staging key until the row is saved (secretjournal.go): a failure or a crash
	// leaves the old key with the old row, or the new key with the new row.
	var staged *stagedSecret
	since := time.Now().UTC()
	if in.APIKey != nil {
		if strings.TrimSpace(*in.APIKey) == "" {
			return AccountView{}, fmt.Errorf("%w: the API key cannot be empty", ErrInvalid)
		}
		staged, err = s.stageSecret(accountOwner(row), store.AccountSecretKey(id), strings.TrimSpace(*in.APIKey), since)
		if err != nil {
			return AccountView{}, fmt.Errorf("save account %d: %w", id, err)
		}
	}
	proxyAuth, err := s.beginProxyAuthChange(row, in, since)
	if err != nil {
		if staged != nil {
			_ = s.endStaged(staged, false)
		}
		return AccountView{}, fmt.Errorf("save account %d: %w", id, err)
	}
	row.UpdatedAt = since
	err = s.db.SaveAccount(ctx, &row)
	var keyErr error
	if staged != nil {
		keyErr = s.endStaged(staged, err == nil)
	}
	keyErr = errors.Join(keyErr, proxyAuth.end(s, id, err == nil))
	if err != nil {
		return AccountView{}, fmt.Errorf("save account %d: %w", id, err)
	}
	if err := s.reload(ctx, events.KindAccounts); err != nil {
		return AccountView{}, err
	}
	if keyErr != nil {
		return AccountView{}, fmt.Errorf("account %d: %w", id, keyErr)
	}
	return s.accountView(row), nil
}

// DeleteAccount removes an account, its sign-in record and its key; what names its provider stays.
func (s *Service) DeleteAccount(ctx context.Context, id int64) error {
	return s.removeAccount(ctx, id, false, false)
}

// ResetCooldowns clears an account's cooldowns (the UI's "reset" button).
func (s *Service) ResetCooldowns(ctx context.Context, id int64) error {
	if _, ok := s.routing.router.Snapshot().ByID[id]; !ok {
		return fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	s.routing.router.ResetCooldowns(id)
	s.routing.errMu.Lock()
	delete(s.routing.lastErr, id)
	s.routing.errMu.Unlock()
	s.Publish(events.KindAccounts, nil)
	return nil
}
