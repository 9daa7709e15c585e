// Package wake runs a background pass at the time the previous pass asked for, or sooner when woken, without a
// goroutine waiting in between: the pass runs on the goroutine of a runtime timer, and nothing of the loop exists
// while it sleeps. The token refresher, the quota poller, usage retention and the sync folder are such loops;
// each would otherwise keep a goroutine parked in a select for the life of the process.
package wake

import (
	"context"
	"math"
	"sync"
	"time"
)

// Never, returned by a pass, schedules no next pass: the loop sleeps until woken. (A pass that returns a
// negative duration, a due time already past, gets its next pass at once.)
const Never time.Duration = math.MinInt64

// Loop runs one pass at a time. The zero value is not usable: call New.
type Loop struct {
	pass   func(context.Context) time.Duration
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	timer   *time.Timer
	due     time.Time     // when the timer fires; zero while none is set
	pending time.Duration // a wake-up asked for before Start, or during a pass (Never: none)
	started bool
	running bool
	closed  bool
	passes  sync.WaitGroup
}

// New returns a loop that runs pass once Start is called. pass gets a context cancelled by Close and returns
// how long until the next pass (Never: none until woken).
func New(pass func(ctx context.Context) time.Duration) *Loop {
	ctx, cancel := context.WithCancel(context.Background())
	return &Loop{pass: pass, ctx: ctx, cancel: cancel, pending: Never}
}

// Start schedules the first pass after first (sooner if a wake-up came before Start).
func (l *Loop) Start(first time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.closed {
		return
	}
	l.started = true
	first, l.pending = sooner(first, l.pending), Never
	l.scheduleLocked(first)
}

// Wake runs a pass now, or right after the one running (which may have read the state before the change).
func (l *Loop) Wake() { l.Within(0) }

// Within makes sure a pass starts within d: it moves the next pass earlier, never later.
func (l *Loop) Within(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
	case !l.started || l.running:
		l.pending = sooner(l.pending, d)
	default:
		l.scheduleLocked(d)
	}
}

// Close stops the loop: no pass starts any more, the running one's context is cancelled, and Close returns once
// it has ended.
func (l *Loop) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	l.cancel()
	l.passes.Wait()
}

// sooner is the earlier of two waits; Never is later than any.
func sooner(a, b time.Duration) time.Duration {
	if a == Never || (b != Never && b < a) {
		return b
	}
	return a
}

// scheduleLocked sets the timer to d from now unless it is already set to fire sooner.
func (l *Loop) scheduleLocked(d time.Duration) {
	if d == Never {
		return
	}
	d = max(d, 0)
	at := time.Now().Add(d)
	if !l.due.IsZero() && !at.Before(l.due) {
		return
	}
	l.due = at
	if l.timer == nil {
		l.timer = time.AfterFunc(d, l.fire)
		return
	}
	l.timer.Reset(d)
}

// fire runs on the timer's goroutine: one pass, then the next schedule.
func (l *Loop) fire() {
	l.mu.Lock()
	if l.closed || l.running {
		l.mu.Unlock()
		return
	}
	l.running, l.due = true, time.Time{}
	l.passes.Add(1)
	l.mu.Unlock()
	defer l.passes.Done()

	next := l.pass(l.ctx)

	l.mu.Lock()
	defer l.mu.Unlock()
	l.running = false
	next, l.pending = sooner(next, l.pending), Never
	if !l.closed {
		l.scheduleLocked(next)
	}
}
