package wake

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a pass that counts its runs, reports each on a channel and returns the next wait it is given.
type recorder struct {
	runs atomic.Int32
	ran  chan int32
	next atomic.Int64  // time.Duration
	hold chan struct{} // when set, a pass waits on it (or on its context)
}

func newRecorder(next time.Duration) *recorder {
	r := &recorder{ran: make(chan int32, 16)}
	r.next.Store(int64(next))
	return r
}

func (r *recorder) pass(ctx context.Context) time.Duration {
	n := r.runs.Add(1)
	if r.hold != nil {
		select {
		case <-r.hold:
		case <-ctx.Done():
		}
	}
	r.ran <- n
	return time.Duration(r.next.Load())
}

func (r *recorder) wantRun(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-r.ran:
	case <-time.After(within):
		t.Fatalf("no pass within %v (runs so far %d)", within, r.runs.Load())
	}
}

func (r *recorder) wantNoRun(t *testing.T, during time.Duration) {
	t.Helper()
	select {
	case n := <-r.ran:
		t.Fatalf("pass %d ran, want none for %v", n, during)
	case <-time.After(during):
	}
}

func TestLoopSchedules(t *testing.T) {
	const soon, long = 5 * time.Second, time.Hour
	cases := []struct {
		name string
		run  func(t *testing.T, l *Loop, r *recorder)
	}{
		{"first pass after Start's delay, then the pass's own", func(t *testing.T, l *Loop, r *recorder) {
			r.next.Store(int64(20 * time.Millisecond))
			l.Start(10 * time.Millisecond)
			r.wantRun(t, soon)
			r.wantRun(t, soon)
		}},
		{"nothing before Start", func(t *testing.T, l *Loop, r *recorder) {
			r.wantNoRun(t, 50*time.Millisecond)
		}},
		{"a wake-up before Start runs the first pass at once", func(t *testing.T, l *Loop, r *recorder) {
			l.Wake()
			r.wantNoRun(t, 30*time.Millisecond)
			l.Start(long)
			r.wantRun(t, soon)
		}},
		{"Start(Never) waits for the first wake-up", func(t *testing.T, l *Loop, r *recorder) {
			l.Start(Never)
			r.wantNoRun(t, 50*time.Millisecond)
			l.Wake()
			r.wantRun(t, soon)
		}},
		{"a wake-up before Start(Never) runs at Start", func(t *testing.T, l *Loop, r *recorder) {
			l.Wake()
			l.Start(Never)
			r.wantRun(t, soon)
		}},
		{"Never sleeps until woken", func(t *testing.T, l *Loop, r *recorder) {
			r.next.Store(int64(Never))
			l.Start(0)
			r.wantRun(t, soon)
			r.wantNoRun(t, 50*time.Millisecond)
			l.Wake()
			r.wantRun(t, soon)
		}},
		{"Within moves the next pass earlier, never later", func(t *testing.T, l *Loop, r *recorder) {
			l.Start(long)
			l.Within(10 * time.Millisecond)
			r.wantRun(t, soon)
			r.next.Store(int64(20 * time.Millisecond))
			l.Wake()
			r.wantRun(t, soon)
			l.Within(long) // the pass itself asked for 20 ms: that stays
			r.wantRun(t, soon)
		}},
		{"a wake-up during a pass runs another right after it", func(t *testing.T, l *Loop, r *recorder) {
			r.next.Store(int64(long))
			r.hold = make(chan struct{})
			l.Start(0)
			for r.runs.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			l.Wake()
			close(r.hold)
			r.wantRun(t, soon)
			r.wantRun(t, soon)
			if n := r.runs.Load(); n != 2 {
				t.Fatalf("runs %d, want 2", n)
			}
		}},
		{"a negative wait (a due time already past) runs at once", func(t *testing.T, l *Loop, r *recorder) {
			r.next.Store(int64(-time.Minute))
			l.Start(0)
			r.wantRun(t, soon)
			r.next.Store(int64(Never))
			r.wantRun(t, soon)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRecorder(Never)
			l := New(r.pass)
			defer l.Close()
			c.run(t, l, r)
		})
	}
}

// TestLoopClose: Close cancels the running pass's context, waits for it, and no pass runs afterwards.
func TestLoopClose(t *testing.T) {
	r := newRecorder(time.Millisecond)
	r.hold = make(chan struct{}) // only the context ends the pass
	l := New(r.pass)
	l.Start(0)
	for r.runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return: the pass's context was not cancelled")
	}
	select {
	case <-r.ran:
	default:
		t.Fatal("Close returned before the pass ended")
	}
	l.Wake()
	l.Start(0)
	r.wantNoRun(t, 50*time.Millisecond)
	l.Close() // twice is fine
}

// TestLoopHoldsNoGoroutine: between passes the loop is a timer, not a parked goroutine.
func TestLoopHoldsNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	loops := make([]*Loop, 50)
	for i := range loops {
		loops[i] = New(func(context.Context) time.Duration { return time.Hour })
		loops[i].Start(time.Hour)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines with 50 sleeping loops, %d before", after, before)
	}
	for _, l := range loops {
		l.Close()
	}
}

func TestSooner(t *testing.T) {
	for _, tc := range []struct{ a, b, want time.Duration }{
		{Never, Never, Never},
		{Never, time.Second, time.Second},
		{time.Second, Never, time.Second},
		{time.Second, time.Minute, time.Second},
		{time.Minute, time.Second, time.Second},
		{-time.Second, 0, -time.Second},
	} {
		if got := sooner(tc.a, tc.b); got != tc.want {
			t.Errorf("sooner(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
