package translate_test

import (
	"testing"

	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
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
