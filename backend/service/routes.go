package service

import (
	"context"
	"net/http"

	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// The router core's faces for the HTTP layer and the tests: what backend/api needs of the router, the proxy, the
// key store and the usage writer, as methods, so no caller holds those parts themselves.

// ServeModel serves one model request (the /v1 endpoints) through the attempt loop.
func (s *Service) ServeModel(ctx context.Context, w http.ResponseWriter, in proxy.Inbound) {
	s.routing.proxy.Serve(ctx, w, in)
}

// CountTokens counts a request's input tokens: the upstream's own count for the account that would serve the
// model when it has one (native), the offline tokenizer otherwise.
func (s *Service) CountTokens(ctx context.Context, model string, body []byte, header http.Header) (n int, native bool) {
	return s.routing.proxy.CountTokens(ctx, model, body, header)
}

// VerifyKey checks a client API key against the stored hashes (kept in memory); it returns the key's id.
func (s *Service) VerifyKey(secret string) (id int64, ok bool) { return s.routing.keys.Verify(secret) }

// Cooldowns lists every active cooldown.
func (s *Service) Cooldowns() []route.Cooldown { return s.routing.router.Cooldowns() }

// FlushUsage commits every queued usage row (tests and `ninerouter usage` read the ledger right after requests).
func (s *Service) FlushUsage(ctx context.Context) error { return s.routing.usage.Flush(ctx) }

// PriceList is the pricing table.
func (s *Service) PriceList() []usage.Price { return s.routing.usage.Prices().List() }

// SetPrice adds or replaces a price row.
func (s *Service) SetPrice(ctx context.Context, p usage.Price) error {
	return s.routing.usage.Prices().Set(ctx, p)
}

// DeletePrice removes a price row.
func (s *Service) DeletePrice(ctx context.Context, providerID, model string) error {
	return s.routing.usage.Prices().Delete(ctx, providerID, model)
}
