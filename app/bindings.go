package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// App is bound to the window: JS calls window.go.app.App.<Method>(), each returning a Promise. Every method
// works before the backend is up by waiting for it (bounded), so the page may call them as soon as it loads.
type App struct {
	shell *shell
}

// bindingWait bounds how long a binding waits for the backend to start.
const bindingWait = 30 * time.Second

// ManagementToken is the per-launch management token: send it as `Authorization: Bearer <token>` on /api calls.
// It changes every launch and never leaves the process except into this window.
func (a *App) ManagementToken() (string, error) {
	ctx, cancel := context.WithTimeout(a.shell.parent, bindingWait)
	defer cancel()
	inst, err := a.shell.instance(ctx)
	if err != nil {
		return "", err
	}
	return inst.Svc.WindowToken(), nil
}

// OpenURL opens an http(s) link in the user's browser (links inside the window would otherwise navigate it).
func (a *App) OpenURL(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("open %q: %w", link, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("open %q: only http and https links open in the browser", link)
	}
	a.shell.window().OpenURL(u.String())
	return nil
}

// CopyText puts text on the system clipboard (WebKitGTK does not grant navigator.clipboard to the app
// scheme, so the window's copy buttons use this).
func (a *App) CopyText(text string) error {
	if text == "" {
		return errors.New("nothing to copy")
	}
	return a.shell.window().SetClipboard(text)
}

// HideWindow hides the window; the tray (or the Dock on macOS) brings it back.
func (a *App) HideWindow() { a.shell.window().Hide() }

// Quit stops the router and quits, exactly like the tray's Quit.
func (a *App) Quit() { a.shell.quit() }
