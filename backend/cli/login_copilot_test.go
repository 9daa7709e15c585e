package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// TestCopilotResponsesFallback: a model Copilot refuses on /chat/completions ("not accessible via the
// /chat/completions endpoint") is sent again on /responses within the same request, and later requests for it
// go to /responses at once.
func TestCopilotResponsesFallback(t *testing.T) {
	r := newSubsRig(t)
	r.deviceLogin(t, "copilot")
	oc := r.openaiSDK()
	ask := func() string {
		t.Helper()
		res, err := oc.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gh/" + mockvendor.ResponsesOnlyModel,
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		if err != nil {
			t.Fatalf("chat request for a responses-only model: %v", err)
		}
		return res.Choices[0].Message.Content
	}
	if got := ask(); got != "hello from mock codex" { // the mock's Responses answer
		t.Fatalf("first request: %q", got)
	}
	_, body := r.mock.LastRequest(mockvendor.Copilot)
	if !strings.Contains(string(body), `"input"`) {
		t.Fatalf("the last upstream request is not a Responses request: %s", body)
	}
	if got := ask(); got != "hello from mock codex" {
		t.Fatalf("second request: %q", got)
	}
	// Other models stay on /chat/completions.
	res, err := oc.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gh/gpt-4.1",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	if err != nil || res.Choices[0].Message.Content != "hello from mock copilot" {
		t.Fatalf("gpt-4.1: %v", err)
	}
	r.assertNoCanary(t)
}
