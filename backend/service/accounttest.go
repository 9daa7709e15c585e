package service

import (
	"context"
	"fmt"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/proxy"
)

// TestResult is the answer of an account test.
type TestResult = proxy.ProbeResult

// TestAccount sends one tiny real request with the account's credential.
// model "" picks the account's first listed model, else the provider's.
func (s *Service) TestAccount(ctx context.Context, id int64, model string) (TestResult, error) {
	snap := s.routing.router.Snapshot()
	a, ok := snap.ByID[id]
	if !ok {
		return TestResult{}, fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	spec, _ := snap.Registry.ByID(a.Provider)
	switch {
	case model != "":
	case len(a.Models) > 0:
		model = a.Models[0]
	case len(spec.Models) > 0:
		model = spec.Models[0]
	}
	res := s.routing.proxy.Probe(ctx, spec, a, model)
	// The upstream's error text can quote the key it was sent (issue #9 finding 3): the one redaction path.
	res.Message = s.redact.Redact(res.Message)
	if res.OK {
		s.routing.router.Succeed(id, model)
	}
	s.Publish(events.KindAccounts, nil)
	return res, nil
}
