// Package minimax is MiniMax, served on an Anthropic-compatible endpoint.
package minimax

import "github.com/ninerouter/ninerouter/backend/provider"

// Spec is MiniMax (international). The China endpoint is the same spec with base URL
// https://api.minimaxi.com/anthropic/v1 set on the account.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "minimax", Name: "MiniMax", Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://api.minimax.io/anthropic/v1",
		Models:         []string{"MiniMax-M2"},
		Executor:       provider.AnthropicExecutor{},
	}
}
