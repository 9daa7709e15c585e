//go:build !windows && !darwin

package app

import (
	"errors"
	"os"
	"path/filepath"
	"sync"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"

	"github.com/ninerouter/ninerouter/app/traymenu"
)

// trayHost on Linux and the BSDs: fyne.io/systray speaks StatusNotifierItem + dbusmenu over D-Bus in pure Go,
// never touching GTK, so it cannot conflict with Wails' GTK loop. RunWithExternalLoop from OnStartup
// (docs/desktop.md § Tray threads).
type trayHost struct {
	end      func()
	conn     *dbus.Conn // godbus' shared session-bus connection, the one systray exports the item on
	lostOnce sync.Once
}

func (t *tray) beforeRun() {}

func (t *tray) startHost() {
	if !sessionBusReachable() {
		// godbus would otherwise autolaunch a dbus-daemon that outlives us (docs/desktop.md § Gotchas 1).
		t.log.Warn("no D-Bus session bus: no tray icon; closing the window quits NineRouter")
		return
	}
	systray.SetOnTapped(t.openFromTray) // hosts send Activate on a left click: open the window
	systray.SetTitle("NineRouter")      // the SNI Title: hosts show it as the item's name
	start, end := systray.RunWithExternalLoop(nil, nil)
	start() // exports /StatusNotifierItem and its menu, registers with the watcher, re-registers when it appears
	t.host.end = end
	t.host.conn, _ = dbus.SessionBus() // the connection start just used (godbus keeps one per process)
	t.markHostReady()
}

// stopHost leaves the icon to go with the process. systray's end would close godbus' shared session-bus
// connection, which go-keyring (v0.2.8, secret_service.handlePrompt) is still reading when the keychain's
// unlock prompt is up: the closed signal channel hands it a nil *dbus.Signal and it dereferences it, a SIGSEGV
// in the exiting process (issue #9 finding 10). The item's bus name disappears when the process exits a moment
// later, and the watcher drops the item then, exactly as it would after end.
func (t *tray) stopHost() {
	if t.host.end == nil {
		return
	}
	t.host.end = nil
	t.log.Debug("tray icon leaves with the process")
}

// hostLost reports whether the session bus the item lives on has gone (the session is ending, or its
// dbus-daemon died). godbus then closes the connection, and systray.SetIcon panics on a closed one (its
// prop.SetMust), so the tray stops calling systray for good; the rest of the app keeps running until the
// signal that usually follows ends it cleanly (issue #9 finding 10).
func (t *tray) hostLost() bool {
	if t.host.conn == nil || t.host.conn.Connected() {
		return false
	}
	t.host.lostOnce.Do(func() { t.log.Warn("the D-Bus session bus closed: the tray icon is gone") })
	return true
}

// recoverHostLost, deferred around systray calls, turns the panic of a connection that closed between
// hostLost and the call into the same quiet end of the tray; any other panic goes on.
func (t *tray) recoverHostLost() {
	r := recover()
	if r == nil {
		return
	}
	if err, ok := r.(error); ok && errors.Is(err, dbus.ErrClosed) {
		t.hostLost()
		return
	}
	panic(r)
}

// hostShowsIcon: an icon is visible only where a StatusNotifierWatcher (KDE, GNOME's AppIndicator extension,
// snixembed…) owns its name.
func (t *tray) hostShowsIcon() bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}

func (t *tray) setIcon(icon traymenu.Icon) {
	switch icon {
	case traymenu.IconRunning:
		systray.SetIcon(iconTrayPNG)
	case traymenu.IconAttention:
		systray.SetIcon(iconTrayAttentionPNG)
	default:
		systray.SetIcon(iconTrayStoppedPNG)
	}
}

// setBarTitle: only the macOS menu bar shows text beside the icon; here the tooltip carries it.
func (t *tray) setBarTitle(string) {}

// sessionBusReachable mirrors godbus' own lookup without its autolaunch fallback.
func sessionBusReachable() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return true
		}
	}
	return false
}
