package cli

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/signal"
)

// runDesktop starts the window and tray, unless an instance already runs on the address: then it asks that one
// to show its window and exits (single instance).
func runDesktop(ctx context.Context, e *Env, args []string) error {
	// Catch the stop signals from the first moment: a signal before the app runs ends it with exit 0, and one
	// between here and the app's own watcher is handed over through the context (EarlySignals), never lost.
	early := make(chan os.Signal, 1)
	signal.Notify(early, StopSignals()...)
	defer signal.Stop(early)
	fs, cf := commandFlags(e, "", "[--addr HOST:PORT] [--data-dir DIR] [--autostart]")
	atLogin := fs.Bool("autostart", false, "started at login: stay in the tray (the start-at-login entry passes it)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	switch c, err := connect(ctx, cfg); {
	case err == nil && *atLogin:
		return nil // already running: a login start has nothing to show
	case err == nil:
		return c.do(ctx, http.MethodPost, "/api/app/show", nil, nil)
	case !errors.Is(err, errNotRunning):
		return err
	}
	cfg.Desktop = true
	cfg.StartInTray = *atLogin
	select {
	case <-early:
		return nil // asked to stop before anything started
	default:
	}
	return e.Desktop(context.WithValue(ctx, earlySignalsKey{}, (<-chan os.Signal)(early)), cfg, e.Assets)
}

type earlySignalsKey struct{}

// EarlySignals is the channel runDesktop has caught the stop signals on since the process started (nil when
// ctx does not come from runDesktop). The desktop app watches it beside its own, so no signal falls between.
func EarlySignals(ctx context.Context) <-chan os.Signal {
	ch, _ := ctx.Value(earlySignalsKey{}).(<-chan os.Signal)
	return ch
}
