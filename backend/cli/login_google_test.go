package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"
	"google.golang.org/genai"

	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// TestGeminiCLIEndToEnd: `ninerouter login gemini-cli --no-browser` (Google PKCE through the printed URL), the
// Code Assist project discovered at sign-in; requests from Google's, OpenAI's and Anthropic's own SDKs reach
// the mock Code Assist API in the {model, project, request} envelope with the account's token and NineRouter's
// User-Agent, and the {"response": …} wrapper never reaches a client.
func TestGeminiCLIEndToEnd(t *testing.T) {
	r := newSubsRig(t)
	out := r.loginWithBrowser(t, "gc")
	if !strings.Contains(out, "Signed in to Gemini CLI (Code Assist) as user@example.com") {
		t.Fatalf("login output:\n%s", out)
	}
	ctx := context.Background()
	base := "http://" + r.addr
	gc, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: "unused", Backend: genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: base + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	const want = "hello from mock gemini-cli"
	whole, err := gc.Models.GenerateContent(ctx, "gc/gemini-2.5-pro", genai.Text("hi"), nil)
	if err != nil || whole.Text() != want {
		t.Fatalf("genai generateContent: %v", err)
	}
	h, body := r.mock.LastRequest(mockvendor.Gemini)
	if !signedUpstream(h, "gemini-cli-at-") || !strings.Contains(string(body), `"project":"`+mockvendor.Project(mockvendor.Gemini)+`"`) {
		t.Fatalf("upstream request: %v %s", h, body)
	}
	var text strings.Builder
	for chunk, err := range gc.Models.GenerateContentStream(ctx, "gc/gemini-2.5-pro", genai.Text("hi"), nil) {
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(chunk.Text())
	}
	if text.String() != want {
		t.Fatalf("genai stream text %q", text.String())
	}

	oc := r.openaiSDK()
	res, err := oc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gc/gemini-3-pro-preview",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	if err != nil || res.Choices[0].Message.Content != want {
		t.Fatalf("openai SDK through Code Assist: %v", err)
	}
	ac := r.anthropicSDK()
	if text, err := anthropicStreamText(ac.Messages.NewStreaming(ctx, anthropic.MessageNewParams{Model: "gc/gemini-3-flash-preview", MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}})); err != nil || text != want {
		t.Fatalf("anthropic SDK stream through Code Assist: %q %v", text, err)
	}

	// An expired token: the vendor answers 401, the account refreshes once and the request is served.
	r.mock.ExpireAccess(mockvendor.Gemini)
	if res, err := gc.Models.GenerateContent(ctx, "gc/gemini-2.5-pro", genai.Text("hi"), nil); err != nil || res.Text() != want {
		t.Fatalf("after expiry: %v", err)
	}
	if n := r.mock.TokenCalls(mockvendor.Gemini, "refresh_token"); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	// Revoked: needs sign-in, shown by account list.
	r.mock.Revoke(mockvendor.Gemini)
	if _, err := gc.Models.GenerateContent(ctx, "gc/gemini-2.5-pro", genai.Text("hi"), nil); err == nil {
		t.Fatal("a revoked account answered")
	}
	r.assertNeedsSignIn(t, "gemini-cli")
	r.assertNoCanary(t)
}

// TestAntigravityEndToEnd: `ninerouter login antigravity --no-browser`, the project discovered, an OpenAI SDK
// request with a tool whose name Antigravity refuses reaches the mock in Antigravity's envelope with the name
// rewritten, and the tool call comes back to the client under its own name.
func TestAntigravityEndToEnd(t *testing.T) {
	r := newSubsRig(t)
	out := r.loginWithBrowser(t, "ag")
	if !strings.Contains(out, "Signed in to Antigravity as user@example.com") {
		t.Fatalf("login output:\n%s", out)
	}
	ctx := context.Background()
	oc := r.openaiSDK()
	res, err := oc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "ag/gemini-3-flash",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris? use the tool")},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: "mcp__weather/now", Parameters: shared.FunctionParameters{"type": "object",
				"properties": map[string]any{"city": map[string]any{"type": "string"}}}})}})
	if err != nil || len(res.Choices) == 0 || len(res.Choices[0].Message.ToolCalls) != 1 ||
		res.Choices[0].Message.ToolCalls[0].Function.Name != "mcp__weather/now" {
		t.Fatalf("tool call through Antigravity: %+v %v", res, err)
	}
	h, body := r.mock.LastRequest(mockvendor.Antigravity)
	if !strings.HasPrefix(h.Get("User-Agent"), "NineRouter/") || !strings.Contains(string(body), `"requestType":"agent"`) ||
		!strings.Contains(string(body), `"name":"mcp__weather_now"`) || strings.Contains(string(body), `"userAgent"`) ||
		!strings.Contains(string(body), `"project":"`+mockvendor.Project(mockvendor.Antigravity)+`"`) {
		t.Fatalf("upstream request: %v %s", h, body)
	}
	text, err := openaiStreamText(oc.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "ag/gemini-3.1-pro-high",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}))
	if err != nil || text != "hello from mock antigravity" {
		t.Fatalf("stream: %q %v", text, err)
	}
	r.assertNoCanary(t)
}
