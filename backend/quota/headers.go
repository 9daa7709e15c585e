package quota

import (
	"net/http"
	"strings"
)

// FromHeaders reads the live rate-limit headers an answer carries (docs/quota.md § Live headers): Anthropic's
// anthropic-ratelimit-unified-<w>-* (utilization a fraction 0–1, reset epoch seconds, status allowed |
// allowed_warning | rejected) and Codex's x-codex-<primary|secondary>-* (used percent, window minutes, reset
// epoch seconds). ok is false when the answer has none.
func FromHeaders(providerID string, h http.Header) (ws []Window, ok bool) {
	switch providerID {
	case "claude":
		ws = anthropicHeaders(h)
	case "codex":
		ws = codexHeaders(h)
	}
	for i := range ws {
		ws[i].finish()
	}
	return ws, len(ws) > 0
}

// anthropicWindows are the unified windows and what they are.
var anthropicWindows = []struct {
	name    string
	seconds int64
	scope   string
}{{"5h", fiveHours, ""}, {"7d", week, ""}, {"7d_opus", week, "opus"}, {"7d_sonnet", week, "sonnet"}}

func anthropicHeaders(h http.Header) []Window {
	const p = "Anthropic-Ratelimit-Unified-"
	var out []Window
	for _, aw := range anthropicWindows {
		util, status := h.Get(p+aw.name+"-Utilization"), strings.ToLower(h.Get(p+aw.name+"-Status"))
		if util == "" && status == "" {
			continue
		}
		w := newWindow(aw.seconds, aw.scope)
		if u, ok := num(gjsonString(util)); ok {
			w.UsedPercent = pct(u * 100)
		}
		setReset(&w, gjsonString(h.Get(p+aw.name+"-Reset")))
		if status == "rejected" {
			w.State = StateExhausted
		}
		if w.UsedPercent == nil && w.State != StateExhausted {
			continue
		}
		out = append(out, w)
	}
	return out
}

func codexHeaders(h http.Header) []Window {
	var out []Window
	for _, which := range []string{"primary", "secondary"} {
		p := "X-Codex-" + strings.ToUpper(which[:1]) + which[1:] + "-"
		mins, ok := num(gjsonString(h.Get(p + "Window-Minutes")))
		if !ok || mins <= 0 {
			continue // the window's meaning comes from its length, never from primary/secondary
		}
		w := newWindow(int64(mins*60), "")
		u, ok := num(gjsonString(h.Get(p + "Used-Percent")))
		if !ok {
			continue
		}
		w.UsedPercent = pct(u)
		setReset(&w, gjsonString(h.Get(p+"Reset-At")))
		out = append(out, w)
	}
	return out
}
