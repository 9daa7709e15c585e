// Package builtin assembles the registry of the providers NineRouter ships: the API-key providers from one table
// (apikey.go); OAuth subscription providers, which have behaviour of their own, join from their own packages.
package builtin

import (
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/subscriptions"
)

// Specs returns fresh specs of every built-in provider.
func Specs() []*provider.Spec {
	return append(apiKeySpecs(), subscriptions.Specs()...)
}

// Registry is the built-in registry.
func Registry() *provider.Registry {
	r, err := provider.NewRegistry(Specs()...)
	if err != nil {
		panic("builtin providers collide: " + err.Error()) // a programming error caught by tests
	}
	return r
}
