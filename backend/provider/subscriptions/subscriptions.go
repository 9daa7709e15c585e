// Package subscriptions lists the subscription providers: their routing specs (joined to the built-in
// registry) and their sign-in definitions (backend/oauth).
package subscriptions

import (
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/antigravity"
	"github.com/ninerouter/ninerouter/backend/provider/claude"
	"github.com/ninerouter/ninerouter/backend/provider/codex"
	"github.com/ninerouter/ninerouter/backend/provider/copilot"
	"github.com/ninerouter/ninerouter/backend/provider/geminicli"
	"github.com/ninerouter/ninerouter/backend/provider/kimicoding"
	"github.com/ninerouter/ninerouter/backend/provider/kiro"
)

// Specs are the routing specs, in the Connect dialog's order.
func Specs() []*provider.Spec {
	return []*provider.Spec{claude.Spec(), codex.Spec(), copilot.Spec(), kimicoding.Spec(), geminicli.Spec(), antigravity.Spec(), kiro.Spec()}
}

// SignIns are the sign-in definitions.
func SignIns() []*oauth.Provider {
	return []*oauth.Provider{claude.OAuth(), codex.OAuth(), copilot.OAuth(), kimicoding.OAuth(), geminicli.OAuth(), antigravity.OAuth(), kiro.OAuth()}
}
