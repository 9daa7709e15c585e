package quota

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Countdown is a reset countdown in the words every view uses: "45m", "1h 12m", "4d 3h".
func Countdown(d time.Duration) string {
	if d <= 0 {
		return "now"
	}
	m := int64(math.Ceil(d.Minutes()))
	days, hours, mins := m/1440, (m%1440)/60, m%60
	switch {
	case days > 0:
		if hours == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		if mins == 0 {
			return fmt.Sprintf("%dh", hours)
		}
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}

// formatLeft is "63%" (remaining, whole percent).
func formatLeft(w Window) string {
	if w.UsedPercent == nil {
		return "?"
	}
	return strconv.Itoa(int(math.Floor(w.Left()))) + "%"
}

// Bar draws remaining as five blocks: ▰▰▰▱▱.
func Bar(left float64, cells int) string {
	if left < 0 {
		return strings.Repeat("▱", cells)
	}
	n := int(math.Round(left / 100 * float64(cells)))
	n = max(0, min(cells, n))
	return strings.Repeat("▰", n) + strings.Repeat("▱", cells-n)
}

// WindowText is one window in a line of text: "5h ▰▰▰▱▱ 63% left · 1h 12m", "week not started",
// "month unlimited", "5h spent · 2h 3m".
func WindowText(w Window, now time.Time, bar bool) string {
	var b strings.Builder
	b.WriteString(w.Label)
	switch w.State {
	case StateUnlimited:
		b.WriteString(" unlimited")
		return b.String()
	case StateNotStarted:
		b.WriteString(" not started")
		return b.String()
	case StateUnknown:
		b.WriteString(" unknown")
		return b.String()
	case StateExhausted:
		b.WriteString(" spent")
	default:
		if bar {
			b.WriteString(" " + Bar(w.Left(), 5))
		}
		b.WriteString(" " + formatLeft(w) + " left")
	}
	if w.ResetsAt != nil && w.ResetsAt.After(now) {
		b.WriteString(" · " + Countdown(w.ResetsAt.Sub(now)))
	}
	return b.String()
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// StateWords is an account state as every view says it (tray, window, CLI).
func StateWords(s State) string {
	switch s {
	case StateOK:
		return "ok"
	case StateLow:
		return "quota low"
	case StateExhausted:
		return "spent"
	case StateNeedsSignIn:
		return "needs sign-in"
	case StateDisabled:
		return "disabled"
	case StateNotStarted:
		return "not started"
	case StateUnlimited:
		return "unlimited"
	}
	return "unknown"
}
