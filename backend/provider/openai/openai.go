// Package openai is the OpenAI API-key provider (Chat Completions and Responses).
package openai

import (
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Spec is OpenAI with an API key. Both wires are spoken, so Chat and Responses clients pass through untranslated.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "openai", Name: "OpenAI", Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://api.openai.com/v1",
		Models:         []string{"gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini"},
		Executor:       provider.OpenAIExecutor{Wire: []wire.Format{wire.OpenAI, wire.Responses}},
	}
}
