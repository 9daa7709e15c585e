package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"time"

	"github.com/ninerouter/ninerouter/backend/daemon"
)

// drainGrace is how long Quit/SIGTERM waits for in-flight streams.
const drainGrace = 10 * time.Second

func runServe(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "serve", "[--addr HOST:PORT] [--data-dir DIR]")
	debug := fs.Bool("debug", false, "log request headers and bodies (redacted) to the data dir's logs/")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	cfg.Debug = cfg.Debug || *debug
	log := newLogger(e.Stderr, cfg.Debug)

	ctx, stop := signal.NotifyContext(ctx, StopSignals()...)
	defer stop()
	inst, err := daemon.Start(ctx, cfg, e.Assets, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("stopping: draining in-flight requests")
	case <-inst.Done():
		return fmt.Errorf("server stopped: %w", errors.Join(inst.Err(), inst.Stop(drainGrace)))
	}
	return inst.Stop(drainGrace)
}
