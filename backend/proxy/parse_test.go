package proxy

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

func TestSSEReader(t *testing.T) {
	in := ": keep-alive\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: line1\ndata: line2\n\n\n\ndata: [DONE]"
	r := newSSEReader(strings.NewReader(in))
	var got []string
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Name+"|"+string(ev.Data))
	}
	want := []string{"message_start|{\"a\":1}", "|line1\nline2", "|[DONE]"}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("got %q", got)
	}
	// A very long line is read whole.
	long := "data: " + strings.Repeat("x", 100<<10) + "\n\n"
	ev, err := newSSEReader(strings.NewReader(long)).Next()
	if err != nil || len(ev.Data) != 100<<10 {
		t.Errorf("long line: %d %v", len(ev.Data), err)
	}
}

// FuzzSSEReader: any byte stream parses without panic, and re-encoding the events parses back to the same.
func FuzzSSEReader(f *testing.F) {
	for _, s := range []string{"data: x\n\n", "event: e\ndata: {}\n\n", ":c\n\ndata:a\r\ndata:b\r\n\r\n", "data", "\n\n\n", "event: only\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := newSSEReader(bytes.NewReader(in))
		var evs []Event
		for i := 0; i < 10000; i++ {
			ev, err := r.Next()
			if err != nil {
				break
			}
			evs = append(evs, Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...)})
		}
		var out []byte
		for _, ev := range evs {
			if strings.ContainsAny(ev.Name, "\r\n") || bytes.ContainsRune(ev.Data, '\r') {
				return // not representable after re-encoding; the reader split on them
			}
			out = appendEvent(out, ev)
		}
		r2 := newSSEReader(bytes.NewReader(out))
		for i, want := range evs {
			got, err := r2.Next()
			if err != nil || got.Name != want.Name || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("event %d: %q %q (%v), want %q %q", i, got.Name, got.Data, err, want.Name, want.Data)
			}
		}
	})
}

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
		for _, fm := range wire.Formats {
			inBandError(fm, "error", b)
			sniffUsage(fm, "", b)
		}
	})
}
