package proxy

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRetryAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		x := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			x.Set(kv[i], kv[i+1])
		}
		return x
	}
	cases := []struct {
		name string
		h    http.Header
		body string
		want time.Duration
	}{
		{"seconds", h("Retry-After", "30"), "", 30 * time.Second},
		{"http date", h("Retry-After", now.Add(time.Minute).Format(http.TimeFormat)), "", time.Minute},
		{"ms", h("retry-after-ms", "1500"), "", 1500 * time.Millisecond},
		{"anthropic reset", h("anthropic-ratelimit-requests-reset", now.Add(2*time.Minute).Format(time.RFC3339)), "", 2 * time.Minute},
		{"codex resets_in_seconds", nil, `{"error":{"type":"usage_limit_reached","resets_in_seconds":600}}`, 10 * time.Minute},
		{"codex resets_at", nil, `{"error":{"resets_at":` + itoa(now.Add(time.Hour).Unix()) + `}}`, time.Hour},
		{"gemini retryDelay", nil, `{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"17s"}]}}`, 17 * time.Second},
		{"none", nil, `{"error":{"message":"x"}}`, 0},
	}
	for _, tc := range cases {
		got := retryAt(tc.h, []byte(tc.body), now)
		if tc.want == 0 && !got.IsZero() || tc.want != 0 && got.Sub(now) != tc.want {
			t.Errorf("%s: %v", tc.name, got.Sub(now))
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// FuzzUpstreamError: no upstream error body crashes the parsers that read it.
func FuzzUpstreamError(f *testing.F) {
	for _, s := range []string{`{"error":{"message":"m","type":"t"}}`, `{"type":"error","error":{"type":"overloaded_error"}}`,
		`{"error":"text"}`, `not json`, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"retryDelay":"1s"}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ue := parseUpstreamError(500, b)
		if ue.Message == "" {
			t.Fatal("empty message")
		}
		retryAt(http.Header{}, b, time.Now())
	})
}
