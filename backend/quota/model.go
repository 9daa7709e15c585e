// Package quota makes a subscription account's usage windows (Claude's 5-hour and weekly limits, Codex's,
// Copilot's monthly premium requests, …) one always-fresh state that the tray, the window, the CLI and the
// router read from one place. Vendors' answers are normalised into one model (docs/quota.md): windows labelled
// by their duration, never by their position; used percent; reset time from epoch seconds, epoch milliseconds
// or ISO text; the states not started, unlimited, unknown and exhausted. A Tracker polls each account's quota
// endpoint (its own goroutine, cheap when idle), folds in the live rate-limit headers of every answer, keeps the
// last values across restarts (marked stale) and tells routing which account is spent until when.
package quota

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// State is a window's or an account's condition.
type State string

const (
	StateOK         State = "ok"
	StateLow        State = "low"         // under the low threshold (accounts only)
	StateNotStarted State = "not_started" // the window's timer starts with the first request: no countdown yet
	StateUnlimited  State = "unlimited"
	StateUnknown    State = "unknown" // no numbers (the vendor said nothing usable, or the fetch failed)
	StateExhausted  State = "exhausted"
	// Account-only states, filled in by the service from the account's sign-in and routing state.
	StateNeedsSignIn State = "needs_sign_in"
	StateDisabled    State = "disabled"
)

// Window is one usage window of an account.
type Window struct {
	// ID is stable across polls and header updates: the duration ("5h", "7d", "30d") plus a scope for
	// per-model windows ("7d:opus", "model:gemini-3-pro-high").
	ID    string `json:"id"`
	Label string `json:"label"` // "5h", "week", "week · opus", "month · premium"
	// Seconds is the window's length; 0 when the vendor does not say.
	Seconds int64 `json:"seconds,omitempty"`
	// UsedPercent is 0–100; nil when unknown (unlimited, not reported).
	UsedPercent *float64   `json:"usedPercent,omitempty"`
	ResetsAt    *time.Time `json:"resetsAt,omitempty"`
	State       State      `json:"state"`
	// Used and Limit are the vendor's counts when it gives them (requests, credits).
	Used  *float64 `json:"used,omitempty"`
	Limit *float64 `json:"limit,omitempty"`
}

// Left is the remaining percent, or -1 when unknown.
func (w Window) Left() float64 {
	if w.UsedPercent == nil {
		return -1
	}
	return math.Max(0, 100-*w.UsedPercent)
}

// Report is what one fetch (or one answer's headers) says about an account.
type Report struct {
	Plan    string   `json:"plan,omitempty"`
	Windows []Window `json:"windows"`
}

// Label names a window by its duration: "5h", "day", "week", "month", else hours or days.
func Label(seconds int64) string {
	const hour, day = 3600, 86400
	switch {
	case seconds <= 0:
		return "window"
	case seconds == 7*day:
		return "week"
	case seconds == day:
		return "day"
	case seconds >= 28*day && seconds <= 31*day:
		return "month"
	case seconds < 2*day && seconds%hour == 0:
		return fmt.Sprintf("%dh", seconds/hour)
	case seconds < hour:
		return fmt.Sprintf("%dm", max(1, seconds/60))
	case seconds < 2*day:
		return fmt.Sprintf("%.1fh", float64(seconds)/hour)
	}
	return fmt.Sprintf("%dd", (seconds+day/2)/day)
}

// durationID is a window's id from its length.
func durationID(seconds int64) string {
	const hour, day = 3600, 86400
	switch {
	case seconds <= 0:
		return "window"
	case seconds%day == 0:
		return fmt.Sprintf("%dd", seconds/day)
	case seconds%hour == 0:
		return fmt.Sprintf("%dh", seconds/hour)
	}
	return fmt.Sprintf("%dm", max(1, seconds/60))
}

// newWindow builds a window of a known length with an optional scope ("opus", "premium").
func newWindow(seconds int64, scope string) Window {
	w := Window{ID: durationID(seconds), Label: Label(seconds), Seconds: seconds}
	if seconds >= 28*86400 && seconds <= 31*86400 {
		w.ID = "30d"
	}
	if scope != "" {
		w.ID += ":" + strings.ToLower(scope)
		w.Label += " · " + scope
	}
	return w
}

// finish sets the state a window's numbers imply (unless the vendor already said unlimited or exhausted).
func (w *Window) finish() {
	switch {
	case w.State == StateUnlimited, w.State == StateExhausted:
	case w.UsedPercent == nil:
		w.State = StateUnknown
	case *w.UsedPercent >= 100:
		w.State = StateExhausted
	case w.ResetsAt == nil && *w.UsedPercent == 0:
		w.State = StateNotStarted
	default:
		w.State = StateOK
	}
	if w.UsedPercent != nil {
		v := math.Max(0, math.Min(100, *w.UsedPercent))
		v = math.Round(v*10) / 10
		w.UsedPercent = &v
	}
	// A vendor's remaining above its limit made used negative ("-1 of 0").
	for _, c := range []*float64{w.Used, w.Limit} {
		if c != nil && *c < 0 {
			*c = 0
		}
	}
}

func pct(v float64) *float64 { return &v }

// sortWindows orders windows shortest first, per-model windows by name, so every view lists them alike.
func sortWindows(ws []Window) {
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if (a.Seconds == 0) != (b.Seconds == 0) {
			return a.Seconds != 0
		}
		if a.Seconds != b.Seconds {
			return a.Seconds < b.Seconds
		}
		return a.ID < b.ID
	})
}

// merge folds update's windows into base by id (headers carry some windows, the endpoint all of them).
func merge(base, update []Window) []Window {
	out := append([]Window(nil), base...)
	for _, u := range update {
		found := false
		for i := range out {
			if out[i].ID == u.ID {
				out[i], found = u, true
				break
			}
		}
		if !found {
			out = append(out, u)
		}
	}
	sortWindows(out)
	return out
}
