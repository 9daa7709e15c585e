//go:build windows

package app

import (
	"runtime"
	"time"

	"fyne.io/systray"

	"github.com/ninerouter/ninerouter/app/traymenu"
)

// trayHost on Windows: systray.Run on its own goroutine locked to its OS thread. fyne creates the hidden
// message window on the calling thread and pumps GetMessage there, and Win32 delivers a window's messages only
// to the thread that created it; RunWithExternalLoop would pump on another thread and the menu never shows
// (docs/desktop.md § Tray threads; fyne-io/systray #67).
type trayHost struct {
	done chan struct{}
}

func (t *tray) beforeRun() {}

func (t *tray) startHost() {
	t.host.done = make(chan struct{})
	go func() {
		defer close(t.host.done)
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		systray.Run(func() {
			systray.SetTitle("NineRouter")
			systray.SetOnTapped(t.openFromTray) // Windows convention: left click opens, right click shows the menu
			t.markHostReady()
		}, nil)
	}()
}

func (t *tray) stopHost() {
	if t.host.done == nil {
		return
	}
	systray.Quit()
	select {
	case <-t.host.done:
	case <-time.After(5 * time.Second):
		t.log.Warn("tray did not stop in time")
	}
}

// hostShowsIcon: Explorer's notification area is always there.
func (t *tray) hostShowsIcon() bool { return true }

func (t *tray) setIcon(icon traymenu.Icon) {
	switch icon {
	case traymenu.IconRunning:
		systray.SetIcon(iconTrayICO)
	case traymenu.IconAttention:
		systray.SetIcon(iconTrayAttentionICO)
	default:
		systray.SetIcon(iconTrayStoppedICO)
	}
}

// setBarTitle: only the macOS menu bar shows text beside the icon; here the tooltip carries it.
func (t *tray) setBarTitle(string) {}

// hostLost: only the Linux item lives on a connection that can close under us (tray_linux.go).
func (t *tray) hostLost() bool { return false }

func (t *tray) recoverHostLost() {}
