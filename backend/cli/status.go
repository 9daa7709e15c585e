package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/version"
)

func runVersion(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "version", "[--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	v := version.Get()
	if *asJSON {
		return printJSON(e.Stdout, v)
	}
	fmt.Fprintf(e.Stdout, "ninerouter %s", v.Version)
	if v.Commit != "" {
		fmt.Fprintf(e.Stdout, " (%s)", shortCommit(v.Commit))
	}
	fmt.Fprintf(e.Stdout, " %s\n", v.Go)
	return nil
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func runStatus(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "status", "[--addr HOST:PORT] [--data-dir DIR] [--json]")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	c, err := connect(ctx, cfg)
	if errors.Is(err, errNotRunning) {
		if cf.json {
			return printJSON(e.Stdout, map[string]any{"running": false, "addr": cfg.Addr, "dataDir": cfg.DataDir})
		}
		fmt.Fprintf(e.Stdout, "NineRouter is not running on %s (data dir %s)\n", cfg.Addr, cfg.DataDir)
		return exitError{code: 3, err: errNotRunning}
	}
	if err != nil {
		return err
	}
	var st service.Status
	if err := c.do(ctx, http.MethodGet, "/api/status", nil, &st); err != nil {
		return err
	}
	if cf.json {
		return printJSON(e.Stdout, map[string]any{"running": true, "status": st})
	}
	printStatus(e.Stdout, st)
	return nil
}

func printStatus(w io.Writer, st service.Status) {
	row := func(k, v string) { fmt.Fprintf(w, "%-14s %s\n", k+":", v) }
	row("NineRouter", st.Version.Version+" running")
	row("Endpoint", st.Endpoint)
	row("Uptime", (time.Duration(st.UptimeSeconds) * time.Second).String())
	row("Requests", fmt.Sprint(st.Requests))
	row("Secrets", st.SecretDetail)
	row("Data dir", st.DataDir)
	row("API keys", map[bool]string{true: "required on /v1", false: "not required (loopback)"}[st.RequireAPIKey])
	row("Dashboard", map[bool]string{true: "password set", false: "no password yet (choose one at " + strings.TrimSuffix(st.Endpoint, "/v1") + "/dashboard/)"}[st.PasswordSet])
	for _, n := range st.NeedsSignIn {
		row("Sign in again", fmt.Sprintf("%s (%s): %s → ninerouter account relogin %d", n.Name, n.Provider, n.Message, n.AccountID))
	}
}
