package usage

import (
	"fmt"
	"os"
	"syscall"
)

// mapJournal gives a new journal file its whole size on disk and maps it, so that appending a frame is a copy
// into the page cache: no system call on the request path, and a kill of the process keeps what was copied as it
// keeps what write(2) wrote. The blocks are allocated first so that a full disk fails here, at creation, and not
// as a fault while a request copies a frame.
func mapJournal(f *os.File, size int) ([]byte, error) {
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(size)); err != nil {
		return nil, fmt.Errorf("usage journal: allocating %d bytes: %w", size, err)
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("usage journal: mapping: %w", err)
	}
	return m, nil
}

func unmapJournal(m []byte) error { return syscall.Munmap(m) }
