package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/wake"
)

// State is an account's sign-in state, kept in SQLite and shown by every view.
type State string

const (
	StateOK          State = "ok"
	StateNeedsSignIn State = "needs_sign_in" // skipped by routing until the user signs in again
	StateError       State = "error"         // the last refresh failed for a reason that may pass (network, odd answer)
)

// MetaStore persists the non-secret side of an account's sign-in (the service implements it over SQLite).
type MetaStore interface {
	SaveSignIn(account int64, expiry time.Time, state State, message string) error
}

// Manager owns every subscription account's Source and the one Refresher goroutine.
type Manager struct {
	providers map[string]*Provider
	endpoints Endpoints
	http      *http.Client
	vault     Vault
	meta      MetaStore
	log       *slog.Logger
	onChange  func(account int64) // the service publishes an accounts event
	sensitive func(values ...string)

	cluster func(ctx context.Context, account int64, fn func(context.Context) error) error

	mu      sync.Mutex
	sources map[int64]*Source
	refresh *wake.Loop // the refresher (Start, Close)
}

// Options build a Manager.
type Options struct {
	Providers []*Provider
	Endpoints Endpoints
	HTTP      *http.Client // nil: NewHTTPClient()
	Vault     Vault
	Meta      MetaStore
	Log       *slog.Logger
	OnChange  func(account int64)
	// Sensitive is told every token value before anyone uses it (the service's value redactor).
	Sensitive func(values ...string)
	// ClusterLock, on a team server, runs fn while holding the cluster-wide lock of one account's token
	// (backend/team.RefreshLock), so that instances sharing the database refresh a token once; nil on the desktop.
	ClusterLock func(ctx context.Context, account int64, fn func(context.Context) error) error
}

// NewManager builds the manager; Start starts its refresher.
func NewManager(o Options) *Manager {
	m := &Manager{providers: map[string]*Provider{}, endpoints: o.Endpoints, http: o.HTTP, vault: o.Vault, meta: o.Meta,
		log: o.Log, onChange: o.OnChange, sensitive: o.Sensitive, cluster: o.ClusterLock, sources: map[int64]*Source{}}
	m.refresh = wake.New(m.refreshDue)
	if m.sensitive == nil {
		m.sensitive = func(...string) {}
	}
	if m.http == nil {
		m.http = NewHTTPClient()
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.onChange == nil {
		m.onChange = func(int64) {}
	}
	for _, p := range o.Providers {
		m.providers[p.ID] = p
	}
	return m
}

// Provider finds a provider definition.
func (m *Manager) Provider(id string) (*Provider, bool) {
	p, ok := m.providers[id]
	return p, ok
}

// Providers lists the definitions.
func (m *Manager) Providers() []*Provider {
	out := make([]*Provider, 0, len(m.providers))
	for _, k := range sortedKeys(m.providers) {
		out = append(out, m.providers[k])
	}
	return out
}

// Env is the hook environment of provider p.
func (m *Manager) Env(p *Provider) Env { return Env{HTTP: m.http, Endpoints: m.endpoints, Provider: p} }

// Vault is the token store.
func (m *Manager) Vault() Vault { return m.vault }

// Account is what the service knows of an account when it asks for its Source.
type Account struct {
	ID       int64
	Provider string
	Identity Identity
	State    State
	Message  string
}

// Source returns the account's credential source, creating it on first use. Sources outlive configuration
// snapshots, so their single-flight lock and cached token stay one per account.
func (m *Manager) Source(a Account) (*Source, error) {
	p, ok := m.providers[a.Provider]
	if !ok {
		return nil, fmt.Errorf("provider %q has no sign-in", a.Provider)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sources[a.ID]
	if s == nil {
		s = &Source{m: m, account: a.ID, p: p, lock: make(chan struct{}, 1), state: a.State, message: a.Message}
		if s.state == "" {
			s.state = StateOK
		}
		m.sources[a.ID] = s
		m.refresh.Wake()
	}
	s.mu.Lock()
	s.identity = a.Identity
	s.mu.Unlock()
	return s, nil
}

// Forget drops an account's source (account removed, or signed in again: the next Source reloads the vault).
func (m *Manager) Forget(account int64) {
	m.mu.Lock()
	delete(m.sources, account)
	m.mu.Unlock()
}

func (m *Manager) all() []*Source {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Source, 0, len(m.sources))
	for _, s := range m.sources {
		out = append(out, s)
	}
	return out
}

// Source is one account's credential: it loads the token from the vault, refreshes it single-flight (one token
// call however many requests wait), stores every new token before using it, and turns a refusal for good into
// StateNeedsSignIn. It implements provider.CredentialSource.
type Source struct {
	m       *Manager
	account int64
	p       *Provider
	lock    chan struct{} // the single-flight lock: held across a refresh; waiters honour their context

	mu          sync.Mutex // guards the fields below for the lock-free fast path
	loaded      bool
	tok         Token
	derived     Derived
	identity    Identity
	state       State
	message     string
	lastRefresh time.Time
	retryAt     time.Time // after a transient proactive failure
}

// expirySkew: a token this close to expiry is refreshed before use rather than sent and refused.
const expirySkew = time.Minute

// derivedLead: a minted Copilot token is replaced when less than this remains (docs/subscriptions.md: re-minted under 5 min).
const derivedLead = 5 * time.Minute

// refreshCoalesce: a reactive refresh within this long after another one reuses its result, so that 50
// requests refused with the same old token cause one token call, not 50.
const refreshCoalesce = 30 * time.Second

// State reports the sign-in state and the vendor's message.
func (s *Source) State() (State, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.message
}

// Unusable is routing's question: a non-empty reason means skip this account (route.Next).
func (s *Source) Unusable() string {
	st, _ := s.State()
	if st == StateNeedsSignIn {
		return "needs sign-in"
	}
	return ""
}

func (s *Source) credentialLocked() provider.Credential {
	c := provider.Credential{AccessToken: s.tok.AccessToken, ExpiresAt: s.tok.Expiry, Meta: s.identity.Meta}
	if s.p.Derive != nil {
		c.AccessToken, c.ExpiresAt = s.derived.AccessToken, s.derived.Expiry
		if len(s.derived.Meta) > 0 {
			meta := map[string]string{}
			for k, v := range s.identity.Meta {
				meta[k] = v
			}
			for k, v := range s.derived.Meta {
				meta[k] = v
			}
			c.Meta = meta
		}
	}
	return c
}

// fresh reports whether the cached credential can be used as is. Callers hold s.mu.
func (s *Source) fresh(now time.Time) bool {
	if !s.loaded || s.state == StateNeedsSignIn {
		return false
	}
	if s.p.Derive != nil {
		return s.derived.AccessToken != "" && now.Add(expirySkew).Before(s.derived.Expiry)
	}
	return s.tok.Expiry.IsZero() || now.Add(expirySkew).Before(s.tok.Expiry)
}

// Credential returns a usable credential, refreshing first when the token is expired or about to be.
func (s *Source) Credential(ctx context.Context) (provider.Credential, error) {
	s.mu.Lock()
	if s.fresh(time.Now()) {
		c := s.credentialLocked()
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()
	if err := s.acquire(ctx); err != nil {
		return provider.Credential{}, err
	}
	defer s.release()
	if err := s.ensureLocked(ctx, false); err != nil {
		return provider.Credential{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credentialLocked(), nil
}

// VendorToken is the account's own access token, never a token minted from it (Copilot's API token), refreshed
// first when it is about to expire: vendors' account endpoints (Copilot's quota) take it.
func (s *Source) VendorToken(ctx context.Context) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	if err := s.ensureLocked(ctx, false); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok.AccessToken, nil
}

// Refresh is the reactive path after the upstream refused the credential (401/403) when the refused token is
// not known: a refresh within the last 30 s is reused.
func (s *Source) Refresh(ctx context.Context) (provider.Credential, error) {
	return s.RefreshRefused(ctx, "")
}

// RefreshRefused is the reactive path: the upstream refused the access token `refused`. If the account's token
// has already moved on (another request refreshed it meanwhile), the current one is returned without a token
// call, so every request refused at the same time shares one refresh.
func (s *Source) RefreshRefused(ctx context.Context, refused string) (provider.Credential, error) {
	if err := s.acquire(ctx); err != nil {
		return provider.Credential{}, err
	}
	defer s.release()
	s.mu.Lock()
	now := time.Now()
	current := s.credentialLocked().AccessToken
	var recent bool
	if refused != "" {
		recent = current != refused && s.fresh(now)
	} else {
		recent = now.Sub(s.lastRefresh) < refreshCoalesce && s.fresh(now)
	}
	s.mu.Unlock()
	if !recent {
		if err := s.ensureLocked(ctx, true); err != nil {
			return provider.Credential{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.credentialLocked(), nil
}

func (s *Source) acquire(ctx context.Context) error {
	select {
	case s.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the account's token refresh: %w", ctx.Err())
	}
}

func (s *Source) release() { <-s.lock }

// ensureLocked loads the token and refreshes (or re-mints) it when needed or when force is set. Callers hold
// the single-flight lock.
func (s *Source) ensureLocked(ctx context.Context, force bool) error {
	s.mu.Lock()
	state, msg, loaded := s.state, s.message, s.loaded
	s.mu.Unlock()
	if state == StateNeedsSignIn {
		return fmt.Errorf("%w: %s", ErrNeedsSignIn, msg)
	}
	if !loaded {
		t, err := s.m.vault.Load(s.account)
		if errors.Is(err, ErrNoToken) {
			s.setState(StateNeedsSignIn, "no sign-in token is stored for this account")
			return fmt.Errorf("%w: no stored token", ErrNeedsSignIn)
		}
		if err != nil {
			return err
		}
		s.m.sensitive(t.secrets()...)
		s.mu.Lock()
		s.tok, s.loaded = t, true
		s.mu.Unlock()
	}
	now := time.Now()
	s.mu.Lock()
	tokExpiring := !s.tok.Expiry.IsZero() && !now.Add(expirySkew).Before(s.tok.Expiry)
	needDerive := s.p.Derive != nil && (force || s.derived.AccessToken == "" || !now.Add(expirySkew).Before(s.derived.Expiry))
	s.mu.Unlock()
	if tokExpiring || (force && s.p.Derive == nil) {
		if err := s.refreshLocked(ctx); err != nil {
			return err
		}
	}
	if needDerive {
		return s.deriveLocked(ctx)
	}
	return nil
}

// renew runs the provider's refresh (its own RefreshFunc, else the refresh_token grant).
func (m *Manager) renew(ctx context.Context, p *Provider, t Token, id Identity) (Token, error) {
	if p.RefreshFunc != nil {
		return p.RefreshFunc(ctx, m.Env(p), t, id)
	}
	return m.Env(p).RefreshToken(ctx, t)
}

// refreshLocked renews the stored token: the new token is stored (both vault slots) before anyone uses it. On a
// team server (Options.ClusterLock) the renewal runs under the cluster's lock for the account, and the vault is
// read again first: when another instance refreshed meanwhile, its token is adopted (and, being fresh, used
// without a token call), and a refresh that is still needed starts from its rotated refresh token, never from
// the old one the vendor has already retired.
func (s *Source) refreshLocked(ctx context.Context) error {
	if s.m.cluster == nil {
		return s.renewLocked(ctx)
	}
	return s.m.cluster(ctx, s.account, func(ctx context.Context) error {
		cur, err := s.m.vault.Load(s.account)
		if err != nil {
			return s.renewLocked(ctx)
		}
		s.mu.Lock()
		newer := cur.Seq > s.tok.Seq
		if newer {
			s.m.sensitive(cur.secrets()...)
			s.tok, s.lastRefresh, s.retryAt = cur, time.Now(), time.Time{}
			if s.p.Derive != nil {
				s.derived = Derived{}
			}
		}
		s.mu.Unlock()
		if newer && (cur.Expiry.IsZero() || time.Now().Add(expirySkew).Before(cur.Expiry)) {
			s.setState(StateOK, "")
			return nil
		}
		return s.renewLocked(ctx)
	})
}

// renewLocked makes the token call and stores its answer.
func (s *Source) renewLocked(ctx context.Context) error {
	s.mu.Lock()
	old, id := s.tok, s.identity
	s.mu.Unlock()
	n, err := s.m.renew(ctx, s.p, old, id)
	if err != nil {
		return s.failed(err)
	}
	s.m.sensitive(n.secrets()...)
	if n.Seq <= old.Seq {
		n.Seq = old.Seq + 1
	}
	if err := s.m.vault.Save(s.account, n); err != nil {
		// Not stored, so not used: the previous token stays the one on disk and in memory.
		s.setState(StateError, "the refreshed token could not be stored: "+err.Error())
		return err
	}
	s.mu.Lock()
	s.tok, s.lastRefresh, s.retryAt = n, time.Now(), time.Time{}
	if s.p.Derive != nil {
		s.derived = Derived{} // minted from the old token
	}
	s.mu.Unlock()
	s.setState(StateOK, "")
	s.saveMeta()
	return nil
}

func (s *Source) deriveLocked(ctx context.Context) error {
	s.mu.Lock()
	t := s.tok
	s.mu.Unlock()
	d, err := s.p.Derive(ctx, s.m.Env(s.p), t)
	if err != nil {
		return s.failed(err)
	}
	s.m.sensitive(d.AccessToken)
	s.mu.Lock()
	s.derived, s.lastRefresh, s.retryAt = d, time.Now(), time.Time{}
	s.mu.Unlock()
	s.setState(StateOK, "")
	return nil
}

// failed records a refresh failure: a refusal for good means "needs sign-in" with the vendor's own words.
func (s *Source) failed(err error) error {
	var ve *VendorError
	if errors.Is(err, ErrNeedsSignIn) || (errors.As(err, &ve) && ve.Permanent()) {
		msg := err.Error()
		if ve != nil {
			msg = s.p.Name + " refused the stored sign-in: " + ve.Error()
		}
		s.setState(StateNeedsSignIn, msg)
		s.m.log.Warn("subscription account needs sign-in", "account", s.account, "provider", s.p.ID, "reason", msg)
		return fmt.Errorf("%w: %s", ErrNeedsSignIn, msg)
	}
	s.mu.Lock()
	s.retryAt = time.Now().Add(time.Minute)
	s.mu.Unlock()
	s.setState(StateError, "token refresh failed: "+err.Error())
	return fmt.Errorf("refresh the %s token: %w", s.p.Name, err)
}

func (s *Source) setState(st State, msg string) {
	s.mu.Lock()
	changed := s.state != st || s.message != msg
	s.state, s.message = st, msg
	s.mu.Unlock()
	if changed {
		s.saveMeta()
		s.m.onChange(s.account)
	}
}

func (s *Source) saveMeta() {
	s.mu.Lock()
	exp, st, msg := s.tok.Expiry, s.state, s.message
	s.mu.Unlock()
	if s.m.meta != nil {
		if err := s.m.meta.SaveSignIn(s.account, exp, st, msg); err != nil {
			s.m.log.Warn("could not record an account's sign-in state", "account", s.account, "err", err)
		}
	}
}

// due is when the refresher should next renew this account (zero: nothing to do).
func (s *Source) due() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateNeedsSignIn {
		return time.Time{}
	}
	if !s.loaded {
		return time.Unix(1, 0) // load now, to learn the expiry
	}
	var d time.Time
	if !s.tok.Expiry.IsZero() && s.tok.RefreshToken != "" {
		d = s.tok.Expiry.Add(-s.lead())
	}
	if s.p.Derive != nil && !s.derived.Expiry.IsZero() {
		if dd := s.derived.Expiry.Add(-derivedLead); d.IsZero() || dd.Before(d) {
			d = dd
		}
	}
	if !d.IsZero() && s.retryAt.After(d) {
		d = s.retryAt
	}
	return d
}

// lead is the provider's lead time, but never more than half the token's lifetime: a vendor that issues tokens
// shorter than the lead would otherwise be asked for a new one on every wake. Callers hold s.mu.
func (s *Source) lead() time.Duration {
	l := s.p.Lead
	if !s.tok.Issued.IsZero() {
		if life := s.tok.Expiry.Sub(s.tok.Issued); life > 0 && l > life/2 {
			l = life / 2
		}
	}
	return l
}

// refreshIfDue is the refresher's work on one account.
func (s *Source) refreshIfDue(ctx context.Context, now time.Time) {
	d := s.due()
	if d.IsZero() || d.After(now) {
		return
	}
	if err := s.acquire(ctx); err != nil {
		return
	}
	defer s.release()
	if d := s.due(); d.IsZero() || d.After(time.Now()) { // another caller refreshed meanwhile
		return
	}
	s.mu.Lock()
	loaded := s.loaded
	tokDue := loaded && !s.tok.Expiry.IsZero() && s.tok.RefreshToken != "" && !time.Now().Before(s.tok.Expiry.Add(-s.lead()))
	derivedDue := loaded && s.p.Derive != nil && !s.derived.Expiry.IsZero() && !time.Now().Before(s.derived.Expiry.Add(-derivedLead))
	s.mu.Unlock()
	var err error
	switch {
	case !loaded:
		err = s.ensureLocked(ctx, false)
	case tokDue:
		err = s.refreshLocked(ctx)
	case derivedDue:
		err = s.deriveLocked(ctx)
	}
	if err != nil {
		s.m.log.Info("proactive token refresh failed", "account", s.account, "provider", s.p.ID, "err", err)
	}
}

// Start starts the refresher, which renews every account ahead of expiry (the provider's lead time) until
// Close. Between passes it is a timer (backend/wake), set to the earliest due time; a new account wakes it.
func (m *Manager) Start() { m.refresh.Start(0) }

// Close stops the refresher and waits for a refresh in progress to end (its context is cancelled).
func (m *Manager) Close() { m.refresh.Close() }

// refreshDue is one pass of the refresher: it renews what is due and returns the wait until the next due time.
func (m *Manager) refreshDue(ctx context.Context) time.Duration {
	const maxSleep = 10 * time.Minute
	now := time.Now()
	next := now.Add(maxSleep)
	for _, s := range m.all() {
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		s.refreshIfDue(rctx, now)
		cancel()
		if d := s.due(); !d.IsZero() && d.Before(next) {
			next = d
		}
		if ctx.Err() != nil {
			return wake.Never
		}
	}
	return max(time.Until(next), time.Second)
}
