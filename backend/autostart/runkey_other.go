//go:build !windows

package autostart

// The Run key exists only on Windows; Manager reaches these only when GOOS is set to "windows" on another OS.
func enableRunKey(string) error         { return ErrUnsupported }
func disableRunKey() error              { return ErrUnsupported }
func readRunKey() (string, bool, error) { return "", false, ErrUnsupported }
