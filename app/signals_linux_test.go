//go:build linux && cgo

package app

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/ninerouter/ninerouter/app/internal/foreignsig"
)

// TestRestoreSignalStack is issue #9 finding 10's crash in small: a C library (JavaScriptCore in the desktop
// app) replaces the SIGSEGV handler with one lacking SA_ONSTACK. A Go nil dereference that Go would recover
// then ends the process with "non-Go code set up signal handler without SA_ONSTACK flag"; after
// restoreSignalStack it is an ordinary recovered panic again. Each case runs in a child process, since the
// unrepaired one dies.
func TestRestoreSignalStack(t *testing.T) {
	if mode := os.Getenv("NR_SIGNAL_CHILD"); mode != "" {
		signalStackChild(t, mode == "repaired")
		return
	}
	for _, tc := range []struct {
		mode     string
		wantDies bool
	}{
		{mode: "foreign", wantDies: true},
		{mode: "repaired", wantDies: false},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRestoreSignalStack$", "-test.count=1")
			cmd.Env = append(os.Environ(), "NR_SIGNAL_CHILD="+tc.mode)
			out, err := cmd.CombinedOutput()
			died := err != nil
			if died != tc.wantDies {
				t.Fatalf("child exited with %v (want dies=%v):\n%s", err, tc.wantDies, out)
			}
			if tc.wantDies && !strings.Contains(string(out), "SA_ONSTACK") {
				t.Fatalf("the unrepaired child died for another reason:\n%s", out)
			}
		})
	}
}

func signalStackChild(t *testing.T, repair bool) {
	if err := foreignsig.InstallChaining(syscall.SIGSEGV); err != nil {
		t.Fatal(err)
	}
	if repair {
		fixed, err := restoreSignalStack()
		if err != nil {
			t.Fatal(err)
		}
		if !containsSignal(fixed, syscall.SIGSEGV) {
			t.Fatalf("restoreSignalStack fixed %v, not SIGSEGV", fixed)
		}
		if again, _ := restoreSignalStack(); len(again) != 0 {
			t.Fatalf("a second repair changed %v", again)
		}
	}
	done := make(chan any)
	go func() {
		defer func() { done <- recover() }()
		var p *int
		_ = *p // the fault a Go bug (or a library's, as go-keyring's on a closed D-Bus connection) raises
	}()
	if r := <-done; r == nil {
		t.Fatal("the nil dereference did not panic")
	}
}

func containsSignal(sigs []syscall.Signal, want syscall.Signal) bool {
	for _, s := range sigs {
		if s == want {
			return true
		}
	}
	return false
}
