// Package anthropic is the Anthropic API-key provider (Messages).
package anthropic

import "github.com/ninerouter/ninerouter/backend/provider"

// Spec is Anthropic with an API key (x-api-key).
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "anthropic", Name: "Anthropic", Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://api.anthropic.com/v1",
		Models:         []string{"claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4", "claude-haiku-4-5"},
		Executor:       provider.AnthropicExecutor{},
	}
}
