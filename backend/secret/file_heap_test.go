package secret

import (
	"runtime/metrics"
	"testing"
)

// TestEncryptedFileLeavesNoHeapGoal: deriving the file key (scrypt, 32 MiB) must not leave the GC's heap goal at
// twice that, which made every later request allocate cold memory (docs/benchmark.md, encrypted secret file).
func TestEncryptedFileLeavesNoHeapGoal(t *testing.T) {
	dir := t.TempDir()
	f, err := OpenFile(dir, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set("k", "v"); err != nil { // first write derives the key
		t.Fatal(err)
	}
	if _, err := OpenFile(dir, "correct horse"); err != nil { // reopening derives it again
		t.Fatal(err)
	}
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	if goal := s[0].Value.Uint64(); goal > 24<<20 {
		t.Fatalf("heap goal %d MiB after opening the encrypted file, want the work buffer collected", goal>>20)
	}
}
