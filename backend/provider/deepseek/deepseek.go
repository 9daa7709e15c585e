// Package deepseek is the DeepSeek API (OpenAI Chat wire).
package deepseek

import (
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Spec is DeepSeek; "ds/" is its short prefix.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "deepseek", Name: "DeepSeek", Aliases: []string{"ds"}, Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://api.deepseek.com",
		Models:         []string{"deepseek-chat", "deepseek-reasoner"},
		Executor:       provider.OpenAIExecutor{Wire: []wire.Format{wire.OpenAI}},
	}
}
