//go:build linux && cgo

// Package foreignsig installs a signal handler the way JavaScriptCore does in the desktop app: a C handler
// registered without SA_ONSTACK that hands every signal on to the handler it replaced (the Go runtime's). Only
// app's tests import it, to show that restoreSignalStack undoes what such a library does.
package foreignsig

/*
#include <signal.h>
#include <string.h>

static struct sigaction previous[65];

static void chaining_handler(int sig, siginfo_t *info, void *uctx) {
	struct sigaction *p = &previous[sig];
	if (p->sa_flags & SA_SIGINFO) {
		p->sa_sigaction(sig, info, uctx);
	} else if (p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN) {
		p->sa_handler(sig);
	}
}

static int install_chaining(int sig) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = chaining_handler;
	sa.sa_flags = SA_SIGINFO; // no SA_ONSTACK: the flaw under test
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, &previous[sig]);
}
*/
import "C"

import (
	"fmt"
	"syscall"
)

// InstallChaining replaces sig's handler with a C one that lacks SA_ONSTACK and chains to the old one.
func InstallChaining(sig syscall.Signal) error {
	if rc := C.install_chaining(C.int(sig)); rc != 0 {
		return fmt.Errorf("sigaction(%d) failed", int(sig))
	}
	return nil
}
