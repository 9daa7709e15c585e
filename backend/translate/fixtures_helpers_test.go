package translate_test

import (
	"testing"

	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
)

type fixture = fixtures.Fixture

const fixturesDir = "testdata/fixtures"

var (
	testCodecs = fixtures.Codecs()
	clip       = fixtures.Clip
	canonJSON  = fixtures.CanonJSON
)

func readRequest(t *testing.T, name string) []byte {
	t.Helper()
	return fixtures.Request(t, fixturesDir, name)
}

func loadFixtures(t testing.TB) (streams, bodies, errs []fixture) {
	return fixtures.Load(t, fixturesDir)
}

func readSSE(t testing.TB, raw []byte) []sse.Event {
	if t == nil {
		return fixtures.ReadSSE(nil, raw)
	}
	return fixtures.ReadSSE(t, raw)
}
