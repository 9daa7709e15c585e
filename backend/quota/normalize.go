package quota

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// ErrShape says a quota answer is not the JSON its vendor documents (an HTML error page, an unknown shape);
// the account's quota then shows unknown with this reason.
var ErrShape = errors.New("unrecognised quota answer")

// Parse reads a provider's quota answer. now resolves relative resets ("resets in 3600 s").
func Parse(providerID string, body []byte, now time.Time) (Report, error) {
	f, ok := parsers[providerID]
	if !ok {
		return Report{}, fmt.Errorf("provider %q has no quota endpoint", providerID)
	}
	if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
		return Report{}, fmt.Errorf("%w: not a JSON object (%s)", ErrShape, snippet(body))
	}
	r, err := f(gjson.ParseBytes(body), now)
	if err != nil {
		return Report{}, err
	}
	// One window per ID, the first listed: the Quota page keys its rows by ID (two alike broke the account's
	// list), and a model named twice (a repeated key, "Gemini" and "gemini") or two buckets of one group with
	// no known window would otherwise make two.
	seen := make(map[string]bool, len(r.Windows))
	r.Windows = slices.DeleteFunc(r.Windows, func(w Window) bool {
		dup := seen[w.ID]
		seen[w.ID] = true
		return dup
	})
	for i := range r.Windows {
		r.Windows[i].finish()
	}
	sortWindows(r.Windows)
	return r, nil
}

var parsers = map[string]func(gjson.Result, time.Time) (Report, error){
	"claude":      parseClaude,
	"codex":       parseCodex,
	"github":      parseCopilot,
	"antigravity": parseAntigravity,
	"kiro":        parseKiro,
	"kimi-coding": parseKimi,
}

// Supported reports whether a provider has a quota endpoint NineRouter reads.
func Supported(providerID string) bool { _, ok := parsers[providerID]; return ok }

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "empty body"
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return strconv.Quote(s)
}

// ParseTime reads a reset time given as epoch seconds, epoch milliseconds (numbers or numeric text) or ISO 8601
// text (with or without fraction or zone, or a bare date). Zero and empty mean none, and so does a time past the
// year 9999: JSON cannot write it, so one such window failed the whole quota answer (1e300 also overflowed int64).
func ParseTime(v gjson.Result) (time.Time, bool) {
	t, ok := parseTime(v)
	if !ok || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

func parseTime(v gjson.Result) (time.Time, bool) {
	switch v.Type {
	case gjson.Number:
		return epoch(v.Float())
	case gjson.String:
		s := strings.TrimSpace(v.Str)
		if s == "" {
			return time.Time{}, false
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epoch(f)
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// epoch takes seconds or milliseconds: anything past 1e11 (the year 5138 in seconds) is milliseconds.
func epoch(f float64) (time.Time, bool) {
	if f <= 0 {
		return time.Time{}, false
	}
	if f >= 1e15 { // past the year 9999 even in milliseconds, and past int64 soon after
		return time.Time{}, false
	}
	if f > 1e11 {
		return time.UnixMilli(int64(f)).UTC(), true
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Truncate(time.Second), true
}

func setReset(w *Window, v gjson.Result) {
	if t, ok := ParseTime(v); ok {
		w.ResetsAt = &t
	}
}

// num reads a number given as a number or numeric text.
func num(v gjson.Result) (float64, bool) {
	switch v.Type {
	case gjson.Number:
		return v.Float(), true
	case gjson.String:
		// "NaN" and "Inf" parse, but JSON cannot write them back: one failed the whole quota answer.
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// first is the first of paths that exists (vendors spell fields in snake and camel case).
func first(r gjson.Result, paths ...string) gjson.Result {
	for _, p := range paths {
		if v := r.Get(p); v.Exists() && v.Type != gjson.Null {
			return v
		}
	}
	return gjson.Result{}
}

const (
	fiveHours = 5 * 3600
	week      = 7 * 86400
	month     = 30 * 86400
)

// parseClaude reads api/oauth/usage: {"five_hour": {"utilization": 37, "resets_at": "…"}, "seven_day": {…},
// "seven_day_opus": {…}|null, "extra_usage": {…}}. utilization is a percentage here (0–100); a window without
// resets_at has not started (its timer starts with the first request).
func parseClaude(r gjson.Result, _ time.Time) (Report, error) {
	var rep Report
	r.ForEach(func(k, v gjson.Result) bool {
		key := k.String()
		var w Window
		switch {
		case key == "five_hour":
			w = newWindow(fiveHours, "")
		case key == "seven_day":
			w = newWindow(week, "")
		case strings.HasPrefix(key, "seven_day_"):
			w = newWindow(week, strings.ReplaceAll(strings.TrimPrefix(key, "seven_day_"), "_", " "))
		default:
			return true
		}
		if !v.IsObject() {
			return true // null: the plan has no such window
		}
		if u, ok := num(v.Get("utilization")); ok {
			w.UsedPercent = pct(u)
		}
		setReset(&w, first(v, "resets_at", "resetsAt"))
		if w.ResetsAt == nil && w.UsedPercent == nil {
			w.UsedPercent = pct(0)
		}
		rep.Windows = append(rep.Windows, w)
		return true
	})
	if len(rep.Windows) == 0 {
		return rep, fmt.Errorf("%w: no five_hour or seven_day window", ErrShape)
	}
	return rep, nil
}

// parseCodex reads wham/usage: {"plan_type": "plus", "rate_limit": {"limit_reached": false, "primary_window":
// {"used_percent": 12, "limit_window_seconds": 18000, "reset_at": 1735689600, "reset_after_seconds": 3600},
// "secondary_window": {…}}, "code_review_rate_limit": {…}}. The window's meaning comes from its length: Codex
// can send the weekly window as primary.
func parseCodex(r gjson.Result, now time.Time) (Report, error) {
	rep := Report{Plan: r.Get("plan_type").String()}
	add := func(rl gjson.Result, scope string) {
		if !rl.IsObject() {
			return
		}
		reached := rl.Get("limit_reached").Bool() || (rl.Get("allowed").Exists() && !rl.Get("allowed").Bool())
		for _, name := range []string{"primary_window", "secondary_window"} {
			raw := first(rl, name, camel(name))
			if !raw.IsObject() {
				continue
			}
			secs, _ := num(first(raw, "limit_window_seconds", "limitWindowSeconds"))
			if secs <= 0 {
				if m, ok := num(raw.Get("window_minutes")); ok {
					secs = m * 60
				}
			}
			if secs <= 0 {
				continue // a window of unknown length cannot be labelled honestly
			}
			w := newWindow(int64(secs), scope)
			if u, ok := num(first(raw, "used_percent", "usedPercent")); ok {
				w.UsedPercent = pct(u)
			}
			setReset(&w, first(raw, "reset_at", "resetAt"))
			if w.ResetsAt == nil {
				if s, ok := num(first(raw, "reset_after_seconds", "resetAfterSeconds")); ok && s > 0 {
					t := now.Add(time.Duration(s) * time.Second).UTC().Truncate(time.Second)
					w.ResetsAt = &t
				}
			}
			if reached && w.UsedPercent != nil && *w.UsedPercent >= 100 {
				w.State = StateExhausted
			}
			rep.Windows = append(rep.Windows, w)
		}
	}
	add(first(r, "rate_limit", "rateLimit"), "")
	add(first(r, "code_review_rate_limit", "codeReviewRateLimit"), "code review")
	if len(rep.Windows) == 0 && !r.Get("rate_limit").Exists() && rep.Plan == "" {
		return rep, fmt.Errorf("%w: no rate_limit", ErrShape)
	}
	return rep, nil
}

func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// parseCopilot reads copilot_internal/user. Paid plans: "quota_snapshots": {"chat"|"completions"|
// "premium_interactions": {"entitlement", "remaining", "percent_remaining", "unlimited"}} with
// "quota_reset_date" (monthly). Free plans: "limited_user_quotas" (what is left) against "monthly_quotas" (the
// allowance), with "limited_user_reset_date".
func parseCopilot(r gjson.Result, _ time.Time) (Report, error) {
	rep := Report{Plan: copilotPlan(r)}
	reset := first(r, "quota_reset_date_utc", "quota_reset_date", "limited_user_reset_date")
	names := map[string]string{"premium_interactions": "premium", "chat": "chat", "completions": "completions"}
	if snaps := r.Get("quota_snapshots"); snaps.IsObject() {
		snaps.ForEach(func(k, v gjson.Result) bool {
			scope := names[k.String()]
			if scope == "" {
				scope = strings.ReplaceAll(k.String(), "_", " ")
			}
			w := newWindow(month, scope)
			setReset(&w, reset)
			if v.Get("unlimited").Bool() {
				w.State = StateUnlimited
				rep.Windows = append(rep.Windows, w)
				return true
			}
			ent, hasEnt := num(v.Get("entitlement"))
			rem, hasRem := num(v.Get("remaining"))
			if p, ok := num(v.Get("percent_remaining")); ok {
				w.UsedPercent = pct(100 - p)
			} else if hasEnt && hasRem && ent > 0 {
				w.UsedPercent = pct(100 * (ent - rem) / ent)
			}
			if hasEnt && hasRem {
				used := ent - rem
				w.Used, w.Limit = &used, &ent
			}
			rep.Windows = append(rep.Windows, w)
			return true
		})
		return rep, nil
	}
	left, allowance := r.Get("limited_user_quotas"), r.Get("monthly_quotas")
	if left.IsObject() || allowance.IsObject() {
		allowance.ForEach(func(k, v gjson.Result) bool {
			total, ok := num(v)
			if !ok || total <= 0 {
				return true
			}
			w := newWindow(month, names[k.String()])
			setReset(&w, first(r, "limited_user_reset_date", "quota_reset_date"))
			if rem, ok := num(left.Get(k.String())); ok {
				used := total - rem
				w.Used, w.Limit, w.UsedPercent = &used, &total, pct(100*used/total)
			}
			rep.Windows = append(rep.Windows, w)
			return true
		})
		return rep, nil
	}
	if rep.Plan != "" {
		return rep, nil // a plan with no metered quota
	}
	return rep, fmt.Errorf("%w: no quota_snapshots or monthly_quotas", ErrShape)
}

func copilotPlan(r gjson.Result) string {
	sku, plan := strings.ToLower(r.Get("access_type_sku").String()), strings.ToLower(r.Get("copilot_plan").String())
	switch {
	case strings.Contains(sku, "free"):
		return "Free"
	case strings.Contains(sku, "pro_plus") || strings.Contains(plan, "pro_plus") || strings.Contains(sku, "pro+"):
		return "Pro+"
	case plan == "business" || strings.Contains(sku, "business"):
		return "Business"
	case plan == "enterprise" || strings.Contains(sku, "enterprise"):
		return "Enterprise"
	case plan == "individual" || strings.Contains(sku, "pro"):
		return "Pro"
	}
	return r.Get("copilot_plan").String()
}

// parseAntigravity reads v1internal:fetchAvailableModels: {"models": {"<id>": {"displayName", "quotaInfo":
// {"remainingFraction": 0.75, "resetTime": "…"}}}}. Protobuf JSON leaves a zero remainingFraction out, so a
// quotaInfo with a reset time and no fraction is a spent model. Also accepts retrieveUserQuotaSummary's
// {"groups": [{"displayName", "buckets": [{"window", "remainingFraction", "resetTime"}]}]}.
func parseAntigravity(r gjson.Result, _ time.Time) (Report, error) {
	var rep Report
	fromFraction := func(w *Window, q gjson.Result) {
		f, ok := num(first(q, "remainingFraction", "remaining_fraction"))
		if !ok && first(q, "resetTime", "reset_time").Exists() {
			f, ok = 0, true
		}
		if ok {
			w.UsedPercent = pct(100 * (1 - f))
		}
		setReset(w, first(q, "resetTime", "reset_time"))
	}
	if models := r.Get("models"); models.IsObject() {
		models.ForEach(func(k, v gjson.Result) bool {
			q := v.Get("quotaInfo")
			if !q.IsObject() {
				return true
			}
			name := k.String()
			if name == "" {
				return true // a nameless model cannot be told apart from the others
			}
			w := Window{ID: "model:" + strings.ToLower(name), Label: name}
			fromFraction(&w, q)
			rep.Windows = append(rep.Windows, w)
			return true
		})
		return rep, nil
	}
	if groups := r.Get("groups"); groups.IsArray() {
		for _, g := range groups.Array() {
			gname := first(g, "displayName", "display_name").String()
			for _, b := range g.Get("buckets").Array() {
				label := gname
				secs := int64(0)
				switch strings.ToLower(b.Get("window").String()) {
				case "5h", "five_hour", "five-hour":
					secs = fiveHours
				case "weekly", "week":
					secs = week
				}
				var w Window
				if secs > 0 {
					w = newWindow(secs, gname)
				} else if label == "" {
					continue // neither a known window nor a name: nothing to show it as
				} else {
					w = Window{ID: "model:" + strings.ToLower(label), Label: label}
				}
				fromFraction(&w, b)
				rep.Windows = append(rep.Windows, w)
			}
		}
		return rep, nil
	}
	return rep, fmt.Errorf("%w: no models or groups", ErrShape)
}

// parseKiro reads getUsageLimits: {"usageBreakdownList": [{"resourceType", "displayName",
// "currentUsageWithPrecision", "usageLimitWithPrecision", "nextDateReset", "freeTrialInfo": {…,
// "freeTrialExpiry"}}], "nextDateReset": 1735689600, "subscriptionInfo": {"subscriptionTitle"}}. The limits are
// monthly.
func parseKiro(r gjson.Result, _ time.Time) (Report, error) {
	rep := Report{Plan: r.Get("subscriptionInfo.subscriptionTitle").String()}
	list := r.Get("usageBreakdownList")
	if !list.IsArray() {
		return rep, fmt.Errorf("%w: no usageBreakdownList", ErrShape)
	}
	counts := func(w *Window, v gjson.Result) bool {
		used, okU := num(first(v, "currentUsageWithPrecision", "currentUsage"))
		limit, okL := num(first(v, "usageLimitWithPrecision", "usageLimit"))
		if !okU || !okL {
			return false
		}
		w.Used, w.Limit = &used, &limit
		if limit > 0 {
			w.UsedPercent = pct(100 * used / limit)
		} else if used > 0 {
			w.UsedPercent = pct(100)
		}
		return true
	}
	for _, b := range list.Array() {
		name := first(b, "displayName", "resourceType").String()
		w := newWindow(month, strings.ToLower(name))
		if counts(&w, b) {
			setReset(&w, first(b, "nextDateReset"))
			if w.ResetsAt == nil {
				setReset(&w, r.Get("nextDateReset"))
			}
			rep.Windows = append(rep.Windows, w)
		}
		if ft := b.Get("freeTrialInfo"); ft.IsObject() && !strings.EqualFold(ft.Get("freeTrialStatus").String(), "EXPIRED") {
			tw := Window{ID: "trial:" + strings.ToLower(name), Label: "free trial · " + strings.ToLower(name)}
			if counts(&tw, ft) {
				setReset(&tw, ft.Get("freeTrialExpiry"))
				rep.Windows = append(rep.Windows, tw)
			}
		}
	}
	return rep, nil
}

// parseKimi reads /coding/v1/usages: {"user": {"membershipLevel"}, "usage": {"limit": "100", "used": "26",
// "remaining": "74", "resetTime": "…"}, "limits": [{"window": {"duration": 300, "timeUnit":
// "TIME_UNIT_MINUTE"}, "detail": {…}}]}. Counts come as text. "usage" is the membership's weekly allowance.
func parseKimi(r gjson.Result, _ time.Time) (Report, error) {
	rep := Report{Plan: strings.TrimPrefix(first(r, "user.membershipLevel", "user.membership_level").String(), "LEVEL_")}
	fill := func(w *Window, d gjson.Result) bool {
		limit, okL := num(d.Get("limit"))
		used, okU := num(d.Get("used"))
		if rem, ok := num(d.Get("remaining")); !okU && ok && okL {
			used, okU = limit-rem, true
		}
		if !okL {
			return false
		}
		if !okU {
			used = 0
		}
		w.Used, w.Limit = &used, &limit
		if limit > 0 {
			w.UsedPercent = pct(100 * used / limit)
		}
		setReset(w, first(d, "resetTime", "reset_time", "resetAt", "reset_at"))
		return true
	}
	if u := r.Get("usage"); u.IsObject() {
		w := newWindow(week, "")
		if fill(&w, u) {
			rep.Windows = append(rep.Windows, w)
		}
	}
	for _, l := range r.Get("limits").Array() {
		dur, _ := num(l.Get("window.duration"))
		unit := strings.ToLower(strings.TrimPrefix(strings.ToUpper(l.Get("window.timeUnit").String()), "TIME_UNIT_"))
		var secs float64
		switch {
		case strings.HasPrefix(unit, "minute"):
			secs = dur * 60
		case strings.HasPrefix(unit, "hour"):
			secs = dur * 3600
		case strings.HasPrefix(unit, "day"):
			secs = dur * 86400
		case strings.HasPrefix(unit, "week"):
			secs = dur * week
		case strings.HasPrefix(unit, "second"):
			secs = dur
		}
		if secs <= 0 {
			continue
		}
		w := newWindow(int64(secs), "")
		d := l.Get("detail")
		if !d.IsObject() {
			d = l
		}
		if fill(&w, d) {
			rep.Windows = append(rep.Windows, w)
		}
	}
	if len(rep.Windows) == 0 {
		return rep, fmt.Errorf("%w: no usage or limits", ErrShape)
	}
	sort.SliceStable(rep.Windows, func(i, j int) bool { return rep.Windows[i].Seconds < rep.Windows[j].Seconds })
	return rep, nil
}

// gjsonString wraps header text so num and ParseTime read it like a JSON string.
func gjsonString(s string) gjson.Result { return gjson.Result{Type: gjson.String, Str: s} }
