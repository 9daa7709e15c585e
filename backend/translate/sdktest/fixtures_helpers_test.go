package sdktest_test

import (
	"testing"

	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
)

// Short names for the shared recordings (translate/internal/fixtures), as this package's tests use them.

type fixture = fixtures.Fixture

var (
	testCodecs = fixtures.Codecs()
	clip       = fixtures.Clip
	canonJSON  = fixtures.CanonJSON
)

func readRequest(t *testing.T, name string) []byte {
	t.Helper()
	return fixtures.ReadRequest(t, name)
}

func loadFixtures(t testing.TB) (streams, bodies, errs []fixture) {
	return fixtures.LoadAll(t)
}
