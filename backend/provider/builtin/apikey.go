package builtin

import (
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// apiKeySpecs is the table of API-key providers. They differ only in data (base URL, models, which of the
// shared executors speaks their wire), so they are entries here rather than packages; a provider with behaviour
// of its own (sign-in, token refresh, a wire of its own) gets a package under backend/provider.
func apiKeySpecs() []*provider.Spec {
	return []*provider.Spec{
		// Both wires are spoken, so Chat and Responses clients pass through untranslated.
		{ID: "openai", Name: "OpenAI", Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://api.openai.com/v1",
			Models:         []string{"gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini"},
			Executor:       provider.OpenAIExecutor{Wire: []wire.Format{wire.OpenAI, wire.Responses}}},
		// Messages with x-api-key.
		{ID: "anthropic", Name: "Anthropic", Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://api.anthropic.com/v1",
			Models:         []string{"claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4", "claude-haiku-4-5"},
			Executor:       provider.AnthropicExecutor{}},
		// Google AI Studio key (x-goog-api-key).
		{ID: "gemini", Name: "Gemini (AI Studio)", Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://generativelanguage.googleapis.com/v1beta",
			Models:         []string{"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"},
			Notice:         "Free tier: about 15 requests per minute on gemini-2.5-flash.",
			Executor:       provider.GeminiExecutor{}},
		// OpenAI Chat wire, any vendor/model id. Its attribution headers name NineRouter, as OpenRouter asks of apps.
		{ID: "openrouter", Name: "OpenRouter", Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://openrouter.ai/api/v1",
			Models:         []string{"openrouter/auto"},
			Notice:         "Free models are limited to about 200 requests a day.",
			Executor: provider.OpenAIExecutor{Wire: []wire.Format{wire.OpenAI}, Headers: map[string]string{
				"HTTP-Referer": "https://github.com/ninerouter/ninerouter", "X-Title": "NineRouter"}}},
		// Z.ai's GLM coding plan, served on an Anthropic-compatible endpoint.
		{ID: "glm", Name: "GLM (Z.ai coding plan)", Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://api.z.ai/api/anthropic/v1",
			Models:         []string{"glm-4.6", "glm-4.5", "glm-4.5-air"},
			Executor:       provider.AnthropicExecutor{Query: "beta=true"}},
		// MiniMax (international) on an Anthropic-compatible endpoint. The China endpoint is the same entry with
		// base URL https://api.minimaxi.com/anthropic/v1 set on the account.
		{ID: "minimax", Name: "MiniMax", Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://api.minimax.io/anthropic/v1",
			Models:         []string{"MiniMax-M2"},
			Executor:       provider.AnthropicExecutor{}},
		// Moonshot's Kimi coding endpoint (Anthropic-compatible).
		{ID: "kimi", Name: "Kimi", Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://api.kimi.com/coding/v1",
			Models:         []string{"kimi-k2", "kimi-k2-turbo"},
			Executor:       provider.AnthropicExecutor{}},
		// DeepSeek (OpenAI Chat wire); "ds/" is its short prefix.
		{ID: "deepseek", Name: "DeepSeek", Aliases: []string{"ds"}, Auth: provider.AuthAPIKey,
			DefaultBaseURL: "https://api.deepseek.com",
			Models:         []string{"deepseek-chat", "deepseek-reasoner"},
			Executor:       provider.OpenAIExecutor{Wire: []wire.Format{wire.OpenAI}}},
	}
}
