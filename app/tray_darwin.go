//go:build darwin

package app

/*
#cgo CFLAGS: -x objective-c -fobjc-arc
#cgo LDFLAGS: -framework Foundation -framework AppKit
#include <stdint.h>
void ninerouter_schedule_tray_start(uintptr_t handle);
*/
import "C"

import (
	"runtime/cgo"
	"sync/atomic"

	"fyne.io/systray"

	"github.com/ninerouter/ninerouter/app/dock"
	"github.com/ninerouter/ninerouter/app/traymenu"
)

// trayHost on macOS follows docs/desktop.md § Tray threads (macOS): RunWithExternalLoop (AppKit
// free) before wails.Run on the main goroutine, and its start function run on the main thread once
// NSApplication has finished launching (tray_darwin.m), so Wails stays the owner of the NSApp run loop and the
// NSStatusItem is created where AppKit allows it.
//
// UNTESTED on a real Mac: this compiles only with the macOS SDK, which the project's Linux CI lacks. Before a
// macOS release run the checklist in docs/desktop.md § Checked on a real Mac. If the status item misbehaves, swap this file
// for an own NSStatusItem shim (§2.B); the rest of the tray (traymenu, tray.go) stays as it is.
type trayHost struct {
	end     func()
	started atomic.Bool
}

func (t *tray) beforeRun() {
	start, end := systray.RunWithExternalLoop(func() {
		t.markHostReady()
		// The menu-bar item is up, so it can be the way back: from now on no Dock icon while the window is
		// hidden (LSUIElement alone cannot do it under Wails v2; app/dock).
		dock.FollowWindow()
	}, nil)
	t.host.end = end
	h := cgo.NewHandle(func() {
		t.host.started.Store(true)
		start()
	})
	C.ninerouter_schedule_tray_start(C.uintptr_t(h))
}

//export ninerouterTrayStart
func ninerouterTrayStart(handle C.uintptr_t) {
	h := cgo.Handle(handle)
	start := h.Value().(func())
	h.Delete()
	start() // on the main thread: creates the NSStatusItem, then releases systray's onReady
}

// startHost: nothing to do from OnStartup on macOS; beforeRun scheduled the tray.
func (t *tray) startHost() {}

// stopHost runs in OnShutdown, which Wails calls on the main thread after its loop stopped, so end()'s inline
// [NSApp stop:] is harmless. Never end a tray that did not start.
func (t *tray) stopHost() {
	if t.host.end != nil && t.host.started.Load() {
		t.host.end()
	}
}

// hostShowsIcon: the menu bar is always there (HideWindowOnClose hides the app; the tray or Dock brings it back).
func (t *tray) hostShowsIcon() bool { return true }

func (t *tray) setIcon(icon traymenu.Icon) {
	if icon == traymenu.IconRunning || icon == traymenu.IconAttention {
		// The menu bar's template icon cannot change colour: the quota metric beside it says what needs attention.
		systray.SetTemplateIcon(iconTrayTemplatePNG, iconTrayPNG)
	} else {
		systray.SetTemplateIcon(iconTrayTemplatePNG, iconTrayStoppedPNG)
	}
}

// setBarTitle shows the quota metric beside the menu-bar icon.
func (t *tray) setBarTitle(title string) { systray.SetTitle(title) }

// hostLost: only the Linux item lives on a connection that can close under us (tray_linux.go).
func (t *tray) hostLost() bool { return false }

func (t *tray) recoverHostLost() {}
