package proxy_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"

	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
	M "github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/usage"
)

const mockText = "Hello from the mock upstream."

// TestFaultMatrix runs docs/security.md § Fault matrix against the real server, with the official SDKs as clients. Each row
// injects a fault on the first account (upstream key k1 / a1) and states what the client must see, how many
// attempts are recorded (one usage row each) and whether the first account ends up cooling.
func TestFaultMatrix(t *testing.T) {
	httpDate := time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat) // far enough ahead for a loaded CI machine
	cases := []struct {
		name     string
		client   string // "openai" | "anthropic"
		stream   bool
		fault    M.Fault
		model    string // default mock/m (mocka/m for anthropic)
		wantText bool   // answered by the second account
		wantCode int    // an error status the client sees (0: none, or a mid-stream error)
		wantErr  bool   // the client sees an error (mid-stream or status)
		attempts int
		cools    bool
		minCool  time.Duration // the first account's cooldown lasts at least this long
	}{
		{name: "429 Retry-After seconds", fault: M.Fault{Kind: M.Status, Status: 429, RetryAfter: "120"}, wantText: true, attempts: 2, cools: true, minCool: 100 * time.Second},
		{name: "429 Retry-After HTTP-date", fault: M.Fault{Kind: M.Status, Status: 429, RetryAfter: httpDate}, wantText: true, attempts: 2, cools: true, minCool: 5 * time.Minute},
		{name: "429 without hint", stream: true, fault: M.Fault{Kind: M.Status, Status: 429}, wantText: true, attempts: 2, cools: true},
		{name: "500", fault: M.Fault{Kind: M.Status, Status: 500}, wantText: true, attempts: 2, cools: true},
		{name: "502 stream", stream: true, fault: M.Fault{Kind: M.Status, Status: 502}, wantText: true, attempts: 2, cools: true},
		{name: "503", fault: M.Fault{Kind: M.Status, Status: 503}, wantText: true, attempts: 2, cools: true},
		{name: "504", fault: M.Fault{Kind: M.Status, Status: 504}, wantText: true, attempts: 2, cools: true},
		{name: "529 anthropic", client: "anthropic", fault: M.Fault{Kind: M.Status, Status: 529}, wantText: true, attempts: 2, cools: true},
		{name: "401", fault: M.Fault{Kind: M.Status, Status: 401}, wantText: true, attempts: 2, cools: true, minCool: 20 * time.Minute},
		{name: "403 anthropic stream", client: "anthropic", stream: true, fault: M.Fault{Kind: M.Status, Status: 403}, wantText: true, attempts: 2, cools: true},
		{name: "402", fault: M.Fault{Kind: M.Status, Status: 402}, wantText: true, attempts: 2, cools: true},
		{name: "400 context length is request-scoped", fault: M.Fault{Kind: M.Status, Status: 400, ErrType: "invalid_request_error", Message: "This model's maximum context length is 8192 tokens"}, wantCode: 400, wantErr: true, attempts: 1},
		{name: "400 malformed stops", client: "anthropic", fault: M.Fault{Kind: M.Status, Status: 400, Message: "messages: field required"}, wantCode: 400, wantErr: true, attempts: 1},
		{name: "404 model not found", fault: M.Fault{Kind: M.Status, Status: 404, ErrType: "model_not_found"}, wantCode: 404, wantErr: true, attempts: 1, cools: true},
		{name: "header timeout", fault: M.Fault{Kind: M.HeaderDelay, Delay: 6 * time.Second}, wantText: true, attempts: 2, cools: true},
		{name: "TTFB timeout stream", stream: true, fault: M.Fault{Kind: M.TTFBDelay, Delay: 6 * time.Second}, wantText: true, attempts: 2, cools: true},
		{name: "closed without reply", fault: M.Fault{Kind: M.CloseNoReply}, wantText: true, attempts: 2, cools: true},
		{name: "in-band error before first byte fails over", stream: true, fault: M.Fault{Kind: M.InBandError, Status: 529, ErrType: "overloaded_error", After: 0}, wantText: true, attempts: 2, cools: true},
		{name: "in-band error anthropic before first byte", client: "anthropic", stream: true, fault: M.Fault{Kind: M.InBandError, ErrType: "overloaded_error", After: 0}, wantText: true, attempts: 2, cools: true},
		{name: "error in a 200 body fails over", fault: M.Fault{Kind: M.InBandError, Status: 429, ErrType: "rate_limit_error"}, wantText: true, attempts: 2, cools: true},
		{name: "in-band error mid-stream ends the stream", stream: true, fault: M.Fault{Kind: M.InBandError, Status: 500, After: 3}, wantErr: true, attempts: 1, cools: true},
		{name: "in-band error mid-stream anthropic", client: "anthropic", stream: true, fault: M.Fault{Kind: M.InBandError, ErrType: "overloaded_error", After: 4}, wantErr: true, attempts: 1, cools: true},
		{name: "idle mid-stream", stream: true, fault: M.Fault{Kind: M.IdleAfter, After: 3}, wantErr: true, attempts: 1, cools: true},
		{name: "TCP reset mid-stream", stream: true, fault: M.Fault{Kind: M.ResetAfter, After: 3}, wantErr: true, attempts: 1, cools: true},
		{name: "TCP reset mid-stream anthropic", client: "anthropic", stream: true, fault: M.Fault{Kind: M.ResetAfter, After: 4}, wantErr: true, attempts: 1, cools: true},
		{name: "TCP reset before first event", stream: true, fault: M.Fault{Kind: M.ResetAfter, After: 0}, wantText: true, attempts: 2, cools: true},
		{name: "malformed chunk", stream: true, fault: M.Fault{Kind: M.Malformed, After: 3}, wantErr: true, attempts: 1, cools: true},
		{name: "missing [DONE]", stream: true, fault: M.Fault{Kind: M.Truncate}, wantErr: true, attempts: 1, cools: true},
		{name: "missing message_stop", client: "anthropic", stream: true, fault: M.Fault{Kind: M.Truncate}, wantErr: true, attempts: 1, cools: true},
		{name: "slow-loris upstream", stream: true, fault: M.Fault{Kind: M.SlowLoris, Delay: 50 * time.Millisecond}, wantText: true, attempts: 2, cools: true},
		{name: "reset in a whole body", fault: M.Fault{Kind: M.ResetAfter}, wantText: true, attempts: 2, cools: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fastTimeouts, M.Options{})
			key, model := "k1", "mock/m"
			if tc.client == "anthropic" {
				key, model = "a1", "mocka/m"
			}
			if tc.model != "" {
				model = tc.model
			}
			h.mock.AddRule(M.Rule{APIKey: key, Fault: tc.fault})
			ctx := context.Background()
			var r reply
			if tc.client == "anthropic" {
				r = h.askAnthropic(ctx, model, tc.stream)
			} else {
				r = h.askOpenAI(ctx, model, tc.stream)
			}
			if tc.wantText && (r.err != nil || r.text != mockText) {
				t.Fatalf("want the second account's answer, got %q, err %v", r.text, r.err)
			}
			if tc.wantErr && r.err == nil {
				t.Fatalf("want an error, got a clean answer %q", r.text)
			}
			if tc.wantCode != 0 && r.status != tc.wantCode {
				t.Fatalf("status %d, want %d (err %v)", r.status, tc.wantCode, r.err)
			}
			rows := h.rows(tc.attempts)
			if len(rows) != tc.attempts {
				t.Fatalf("%d usage rows, want %d: %+v", len(rows), tc.attempts, rows)
			}
			if rows[0].Outcome != "error" {
				t.Errorf("first attempt recorded as %q, want error", rows[0].Outcome)
			}
			if tc.wantText && rows[len(rows)-1].Outcome != "ok" {
				t.Errorf("last attempt recorded as %q, want ok", rows[len(rows)-1].Outcome)
			}
			cooling, until := h.cooling(key)
			if cooling != tc.cools {
				t.Errorf("first account cooling = %v, want %v", cooling, tc.cools)
			}
			if tc.minCool > 0 && time.Until(until) < tc.minCool {
				t.Errorf("cooldown ends in %v, want at least %v", time.Until(until), tc.minCool)
			}
		})
	}
}

// TestAllCoolingAnswers429 checks that when every candidate is cooling the client gets 429 with the soonest
// Retry-After at once, instead of a hang.
func TestAllCoolingAnswers429(t *testing.T) {
	h := newHarness(t, fastTimeouts, M.Options{})
	h.mock.AddRule(M.Rule{Fault: M.Fault{Kind: M.Status, Status: 429, RetryAfter: "30"}})
	ctx := context.Background()
	if r := h.askOpenAI(ctx, "mock/m", false); r.status != 429 {
		t.Fatalf("first request: status %d, want 429 (both accounts limited)", r.status)
	}
	before := len(h.mock.Requests())
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"mock/m","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+h.key)
	resp, err := (&http.Client{Transport: h.tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}
	if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q, want the soonest cooldown end", ra)
	}
	if n := len(h.mock.Requests()); n != before {
		t.Fatalf("a cooling account was tried (%d upstream requests)", n-before)
	}
}

// TestComboFallsToNextModel covers next-model verdicts: context length on the first combo entry moves to the
// second entry without trying the first model's other account.
func TestComboFallsToNextModel(t *testing.T) {
	h := newHarness(t, fastTimeouts, M.Options{})
	ctx := context.Background()
	if _, err := h.svc.SetCombo(ctx, route.Combo{Name: "big", Entries: []route.ComboEntry{{Model: "mock/small"}, {Model: "mocka/large"}}}); err != nil {
		t.Fatal(err)
	}
	h.mock.AddRule(M.Rule{Model: "small", Fault: M.Fault{Kind: M.Status, Status: 400, ErrType: "context_length_exceeded", Message: "too long"}})
	r := h.askOpenAI(ctx, "big", true)
	if r.err != nil || r.text != mockText {
		t.Fatalf("want the second entry's answer (translated from Anthropic), got %q, err %v", r.text, r.err)
	}
	rows := h.rows(2)
	if len(rows) != 2 || rows[0].Model != "small" || rows[1].Model != "large" {
		t.Fatalf("attempts %+v, want small (once) then large", rows)
	}
	if c, _ := h.cooling("k1"); c {
		t.Errorf("context length must not cool the account")
	}
}

// TestClientDisconnectCancelsUpstream: a client that leaves mid-stream cancels the upstream request; the attempt
// is still recorded, as the client's doing (canceled, 499: issue 9 finding 8), and cools nothing.
func TestClientDisconnectCancelsUpstream(t *testing.T) {
	h := newHarness(t, service.RoutingOptions{IdleTimeout: 10 * time.Second, HeaderTimeout: 5 * time.Second}, M.Options{Chunks: 50, Pace: 20 * time.Millisecond, Text: strings.Repeat("word ", 50)})
	ctx, cancel := context.WithCancel(context.Background())
	c := h.openai()
	s := c.Chat.Completions.NewStreaming(ctx, openaiParams("mock/m"))
	for i := 0; i < 3 && s.Next(); i++ {
	}
	cancel()
	s.Close()
	rows := h.rows(1)
	if len(rows) != 1 || rows[0].Outcome != usage.Canceled || rows[0].Status != 499 {
		t.Fatalf("rows %+v, want one attempt recorded as canceled by the client (499), not an upstream error", rows)
	}
	if cooling, _ := h.cooling("k1"); cooling {
		t.Errorf("a client leaving must not cool the account")
	}
}

// TestTimeBudgetHolds: with every upstream slower than the header timeout, the attempts stop when the request's
// budget is spent (no accumulation of per-attempt timeouts) and the client gets 504.
func TestTimeBudgetHolds(t *testing.T) {
	ro := service.RoutingOptions{AttemptBudget: 1500 * time.Millisecond, HeaderTimeout: time.Second, IdleTimeout: time.Second, TotalTimeout: 10 * time.Second}
	h := newHarness(t, ro, M.Options{})
	h.mock.AddRule(M.Rule{Fault: M.Fault{Kind: M.HeaderDelay, Delay: 5 * time.Second}})
	r := h.askOpenAI(context.Background(), "mock/m", false)
	if r.status != http.StatusGatewayTimeout {
		t.Fatalf("status %d (err %v), want 504", r.status, r.err)
	}
	// Normally two attempts (the second cut short by the budget); a very slow machine may spend the budget in one.
	rows := h.rows(1)
	if len(rows) < 1 || len(rows) > 2 || len(h.mock.Requests()) > 2 {
		t.Fatalf("%d attempts, %d upstream requests: the budget did not bound them", len(rows), len(h.mock.Requests()))
	}
}

// TestCrossFormat: clients reach upstreams of another wire format through the translation package, streaming and
// not, and the usage the upstream reported is recorded.
func TestCrossFormat(t *testing.T) {
	h := newHarness(t, fastTimeouts, M.Options{})
	ctx := context.Background()
	for _, stream := range []bool{false, true} {
		if r := h.askOpenAI(ctx, "mocka/claude-x", stream); r.err != nil || r.text != mockText {
			t.Errorf("OpenAI client → Anthropic upstream (stream %v): %q %v", stream, r.text, r.err)
		}
		if r := h.askAnthropic(ctx, "mock/gpt-x", stream); r.err != nil || r.text != mockText {
			t.Errorf("Anthropic client → OpenAI upstream (stream %v): %q %v", stream, r.text, r.err)
		}
		if r := h.askAnthropic(ctx, "mockr/gpt-x", stream); r.err != nil || r.text != mockText {
			t.Errorf("Anthropic client → Responses upstream (stream %v): %q %v", stream, r.text, r.err)
		}
	}
	for _, r := range h.rows(6) {
		if r.Outcome != "ok" || !r.Reported || r.Input != 11 {
			t.Errorf("row %s/%s: outcome %s reported %v input %d", r.Provider, r.Model, r.Outcome, r.Reported, r.Input)
		}
	}
}

// TestBudgetSkipsAccount: an account over its daily USD cap is skipped like a cooling one, and the UI says so.
func TestBudgetSkipsAccount(t *testing.T) {
	h := newHarness(t, fastTimeouts, M.Options{})
	ctx := context.Background()
	if err := h.svc.SetPrice(ctx, usage.Price{Provider: "mock", Model: "m", Input: 1_000_000, Output: 0}); err != nil {
		t.Fatal(err)
	}
	cap := 1.0
	if _, err := h.svc.UpdateAccount(ctx, h.ids["k1"], service.AccountInput{DailyUSD: &cap}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if r := h.askOpenAI(ctx, "mock/m", false); r.err != nil {
			t.Fatal(r.err)
		}
		h.rows(i + 1)
	}
	got := h.mock.Requests()
	if got[0].APIKey != "k1" || got[1].APIKey != "k2" {
		t.Fatalf("keys used %s, %s: want k1 then k2 (k1 over budget)", got[0].APIKey, got[1].APIKey)
	}
	a, err := h.svc.Account(ctx, h.ids["k1"])
	if err != nil {
		t.Fatal(err)
	}
	if !a.OverBudget || a.SpentToday != 11 {
		t.Errorf("account view: overBudget %v spent %v, want true and 11", a.OverBudget, a.SpentToday)
	}
}

// TestResponsesClient: a Responses client (Codex's wire) is served by a Responses node untranslated and by a Chat
// node through translation, streaming and not, with the official SDK.
func TestResponsesClient(t *testing.T) {
	h := newHarness(t, fastTimeouts, M.Options{})
	ctx := context.Background()
	c := h.openai()
	for _, model := range []string{"mockr/gpt-x", "mock/gpt-x", "mocka/claude-x"} {
		params := responses.ResponseNewParams{Model: model, Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")}}
		res, err := c.Responses.New(ctx, params)
		if err != nil || res.OutputText() != mockText {
			t.Errorf("%s: %q %v", model, res.OutputText(), err)
		}
		s := c.Responses.NewStreaming(ctx, params)
		var b strings.Builder
		for s.Next() {
			if ev := s.Current(); ev.Type == "response.output_text.delta" {
				b.WriteString(ev.Delta)
			}
		}
		if s.Err() != nil || b.String() != mockText {
			t.Errorf("%s stream: %q %v", model, b.String(), s.Err())
		}
		s.Close()
	}
	for _, r := range h.rows(6) {
		if r.Outcome != "ok" || !r.Reported {
			t.Errorf("row %s/%s: %s reported %v", r.Provider, r.Model, r.Outcome, r.Reported)
		}
	}
}
