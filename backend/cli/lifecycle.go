package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/autostart"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/update"
)

// lifecycleCommands: start at login, the update check and uninstall.
func lifecycleCommands() []command {
	return []command{
		{"autostart", "start NineRouter at login: autostart on|off|status", runAutostart},
		{"update", "check the signed release feed for a newer version: update [status|check]", runUpdate},
		{"uninstall", "revert every CLI tool config, remove the login entry; --purge also deletes data and keys", runUninstall},
	}
}

func runAutostart(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "autostart", "on|off|status")
	sub, err := parseOne(fs, args, "autostart needs on, off or status")
	if err != nil {
		return err
	}
	var in any
	method := http.MethodGet
	switch sub {
	case "on", "off":
		method, in = http.MethodPut, map[string]bool{"enabled": sub == "on"}
	case "status":
	default:
		return fmt.Errorf("%w: autostart %q: want on, off or status", errUsage, sub)
	}
	c, err := openConfigured(ctx, e, cf)
	if err != nil {
		return err
	}
	defer c.Close()
	return show(ctx, e, c, cf, method, "/api/autostart", in, func(st autostart.Status) error {
		switch {
		case !st.Supported:
			fmt.Fprintln(e.Stdout, "Start at login is not supported on this system.")
		case !st.Enabled:
			fmt.Fprintln(e.Stdout, "Start at login: off")
		case st.Current:
			fmt.Fprintf(e.Stdout, "Start at login: on (%s)\n  runs: %s\n", st.Where, st.Command)
		default:
			fmt.Fprintf(e.Stdout, "Start at login: on, but for another copy of NineRouter (%s)\n  runs: %s\n  run `ninerouter autostart on` to start this one instead\n", st.Where, st.Command)
		}
		return nil
	})
}

func runUpdate(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "update", "[status|check]")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	sub := "check"
	if len(pos) == 1 {
		sub = pos[0]
	}
	if len(pos) > 1 || (sub != "check" && sub != "status") {
		return fmt.Errorf("%w: update takes status or check", errUsage)
	}
	c, err := openConfigured(ctx, e, cf)
	if err != nil {
		return err
	}
	defer c.Close()
	var st update.Status
	if sub == "check" {
		err = c.do(ctx, http.MethodPost, "/api/update/check", nil, &st)
	} else {
		err = c.do(ctx, http.MethodGet, "/api/update", nil, &st)
	}
	if err != nil {
		return err
	}
	if cf.json {
		return printJSON(e.Stdout, st)
	}
	switch {
	case !st.Enabled:
		fmt.Fprintf(e.Stdout, "Update checks are off: set %s (ninerouter's Settings page) to a release feed.\n", service.SettingUpdateFeed)
		return nil
	case st.Available:
		fmt.Fprintf(e.Stdout, "Update available: NineRouter %s (this is %s)\n  download: %s\n  sha256:   %s\n", st.Latest, st.Current, st.URL, st.SHA256)
		if st.NotesURL != "" {
			fmt.Fprintf(e.Stdout, "  notes:    %s\n", st.NotesURL)
		}
		fmt.Fprintln(e.Stdout, "NineRouter never downloads or installs updates itself.")
	case st.Error == "" && st.Latest != "":
		fmt.Fprintf(e.Stdout, "NineRouter %s is up to date (the feed's latest is %s).\n", st.Current, st.Latest)
	case st.Error == "":
		fmt.Fprintln(e.Stdout, "Not checked yet.")
	}
	if st.Error != "" {
		return fmt.Errorf("update check failed: %s", st.Error)
	}
	return nil
}

// runUninstall is `ninerouter uninstall`: the same steps as Settings → "Uninstall NineRouter…", and what the
// Windows uninstaller runs (`ninerouter uninstall --yes --keep-data`) before it deletes the program files.
func runUninstall(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "uninstall", "[--yes] [--keep-data | --purge] [--home DIR]")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	purge := fs.Bool("purge", false, "also delete the data dir (database, logs, backups) and NineRouter's keychain entries")
	keep := fs.Bool("keep-data", false, "keep the data dir and keychain entries (the default; for scripts that say so)")
	home := fs.String("home", "", "revert the tools of this home only (tests, sandboxes)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: uninstall takes no arguments", errUsage)
	}
	if *purge && *keep {
		return fmt.Errorf("%w: --purge and --keep-data contradict each other", errUsage)
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	if !*yes {
		what := "revert every coding-CLI config NineRouter changed and remove its start-at-login entry"
		if *purge {
			what += ", then DELETE its data dir " + cfg.DataDir + " and its keychain entries"
		}
		fmt.Fprintf(e.Stdout, "This will %s. Continue? [y/N] ", what)
		line, _ := bufio.NewReader(e.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			fmt.Fprintln(e.Stdout, "Nothing was changed.")
			return exitError{code: 1, err: errors.New("uninstall cancelled")}
		}
	}
	c, err := open(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if *purge && c.offline == nil {
		var st service.Status
		if err := c.do(ctx, http.MethodGet, "/api/status", nil, &st); err != nil {
			return err
		}
		if !st.Desktop {
			return fmt.Errorf("a headless NineRouter is running on %s: stop it first, then run `ninerouter uninstall --purge` again", cfg.Addr)
		}
	}
	var rep service.UninstallReport
	if err := c.do(ctx, http.MethodPost, "/api/uninstall", service.UninstallOptions{Home: *home, Purge: *purge}, &rep); err != nil {
		return err
	}
	var purgeErr error
	if *purge {
		purgeErr = finishPurge(ctx, c, cfg)
	}
	if cf.json {
		if err := printJSON(e.Stdout, rep); err != nil {
			return err
		}
	} else {
		printUninstall(e, rep, purgeErr == nil)
	}
	var errs []error
	if rep.ToolsError != "" {
		errs = append(errs, fmt.Errorf("some tool configs were not reverted: %s", rep.ToolsError))
	}
	if rep.AutostartError != "" {
		errs = append(errs, fmt.Errorf("the start-at-login entry was not removed: %s", rep.AutostartError))
	}
	if rep.SecretsError != "" {
		errs = append(errs, fmt.Errorf("some keychain entries were not removed: %s", rep.SecretsError))
	}
	errs = append(errs, purgeErr)
	return errors.Join(errs...)
}

// finishPurge deletes the data dir: here once the data dir is closed, or by the desktop app as it quits (the
// API asked it to), which we wait for.
func finishPurge(ctx context.Context, c *client, cfg config.Config) error {
	if c.offline != nil {
		if err := c.Close(); err != nil {
			return err
		}
		c.offline = nil
		return service.PurgeDataDir(cfg.DataDir)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(cfg.DataDir); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("NineRouter was asked to quit and delete %s, but the folder is still there; quit it and delete the folder by hand", cfg.DataDir)
}

func printUninstall(e *Env, rep service.UninstallReport, purged bool) {
	if len(rep.Tools) == 0 && rep.ToolsError == "" {
		fmt.Fprintln(e.Stdout, "No coding-CLI config to revert: NineRouter had not changed any.")
	}
	for _, r := range rep.Tools {
		printResult(e.Stdout, r)
		if len(r.Kept) > 0 {
			fmt.Fprintf(e.Stdout, "  %s: you edited this config after NineRouter changed it; your edits were kept.\n", r.Tool)
		}
	}
	if rep.Autostart != "" {
		fmt.Fprintf(e.Stdout, "Removed the start-at-login entry %s.\n", rep.Autostart)
	}
	switch {
	case rep.Purge && purged:
		fmt.Fprintf(e.Stdout, "Deleted the data dir %s and %d keychain entries.\n", rep.DataDir, rep.SecretsRemoved)
	case !rep.Purge:
		fmt.Fprintf(e.Stdout, "Kept the data dir %s and the keychain entries (run with --purge to delete them).\n", rep.DataDir)
	}
	fmt.Fprintln(e.Stdout, rep.RemovePackage)
}

// openConfigured resolves the common flags and opens the instance or the data dir.
func openConfigured(ctx context.Context, e *Env, cf *commonFlags) (*client, error) {
	cfg, err := cf.resolve(e)
	if err != nil {
		return nil, err
	}
	return open(ctx, e, cfg)
}
