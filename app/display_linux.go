package app

import (
	"errors"
	"os"
)

// checkDisplay fails early, in one line, where GTK would abort with a warning: no X11 or Wayland display.
func checkDisplay() error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): " +
			"run `ninerouter serve` for the router without a window")
	}
	return nil
}
