// Package compatible builds provider specs for user-defined nodes: OpenAI-compatible (chat or responses wire)
// and Anthropic-compatible endpoints, each with its own model prefix and base URL.
package compatible

import (
	"fmt"
	"regexp"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Node is what the user defines.
type Node struct {
	Prefix  string
	Name    string
	Format  wire.Format
	BaseURL string
}

var prefixRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)

// Validate checks a node's prefix and format.
func Validate(n Node) error {
	if !prefixRe.MatchString(n.Prefix) {
		return fmt.Errorf("prefix %q: use 1-40 lowercase letters, digits, '.', '_' or '-'", n.Prefix)
	}
	if n.Prefix == "ninerouter" {
		return fmt.Errorf("prefix %q is reserved", n.Prefix)
	}
	switch n.Format {
	case wire.OpenAI, wire.Responses, wire.Anthropic:
	default:
		return fmt.Errorf("format %q: want openai, openai-responses or anthropic", n.Format)
	}
	if n.BaseURL == "" {
		return fmt.Errorf("a node needs a base URL")
	}
	return nil
}

// Spec is the provider for a node; its id is its prefix.
func Spec(n Node) *provider.Spec {
	name := n.Name
	if name == "" {
		name = n.Prefix
	}
	s := &provider.Spec{ID: n.Prefix, Name: name, Auth: provider.AuthAPIKey, DefaultBaseURL: n.BaseURL, Node: true}
	if n.Format == wire.Anthropic {
		s.Executor = provider.AnthropicExecutor{}
	} else {
		s.Executor = provider.OpenAIExecutor{Wire: []wire.Format{n.Format}}
	}
	return s
}
