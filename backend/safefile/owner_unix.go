//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// keepOwner gives the temp file the target's owner, so running NineRouter as root (sudo, a service) does not
// leave the user with a config file they cannot edit.
func keepOwner(tmp, target string) {
	st, err := os.Stat(target)
	if err != nil {
		return
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		_ = os.Lchown(tmp, int(sys.Uid), int(sys.Gid))
	}
}
