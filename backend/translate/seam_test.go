package translate_test

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// The seam the proxy goes through: everything here used to be reimplemented in backend/proxy.

func TestRetryAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		x := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			x.Set(kv[i], kv[i+1])
		}
		return x
	}
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
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
		got := translate.ParseUpstreamError(429, tc.h, []byte(tc.body), now).RetryAt
		if tc.want == 0 && !got.IsZero() || tc.want != 0 && got.Sub(now) != tc.want {
			t.Errorf("%s: %v", tc.name, got.Sub(now))
		}
	}
}

// TestParseError: the one reader of upstream error bodies, for every shape the vendors send.
func TestParseError(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes: cut on a rune boundary
	cases := []struct {
		name, body string
		status     int
		wantType   string
		wantMsg    string
		wantStatus int
	}{
		{"openai", `{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}`, 401, "invalid_request_error", "bad key", 401},
		{"anthropic", `{"type":"error","error":{"type":"overloaded_error","message":"busy"}}`, 529, "overloaded_error", "busy", 529},
		{"gemini numeric code is no type", `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}`, 429, "RESOURCE_EXHAUSTED", "quota", 429},
		{"error as text", `{"error":"nope"}`, 400, "", "nope", 400},
		{"bare message", `{"message":"gone"}`, 404, "", "gone", 404},
		{"error object without message", `{"error":{"code":"x"},"message":"outer"}`, 500, "x", "outer", 500},
		{"plain text", "  upstream exploded \n", 502, "", "upstream exploded", 502},
		{"empty", "", 503, "", "Service Unavailable", 503},
		{"long text", long, 500, "", long[:500] + "…", 500},
		{"in-band status from type", `{"error":{"type":"rate_limit_error","message":"slow"}}`, 0, "rate_limit_error", "slow", 429},
	}
	for _, tc := range cases {
		e := wire.ParseError(tc.status, []byte(tc.body))
		if e.Type != tc.wantType || e.Message != tc.wantMsg || e.Status != tc.wantStatus {
			t.Errorf("%s: got %d %q %q", tc.name, e.Status, e.Type, e.Message)
		}
	}
}

// TestClientErrors: errors shown to a client carry an error status and a type every client format knows.
func TestClientErrors(t *testing.T) {
	e := &wire.UpstreamError{Status: 200, Type: "usage_limit_reached", Message: "m"}
	for _, f := range wire.Formats {
		if st, body := translate.ErrorBody(f, e); st != http.StatusBadGateway || bytes.Contains(body, []byte("usage_limit_reached")) {
			t.Errorf("%s: %d %s", f, st, body)
		}
		out := translate.StreamError(f, nil, e)
		if bytes.Contains(out, []byte("usage_limit_reached")) || !bytes.Contains(out, []byte("api_error")) && f != wire.Gemini {
			t.Errorf("%s stream error: %s", f, out)
		}
	}
}

// TestStreamCompleteMatchesEnds: a stream is complete exactly when its format's terminal event passed, whether
// the pair is passthrough (Codec.Ends) or translated (the decoder's EvEnd), folded or not, for every recorded stream.
func TestStreamCompleteMatchesEnds(t *testing.T) {
	streams, _, _ := fixtures.LoadAll(t)
	for _, fx := range streams {
		for _, client := range wire.Formats {
			st := translate.NewStream(fx.Format, client, "m")
			fold := translate.NewFold(fx.Format, client, "m")
			var out []byte
			complete := false
			for _, ev := range fx.Events {
				var err error
				if out, err = st.Event(out[:0], ev); err != nil || fold.Event(ev) != nil {
					break
				}
				complete = complete || fixtures.Codec(fx.Format).Ends(ev.Data, ev.Name)
				if st.Complete() != complete || fold.Complete() != complete {
					t.Fatalf("%s -> %s: Complete() %v (fold %v) after %q, Ends says %v", fx.Name, client, st.Complete(),
						fold.Complete(), fixtures.Clip(ev.Data), complete)
				}
			}
		}
	}
}

// TestStreamCut: a stream that stops before its terminal event is not complete.
func TestStreamCut(t *testing.T) {
	streams, _, _ := fixtures.LoadAll(t)
	for _, fx := range streams {
		if len(fx.Events) < 2 {
			continue
		}
		for _, client := range wire.Formats {
			st := translate.NewStream(fx.Format, client, "m")
			for _, ev := range fx.Events[:1] {
				_, _ = st.Event(nil, ev)
			}
			if st.Complete() {
				t.Errorf("%s -> %s: complete after its first event", fx.Name, client)
			}
		}
	}
}

// TestMalformedEvent: half a JSON object is reported by the stream itself, for every pair, as an upstream error.
func TestMalformedEvent(t *testing.T) {
	for _, up := range wire.Formats {
		for _, client := range wire.Formats {
			st := translate.NewStream(up, client, "m")
			out, err := st.Event(nil, sse.Event{Data: []byte(`{"choices":[{"delta":{"content":"hal`)})
			var ue *wire.UpstreamError
			if !errors.As(err, &ue) || ue.Status != http.StatusBadGateway || !ue.InBand || len(out) != 0 {
				t.Errorf("%s -> %s: %v, %q", up, client, err, out)
			}
		}
	}
}

// TestResponseNotJSON: a 2xx body that is not JSON is the upstream's failure on every pair, passthrough included
// (issue 9 finding 6: it used to reach same-format clients as a 200).
func TestResponseNotJSON(t *testing.T) {
	for _, up := range wire.Formats {
		for _, client := range wire.Formats {
			if _, _, err := translate.Response(up, client, "m", []byte("<html>502 Bad Gateway</html>")); err == nil {
				t.Errorf("%s -> %s: no error", up, client)
			}
		}
	}
}

// TestRequestsDecodeOnce: a prepared request gives, for every upstream and model in any order, the bytes a fresh
// translation gives: encoders do not modify the one decoded request they share.
func TestRequestsDecodeOnce(t *testing.T) {
	models := []string{"gpt-5", "o3-mini", "claude-x"}
	for name, client := range cliRequests {
		body := fixtures.ReadRequest(t, name)
		reqs := translate.NewRequests(client, body)
		for round := 0; round < 2; round++ {
			for i := range wire.Formats {
				up := wire.Formats[len(wire.Formats)-1-i]
				if round == 1 {
					up = wire.Formats[i]
				}
				for _, model := range models {
					got, err := reqs.For(up, model, true)
					want, werr := translate.Request(client, up, model, body, true)
					if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
						t.Fatalf("%s -> %s/%s (round %d): prepared and fresh differ", name, up, model, round)
					}
				}
			}
		}
	}
}

// TestProbeRequest: every format has a probe body the pair table accepts.
func TestProbeRequest(t *testing.T) {
	for _, f := range wire.Formats {
		if b, err := translate.ProbeRequest(f, "m"); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestDeepUpstreamAnswers (issue 9 finding 1, upstream side): an upstream answer nested 10⁷ levels deep, as a
// whole body, a stream event or an error body, is refused as the upstream's failure before any recursive
// parser sees it; the process lives.
func TestDeepUpstreamAnswers(t *testing.T) {
	deep := append([]byte(`{"a":`), bytes.Repeat([]byte("["), 10_000_000)...)
	for _, up := range wire.Formats {
		if _, _, err := translate.Response(up, wire.OpenAI, "m", deep); err == nil {
			t.Errorf("%s body: no error", up)
		}
		for _, client := range wire.Formats {
			var ue *wire.UpstreamError
			if _, err := translate.NewStream(up, client, "m").Event(nil, sse.Event{Data: deep}); !errors.As(err, &ue) {
				t.Errorf("%s -> %s event: %v", up, client, err)
			}
		}
	}
	if e := translate.ParseUpstreamError(500, http.Header{}, deep, time.Now()); e.Message == "" || len(e.Message) > 600 {
		t.Errorf("error body: message of %d bytes", len(e.Message))
	}
}
