// Package daemon starts and stops one running NineRouter: the service plus its HTTP server. The headless
// `serve` command and the desktop app both run exactly this, so they cannot drift apart.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/store"
)

// Instance is a running router.
type Instance struct {
	Svc      *service.Service
	API      *api.Server
	done     chan struct{} // closed when Serve returns
	serveErr error         // Serve's result, readable once done is closed

	cancelBg context.CancelFunc // ends start-up background work
	bgDone   chan struct{}
	claim    *Claim // the data dir's lock and address record (instance.go)
}

// Start opens the service and starts serving. It returns once the port is bound, so callers can report the
// address; serving goes on until Stop.
func Start(ctx context.Context, cfg config.Config, assets fs.FS, log *slog.Logger) (*Instance, error) {
	ApplyStoredAddr(ctx, &cfg)
	ln, err := api.Listen(ctx, cfg.Addr) // first: a port in use leaves no data dir behind
	if err != nil {
		return nil, err
	}
	// One instance per data dir, whatever port it listens on: a second one would share the database and the
	// CLI could not tell which to talk to.
	if err := config.EnsureDataDir(cfg.DataDir); err != nil {
		ln.Close()
		return nil, err
	}
	claim, err := ClaimDataDir(ctx, cfg.DataDir)
	if err != nil {
		ln.Close()
		return nil, err
	}
	svc, err := service.Open(ctx, cfg, service.Options{Logger: log})
	if err != nil {
		ln.Close()
		claim.Release()
		return nil, err
	}
	srv := api.New(svc, assets)
	srv.Attach(ctx, ln)
	if err := claim.Publish(srv.Addr()); err != nil {
		ln.Close()
		svc.Close()
		claim.Release()
		return nil, err
	}
	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	inst := &Instance{Svc: svc, API: srv, done: make(chan struct{}), cancelBg: cancel, bgDone: make(chan struct{}), claim: claim}
	go func() {
		inst.serveErr = srv.Serve()
		close(inst.done)
	}()
	// Once listening, look for CLI tool configs that point at a NineRouter that is gone (a takeover left by an
	// uninstall, another data dir, a revoked key); the views offer to heal them. It probes endpoints, so it runs
	// beside start-up, and Stop waits for it.
	go func() {
		defer close(inst.bgDone)
		svc.CheckStaleTools(bgCtx)
		// Start-up's garbage (migrations, the routing snapshot, the probes above) would stay in the process until
		// the runtime's scavenger returns it; an idle tray app should not hold it (docs/benchmark.md, idle RSS).
		debug.FreeOSMemory()
	}()
	svc.StartQuota() // polls subscription quotas while the server runs; Stop ends it through svc.Close
	svc.Logger().Info("NineRouter listening", "endpoint", "http://"+srv.Addr()+"/v1", "data_dir", cfg.DataDir,
		"secret_store", svc.Secrets().Describe())
	return inst, nil
}

// ApplyStoredAddr uses the settings table's listen address when neither a flag nor the environment gave one.
// The CLI calls it too, so it finds an instance that listens where the settings say.
func ApplyStoredAddr(ctx context.Context, cfg *config.Config) {
	if cfg.AddrSource != "default" || cfg.Database != "" { // a team server's instances each name their own address
		return
	}
	if v, ok := store.PeekSetting(ctx, cfg.DataDir, service.SettingListenAddr); ok && v != "" {
		cfg.Addr, cfg.AddrSource = v, "settings"
	}
}

// Done is closed when the server stops serving; Err then says why (nil after a clean Stop).
func (i *Instance) Done() <-chan struct{} { return i.done }

// Err is the server's exit error, valid once Done is closed.
func (i *Instance) Err() error { return i.serveErr }

// Stop drains the server (in-flight streams get up to grace to finish), waits for start-up background work,
// then closes the service. The caller owns the instance and calls Stop once, also after the server failed.
func (i *Instance) Stop(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	i.cancelBg()
	errs := []error{i.API.Shutdown(ctx)}
	<-i.done
	errs = append(errs, i.serveErr)
	<-i.bgDone
	errs = append(errs, i.Svc.Close())
	errs = append(errs, i.claim.Release()) // last: the data dir is free only once the database is closed
	return errors.Join(errs...)
}

// Probe asks whoever listens on addr whether it is NineRouter. It returns false, nil when nothing listens.
func Probe(ctx context.Context, addr string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, nil
	}
	defer resp.Body.Close()
	var body struct {
		Service string `json:"service"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil || body.Service != "ninerouter" {
		return false, fmt.Errorf("something else is listening on %s", addr)
	}
	return true, nil
}
