package app

import (
	"context"
	goruntime "runtime"
	"sync"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/ninerouter/ninerouter/app/dock"
)

// window is what the shell does to the Wails window. Behind an interface so the shell's lifecycle is tested
// without GTK/WebKit (docs/desktop.md § Testing without a desktop: keep runtime.* calls out of testable code).
type window interface {
	Show()
	Hide()
	Quit()
	Emit(name string, data any)
	SetClipboard(text string) error
	OpenURL(url string)
}

// wailsWindow is the real window, through Wails' runtime (thread-safe: it marshals to the UI thread).
type wailsWindow struct {
	ctx      context.Context
	quitOnce sync.Once // quitLoop: one request ends the loop, so the shell's retries add nothing to it
}

func newWailsWindow(ctx context.Context) window { return &wailsWindow{ctx: ctx} }

func (w *wailsWindow) Show() {
	if goruntime.GOOS == "darwin" {
		dock.WindowShown()  // the Dock icon while the window is up (app/dock)
		runtime.Show(w.ctx) // unhide the app after hide-on-close
	}
	runtime.WindowUnminimise(w.ctx)
	runtime.WindowShow(w.ctx)
}
func (w *wailsWindow) Hide() {
	runtime.WindowHide(w.ctx)
	dock.WindowHidden() // macOS, once the menu-bar item is up: no Dock icon while hidden
}
func (w *wailsWindow) Emit(name string, data any)     { runtime.EventsEmit(w.ctx, name, data) }
func (w *wailsWindow) SetClipboard(text string) error { return runtime.ClipboardSetText(w.ctx, text) }
func (w *wailsWindow) OpenURL(url string)             { runtime.BrowserOpenURL(w.ctx, url) }

// quitsOnLoop: on Linux the shell ends GTK's loop itself, from inside the loop (quitLoop, loopquit_gtk.go),
// and holds Wails' own quit at beforeClose. Wails' Quit calls gtk_main_quit from a goroutine: lost (an assertion
// failure) before gtk_main has started, and a SIGSEGV when it lands while the main thread destroys the window
// after the loop has ended — which a signal at the wrong moment did, through Wails' own SIGTERM handler.
// WebView2's and Cocoa's quits are posted to their UI thread by Wails itself.
const quitsOnLoop = goruntime.GOOS == "linux"

// Quit ends the app: the window's loop ends, then Wails calls the shell's shutdown.
func (w *wailsWindow) Quit() {
	if quitsOnLoop {
		w.quitOnce.Do(quitLoop)
		return
	}
	runtime.Quit(w.ctx)
}

// noWindow stands in before Wails has called startup; nothing can be shown yet.
type noWindow struct{}

func (noWindow) Show()                     {}
func (noWindow) Hide()                     {}
func (noWindow) Quit()                     {}
func (noWindow) Emit(string, any)          {}
func (noWindow) SetClipboard(string) error { return nil }
func (noWindow) OpenURL(string)            {}
