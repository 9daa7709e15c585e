//go:build darwin

package dock

/*
#cgo CFLAGS: -x objective-c -fobjc-arc
#cgo LDFLAGS: -framework AppKit
void ninerouter_dock_follow_window(void);
void ninerouter_dock_window_shown(void);
void ninerouter_dock_window_hidden(void);
*/
import "C"

// FollowWindow arms the policy switch; call it once the menu-bar item is up. It hides the Dock icon at once when
// no window is shown (a start at login, in the tray).
func FollowWindow() { C.ninerouter_dock_follow_window() }

// WindowShown puts the Dock icon back and activates the app; call it before showing the window.
func WindowShown() { C.ninerouter_dock_window_shown() }

// WindowHidden takes the Dock icon away once armed; call it after hiding the window.
func WindowHidden() { C.ninerouter_dock_window_hidden() }
