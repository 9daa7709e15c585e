// Package openrouter is the OpenRouter provider (OpenAI Chat wire, any vendor/model id).
package openrouter

import (
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Spec is OpenRouter. Its attribution headers name NineRouter, as OpenRouter asks of apps.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "openrouter", Name: "OpenRouter", Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://openrouter.ai/api/v1",
		Models:         []string{"openrouter/auto"},
		Notice:         "Free models are limited to about 200 requests a day.",
		Executor: provider.OpenAIExecutor{Wire: []wire.Format{wire.OpenAI}, Headers: map[string]string{
			"HTTP-Referer": "https://github.com/ninerouter/ninerouter", "X-Title": "NineRouter"}},
	}
}
