package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// StopSignals are the signals that end NineRouter cleanly (drain, close): SIGINT, SIGTERM, and SIGHUP (the
// terminal it was started from closed, or the session ended) unless the process was started with SIGHUP ignored
// (nohup): asking for it would undo that.
func StopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}
