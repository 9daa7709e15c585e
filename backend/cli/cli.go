// Package cli is the `ninerouter` command: no arguments starts the desktop app (when built in), `serve` starts
// the headless router, and the other subcommands talk to the running instance through the management API, or
// work on the data dir directly when none runs.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
	"github.com/ninerouter/ninerouter/backend/logging"
)

// Desktop starts the window and tray; nil in headless builds.
type Desktop func(ctx context.Context, cfg config.Config, assets fs.FS) error

// Env is what a command runs with: streams, environment, the built web UI and the desktop entry point.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         config.Env
	Assets         fs.FS
	Desktop        Desktop
}

// command is one subcommand in the table.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *Env, args []string) error
}

func commands() []command {
	all := []command{
		{"serve", "run the router without window or tray (servers, Docker)", runServe},
		{"status", "show the running instance's state", runStatus},
		{"version", "print the version", runVersion},
		{"password", "set the web dashboard password (reads it from stdin)", runPassword},
	}
	all = append(all, routingCommands()...)
	all = append(all, toolCommands()...)
	all = append(all, signInCommands()...)
	all = append(all, quotaCommands()...)
	all = append(all, lifecycleCommands()...)
	all = append(all, settingsCommands()...)
	all = append(all, importCommands()...)
	all = append(all, teamCommands()...)
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	return all
}

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// errUsage marks a usage mistake (exit 2).
var errUsage = errors.New("usage")

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, e *Env) int {
	if e.Getenv == nil {
		e.Getenv = os.LookupEnv
	}
	err := dispatch(ctx, args, e)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(e.Stderr, "ninerouter: "+logging.Redact(err.Error()))
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

func dispatch(ctx context.Context, args []string, e *Env) error {
	if len(args) == 0 || (len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help") {
		if e.Desktop == nil {
			return fmt.Errorf("%w: this is the headless build; run `ninerouter serve` (or see `ninerouter help`)", errUsage)
		}
		return runDesktop(ctx, e, args)
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		printHelp(e.Stdout, e.Desktop != nil)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	printHelp(e.Stderr, e.Desktop != nil)
	return fmt.Errorf("%w: unknown command %q", errUsage, name)
}

// printHelp lists the commands; the first usage line says what a bare `ninerouter` does in this build (the
// headless build has no window to start).
func printHelp(w io.Writer, desktop bool) {
	fmt.Fprintln(w, "NineRouter: one endpoint for every coding CLI, routed across your subscriptions and keys.")
	if desktop {
		fmt.Fprintln(w, "\nUsage:\n  ninerouter                 start the desktop app (window, tray, router)\n  ninerouter COMMAND [flags]")
	} else {
		fmt.Fprintln(w, "\nUsage (headless build: no window or tray):\n  ninerouter serve [flags]   run the router\n  ninerouter COMMAND [flags]")
	}
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `ninerouter COMMAND -h` for a command's flags. Most commands take --json.")
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(e *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("ninerouter "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "Usage: ninerouter %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// commandFlags returns a command's FlagSet with the common flags (commonFlags) registered on it.
func commandFlags(e *Env, name, usage string) (*flag.FlagSet, *commonFlags) {
	cf := new(commonFlags)
	fs := newFlags(e, name, usage)
	cf.register(fs)
	return fs, cf
}

// parse parses flags allowing them before and after positional arguments (`combo set c a b --strategy x`).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseOne parses flags and requires exactly one positional argument; missing says what the command needs
// ("combo rm needs a name") and becomes the usage error.
func parseOne(fs *flag.FlagSet, args []string, missing string) (string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", fmt.Errorf("%w: %s", errUsage, missing)
	}
	return pos[0], nil
}

// commonFlags are accepted by every command that finds the instance or the data dir.
type commonFlags struct {
	addr     string
	dataDir  string
	database string
	json     bool
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "", "address of the running instance / to listen on (HOST:PORT)")
	fs.StringVar(&c.dataDir, "data-dir", "", "data directory (default: the user config dir's ninerouter)")
	fs.BoolVar(&c.json, "json", false, "print JSON")
	fs.StringVar(&c.database, "database", "", "shared PostgreSQL database of a team server, postgres://… (default: SQLite in the data dir; env NINEROUTER_DATABASE)")
}

// resolve turns flags + env into a finished Config.
func (c *commonFlags) resolve(e *Env) (config.Config, error) {
	cfg, err := config.FromEnv(e.Getenv)
	if err != nil {
		return cfg, err
	}
	if c.addr != "" {
		cfg.Addr, cfg.AddrSource = c.addr, "--addr"
	}
	if c.dataDir != "" {
		cfg.DataDir = c.dataDir
	}
	if c.database != "" {
		cfg.Database = c.database
	}
	if err := cfg.Finish(); err != nil {
		return cfg, err
	}
	daemon.ApplyStoredAddr(context.Background(), &cfg)
	return cfg, nil
}

// newLogger is the process logger: text to stderr, through the one redaction path.
func newLogger(w io.Writer, debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(logging.NewHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})))
}
