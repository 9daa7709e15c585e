// Package gemini is the Google AI Studio (Gemini API key) provider.
package gemini

import "github.com/ninerouter/ninerouter/backend/provider"

// Spec is Gemini with an AI Studio key (x-goog-api-key).
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "gemini", Name: "Gemini (AI Studio)", Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://generativelanguage.googleapis.com/v1beta",
		Models:         []string{"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"},
		Notice:         "Free tier: about 15 requests per minute on gemini-2.5-flash.",
		Executor:       provider.GeminiExecutor{},
	}
}
