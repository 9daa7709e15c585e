package traymenu

import (
	"fmt"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/quota"
)

// QuotaRow is one subscription account's row: its windows and its state in the words every view uses (ok,
// cooling with a countdown, needs sign-in, quota low, spent, unknown).
type QuotaRow struct {
	AccountID int64
	Label     string // "Claude · me@example.com"
	State     quota.State
	Windows   []quota.Window
	// CoolingUntil is set while routing cools the whole account after a failure.
	CoolingUntil time.Time
	Error        string // why the quota is unknown
	UpdatedAt    time.Time
	Stale        bool
}

// maxRowWindows keeps a row readable: Claude's 5h and week, Codex's, Copilot's premium month.
const maxRowWindows = 2

// quotaItems are the account rows, e.g.
// "Claude · me@example.com   5h ▰▰▰▱▱ 63% left · 1h 12m   week 88% · 4d 3h".
func quotaItems(s State) []Item {
	items := []Item{{Key: "sep-quota", Separator: true}}
	for _, r := range s.Quota {
		id := fmt.Sprint(r.AccountID)
		items = append(items, Item{Key: "quota:" + id, Title: truncate(quotaTitle(r, s.Now), 110), Tooltip: quotaTooltip(r, s.Now),
			Action: Action{Kind: ActOpenQuota, Arg: id}})
	}
	return items
}

// stateWords is the row's state, "" for ok (the windows say it).
func stateWords(r QuotaRow, now time.Time) string {
	switch {
	case r.State == quota.StateNeedsSignIn, r.State == quota.StateDisabled:
		return quota.StateWords(r.State)
	case r.CoolingUntil.After(now):
		return "cooling · " + quota.Countdown(r.CoolingUntil.Sub(now))
	case r.State == quota.StateOK:
		return ""
	}
	return quota.StateWords(r.State)
}

func quotaTitle(r QuotaRow, now time.Time) string {
	title := r.Label
	if w := stateWords(r, now); w != "" {
		title += "   " + w
	}
	if r.State == quota.StateNeedsSignIn || r.State == quota.StateDisabled {
		return title
	}
	for i, w := range rowWindows(r.Windows) {
		title += "   " + quota.WindowText(w, now, i == 0)
	}
	return title
}

// rowWindows picks the windows a row shows: metered windows of known length first (shortest first), else the
// per-model window with the least left.
func rowWindows(ws []quota.Window) []quota.Window {
	var out []quota.Window
	var lowestModel *quota.Window
	for i, w := range ws {
		if w.State == quota.StateUnlimited {
			continue
		}
		if w.Seconds == 0 {
			if lowestModel == nil || w.Left() < lowestModel.Left() {
				lowestModel = &ws[i]
			}
			continue
		}
		if len(out) < maxRowWindows {
			out = append(out, w)
		}
	}
	if len(out) < maxRowWindows && lowestModel != nil {
		out = append(out, *lowestModel)
	}
	if len(out) == 0 {
		for _, w := range ws {
			if len(out) < maxRowWindows {
				out = append(out, w) // only unlimited windows: say so
			}
		}
	}
	return out
}

func quotaTooltip(r QuotaRow, now time.Time) string {
	state := stateWords(r, now)
	if state == "" {
		state = quota.StateWords(r.State)
	}
	t := "State: " + state
	if r.Error != "" {
		t += "\nQuota unknown: " + r.Error
	}
	if !r.UpdatedAt.IsZero() {
		t += "\nUpdated " + quota.Countdown(now.Sub(r.UpdatedAt)) + " ago"
		if r.Stale {
			t += " (stale)"
		}
	}
	return t
}

// quotaAttention: an account is low, spent or needs signing in again.
func quotaAttention(rows []QuotaRow) bool {
	for _, r := range rows {
		switch r.State {
		case quota.StateLow, quota.StateExhausted, quota.StateNeedsSignIn:
			return true
		}
	}
	return false
}

// quotaMetric is the chosen metric for the title and tooltip: the subscription window with the least left,
// "Claude 5h 12% · 1h 12m".
func quotaMetric(s State) string {
	if s.QuotaMetric == "none" {
		return ""
	}
	var best *QuotaRow
	var bestW quota.Window
	for i, r := range s.Quota {
		if r.State == quota.StateNeedsSignIn || r.State == quota.StateDisabled {
			continue
		}
		for _, w := range r.Windows {
			if w.UsedPercent == nil || w.State == quota.StateUnlimited || w.State == quota.StateNotStarted {
				continue
			}
			if best == nil || w.Left() < bestW.Left() {
				best, bestW = &s.Quota[i], w
			}
		}
	}
	if best == nil {
		return ""
	}
	name, _, _ := strings.Cut(best.Label, " · ")
	return name + " " + quota.WindowText(bestW, s.Now, false)
}
