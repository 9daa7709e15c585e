//go:build linux && cgo

package app

/*
#include <signal.h>
#include <stddef.h>

// The signals the Go runtime handles and C libraries in this process take over: JavaScriptCore installs
// SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP handlers lazily (when the page's JavaScript first runs) and
// GLib SIGTERM/SIGINT ones, all without SA_ONSTACK; they chain to Go's handler for signals they do not want.
// SIGUSR1 is left alone: JavaScriptCore owns it for its garbage collector, and moving its handler onto Go's
// signal stack deadlocks WebKit (wails PR #5530).
static const int nr_signals[] = {
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT,
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGXCPU, SIGXFSZ,
};

// nr_restore_onstack ORs SA_ONSTACK into every installed handler of nr_signals that lacks it. Returns a bit
// mask of the signals it changed (1 << signum), or -1 when sigaction failed.
static long long nr_restore_onstack(void) {
	long long changed = 0;
	for (size_t i = 0; i < sizeof nr_signals / sizeof nr_signals[0]; i++) {
		struct sigaction sa;
		int sig = nr_signals[i];
		if (sigaction(sig, NULL, &sa) != 0) return -1;
		if (!(sa.sa_flags & SA_SIGINFO) && (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)) continue;
		if (sa.sa_flags & SA_ONSTACK) continue;
		sa.sa_flags |= SA_ONSTACK;
		if (sigaction(sig, &sa, NULL) != 0) return -1;
		changed |= 1LL << sig;
	}
	return changed;
}
*/
import "C"

import (
	"errors"
	"syscall"
)

// restoreSignalStack puts SA_ONSTACK back on the handlers C libraries installed without it, and names the
// signals it fixed. Without the flag a signal that reaches a thread running Go code is handled on the goroutine's
// stack; the Go runtime then cannot turn a fault into a panic (or a SIGTERM into a clean quit) and ends the process
// with "non-Go code set up signal handler without SA_ONSTACK flag" (issue #9 finding 10). Wails v2.12 repairs
// the handlers once, before JavaScriptCore installs its own.
func restoreSignalStack() ([]syscall.Signal, error) {
	changed := int64(C.nr_restore_onstack())
	if changed < 0 {
		return nil, errors.New("sigaction failed")
	}
	var sigs []syscall.Signal
	for s := syscall.Signal(1); s < 64; s++ {
		if changed&(1<<s) != 0 {
			sigs = append(sigs, s)
		}
	}
	return sigs, nil
}
