package builtin

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/compatible"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// TestExecutors checks each provider's upstream URL and auth header, built from the spec's default base URL or an
// account's override, never from the client.
func TestExecutors(t *testing.T) {
	reg := Registry()
	cases := []struct {
		id, base string
		format   wire.Format
		model    string
		stream   bool
		wantURL  string
		authKey  string
	}{
		{"openai", "", wire.OpenAI, "gpt-4o", false, "https://api.openai.com/v1/chat/completions", "Authorization"},
		{"openai", "", wire.Responses, "gpt-5", true, "https://api.openai.com/v1/responses", "Authorization"},
		{"anthropic", "", wire.Anthropic, "claude-sonnet-4", false, "https://api.anthropic.com/v1/messages", "X-Api-Key"},
		{"gemini", "", wire.Gemini, "gemini-2.5-pro", false, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent", "X-Goog-Api-Key"},
		{"gemini", "", wire.Gemini, "gemini-2.5-flash", true, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "X-Goog-Api-Key"},
		{"openrouter", "", wire.OpenAI, "anthropic/claude-3.5", false, "https://openrouter.ai/api/v1/chat/completions", "Authorization"},
		{"glm", "", wire.Anthropic, "glm-4.6", true, "https://api.z.ai/api/anthropic/v1/messages?beta=true", "X-Api-Key"},
		{"minimax", "", wire.Anthropic, "MiniMax-M2", false, "https://api.minimax.io/anthropic/v1/messages", "X-Api-Key"},
		{"kimi", "", wire.Anthropic, "kimi-k2", false, "https://api.kimi.com/coding/v1/messages", "X-Api-Key"},
		{"deepseek", "", wire.OpenAI, "deepseek-chat", false, "https://api.deepseek.com/chat/completions", "Authorization"},
		{"deepseek", "https://gw.corp.example/deepseek/", wire.OpenAI, "deepseek-chat", false, "https://gw.corp.example/deepseek/chat/completions", "Authorization"},
	}
	for _, tc := range cases {
		spec, ok := reg.ByID(tc.id)
		if !ok {
			t.Fatalf("no provider %s", tc.id)
		}
		base := tc.base
		if base == "" {
			base = spec.DefaultBaseURL
		}
		req, err := spec.Executor.NewRequest(context.Background(), provider.Call{BaseURL: base, Credential: provider.Credential{APIKey: "KEY"},
			Format: tc.format, Model: tc.model, Body: []byte(`{}`), Stream: tc.stream,
			ClientHeader: http.Header{"Anthropic-Beta": {"b1"}, "X-Evil-Url": {"http://attacker"}}})
		if err != nil {
			t.Fatalf("%s: %v", tc.id, err)
		}
		if req.URL.String() != tc.wantURL {
			t.Errorf("%s: URL %s, want %s", tc.id, req.URL, tc.wantURL)
		}
		if v := req.Header.Get(tc.authKey); v != "KEY" && v != "Bearer KEY" {
			t.Errorf("%s: %s = %q", tc.id, tc.authKey, v)
		}
		if tc.format == wire.Anthropic && (req.Header.Get("anthropic-version") == "" || req.Header.Get("anthropic-beta") != "b1") {
			t.Errorf("%s: anthropic headers %v", tc.id, req.Header)
		}
		if req.Header.Get("X-Evil-Url") != "" {
			t.Errorf("%s: a client header leaked upstream", tc.id)
		}
		b, _ := io.ReadAll(req.Body)
		if string(b) != "{}" || req.ContentLength != 2 {
			t.Errorf("%s: body %q", tc.id, b)
		}
	}
	if _, err := (provider.GeminiExecutor{}).NewRequest(context.Background(), provider.Call{BaseURL: "https://x", Model: "../../evil"}); err == nil {
		t.Error("a Gemini model with a path was accepted")
	}
	if _, err := (provider.OpenAIExecutor{Wire: []wire.Format{wire.OpenAI}}).NewRequest(context.Background(), provider.Call{BaseURL: "file:///etc"}); err == nil {
		t.Error("a non-http base URL was accepted")
	}
}

func TestRegistryRefusesShadowing(t *testing.T) {
	_, err := Registry().With(compatible.Spec(compatible.Node{Prefix: "ds", Format: wire.OpenAI, BaseURL: "http://x"}))
	if err == nil {
		t.Fatal("a node took the ds prefix of deepseek")
	}
	if err := compatible.Validate(compatible.Node{Prefix: "Bad/Prefix", Format: wire.OpenAI, BaseURL: "http://x"}); err == nil {
		t.Error("bad prefix accepted")
	}
	if err := compatible.Validate(compatible.Node{Prefix: "ok", Format: wire.Gemini, BaseURL: "http://x"}); err == nil {
		t.Error("gemini node format accepted")
	}
}
