package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// TestKiroEndToEnd: `ninerouter login kiro --no-browser` (AWS Builder ID device flow), then the Anthropic and
// OpenAI SDKs through the router: the request reaches the mock CodeWhisperer API as a conversationState with
// the account's token, the binary EventStream answer comes back as the client's own format (streamed, folded,
// and as an OpenAI tool call); an expired token is refreshed once; a damaged frame is an error, not content;
// invalid_grant makes the account need sign-in; no token anywhere.
func TestKiroEndToEnd(t *testing.T) {
	r := newSubsRig(t)
	out := r.deviceLogin(t, "kr")
	if !strings.Contains(out, "KIRO-") || !strings.Contains(out, "Signed in to Kiro as user@example.com") {
		t.Fatalf("login output:\n%s", out)
	}
	ctx := context.Background()
	const want = "hello from mock kiro"
	ac := r.anthropicSDK()
	params := anthropic.MessageNewParams{Model: "kr/claude-sonnet-4.5", MaxTokens: 256,
		System:   []anthropic.TextBlockParam{{Text: "Be brief."}},
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
	msg, err := ac.Messages.New(ctx, params)
	if err != nil || len(msg.Content) == 0 || msg.Content[0].Text != want {
		t.Fatalf("anthropic SDK (folded): %+v %v", msg, err)
	}
	h, body := r.mock.LastRequest(mockvendor.Kiro)
	if !signedUpstream(h, "kiro-at-") || !strings.Contains(string(body), `"content":"Be brief.\n\nhi"`) {
		t.Fatalf("upstream request: %v %s", h, body)
	}
	if text, err := anthropicStreamText(ac.Messages.NewStreaming(ctx, params)); err != nil || text != want {
		t.Fatalf("anthropic SDK stream: %q %v", text, err)
	}

	oc := r.openaiSDK()
	res, err := oc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "kr/claude-sonnet-4.5",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris? use the tool")},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: "weather", Parameters: shared.FunctionParameters{"type": "object",
				"properties": map[string]any{"city": map[string]any{"type": "string"}}}})}})
	if err != nil || len(res.Choices) == 0 || len(res.Choices[0].Message.ToolCalls) != 1 ||
		res.Choices[0].Message.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` || res.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("openai SDK tool call through Kiro: %+v %v", res, err)
	}

	// An expired token: Kiro answers 403, the account refreshes once, the request is served.
	r.mock.ExpireAccess(mockvendor.Kiro)
	if msg, err := ac.Messages.New(ctx, params); err != nil || msg.Content[0].Text != want {
		t.Fatalf("after expiry: %v", err)
	}
	if n := r.mock.TokenCalls(mockvendor.Kiro, "refresh_token"); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	// A frame whose CRC does not match never becomes content (another model: the broken one cools a while).
	r.mock.KiroFault = "crc"
	broken := params
	broken.Model = "kr/claude-haiku-4.5"
	if msg, err := ac.Messages.New(ctx, broken); err == nil {
		t.Fatalf("a damaged event stream answered %+v", msg)
	}
	r.mock.KiroFault = ""

	r.mock.Revoke(mockvendor.Kiro)
	if _, err := ac.Messages.New(ctx, params); err == nil {
		t.Fatal("a revoked account answered")
	}
	r.assertNeedsSignIn(t, "kiro")
	r.assertNoCanary(t)
}
