package proxy

import (
	"io"
	"sync"
	"time"
)

// watchdog ends an attempt when the upstream is too slow. It starts in "first byte" mode: a fixed deadline
// that reads do not extend (keep-alive comments must not hold a dead attempt open). reset switches it to idle
// mode, where every read re-arms it. It runs no goroutine of its own until it fires.
type watchdog struct {
	mu      sync.Mutex
	t       *time.Timer
	idle    time.Duration // 0 in first-byte mode
	stopped bool
	onIdle  func()
}

func newWatchdog(first time.Duration, onFirst func()) *watchdog {
	w := &watchdog{}
	w.t = time.AfterFunc(max(first, time.Millisecond), func() {
		w.mu.Lock()
		idle, stopped, onIdle := w.idle, w.stopped, w.onIdle
		w.mu.Unlock()
		if stopped {
			return
		}
		if idle > 0 && onIdle != nil {
			onIdle()
			return
		}
		onFirst()
	})
	return w
}

// idleMode switches to idle mode with the given timeout and what to do when it fires.
func (w *watchdog) idleMode(d time.Duration, onIdle func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.idle, w.onIdle = d, onIdle
	w.t.Reset(d)
}

// kick re-arms the timer in idle mode.
func (w *watchdog) kick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.idle > 0 && !w.stopped {
		w.t.Reset(w.idle)
	}
}

func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.t.Stop()
}

// kickReader re-arms the watchdog on every read that returns bytes.
type kickReader struct {
	r  io.Reader
	wd *watchdog
}

func (k *kickReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if n > 0 {
		k.wd.kick()
	}
	return n, err
}
