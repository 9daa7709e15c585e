package cli

import (
	"context"
	"errors"
	"net/http"
)

// runDesktop starts the window and tray, unless an instance already runs on the address: then it asks that one
// to show its window and exits (single instance).
func runDesktop(ctx context.Context, e *Env, args []string) error {
	var cf commonFlags
	fs := newFlags(e, "", "[--addr HOST:PORT] [--data-dir DIR]")
	cf.register(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	switch c, err := connect(ctx, cfg); {
	case err == nil:
		return c.do(ctx, http.MethodPost, "/api/app/show", nil, nil)
	case !errors.Is(err, errNotRunning):
		return err
	}
	cfg.Desktop = true
	return e.Desktop(ctx, cfg, e.Assets)
}
