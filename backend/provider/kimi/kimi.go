// Package kimi is Moonshot's Kimi coding endpoint (Anthropic-compatible).
package kimi

import "github.com/ninerouter/ninerouter/backend/provider"

// Spec is Kimi with an API key.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "kimi", Name: "Kimi", Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://api.kimi.com/coding/v1",
		Models:         []string{"kimi-k2", "kimi-k2-turbo"},
		Executor:       provider.AnthropicExecutor{},
	}
}
