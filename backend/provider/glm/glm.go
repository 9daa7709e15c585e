// Package glm is Z.ai's GLM coding plan, served on an Anthropic-compatible endpoint.
package glm

import "github.com/ninerouter/ninerouter/backend/provider"

// Spec is GLM (Z.ai coding plan).
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: "glm", Name: "GLM (Z.ai coding plan)", Auth: provider.AuthAPIKey,
		DefaultBaseURL: "https://api.z.ai/api/anthropic/v1",
		Models:         []string{"glm-4.6", "glm-4.5", "glm-4.5-air"},
		Executor:       provider.AnthropicExecutor{Query: "beta=true"},
	}
}
