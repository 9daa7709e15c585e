package cli

import (
	"context"
	"net/http"

	"github.com/ninerouter/ninerouter/backend/daemon"
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
	running, err := daemon.Probe(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	if running {
		c, err := connect(ctx, cfg)
		if err != nil {
			return err
		}
		return c.do(ctx, http.MethodPost, "/api/app/show", nil, nil)
	}
	cfg.Desktop = true
	return e.Desktop(ctx, cfg, e.Assets)
}
