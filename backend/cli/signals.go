package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// StopSignals are the signals that end NineRouter cleanly (drain, close): SIGTERM; SIGINT (Ctrl+C); SIGHUP (the
// terminal it was started from closed, or the session ended). SIGINT and SIGHUP are left alone when the process
// started with them ignored (nohup; a script's background job, which the shell shields from Ctrl+C): asking for
// them would undo that, and a signal before the request would be ignored anyway.
func StopSignals() []os.Signal {
	sigs := []os.Signal{syscall.SIGTERM}
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	return sigs
}
