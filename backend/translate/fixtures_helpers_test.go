package translate_test

import (
	"path/filepath"
	"testing"

	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
)

type fixture = fixtures.Fixture

func loadFixtures(t testing.TB) (streams, bodies, errs []fixture) {
	return fixtures.Load(t, filepath.Join("testdata", "fixtures"))
}

func readSSE(t testing.TB, raw []byte) []sse.Event {
	if t == nil {
		return fixtures.ReadSSE(nil, raw)
	}
	return fixtures.ReadSSE(t, raw)
}
