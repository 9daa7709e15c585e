package quota

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// render is a window list as compact text: id|label|used%|reset|state|used/limit.
func render(ws []Window) string {
	var b strings.Builder
	for _, w := range ws {
		used, reset, counts := "-", "-", ""
		if w.UsedPercent != nil {
			used = fmt.Sprintf("%g", *w.UsedPercent)
		}
		if w.ResetsAt != nil {
			reset = w.ResetsAt.UTC().Format(time.RFC3339)
		}
		if w.Used != nil && w.Limit != nil {
			counts = fmt.Sprintf("|%g/%g", *w.Used, *w.Limit)
		}
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s%s\n", w.ID, w.Label, used, reset, w.State, counts)
	}
	return b.String()
}

var testNow = time.Date(2026, 12, 5, 22, 0, 0, 0, time.UTC)

func TestParseRealShapes(t *testing.T) {
	tests := []struct {
		provider, file, plan, want string
	}{
		{"claude", "claude.json", "", `5h|5h|37|2026-12-06T03:00:00Z|ok
7d|week|12|2026-12-10T17:00:00Z|ok
7d:opus|week · opus|0|-|not_started
`},
		// Codex sent its weekly window as primary: the label comes from limit_window_seconds.
		{"codex", "codex-weekly-primary.json", "plus", `7d|week|41|2025-12-09T17:06:40Z|ok
`},
		// Epoch milliseconds in reset_at; a reset given only as reset_after_seconds; a spent 5h window.
		{"codex", "codex.json", "pro", `5h|5h|100|2025-12-06T05:46:40Z|exhausted
7d|week|63|2026-12-10T13:06:40Z|ok
7d:code review|week · code review|0|2025-12-10T20:53:20Z|ok
`},
		{"github", "copilot-paid.json", "Pro", `30d:chat|month · chat|-|2026-12-31T00:00:00Z|unlimited
30d:completions|month · completions|-|2026-12-31T00:00:00Z|unlimited
30d:premium|month · premium|16.5|2026-12-31T00:00:00Z|ok|50/300
`},
		{"github", "copilot-free.json", "Free", `30d:chat|month · chat|10|2026-12-14T00:00:00Z|ok|5/50
30d:completions|month · completions|10|2026-12-14T00:00:00Z|ok|200/2000
`},
		// A model whose quotaInfo has a reset and no fraction is spent (protobuf JSON omits zero).
		{"antigravity", "antigravity.json", "", `model:claude-sonnet-4-6|claude-sonnet-4-6|100|2026-12-06T04:30:00Z|exhausted
model:gemini-3-pro-high|gemini-3-pro-high|25|2026-12-06T01:00:00Z|ok
`},
		{"kiro", "kiro.json", "KIRO FREE", `30d:credit|month · credit|25|2025-12-30T16:00:00Z|ok|12.5/50
trial:credit|free trial · credit|20|2025-12-23T14:26:40Z|ok|100/500
`},
		{"kimi-coding", "kimi.json", "INTERMEDIATE", `5h|5h|0|2026-12-06T03:00:00Z|ok|0/100
7d|week|26|2026-12-11T08:00:00Z|ok|26/100
`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Parse(tt.provider, body, testNow)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if rep.Plan != tt.plan {
				t.Errorf("plan %q, want %q", rep.Plan, tt.plan)
			}
			if got := render(rep.Windows); got != tt.want {
				t.Errorf("windows:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestParseBadInput(t *testing.T) {
	tests := []struct{ provider, body, want string }{
		{"claude", "<html><body>502 Bad Gateway</body></html>", "not a JSON object"},
		{"claude", "", "empty body"},
		{"claude", `{"error":{"type":"permission_error"}}`, "no five_hour or seven_day window"},
		{"codex", `[1,2]`, "not a JSON object"},
		{"github", `{"message":"Not Found"}`, "no quota_snapshots"},
		{"kimi-coding", `{"usages":[]}`, "no usage or limits"},
		{"kiro", `{"message":"x"}`, "no usageBreakdownList"},
		{"antigravity", `{}`, "no models or groups"},
		{"openai", `{}`, "has no quota endpoint"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.provider, []byte(tt.body), testNow)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q: err %v, want it to say %q", tt.provider, tt.body, err, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2025, 12, 6, 5, 46, 40, 0, time.UTC)
	for _, raw := range []string{`1765000000`, `1765000000000`, `"1765000000"`, `"2025-12-06T05:46:40Z"`,
		`"2025-12-06T05:46:40.000+00:00"`, `"2025-12-06T06:46:40+01:00"`} {
		got, ok := ParseTime(gjson.Parse(raw))
		if !ok || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", raw, got, ok, want)
		}
	}
	for _, raw := range []string{`0`, `""`, `null`, `"soon"`, `-5`} {
		if got, ok := ParseTime(gjson.Parse(raw)); ok {
			t.Errorf("%s: %v, want none", raw, got)
		}
	}
}

func TestFromHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("anthropic-ratelimit-unified-5h-utilization", "0.37")
	h.Set("anthropic-ratelimit-unified-5h-reset", "1765000000")
	h.Set("anthropic-ratelimit-unified-5h-status", "allowed")
	h.Set("anthropic-ratelimit-unified-7d-utilization", "1.0")
	h.Set("anthropic-ratelimit-unified-7d-reset", "1765300000")
	h.Set("anthropic-ratelimit-unified-7d-status", "rejected")
	ws, ok := FromHeaders("claude", h)
	if !ok {
		t.Fatal("no windows")
	}
	want := "5h|5h|37|2025-12-06T05:46:40Z|ok\n7d|week|100|2025-12-09T17:06:40Z|exhausted\n"
	if got := render(ws); got != want {
		t.Errorf("anthropic:\n%s\nwant:\n%s", got, want)
	}

	c := http.Header{}
	// The weekly window arrives as primary: its minutes say what it is.
	c.Set("x-codex-primary-used-percent", "41")
	c.Set("x-codex-primary-window-minutes", "10080")
	c.Set("x-codex-primary-reset-at", "1765300000")
	c.Set("x-codex-secondary-used-percent", "7")
	ws, _ = FromHeaders("codex", c)
	if got, want := render(ws), "7d|week|41|2025-12-09T17:06:40Z|ok\n"; got != want {
		t.Errorf("codex:\n%s\nwant:\n%s", got, want)
	}
	if _, ok := FromHeaders("claude", http.Header{"Content-Type": {"application/json"}}); ok {
		t.Error("an answer without rate-limit headers gave windows")
	}
}

func TestLabelAndCountdown(t *testing.T) {
	for secs, want := range map[int64]string{18000: "5h", 604800: "week", 86400: "day", 2592000: "month", 3600: "1h", 1800: "30m", 1209600: "14d"} {
		if got := Label(secs); got != want {
			t.Errorf("Label(%d) = %q, want %q", secs, got, want)
		}
	}
	for d, want := range map[time.Duration]string{72 * time.Minute: "1h 12m", 99*time.Hour + 10*time.Minute: "4d 3h", 30 * time.Second: "1m", 0: "now", 2 * time.Hour: "2h"} {
		if got := Countdown(d); got != want {
			t.Errorf("Countdown(%v) = %q, want %q", d, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"claude.json", "codex.json", "copilot-paid.json", "copilot-free.json", "antigravity.json", "kiro.json", "kimi.json"} {
		b, _ := os.ReadFile("testdata/" + name)
		f.Add(b)
	}
	f.Add([]byte(`{"five_hour":{"utilization":"x","resets_at":1e300}}`))
	f.Add([]byte(`{"usage":{"limit":"NaN","used":"1"},"limits":[{"window":{"duration":1,"timeUnit":"HOUR"},"detail":{"limit":"Inf","remaining":"-Inf"}}]}`))
	f.Add([]byte(`{"five_hour":{"utilization":5,"resets_at":"9999-12-31T23:00:00-05:00"},"seven_day":{"utilization":1,"resets_at":"2.6e14"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for p := range parsers {
			rep, err := Parse(p, body, testNow)
			if err != nil {
				continue
			}
			ids := map[string]bool{}
			for _, w := range rep.Windows {
				if w.UsedPercent != nil && (*w.UsedPercent < 0 || *w.UsedPercent > 100) {
					t.Fatalf("%s: used %v out of range", p, *w.UsedPercent)
				}
				if w.ID == "" || w.Label == "" || w.State == "" || w.Seconds < 0 {
					t.Fatalf("%s: incomplete window %+v", p, w)
				}
				if ids[w.ID] { // header updates and the UI find a window by its ID
					t.Fatalf("%s: two windows with ID %q", p, w.ID)
				}
				ids[w.ID] = true
				for _, v := range []*float64{w.Used, w.Limit} {
					if v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
						t.Fatalf("%s: count %v in %+v", p, *v, w)
					}
				}
			}
			if _, err := json.Marshal(rep); err != nil { // what the API answers
				t.Fatalf("%s: %v", p, err)
			}
		}
	})
}
