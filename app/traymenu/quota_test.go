package traymenu

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/quota"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func win(id, label string, secs int64, used float64, reset time.Time, st quota.State) quota.Window {
	w := quota.Window{ID: id, Label: label, Seconds: secs, State: st}
	if st != quota.StateUnlimited {
		w.UsedPercent = &used
	}
	if !reset.IsZero() {
		w.ResetsAt = &reset
	}
	return w
}

// The tray menu model with one row per subscription account, each in its own state: the golden file is the
// menu as a user reads it.
func TestQuotaMenuGolden(t *testing.T) {
	now := time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)
	s := State{Phase: Running, Addr: "127.0.0.1:20128", Endpoint: "http://127.0.0.1:20128/v1", Requests: 2, Now: now,
		QuotaMetric: "lowest",
		Quota: []QuotaRow{
			{AccountID: 1, Label: "Claude · me@example.com", State: quota.StateOK, UpdatedAt: now.Add(-time.Minute), Windows: []quota.Window{
				win("5h", "5h", 18000, 37, now.Add(72*time.Minute), quota.StateOK),
				win("7d", "week", 604800, 12, now.Add(99*time.Hour), quota.StateOK)}},
			{AccountID: 2, Label: "Codex · me@example.com", State: quota.StateLow, UpdatedAt: now.Add(-2 * time.Minute), Windows: []quota.Window{
				win("7d", "week", 604800, 91, now.Add(50*time.Hour), quota.StateOK)}},
			{AccountID: 3, Label: "Claude · work@example.com", State: quota.StateExhausted, CoolingUntil: now.Add(3 * time.Minute),
				Windows: []quota.Window{win("5h", "5h", 18000, 100, now.Add(2*time.Hour+3*time.Minute), quota.StateExhausted),
					win("7d", "week", 604800, 0, time.Time{}, quota.StateNotStarted)}},
			{AccountID: 4, Label: "Copilot · octo", State: quota.StateOK, Stale: true, UpdatedAt: now.Add(-3 * time.Hour), Windows: []quota.Window{
				win("30d:chat", "month · chat", 2592000, 0, now.Add(26*24*time.Hour), quota.StateUnlimited),
				win("30d:premium", "month · premium", 2592000, 16.5, now.Add(26*24*time.Hour), quota.StateOK)}},
			{AccountID: 5, Label: "Kimi · me@example.com", State: quota.StateUnknown, Error: "the quota endpoint answered 502 Bad Gateway (an HTML page)"},
			{AccountID: 6, Label: "Codex · old@example.com", State: quota.StateNeedsSignIn},
		},
		SignIn: []SignIn{{AccountID: 6, Label: "Codex · old@example.com", Reason: "invalid_grant"}},
	}
	m := Build(s)
	got := outline(m) + "title=" + m.Title + "\n\ntooltips:\n"
	Walk(m.Items, func(it Item, _ int) {
		if len(it.Key) > 6 && it.Key[:6] == "quota:" {
			got += it.Key + ": " + it.Tooltip + "\n"
		}
	})
	path := filepath.Join("testdata", "quota-menu.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./app/traymenu -run Golden -update)", err)
	}
	if got != string(want) {
		t.Errorf("menu:\n%s\nwant:\n%s", got, want)
	}
	if m.Icon != IconAttention {
		t.Errorf("icon %d: a low account, a spent one and one that needs sign-in want the attention icon", m.Icon)
	}

	calm := s
	calm.Quota = s.Quota[:1]
	calm.SignIn = nil
	calm.QuotaMetric = "none"
	if m := Build(calm); m.Icon != IconRunning || m.Title != "" {
		t.Errorf("all fine: icon %d title %q", m.Icon, m.Title)
	}
	// A minute later the countdowns move and the menu keeps its shape (updated in place while open).
	later := s
	later.Now = now.Add(time.Minute)
	if !SameShape(Build(s).Items, Build(later).Items) {
		t.Error("a countdown tick must not rebuild the menu")
	}
}
