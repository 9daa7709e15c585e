// Package golden compares what a test produced with a file kept beside the test, and rewrites that file when
// the test runs with its package's -update flag.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/aymanbagabas/go-udiff"
)

// Check compares got with the file at path (relative to the test's package folder), or writes got there when
// update is set. The flag stays each package's own: one registered here would clash with theirs.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (run the test with -update to accept it):\n%s", path,
			udiff.Unified(path+" (golden)", path+" (got)", string(want), string(got)))
	}
}
