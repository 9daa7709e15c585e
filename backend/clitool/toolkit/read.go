package toolkit

import (
	"fmt"

	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
)

// Doc parses a JSON-family file for inspection; a missing file is an empty document.
func Doc(c Current) (*jsonedit.Doc, error) {
	d, err := ParseJSON(c.Format, c.Snap.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Path, err)
	}
	return d, nil
}

// Find returns the current file with the given path.
func Find(cur []Current, path string) (Current, bool) {
	for _, c := range cur {
		if c.Path == path {
			return c, true
		}
	}
	return Current{}, false
}
