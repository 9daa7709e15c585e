package proxy_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.uber.org/goleak"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/usage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness is a real NineRouter (service + HTTP handler) in front of the mock upstream, with two OpenAI-format
// accounts (keys k1, k2) on node "mock" and two Anthropic-format accounts (a1, a2) on node "mocka".
type harness struct {
	t    testing.TB
	svc  *service.Service
	srv  *httptest.Server
	mock *mockupstream.Server
	key  string
	tr   *http.Transport
	ids  map[string]int64 // account id by upstream key
}

// fastTimeouts keep fault tests short while leaving a loaded CI machine room to answer healthy requests.
var fastTimeouts = service.RoutingOptions{
	AttemptBudget: 8 * time.Second, HeaderTimeout: 1500 * time.Millisecond,
	IdleTimeout: 1500 * time.Millisecond, TotalTimeout: 15 * time.Second,
}

func newHarness(t testing.TB, ro service.RoutingOptions, mo mockupstream.Options) *harness {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), SecretStore: "auto"}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc, err := service.Open(ctx, cfg, service.Options{Secrets: secret.NewMemory(), Routing: ro,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, svc: svc, mock: mockupstream.New(mo), ids: map[string]int64{},
		tr: &http.Transport{MaxIdleConnsPerHost: 16}}
	h.srv = httptest.NewServer(api.New(svc, nil).Handler())
	t.Cleanup(func() {
		h.tr.CloseIdleConnections()
		h.srv.Close()
		h.mock.Close()
		svc.Close()
	})
	h.key, _, err = svc.CreateKey(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []struct{ prefix, format, base, k1, k2 string }{
		{"mock", "openai", h.mock.URL + "/v1", "k1", "k2"},
		{"mocka", "anthropic", h.mock.URL + "/v1", "a1", "a2"},
		{"mockr", "openai-responses", h.mock.URL + "/v1", "r1", "r2"},
	} {
		_, a, err := svc.AddNode(ctx, service.NodeInput{Prefix: n.prefix, Format: n.format, BaseURL: n.base, APIKey: n.k1})
		if err != nil {
			t.Fatal(err)
		}
		h.ids[n.k1] = a.ID
		k2 := n.k2
		b, err := svc.AddAccount(ctx, service.AccountInput{Provider: n.prefix, APIKey: &k2})
		if err != nil {
			t.Fatal(err)
		}
		h.ids[n.k2] = b.ID
	}
	return h
}

func (h *harness) openai() openai.Client {
	return openai.NewClient(option.WithBaseURL(h.srv.URL+"/v1/"), option.WithAPIKey(h.key), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: h.tr}))
}

func (h *harness) anthropic() anthropic.Client {
	return anthropic.NewClient(aoption.WithBaseURL(h.srv.URL), aoption.WithAPIKey(h.key), aoption.WithMaxRetries(0),
		aoption.WithHTTPClient(&http.Client{Transport: h.tr}))
}

// reply is what a client saw.
type reply struct {
	text   string
	status int // HTTP status of an error answer, 0 when none
	err    error
}

// askOpenAI sends one chat completion, streaming or not, through the official SDK.
func (h *harness) askOpenAI(ctx context.Context, model string, stream bool) reply {
	c := h.openai()
	params := openai.ChatCompletionNewParams{Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	var r reply
	if !stream {
		res, err := c.Chat.Completions.New(ctx, params)
		if err != nil {
			r.err = err
		} else {
			r.text = res.Choices[0].Message.Content
		}
	} else {
		s := c.Chat.Completions.NewStreaming(ctx, params)
		var b strings.Builder
		for s.Next() {
			if ch := s.Current(); len(ch.Choices) > 0 {
				b.WriteString(ch.Choices[0].Delta.Content)
			}
		}
		r.text, r.err = b.String(), s.Err()
		s.Close()
	}
	var apiErr *openai.Error
	if errors.As(r.err, &apiErr) {
		r.status = apiErr.StatusCode
	}
	return r
}

// askAnthropic sends one message, streaming or not, through the official SDK.
func (h *harness) askAnthropic(ctx context.Context, model string, stream bool) reply {
	c := h.anthropic()
	params := anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
	var r reply
	if !stream {
		res, err := c.Messages.New(ctx, params)
		if err != nil {
			r.err = err
		} else {
			for _, b := range res.Content {
				r.text += b.Text
			}
		}
	} else {
		s := c.Messages.NewStreaming(ctx, params)
		msg := anthropic.Message{}
		for s.Next() {
			if err := msg.Accumulate(s.Current()); err != nil {
				r.err = err
				break
			}
		}
		if r.err == nil {
			r.err = s.Err()
		}
		s.Close()
		for _, b := range msg.Content {
			r.text += b.Text
		}
	}
	var apiErr *anthropic.Error
	if errors.As(r.err, &apiErr) {
		r.status = apiErr.StatusCode
	}
	return r
}

// rows waits until want attempts are finalised (handlers finish their bookkeeping just after the last byte)
// and returns them oldest first.
func (h *harness) rows(want int) []usage.Record {
	h.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	var got []usage.Record
	for {
		if err := h.svc.FlushUsage(ctx); err != nil {
			h.t.Fatal(err)
		}
		var err error
		got, err = h.svc.UsageRecords(ctx, time.Now().Add(-time.Hour), 100)
		if err != nil {
			h.t.Fatal(err)
		}
		final := 0
		for _, r := range got {
			if r.Outcome != usage.InFlight {
				final++
			}
		}
		if final >= want && len(got) == final || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// newest first from the store; flip
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}
	return got
}

// cooling reports whether an account has an active cooldown and until when.
func (h *harness) cooling(key string) (bool, time.Time) {
	for _, c := range h.svc.Cooldowns() {
		if c.AccountID == h.ids[key] {
			return true, c.Until
		}
	}
	return false, time.Time{}
}

func openaiParams(model string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
}
