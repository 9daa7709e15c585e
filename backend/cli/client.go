package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
	"github.com/ninerouter/ninerouter/backend/service"
)

// errNotRunning means no instance answers; commands that can, fall back to the data dir.
var errNotRunning = errors.New("NineRouter is not running")

// client talks to a running instance's management API with the CLI token. When no instance runs, it opens the
// data dir itself and sends the very same API calls to an in-process handler, so every command has one code
// path whether or not the app is running.
type client struct {
	base    string
	token   string
	hc      *http.Client
	offline *service.Service // set when working on the data dir directly
	claim   *daemon.Claim    // the data dir's lock, held while working on it directly
}

// Close releases the data dir when the client opened it.
func (c *client) Close() error {
	if c.offline != nil {
		return errors.Join(c.offline.Close(), c.claim.Release())
	}
	return nil
}

// open connects to the running instance, or opens the data dir when none runs. Working offline, it holds the
// data dir's lock, so an instance cannot start on the database halfway through the command, and a command
// never writes into the database of an instance it failed to find.
func open(ctx context.Context, e *Env, cfg config.Config) (*client, error) {
	c, err := connect(ctx, cfg)
	if !errors.Is(err, errNotRunning) {
		return c, err
	}
	if err := config.EnsureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	claim, err := daemon.ClaimDataDir(ctx, cfg.DataDir)
	if err != nil {
		return nil, err // an instance holds the data dir but does not answer where it said it listens
	}
	svc, err := service.Open(ctx, cfg, service.Options{Logger: newLogger(e.Stderr, false)})
	if err != nil {
		claim.Release()
		return nil, err
	}
	h := api.New(svc, nil).WindowHandler()
	return &client{base: "http://ninerouter.localhost", token: svc.WindowToken(), offline: svc, claim: claim,
		hc: &http.Client{Transport: handlerTransport{h}}}, nil
}

// handlerTransport serves requests with an in-process handler.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	req.RemoteAddr = "127.0.0.1:0"
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// connect finds the running instance for cfg. It returns errNotRunning when nothing listens. Unless an address
// was given (--addr, NINEROUTER_ADDR, PORT), the instance that holds the data dir is asked where it listens
// (daemon.Running), so `serve --addr 127.0.0.1:P` is found by every command whatever P is.
func connect(ctx context.Context, cfg config.Config) (*client, error) {
	if cfg.AddrSource == "default" || cfg.AddrSource == "settings" {
		if rec, running, err := daemon.Running(cfg.DataDir); err == nil && running && rec.Addr != "" {
			cfg.Addr = rec.Addr
		}
	}
	ok, err := daemon.Probe(ctx, cfg.Addr)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNotRunning
	}
	tok, err := service.ReadCLIToken(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("an instance runs on %s but its CLI token is not readable in %s (is it another data dir? pass --data-dir): %w", cfg.Addr, cfg.DataDir, err)
	}
	return &client{base: "http://" + cfg.Addr, token: tok, hc: &http.Client{Timeout: 60 * time.Second}}, nil
}

// do sends a JSON request and decodes a JSON answer into out (when non-nil). Management errors come back as
// {"error":{"code","message"}} and are returned as Go errors carrying the message.
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			return errors.New(e.Error.Message)
		}
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// printJSON writes v indented.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// show sends one management call and prints its answer: indented JSON with --json, else what text makes of it.
// It is the shape of nearly every command: fetch, then --json or a table.
func show[T any](ctx context.Context, e *Env, c *client, cf *commonFlags, method, path string, body any, text func(T) error) error {
	var v T
	if err := c.do(ctx, method, path, body, &v); err != nil {
		return err
	}
	if cf.json {
		return printJSON(e.Stdout, v)
	}
	return text(v)
}

// listCommand is a command that takes only the common flags and shows GET path (`account list`, `key list`, …).
func listCommand[T any](ctx context.Context, e *Env, args []string, name, path string, text func(T) error) error {
	return callCommand(ctx, e, args, name, http.MethodGet, path, nil, text)
}

// callCommand is a command that takes only the common flags and shows one call's answer (`sync now`, …).
func callCommand[T any](ctx context.Context, e *Env, args []string, name, method, path string, body any, text func(T) error) error {
	fs, cf := commandFlags(e, name, "[--json]")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, method, path, body, text)
	})
}
