package mockvendor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// quotaAnswer is what a vendor's quota endpoint answers.
type quotaAnswer struct {
	status      int
	contentType string
	body        string
}

// SetQuota makes vendor's quota endpoint answer status with body (contentType "" = application/json). The
// default is a 404 until set.
func (m *Mock) SetQuota(vendor string, status int, contentType, body string) {
	if contentType == "" {
		contentType = "application/json"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.quotas == nil {
		m.quotas = map[string]quotaAnswer{}
	}
	m.quotas[vendor] = quotaAnswer{status: status, contentType: contentType, body: body}
}

// QuotaCalls counts calls of vendor's quota endpoint.
func (m *Mock) QuotaCalls(vendor string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[vendor+"/quota"]
}

// SetRateHeaders adds h to every answer of vendor's model API (live rate-limit headers).
func (m *Mock) SetRateHeaders(vendor string, h http.Header) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rateHdrs == nil {
		m.rateHdrs = map[string]http.Header{}
	}
	m.rateHdrs[vendor] = h.Clone()
}

func (m *Mock) addRateHeaders(w http.ResponseWriter, vendor string) {
	m.mu.Lock()
	h := m.rateHdrs[vendor]
	m.mu.Unlock()
	for k, v := range h {
		w.Header()[k] = v
	}
}

// ClaudeUsage is an api/oauth/usage answer: the 5-hour and weekly windows used (percent) and their resets.
func ClaudeUsage(fiveHour, week float64, fiveReset, weekReset time.Time) string {
	win := func(u float64, r time.Time) map[string]any {
		w := map[string]any{"utilization": u, "resets_at": nil}
		if !r.IsZero() {
			w["resets_at"] = r.UTC().Format("2006-01-02T15:04:05.000000-07:00")
		}
		return w
	}
	b, _ := json.Marshal(map[string]any{"five_hour": win(fiveHour, fiveReset), "seven_day": win(week, weekReset),
		"seven_day_opus": nil, "extra_usage": map[string]any{"is_enabled": false}})
	return string(b)
}

// CodexUsage is a wham/usage answer with one window of windowSeconds as primary.
func CodexUsage(plan string, used float64, windowSeconds int64, reset time.Time) string {
	return fmt.Sprintf(`{"plan_type":%q,"rate_limit":{"allowed":true,"limit_reached":%t,"primary_window":{"used_percent":%g,"limit_window_seconds":%d,"reset_at":%d},"secondary_window":null}}`,
		plan, used >= 100, used, windowSeconds, reset.Unix())
}

// quota serves a vendor's quota endpoint: auth as its API (GitHub takes "token"), then the set answer.
func (m *Mock) quota(w http.ResponseWriter, r *http.Request, vendor string) {
	scheme := "Bearer "
	if vendor == GitHub {
		scheme = "token "
	}
	m.mu.Lock()
	m.calls[vendor+"/quota"]++
	m.headers[vendor+"/quota"] = r.Header.Clone()
	a, ok := m.quotas[vendor]
	m.mu.Unlock()
	if _, authed := m.authed(r, vendor, scheme); !authed {
		writeJSON(w, 401, map[string]any{"error": map[string]string{"type": "authentication_error", "message": "invalid or expired token"}})
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

// isQuotaPath names each vendor's quota endpoint path.
func isQuotaPath(vendor, rest string) bool {
	switch vendor {
	case GitHub:
		return rest == "copilot_user"
	case Kimi:
		return rest == "usages"
	}
	return rest == "usage" && !strings.Contains(vendor, "/")
}
