package quota

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/route"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type memStore struct {
	mu sync.Mutex
	m  map[int64]Stored
}

func (s *memStore) LoadQuotas(context.Context) (map[int64]Stored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]Stored{}
	for k, v := range s.m {
		out[k] = v
	}
	return out, nil
}
func (s *memStore) SaveQuota(_ context.Context, id int64, _ string, st Stored) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = st
	return nil
}
func (s *memStore) DeleteQuota(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

// quotaRouter is a router over two accounts (1 before 2) of providerID whose quota a tracker on a fake clock
// answers.
func quotaRouter(providerID string) (*fakeClock, *provider.Spec, *route.Router, *Tracker) {
	clock := &fakeClock{t: testNow}
	spec := &provider.Spec{ID: providerID, Auth: provider.AuthOAuth}
	a1 := &route.Account{ID: 1, Provider: providerID, Priority: 1, Enabled: true, Cred: provider.StaticKey("k1")}
	a2 := &route.Account{ID: 2, Provider: providerID, Priority: 2, Enabled: true, Cred: provider.StaticKey("k2")}
	snap := &route.Snapshot{Accounts: map[string][]*route.Account{providerID: {a1, a2}}, ByID: map[int64]*route.Account{1: a1, 2: a2}}
	r := route.New(snap, nil)
	r.SetClock(clock.Now)
	tr := NewTracker(Options{Now: clock.Now, Accounts: func() []Account { return nil }})
	r.SetQuota(tr)
	return clock, spec, r, tr
}

func spentHeaders(reset time.Time) http.Header {
	h := http.Header{}
	h.Set("anthropic-ratelimit-unified-5h-utilization", "1.0")
	h.Set("anthropic-ratelimit-unified-5h-status", "rejected")
	h.Set("anthropic-ratelimit-unified-5h-reset", itoa(reset.Unix()))
	return h
}

// An exhausted account is skipped until its reset and used again after it, with no restart: the reset time
// itself wakes it (a fake clock stands in for the hour).
func TestRouterSkipsSpentAccountUntilReset(t *testing.T) {
	clock, spec, r, tr := quotaRouter("claude")

	target := route.Target{Spec: spec, Model: "claude-sonnet-4-6"}
	if a, _ := r.Next(context.Background(), target, nil); a == nil || a.ID != 1 {
		t.Fatalf("before: %v", a)
	}
	reset := testNow.Add(time.Hour)
	tr.Observe(1, "claude", spentHeaders(reset))
	if a, _ := r.Next(context.Background(), target, nil); a == nil || a.ID != 2 {
		t.Fatalf("while account 1's window is spent: %v", a)
	}
	if a, b := r.Next(context.Background(), target, map[int64]bool{2: true}); a != nil || b.Reason != "quota" || !b.Soonest.Equal(reset) {
		t.Fatalf("only the spent account left: %v %+v", a, b)
	}
	clock.Add(time.Hour + time.Second)
	if a, _ := r.Next(context.Background(), target, nil); a == nil || a.ID != 1 {
		t.Fatalf("after the reset: %v", a)
	}

	// A reserve: account 1 keeps 10% of its longest window; at 92% used routing skips it early.
	h := http.Header{}
	h.Set("anthropic-ratelimit-unified-7d-utilization", "0.92")
	h.Set("anthropic-ratelimit-unified-7d-reset", itoa(clock.Now().Add(48*time.Hour).Unix()))
	tr.Observe(1, "claude", h)
	if a, _ := r.Next(context.Background(), target, nil); a == nil || a.ID != 1 {
		t.Fatalf("without a reserve: %v", a)
	}
	tr.SetSettings(Settings{Reserve: map[int64]float64{1: 10}})
	if a, _ := r.Next(context.Background(), target, nil); a == nil || a.ID != 2 {
		t.Fatalf("with a 10%% reserve at 8%% left: %v", a)
	}
}

// "Spend what resets first": among usable accounts, the one whose window resets soonest serves first.
func TestSoonestResetOrder(t *testing.T) {
	_, spec, r, tr := quotaRouter("codex")
	codexH := func(mins int, reset time.Time) http.Header {
		h := http.Header{}
		h.Set("x-codex-primary-used-percent", "30")
		h.Set("x-codex-primary-window-minutes", itoa(int64(mins)))
		h.Set("x-codex-primary-reset-at", itoa(reset.Unix()))
		return h
	}
	tr.Observe(1, "codex", codexH(10080, testNow.Add(3*24*time.Hour)))
	tr.Observe(2, "codex", codexH(10080, testNow.Add(5*time.Hour)))
	if a, _ := r.Next(context.Background(), route.Target{Spec: spec, Model: "gpt-5.4"}, nil); a.ID != 1 {
		t.Fatalf("fallback keeps priority order: %d", a.ID)
	}
	if a, _ := r.Next(context.Background(), route.Target{Spec: spec, Model: "gpt-5.4", SoonestReset: true}, nil); a.ID != 2 {
		t.Fatalf("soonest reset first: %d", a.ID)
	}
}

// One account is never fetched twice at once, however many refreshes ask; failures back off and are logged
// once per reason; bad answers leave the quota unknown with the reason.
func TestTrackerFetches(t *testing.T) {
	var inFlight, maxInFlight, calls atomic.Int32
	var mu sync.Mutex
	status, body := 200, `{"five_hour":{"utilization":37,"resets_at":"2026-12-06T00:00:00Z"},"seven_day":{"utilization":12,"resets_at":"2026-12-10T00:00:00Z"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("anthropic-beta") == "" {
			w.WriteHeader(401)
			return
		}
		time.Sleep(20 * time.Millisecond) // overlap the concurrent refreshes
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	clock := &fakeClock{t: testNow}
	var logs strings.Builder
	var logMu sync.Mutex
	st := &memStore{m: map[int64]Stored{}}
	acct := Account{ID: 7, Provider: "claude", Name: "me@example.com", Enabled: true, Supported: true, Cred: provider.StaticKey("")}
	acct.Cred = bearer("tok")
	tr := NewTracker(Options{Now: clock.Now, Store: st, Accounts: func() []Account { return []Account{acct} },
		URL: func(string) string { return srv.URL }, Log: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tr.Refresh(context.Background(), 7); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if maxInFlight.Load() != 1 {
		t.Fatalf("%d fetches of one account ran at once", maxInFlight.Load())
	}
	v := tr.Accounts()[0]
	if v.State != StateOK || len(v.Windows) != 2 || v.Stale || v.Lowest == nil || v.Lowest.ID != "5h" {
		t.Fatalf("view: %+v", v)
	}
	mu.Lock()
	status, body = 503, "<html>Service Unavailable</html>"
	mu.Unlock()
	for range 3 {
		_ = tr.Refresh(context.Background(), 7)
	}
	v = tr.Accounts()[0]
	if v.State != StateUnknown || !strings.Contains(v.Error, "503") || !v.Stale || len(v.Windows) != 2 {
		t.Fatalf("after 503s: %+v", v)
	}
	if until, _ := tr.Blocked(7, clock.Now()); !until.IsZero() {
		t.Fatal("a failed fetch must not block routing")
	}
	logMu.Lock()
	if n := strings.Count(logs.String(), "503"); n != 1 {
		t.Fatalf("logged %d lines for three failures: %s", n, logs.String())
	}
	logMu.Unlock()
	tr.mu.RLock()
	e := tr.entries[7]
	backoff := e.nextPoll.Sub(clock.Now())
	tr.mu.RUnlock()
	if backoff <= IdleInterval {
		t.Fatalf("no back-off after three failures: next poll in %v", backoff)
	}
	// Persisted: a new tracker shows the values at once, stale.
	tr.flush(context.Background())
	tr2 := NewTracker(Options{Now: clock.Now, Store: st, Accounts: func() []Account { return []Account{acct} }})
	if err := tr2.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := tr2.Accounts()[0]; !v.Stale || len(v.Windows) != 2 || v.Source != "stored" {
		t.Fatalf("restored: %+v", v)
	}
}

type bearer string

func (b bearer) Credential(context.Context) (provider.Credential, error) {
	return provider.Credential{AccessToken: string(b)}, nil
}
func (b bearer) Refresh(context.Context) (provider.Credential, error) {
	return provider.Credential{}, provider.ErrNotRefreshable
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
