// Package sweep is how a test proves a secret reached no file: every file under a data dir (database, its WAL,
// logs, journals, backups) is read and searched for the value.
package sweep

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Holding lists the files under dir that hold value; files named in except (the secret file a plain store keeps
// the value in by design) are not read. A file that cannot be read fails t.
func Holding(t testing.TB, dir, value string, except ...string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.Contains(except, d.Name()) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(value)) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("sweeping %s: %v", dir, err)
	}
	return found
}
