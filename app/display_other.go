//go:build !linux

package app

// checkDisplay: Windows and macOS always have a display for a desktop session.
func checkDisplay() error { return nil }
