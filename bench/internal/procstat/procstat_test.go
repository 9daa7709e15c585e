package procstat

import (
	"errors"
	"os"
	"runtime"
	"testing"
)

func TestSelf(t *testing.T) {
	rss, err := RSS(os.Getpid())
	if runtime.GOOS != "linux" {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("want ErrUnsupported, got %v", err)
		}
		return
	}
	if err != nil || rss < 1<<20 {
		t.Fatalf("RSS = %d, %v", rss, err)
	}
	if _, err := CPUTime(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if n, err := Threads(os.Getpid()); err != nil || n < 1 {
		t.Fatalf("Threads = %d, %v", n, err)
	}
	if _, err := RSS(-1); err == nil {
		t.Fatal("want an error for a missing process")
	}
}
