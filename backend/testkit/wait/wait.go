// Package wait is how a test waits for what another goroutine or instance does: events delivered on a goroutine,
// a change made on one team instance seen on another.
package wait

import (
	"testing"
	"time"
)

// deadline is generous: a slow CI machine must not fail a test that only waits. No test asserts on the time it
// took (speed is the benchmark's, docs/benchmark.md).
const deadline = 15 * time.Second

// For polls cond until it holds and logs how long that took, or fails the test saying what was not seen once
// the deadline passes.
func For(t testing.TB, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > deadline {
			t.Fatalf("%s: not seen after %s", what, time.Since(start).Round(time.Millisecond))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("%s: seen after %s", what, time.Since(start).Round(time.Millisecond))
}
