package golden_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ninerouter/ninerouter/backend/testkit/golden"
)

// TestCheckWritesThenMatches: -update writes the file (and its folder); the same bytes then match.
func TestCheckWritesThenMatches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deep", "out.json")
	golden.Check(t, path, []byte("{}\n"), true)
	if b, err := os.ReadFile(path); err != nil || string(b) != "{}\n" {
		t.Fatalf("written %q, %v", b, err)
	}
	golden.Check(t, path, []byte("{}\n"), false)
}
