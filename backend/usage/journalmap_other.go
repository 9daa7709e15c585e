//go:build !linux

package usage

import (
	"errors"
	"os"
)

// mapJournal: elsewhere the journal appends with one write per frame (journalmap_linux.go maps it).
func mapJournal(*os.File, int) ([]byte, error) { return nil, errors.ErrUnsupported }

func unmapJournal([]byte) error { return nil }
