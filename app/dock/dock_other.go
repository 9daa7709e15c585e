//go:build !darwin

package dock

// FollowWindow does nothing outside macOS.
func FollowWindow() {}

// WindowShown does nothing outside macOS.
func WindowShown() {}

// WindowHidden does nothing outside macOS.
func WindowHidden() {}
