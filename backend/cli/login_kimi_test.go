package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// TestKimiCodingEndToEnd: `ninerouter login kimi-coding` (device flow), then the Anthropic and OpenAI SDKs
// through the router reach the mock Kimi coding API (Anthropic Messages, ?beta=true) with the account's Bearer
// token and NineRouter's User-Agent, and no X-Msh-* device headers; an expired token is refreshed once.
func TestKimiCodingEndToEnd(t *testing.T) {
	r := newSubsRig(t)
	r.mock.AutoApprove = true
	out := r.cli(t, 0, "login", "kmc", "--no-browser")
	if !strings.Contains(out, "ABCD-") || !strings.Contains(out, "Signed in to Kimi coding") {
		t.Fatalf("login output:\n%s", out)
	}
	ctx := context.Background()
	base := "http://" + r.addr
	const want = "hello from mock kimi-coding"
	ac := anthropic.NewClient(aoption.WithBaseURL(base), aoption.WithAPIKey("unused"), aoption.WithMaxRetries(0))
	params := anthropic.MessageNewParams{Model: "kmc/kimi-k2.5", MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
	msg, err := ac.Messages.New(ctx, params)
	if err != nil || msg.Content[0].Text != want {
		t.Fatalf("anthropic SDK: %v", err)
	}
	h, body := r.mock.LastRequest(mockvendor.Kimi)
	if !strings.HasPrefix(h.Get("Authorization"), "Bearer kimi-coding-at-") || !strings.HasPrefix(h.Get("User-Agent"), "NineRouter/") ||
		!strings.Contains(string(body), `"model":"kimi-k2.5"`) {
		t.Fatalf("upstream request: %v %s", h, body)
	}
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-msh-") {
			t.Fatalf("a Kimi CLI device header was sent: %s", k)
		}
	}
	oc := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey("unused"), option.WithMaxRetries(0))
	s := oc.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "kmc/kimi-latest",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var text strings.Builder
	for s.Next() {
		if ch := s.Current(); len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if s.Err() != nil || text.String() != want {
		t.Fatalf("openai SDK stream: %q %v", text.String(), s.Err())
	}
	r.mock.ExpireAccess(mockvendor.Kimi)
	if msg, err := ac.Messages.New(ctx, params); err != nil || msg.Content[0].Text != want {
		t.Fatalf("after expiry: %v", err)
	}
	if n := r.mock.TokenCalls(mockvendor.Kimi, "refresh_token"); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	r.assertNoCanary(t)
}
