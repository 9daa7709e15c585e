package quota

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/wake"
)

// Polling rhythm (issue 12): every minute while someone looks (the window's quota views, the tray menu),
// every five minutes otherwise, at once after a 429 and at each reset, backing off on errors.
const (
	WatchedInterval = time.Minute
	IdleInterval    = 5 * time.Minute
	// LookFor is how long one look (opening the tray menu, reading the quota API) counts as "someone looks".
	LookFor      = 2 * time.Minute
	maxBackoff   = time.Hour
	fetchTimeout = 30 * time.Second
	// pokeGap keeps a burst of 429s from becoming a burst of fetches.
	pokeGap = 15 * time.Second
	// DefaultLowPercent is the remaining percent under which an account counts as low.
	DefaultLowPercent = 20
)

// Account is what the tracker is told about a subscription account.
type Account struct {
	ID           int64
	Provider     string
	ProviderName string // "Claude"
	Name         string
	Enabled      bool
	// Unusable is why routing skips the account ("needs sign-in"); such accounts are not polled.
	Unusable  string
	Cred      provider.CredentialSource
	ProxyURL  string
	Supported bool // the provider has a quota endpoint
}

// label names the account as the tray does: "Claude · me@example.com".
func (a Account) label() string {
	if a.ProviderName == "" {
		return a.Name
	}
	return a.ProviderName + " · " + a.Name
}

// Store keeps the last known quotas across restarts (the service implements it over SQLite).
type Store interface {
	LoadQuotas(ctx context.Context) (map[int64]Stored, error)
	SaveQuota(ctx context.Context, account int64, providerID string, s Stored) error
	DeleteQuota(ctx context.Context, account int64) error
}

// Stored is what is persisted per account.
type Stored struct {
	Plan      string    `json:"plan,omitempty"`
	Windows   []Window  `json:"windows"`
	UpdatedAt time.Time `json:"updatedAt"` // when the numbers were last fresh
	Error     string    `json:"error,omitempty"`
}

// Settings are the user's quota choices.
type Settings struct {
	// LowPercent: an account with a window under this remaining percent is low (tray icon, notification).
	LowPercent float64
	// Reserve per account: the percent of the account's longest window kept for the user's own use; routing
	// skips the account once that much is left.
	Reserve map[int64]float64
}

// Options build a Tracker.
type Options struct {
	Store    Store
	Accounts func() []Account
	// Transport returns the shared transport for an outbound proxy setting ("" = the environment's).
	Transport func(proxyURL string) (http.RoundTripper, error)
	// URL is the provider's quota endpoint after NINEROUTER_ENDPOINTS.
	URL      func(providerID string) string
	Now      func() time.Time
	Log      *slog.Logger
	OnChange func()
	Notify   func(Note)
}

// Tracker owns every subscription account's quota state and its poller (Start, Close).
type Tracker struct {
	o    Options
	poll *wake.Loop

	mu       sync.RWMutex
	entries  map[int64]*entry
	settings Settings
	lookTill time.Time
	// signIn remembers which accounts needed signing in at the last look, so the change is noticed once.
	signIn map[int64]bool
}

type entry struct {
	provider string
	name     string
	lock     chan struct{} // held across a fetch: never two fetches of one account at once

	plan      string
	windows   []Window
	updatedAt time.Time // numbers last fresh
	checkedAt time.Time // last fetch attempt
	source    string    // "endpoint" | "headers" | "stored"
	err       string
	stale     bool
	nextPoll  time.Time
	fails     int
	dirty     bool
	logged    string          // the failure last logged: one line per new reason, not one per poll
	noted     map[string]bool // window id → a low/exhausted note was sent this cycle
}

// NewTracker builds a tracker; Load reads the stored values and Start polls.
func NewTracker(o Options) *Tracker {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.OnChange == nil {
		o.OnChange = func() {}
	}
	if o.Notify == nil {
		o.Notify = func(Note) {}
	}
	if o.URL == nil {
		o.URL = DefaultURL
	}
	t := &Tracker{o: o, entries: map[int64]*entry{}, settings: Settings{LowPercent: DefaultLowPercent}, signIn: map[int64]bool{}}
	t.poll = wake.New(t.pass)
	return t
}

// Load reads the last known values; they show at once, marked stale until the next fetch.
func (t *Tracker) Load(ctx context.Context) error {
	if t.o.Store == nil {
		return nil
	}
	stored, err := t.o.Store.LoadQuotas(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, s := range stored {
		e := t.entryLocked(id, "")
		e.plan, e.windows, e.updatedAt, e.err, e.stale, e.source = s.Plan, s.Windows, s.UpdatedAt, s.Error, true, "stored"
	}
	return nil
}

func (t *Tracker) entryLocked(id int64, providerID string) *entry {
	e := t.entries[id]
	if e == nil {
		e = &entry{lock: make(chan struct{}, 1), noted: map[string]bool{}}
		t.entries[id] = e
	}
	if providerID != "" {
		e.provider = providerID
	}
	return e
}

// SetSettings replaces the user's choices (the service calls it at start and after every settings change).
func (t *Tracker) SetSettings(s Settings) {
	if s.LowPercent <= 0 {
		s.LowPercent = DefaultLowPercent
	}
	t.mu.Lock()
	t.settings = s
	t.mu.Unlock()
	t.o.OnChange()
}

// Look says someone is looking at quota now (tray menu opened, the window read it): poll every minute for a
// while.
func (t *Tracker) Look() {
	now := t.o.Now()
	t.mu.Lock()
	was := now.Before(t.lookTill)
	t.lookTill = now.Add(LookFor)
	t.mu.Unlock()
	if !was {
		t.Poke()
	}
}

func (t *Tracker) interval(now time.Time) time.Duration {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if now.Before(t.lookTill) {
		return WatchedInterval
	}
	return IdleInterval
}

// Limited is told about a rate-limited answer (429) of an account: its quota is fetched at once (at most every
// 15 s however many 429s arrive).
func (t *Tracker) Limited(account int64) {
	now := t.o.Now()
	t.mu.Lock()
	e := t.entries[account]
	if e != nil && now.Sub(e.checkedAt) >= pokeGap {
		e.nextPoll = now
	}
	t.mu.Unlock()
	t.Poke()
}

// Poke makes the poller look at the account list now (an account was added, enabled or signed in again).
func (t *Tracker) Poke() { t.poll.Wake() }

// Observe folds an answer's live rate-limit headers into the account's state (free between polls). It runs on
// the request path: a few header reads, and an event only when something a view shows changed.
func (t *Tracker) Observe(account int64, providerID string, h http.Header) {
	ws, ok := FromHeaders(providerID, h)
	if !ok {
		return
	}
	now := t.o.Now()
	t.mu.Lock()
	e := t.entryLocked(account, providerID)
	before := e.windows
	e.windows = merge(e.windows, ws)
	e.updatedAt, e.source, e.stale, e.dirty = now, "headers", false, true
	changed := !sameShown(before, e.windows)
	notes := t.notesLocked(account, e, now)
	t.mu.Unlock()
	if changed {
		t.o.OnChange()
		t.Poke() // a new exhaustion or reset time may move the loop's next wake
	}
	for _, n := range notes {
		t.o.Notify(n)
	}
}

// sameShown reports whether two window lists look the same to a user (whole percents, reset minutes, states).
func sameShown(a, b []Window) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.ID != y.ID || x.State != y.State || int(x.Left()) != int(y.Left()) {
			return false
		}
		if (x.ResetsAt == nil) != (y.ResetsAt == nil) || (x.ResetsAt != nil && x.ResetsAt.Sub(*y.ResetsAt).Abs() >= time.Minute) {
			return false
		}
	}
	return true
}

// Refresh fetches one account now (the refresh button, `ninerouter quota --refresh`), waiting for a fetch
// already running for it rather than starting a second.
func (t *Tracker) Refresh(ctx context.Context, account int64) error {
	for _, a := range t.o.Accounts() {
		if a.ID != account {
			continue
		}
		if !a.Supported {
			return errors.New("this provider has no quota endpoint")
		}
		if a.Unusable != "" {
			return errors.New("the account " + a.Unusable)
		}
		t.mu.Lock()
		e := t.entryLocked(a.ID, a.Provider)
		e.name = a.label()
		t.mu.Unlock()
		select {
		case e.lock <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-e.lock }()
		t.fetchLocked(ctx, a, e)
		return nil
	}
	return errors.New("no such subscription account")
}

// fetchLocked fetches and applies one account's quota; the caller holds e.lock.
func (t *Tracker) fetchLocked(ctx context.Context, a Account, e *entry) {
	var tr http.RoundTripper
	var err error
	if t.o.Transport != nil {
		tr, err = t.o.Transport(a.ProxyURL)
	}
	var rep Report
	if err == nil {
		fctx, cancel := context.WithTimeout(ctx, fetchTimeout)
		rep, err = Fetch(fctx, Target{AccountID: a.ID, Provider: a.Provider, URL: t.o.URL(a.Provider), Cred: a.Cred, Transport: tr}, t.o.Now)
		cancel()
	}
	if ctx.Err() != nil {
		return // shutting down: nothing learned
	}
	t.apply(a, e, rep, err)
}

func (t *Tracker) apply(a Account, e *entry, rep Report, err error) {
	now := t.o.Now()
	iv := t.interval(now)
	t.mu.Lock()
	e.checkedAt, e.provider = now, a.Provider
	var logLine, recovered string
	if err != nil {
		reason := err.Error()
		e.err, e.stale, e.fails = reason, true, min(e.fails+1, 16)
		e.nextPoll = now.Add(min(iv<<e.fails, maxBackoff))
		var fe *FetchError
		if errors.As(err, &fe) && !fe.RetryAt.IsZero() && fe.RetryAt.After(e.nextPoll) {
			e.nextPoll = fe.RetryAt
		}
		if reason != e.logged {
			e.logged, logLine = reason, reason
		}
	} else {
		if e.logged != "" {
			recovered, e.logged = e.logged, ""
		}
		if rep.Plan != "" {
			e.plan = rep.Plan
		}
		e.windows, e.updatedAt, e.source, e.err, e.stale, e.fails = rep.Windows, now, "endpoint", "", false, 0
		e.nextPoll = now.Add(iv)
	}
	e.dirty = true
	notes := t.notesLocked(a.ID, e, now)
	t.mu.Unlock()
	if logLine != "" {
		t.o.Log.Info("quota: the account's quota is unknown", "account", a.ID, "provider", a.Provider, "reason", logLine)
	}
	if recovered != "" {
		t.o.Log.Info("quota: the account's quota is readable again", "account", a.ID, "provider", a.Provider)
	}
	t.o.OnChange()
	for _, n := range notes {
		t.o.Notify(n)
	}
}

// Start starts the poller: a pass a second from now, then at the earliest due poll, window reset or look
// (nextWake); a look, a 429 or new headers wake it sooner. Between passes it is a timer (backend/wake). An idle
// NineRouter with no one looking costs one fetch per account every five minutes.
func (t *Tracker) Start() { t.poll.Start(time.Second) }

// pass polls the accounts that are due, notes resets, stores what changed, and returns the wait until the next
// thing due.
func (t *Tracker) pass(ctx context.Context) time.Duration {
	accts := t.o.Accounts()
	t.sync(ctx, accts)
	now := t.o.Now()
	for _, a := range accts {
		if ctx.Err() != nil {
			return wake.Never
		}
		t.pollIfDue(ctx, a, now)
	}
	t.resets(now)
	t.flush(ctx)
	return max(time.Second, t.nextWake(accts, t.o.Now()).Sub(t.o.Now()))
}

func pollable(a Account) bool { return a.Supported && a.Enabled && a.Unusable == "" }

func (t *Tracker) pollIfDue(ctx context.Context, a Account, now time.Time) {
	if !pollable(a) {
		return
	}
	t.mu.Lock()
	e := t.entryLocked(a.ID, a.Provider)
	due := !now.Before(e.nextPoll)
	t.mu.Unlock()
	if !due {
		return
	}
	select {
	case e.lock <- struct{}{}:
	default:
		return // a refresh of this account is running
	}
	defer func() { <-e.lock }()
	t.fetchLocked(ctx, a, e)
}

// sync drops accounts that are gone and notes sign-in changes.
func (t *Tracker) sync(ctx context.Context, accts []Account) {
	seen := make(map[int64]bool, len(accts))
	var notes []Note
	var gone []int64
	t.mu.Lock()
	for _, a := range accts {
		seen[a.ID] = true
		t.entryLocked(a.ID, a.Provider).name = a.label()
		needs := a.Unusable != ""
		if needs && !t.signIn[a.ID] {
			notes = append(notes, Note{Kind: NoteSignIn, Key: "sign-in:" + itoa(a.ID), Title: "Sign in again: " + a.label(),
				Body: "NineRouter skips this account until you sign in again."})
		}
		t.signIn[a.ID] = needs
	}
	for id := range t.entries {
		if !seen[id] {
			delete(t.entries, id)
			delete(t.signIn, id)
			gone = append(gone, id)
		}
	}
	t.mu.Unlock()
	for _, id := range gone {
		if t.o.Store != nil {
			if err := t.o.Store.DeleteQuota(ctx, id); err != nil {
				t.o.Log.Warn("quota: could not forget a removed account's quota", "account", id, "err", err)
			}
		}
	}
	if len(gone) > 0 {
		t.o.OnChange()
	}
	for _, n := range notes {
		t.o.Notify(n)
	}
}

// resets handles windows whose reset time has passed: the account is fetched at once and, if the window was
// spent or low, the user hears that it is back.
func (t *Tracker) resets(now time.Time) {
	var notes []Note
	changed := false
	t.mu.Lock()
	for id, e := range t.entries {
		for i := range e.windows {
			w := &e.windows[i]
			if w.ResetsAt == nil || w.ResetsAt.After(now) {
				continue
			}
			if e.noted[w.ID] {
				delete(e.noted, w.ID)
				notes = append(notes, Note{Kind: NoteReset, Key: "reset:" + itoa(id) + ":" + w.ID,
					Title: e.name + ": " + w.Label + " window reset", Body: "Quota is available again."})
			}
			// The numbers describe the window that ended: until the next fetch, it starts afresh.
			w.UsedPercent, w.ResetsAt, w.State = pct(0), nil, StateNotStarted
			e.stale, e.nextPoll, changed = true, now, true
		}
	}
	t.mu.Unlock()
	if changed {
		t.o.OnChange()
		t.Poke()
	}
	for _, n := range notes {
		t.o.Notify(n)
	}
}

// nextWake is the earliest of: an account's next poll, a window's reset.
func (t *Tracker) nextWake(accts []Account, now time.Time) time.Time {
	next := now.Add(IdleInterval)
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, a := range accts {
		e := t.entries[a.ID]
		if e == nil {
			continue
		}
		if pollable(a) && e.nextPoll.Before(next) {
			next = e.nextPoll
		}
		for _, w := range e.windows {
			if w.ResetsAt != nil && w.ResetsAt.Before(next) {
				next = *w.ResetsAt
			}
		}
	}
	return next
}

// flush persists what changed since the last flush.
func (t *Tracker) flush(ctx context.Context) {
	if t.o.Store == nil {
		return
	}
	type rec struct {
		id       int64
		provider string
		s        Stored
	}
	var recs []rec
	t.mu.Lock()
	for id, e := range t.entries {
		if e.dirty {
			e.dirty = false
			recs = append(recs, rec{id, e.provider, Stored{Plan: e.plan, Windows: e.windows, UpdatedAt: e.updatedAt, Error: e.err}})
		}
	}
	t.mu.Unlock()
	for _, r := range recs {
		if err := t.o.Store.SaveQuota(ctx, r.id, r.provider, r.s); err != nil {
			t.o.Log.Warn("quota: could not store an account's quota", "account", r.id, "err", err)
		}
	}
}

// Close stops the poller (a poll in progress is cancelled and waited for) and stores what is unsaved.
func (t *Tracker) Close(ctx context.Context) {
	t.poll.Close()
	t.flush(ctx)
}

// ---- what routing asks ----

// Blocked reports until when routing must skip the account because of its quota: a spent window that resets
// later, or the user's reserve reached on its longest window. Zero means usable. A failed fetch never blocks:
// only numbers the vendor gave do.
func (t *Tracker) Blocked(account int64, now time.Time) (time.Time, string) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e := t.entries[account]
	if e == nil {
		return time.Time{}, ""
	}
	var until time.Time
	reason := ""
	for _, w := range e.windows {
		if w.State == StateExhausted && w.ResetsAt != nil && w.ResetsAt.After(now) && w.ResetsAt.After(until) {
			until, reason = *w.ResetsAt, "quota: "+w.Label+" window spent"
		}
	}
	if !until.IsZero() {
		return until, reason
	}
	if r := t.settings.Reserve[account]; r > 0 {
		if w, ok := longest(e.windows); ok && w.UsedPercent != nil && w.ResetsAt != nil && w.ResetsAt.After(now) && w.Left() <= r {
			return *w.ResetsAt, "quota: reserve kept"
		}
	}
	return time.Time{}, ""
}

// SoonestReset is when the account's earliest metered window resets (zero when unknown): "spend what resets
// first" orders accounts by it.
func (t *Tracker) SoonestReset(account int64, now time.Time) time.Time {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e := t.entries[account]
	if e == nil {
		return time.Time{}
	}
	var soonest time.Time
	for _, w := range e.windows {
		if w.State == StateUnlimited || w.ResetsAt == nil || !w.ResetsAt.After(now) {
			continue
		}
		if soonest.IsZero() || w.ResetsAt.Before(soonest) {
			soonest = *w.ResetsAt
		}
	}
	return soonest
}

func longest(ws []Window) (Window, bool) {
	var best Window
	ok := false
	for _, w := range ws {
		if w.Seconds > 0 && w.UsedPercent != nil && (!ok || w.Seconds > best.Seconds) {
			best, ok = w, true
		}
	}
	return best, ok
}

// ---- what the views read ----

// AccountQuota is one account's quota as every view shows it.
type AccountQuota struct {
	AccountID    int64    `json:"accountId"`
	Provider     string   `json:"provider"`
	ProviderName string   `json:"providerName"`
	Name         string   `json:"name"`
	Plan         string   `json:"plan,omitempty"`
	State        State    `json:"state"`
	Windows      []Window `json:"windows"`
	// UpdatedAt is when the numbers were last fresh; Stale says they are older than the last fetch attempt or
	// come from before a restart.
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
	Stale     bool       `json:"stale"`
	Source    string     `json:"source,omitempty"`
	Error     string     `json:"error,omitempty"`
	// NextReset is the earliest reset of a window (the sort key of the Quota page).
	NextReset *time.Time `json:"nextReset,omitempty"`
	// Lowest is the window with the least left (the tray and Overview show it).
	Lowest    *Window `json:"lowest,omitempty"`
	Reserve   float64 `json:"reservePercent,omitempty"`
	Supported bool    `json:"supported"`
	// BlockedUntil is set while routing skips the account for its quota.
	BlockedUntil *time.Time `json:"blockedUntil,omitempty"`
	BlockedWhy   string     `json:"blockedWhy,omitempty"`
}

// Accounts lists every subscription account's quota, soonest reset first.
func (t *Tracker) Accounts() []AccountQuota {
	accts := t.o.Accounts()
	now := t.o.Now()
	out := make([]AccountQuota, 0, len(accts))
	for _, a := range accts {
		out = append(out, t.view(a, now))
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].NextReset, out[j].NextReset
		if (a == nil) != (b == nil) {
			return a != nil
		}
		if a != nil && !a.Equal(*b) {
			return a.Before(*b)
		}
		return out[i].AccountID < out[j].AccountID
	})
	return out
}

func (t *Tracker) view(a Account, now time.Time) AccountQuota {
	v := AccountQuota{AccountID: a.ID, Provider: a.Provider, ProviderName: a.ProviderName, Name: a.Name, Supported: a.Supported, Windows: []Window{}}
	t.mu.RLock()
	low := t.settings.LowPercent
	v.Reserve = t.settings.Reserve[a.ID]
	if e := t.entries[a.ID]; e != nil {
		v.Plan, v.Error, v.Stale, v.Source = e.plan, e.err, e.stale, e.source
		v.Windows = append(v.Windows, e.windows...)
		if !e.updatedAt.IsZero() {
			u := e.updatedAt.UTC()
			v.UpdatedAt = &u
		}
	}
	t.mu.RUnlock()
	for i := range v.Windows {
		w := v.Windows[i]
		if w.ResetsAt != nil && w.ResetsAt.After(now) && (v.NextReset == nil || w.ResetsAt.Before(*v.NextReset)) {
			r := *w.ResetsAt
			v.NextReset = &r
		}
		if w.UsedPercent != nil && w.State != StateUnlimited && (v.Lowest == nil || w.Left() < v.Lowest.Left()) {
			v.Lowest = &v.Windows[i]
		}
	}
	if until, why := t.Blocked(a.ID, now); !until.IsZero() {
		u := until.UTC()
		v.BlockedUntil, v.BlockedWhy = &u, why
	}
	switch {
	case a.Unusable != "":
		v.State = StateNeedsSignIn
	case !a.Enabled:
		v.State = StateDisabled
	case v.BlockedUntil != nil && v.BlockedWhy != "quota: reserve kept":
		v.State = StateExhausted
	case len(v.Windows) == 0 || (v.Error != "" && v.UpdatedAt == nil):
		v.State = StateUnknown
	case v.Error != "":
		v.State = StateUnknown
	case v.Lowest != nil && v.Lowest.Left() < low:
		v.State = StateLow
	default:
		v.State = StateOK
	}
	return v
}

// ---- notifications ----

// NoteKind names what a notification is about; each kind can be switched off.
type NoteKind string

const (
	NoteLow      NoteKind = "low"      // an account fell under the low threshold, or a window is spent
	NoteReset    NoteKind = "reset"    // a spent or low window reset
	NoteFallback NoteKind = "fallback" // a combo fell back to a lower tier
	NoteSignIn   NoteKind = "sign_in"  // an account needs signing in again
)

// Note is one notification; Key identifies it for rate limiting.
type Note struct {
	Kind  NoteKind
	Key   string
	Title string
	Body  string
}

// notesLocked finds windows that just fell under the threshold or were spent; each is told once per cycle
// (until its reset). Callers hold t.mu.
func (t *Tracker) notesLocked(account int64, e *entry, now time.Time) []Note {
	var out []Note
	for _, w := range e.windows {
		if w.UsedPercent == nil || w.State == StateUnlimited || e.noted[w.ID] {
			continue
		}
		if w.ResetsAt != nil && !w.ResetsAt.After(now) {
			continue
		}
		switch {
		case w.State == StateExhausted:
			e.noted[w.ID] = true
			out = append(out, Note{Kind: NoteLow, Key: "low:" + itoa(account) + ":" + w.ID,
				Title: e.name + ": " + w.Label + " window spent", Body: "NineRouter uses the combo's next account until it resets" + untilText(w, now) + "."})
		case w.Left() < t.settings.LowPercent:
			e.noted[w.ID] = true
			out = append(out, Note{Kind: NoteLow, Key: "low:" + itoa(account) + ":" + w.ID,
				Title: e.name + ": " + w.Label + " window low", Body: formatLeft(w) + " left" + untilText(w, now) + "."})
		}
	}
	return out
}

func untilText(w Window, now time.Time) string {
	if w.ResetsAt == nil {
		return ""
	}
	return " (resets in " + Countdown(w.ResetsAt.Sub(now)) + ")"
}

// MarshalStored is the persisted form of Stored (the service's store adapter uses it).
func MarshalStored(s Stored) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// UnmarshalStored reads what MarshalStored wrote.
func UnmarshalStored(data string) (Stored, error) {
	var s Stored
	err := json.Unmarshal([]byte(data), &s)
	return s, err
}
