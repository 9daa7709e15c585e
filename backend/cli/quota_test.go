package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/quota"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

func quotaJSON(t *testing.T, out string) service.QuotaView {
	t.Helper()
	var v service.QuotaView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("quota --json: %v\n%s", err, out)
	}
	return v
}

func accountOf(t *testing.T, v service.QuotaView, providerID string) quota.AccountQuota {
	t.Helper()
	for _, a := range v.Accounts {
		if a.Provider == providerID {
			return a
		}
	}
	t.Fatalf("no %s account in %+v", providerID, v.Accounts)
	return quota.AccountQuota{}
}

func windowByID(a quota.AccountQuota, id string) *quota.Window {
	for i := range a.Windows {
		if a.Windows[i].ID == id {
			return &a.Windows[i]
		}
	}
	return nil
}

// The "done when": a mock Claude account at 37% (5 h) and 12% (weekly) shows both windows with their
// resets; when the mock reports the 5-hour window spent, the active combo's next tier serves the next request,
// and the Claude account serves again after the reset with no restart. Bad answers leave quota unknown with the
// reason and routing unaffected; a restart shows the last values, marked stale.
func TestQuotaEndToEnd(t *testing.T) {
	r := newSubsRig(t)
	r.loginWithBrowser(t, "claude")
	r.loginWithBrowser(t, "codex")
	now := time.Now().UTC().Truncate(time.Second)
	fiveReset, weekReset := now.Add(72*time.Minute), now.Add(99*time.Hour)
	r.mock.SetQuota(mockvendor.Claude, 200, "", mockvendor.ClaudeUsage(37, 12, fiveReset, weekReset))
	// Codex sends its weekly window as primary.
	r.mock.SetQuota(mockvendor.Codex, 200, "", mockvendor.CodexUsage("plus", 41, 604800, now.Add(50*time.Hour)))

	v := quotaJSON(t, r.cli(t, 0, "quota", "--refresh", "--json"))
	if len(v.Accounts) != 2 {
		t.Fatalf("want 2 subscription accounts, got %+v", v.Accounts)
	}
	var claude, codex quota.AccountQuota
	for _, a := range v.Accounts {
		switch a.Provider {
		case "claude":
			claude = a
		case "codex":
			codex = a
		}
	}
	five, week := windowByID(claude, "5h"), windowByID(claude, "7d")
	if five == nil || week == nil || *five.UsedPercent != 37 || *week.UsedPercent != 12 ||
		!five.ResetsAt.Equal(fiveReset) || !week.ResetsAt.Equal(weekReset) || claude.Stale || claude.State != quota.StateOK {
		t.Fatalf("claude quota: %+v", claude)
	}
	if w := windowByID(codex, "7d"); w == nil || w.Label != "week" || *w.UsedPercent != 41 || codex.Plan != "plus" {
		t.Fatalf("codex's weekly-as-primary window: %+v", codex)
	}
	if v.Accounts[0].Provider != "claude" {
		t.Fatalf("soonest reset first: %+v", v.Accounts)
	}
	text := r.cli(t, 0, "quota")
	for _, want := range []string{"5h ▰▰▰▱▱ 63% left · 1h 12m", "week ▰▰▰▰▱ 88% left · 4d 3h", "week ▰▰▰▱▱ 59% left"} {
		if !strings.Contains(text, want) {
			t.Fatalf("quota text lacks %q:\n%s", want, text)
		}
	}

	r.cli(t, 0, "combo", "set", "main", "cc/claude-sonnet-4-6", "cx/gpt-5.4")
	r.cli(t, 0, "combo", "activate", "main")
	ask := func() string {
		t.Helper()
		status, body := r.post(t, "/v1/chat/completions", `{"model":"ninerouter/active","messages":[{"role":"user","content":"hi"}]}`)
		if status != 200 {
			t.Fatalf("ninerouter/active: %d %s", status, body)
		}
		return body
	}
	if body := ask(); !strings.Contains(body, "mock claude") {
		t.Fatalf("the first tier should serve: %s", body)
	}

	// The 5-hour window is spent, resetting in a few seconds: the next tier serves.
	spentUntil := time.Now().Add(3 * time.Second)
	r.mock.SetQuota(mockvendor.Claude, 200, "", mockvendor.ClaudeUsage(100, 40, spentUntil, weekReset))
	v = quotaJSON(t, r.cli(t, 0, "quota", "--refresh", "--json"))
	if v.Accounts[0].Provider != "claude" || v.Accounts[0].State != quota.StateExhausted || v.Accounts[0].BlockedUntil == nil {
		t.Fatalf("spent claude: %+v", v.Accounts[0])
	}
	if body := ask(); !strings.Contains(body, "mock codex") {
		t.Fatalf("the next tier should serve while claude's window is spent: %s", body)
	}
	// After the reset the account serves again, with no restart (the vendor's numbers start afresh).
	r.mock.SetQuota(mockvendor.Claude, 200, "", mockvendor.ClaudeUsage(0, 40, time.Time{}, weekReset))
	time.Sleep(time.Until(spentUntil) + 100*time.Millisecond)
	if body := ask(); !strings.Contains(body, "mock claude") {
		t.Fatalf("claude should serve again after its reset: %s", body)
	}

	// Bad answers: an HTML 502, then nothing: unknown with the reason, routing unaffected, one log line each.
	r.mock.SetQuota(mockvendor.Claude, 502, "text/html", "<html><body>Bad gateway</body></html>")
	for range 3 {
		v = quotaJSON(t, r.cli(t, 0, "quota", "--refresh", "--json"))
	}
	if c := accountOf(t, v, "claude"); c.State != quota.StateUnknown || !strings.Contains(c.Error, "502") || !strings.Contains(c.Error, "HTML") {
		t.Fatalf("claude after an HTML 502: %+v", c)
	}
	if n := strings.Count(r.logs.String(), "answered 502"); n != 1 {
		t.Fatalf("three failed fetches for one reason logged %d lines, want 1:\n%s", n, r.logs.String())
	}
	if body := ask(); !strings.Contains(body, "mock claude") {
		t.Fatalf("an unreadable quota must not affect routing: %s", body)
	}
	r.mock.SetQuota(mockvendor.Claude, 200, "", "")
	v = quotaJSON(t, r.cli(t, 0, "quota", "--refresh", "--json"))
	if c := accountOf(t, v, "claude"); !strings.Contains(c.Error, "with nothing") {
		t.Fatalf("an empty answer: %+v", v.Accounts)
	}
	r.mock.SetQuota(mockvendor.Claude, 200, "", mockvendor.ClaudeUsage(37, 12, fiveReset, weekReset))
	r.cli(t, 0, "quota", "--refresh", "--json")
	if h, _ := r.mock.LastRequest(mockvendor.Claude + "/quota"); h.Get("anthropic-beta") != "oauth-2025-04-20" || !strings.HasPrefix(h.Get("User-Agent"), "NineRouter/") {
		t.Fatalf("quota request headers: %v", h)
	}

	// A restart shows the last values at once, marked stale (here: the CLI on the data dir, nothing running).
	r.inst.Stop(5 * time.Second)
	code, out, errOut := run(t, r.env, "quota", "--json", "--addr", r.addr, "--data-dir", r.dir)
	if code != 0 {
		t.Fatalf("quota --json with nothing running: exit %d: %s", code, errOut)
	}
	r.seen.WriteString(out + errOut)
	v = quotaJSON(t, out)
	stored := accountOf(t, v, "claude")
	if !stored.Stale || windowByID(stored, "5h") == nil || *windowByID(stored, "5h").UsedPercent != 37 {
		t.Fatalf("stored quota after a stop: %+v", v.Accounts)
	}
	if strings.Contains(r.seen.String(), mockvendor.Canary) {
		t.Fatal("a token reached the CLI's output")
	}
}
