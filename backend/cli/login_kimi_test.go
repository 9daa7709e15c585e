package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"

	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// TestKimiCodingEndToEnd: `ninerouter login kimi-coding` (device flow), then the Anthropic and OpenAI SDKs
// through the router reach the mock Kimi coding API (Anthropic Messages, ?beta=true) with the account's Bearer
// token and NineRouter's User-Agent, and no X-Msh-* device headers; an expired token is refreshed once.
func TestKimiCodingEndToEnd(t *testing.T) {
	r := newSubsRig(t)
	out := r.deviceLogin(t, "kmc")
	if !strings.Contains(out, "ABCD-") || !strings.Contains(out, "Signed in to Kimi coding") {
		t.Fatalf("login output:\n%s", out)
	}
	ctx := context.Background()
	const want = "hello from mock kimi-coding"
	ac := r.anthropicSDK()
	params := anthropic.MessageNewParams{Model: "kmc/kimi-k2.5", MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
	msg, err := ac.Messages.New(ctx, params)
	if err != nil || msg.Content[0].Text != want {
		t.Fatalf("anthropic SDK: %v", err)
	}
	h, body := r.mock.LastRequest(mockvendor.Kimi)
	if !signedUpstream(h, "kimi-coding-at-") || !strings.Contains(string(body), `"model":"kimi-k2.5"`) {
		t.Fatalf("upstream request: %v %s", h, body)
	}
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-msh-") {
			t.Fatalf("a Kimi CLI device header was sent: %s", k)
		}
	}
	oc := r.openaiSDK()
	text, err := openaiStreamText(oc.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "kmc/kimi-latest",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}))
	if err != nil || text != want {
		t.Fatalf("openai SDK stream: %q %v", text, err)
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
