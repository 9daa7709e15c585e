// Package builtin assembles the registry of the API-key providers NineRouter ships. OAuth subscription
// providers join this list in their own packages.
package builtin

import (
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/anthropic"
	"github.com/ninerouter/ninerouter/backend/provider/deepseek"
	"github.com/ninerouter/ninerouter/backend/provider/gemini"
	"github.com/ninerouter/ninerouter/backend/provider/glm"
	"github.com/ninerouter/ninerouter/backend/provider/kimi"
	"github.com/ninerouter/ninerouter/backend/provider/minimax"
	"github.com/ninerouter/ninerouter/backend/provider/openai"
	"github.com/ninerouter/ninerouter/backend/provider/openrouter"
)

// Specs returns fresh specs of every built-in provider.
func Specs() []*provider.Spec {
	return []*provider.Spec{
		openai.Spec(), anthropic.Spec(), gemini.Spec(), openrouter.Spec(),
		glm.Spec(), minimax.Spec(), kimi.Spec(), deepseek.Spec(),
	}
}

// Registry is the built-in registry.
func Registry() *provider.Registry {
	r, err := provider.NewRegistry(Specs()...)
	if err != nil {
		panic("builtin providers collide: " + err.Error()) // a programming error caught by tests
	}
	return r
}
