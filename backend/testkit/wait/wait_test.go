package wait_test

import (
	"sync/atomic"
	"testing"

	"github.com/ninerouter/ninerouter/backend/testkit/wait"
)

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	var polls atomic.Int32
	wait.For(t, "the third poll", func() bool { return polls.Add(1) >= 3 })
	if n := polls.Load(); n != 3 {
		t.Fatalf("cond polled %d times, want 3 (For returns as soon as it holds)", n)
	}
}
