package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/safefile"
	"github.com/ninerouter/ninerouter/backend/service"
)

// importCommands bring configuration in and take it out (issue 15).
func importCommands() []command {
	return []command{
		{"import", "bring providers, keys and combos over from 9Router, CLIProxyAPI or a backup", runImport},
		{"export", "write the whole configuration, keys included, to a passphrase-encrypted backup file", runExport},
		{"sync", "keep machines in step through a synced folder: status, set FOLDER, off, now", runSync},
	}
}

const importUsage = "9router|cliproxyapi [PATH] [--dry-run] [--json]\n       ninerouter import backup FILE [--passphrase-file FILE|-] [--dry-run] [--json]"

func runImport(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "import", importUsage)
	dryRun := fs.Bool("dry-run", false, "only show what would be added, merged and skipped")
	passFile := fs.String("passphrase-file", "", "backup: read the passphrase from this file's first line (- for stdin); default: ask")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		fs.Usage()
		return fmt.Errorf("%w: import needs a source (9router or cliproxyapi) and at most one path", errUsage)
	}
	req := service.ImportRequest{Source: strings.ToLower(pos[0])}
	switch req.Source {
	case importer.Source9Router, importer.SourceCLIProxyAPI:
		if len(pos) == 2 {
			// The running instance may have another working directory.
			if abs, err := filepath.Abs(pos[1]); err == nil {
				req.Path = abs
			} else {
				req.Path = pos[1]
			}
		}
	case importer.SourceBackup:
		if len(pos) != 2 {
			fs.Usage()
			return fmt.Errorf("%w: import backup needs the backup file", errUsage)
		}
		data, err := os.ReadFile(pos[1])
		if err != nil {
			return fmt.Errorf("read the backup: %w", err)
		}
		req.Data, req.Path = data, pos[1]
		if req.Passphrase, err = readPassphrase(e, *passFile, "Backup passphrase: ", false); err != nil {
			return err
		}
	default:
		fs.Usage()
		return fmt.Errorf("%w: unknown import source %q (want 9router, cliproxyapi or backup)", errUsage, pos[0])
	}
	path := "/api/import/apply"
	if *dryRun {
		path = "/api/import/preview"
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPost, path, req, func(p importer.Preview) error {
			printPreview(e.Stdout, p)
			return nil
		})
	})
}

// printPreview writes a preview or report as a table: what, action, detail or reason.
func printPreview(w io.Writer, p importer.Preview) {
	if p.Applied {
		fmt.Fprintf(w, "Imported from %s (%s)\n\n", p.Origin, p.Format)
	} else {
		fmt.Fprintf(w, "Import preview of %s (%s); nothing has been written\n\n", p.Origin, p.Format)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tACTION\tDETAIL")
	for _, it := range p.Items {
		detail := it.Detail
		if it.Reason != "" {
			if detail != "" {
				detail += "; "
			}
			detail += it.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Kind, it.Name, it.Action, detail)
	}
	tw.Flush()
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  %s %s: %s\n", n.Kind, n.Name, n.Reason)
		}
	}
	verb := "will be"
	if p.Applied {
		verb = "were"
	}
	fmt.Fprintf(w, "\n%d %s added, %d merged, %d skipped.\n", p.Counts[importer.ActionAdd], verb,
		p.Counts[importer.ActionMerge], p.Counts[importer.ActionSkip])
	if !p.Applied {
		fmt.Fprintln(w, "Run the same command without --dry-run to import.")
	}
}

func runExport(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "export", "--out FILE [--passphrase-file FILE|-]")
	out := fs.String("out", "", "the backup file to write (replaced atomically)")
	passFile := fs.String("passphrase-file", "", "read the passphrase from this file's first line (- for stdin); default: ask twice")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return fmt.Errorf("%w: export needs --out FILE", errUsage)
	}
	pass, err := readPassphrase(e, *passFile, "Passphrase for the backup: ", true)
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		var file api.BackupFile
		if err := c.do(ctx, http.MethodPost, "/api/backup/export", map[string]string{"passphrase": pass}, &file); err != nil {
			return err
		}
		snap, err := safefile.Read(*out)
		if err != nil {
			return fmt.Errorf("write the backup: %w", err)
		}
		if err := safefile.Write(snap, file.Data, safefile.Options{NewMode: 0o600}); err != nil {
			return fmt.Errorf("write the backup: %w", err)
		}
		if cf.json {
			return printJSON(e.Stdout, map[string]any{"file": *out, "bytes": len(file.Data)})
		}
		fmt.Fprintf(e.Stdout, "Backup written to %s (%d bytes, encrypted). Restore it with `ninerouter import backup %s`.\n", *out, len(file.Data), *out)
		return nil
	})
}

// readPassphrase reads a passphrase: from the first line of file ("-" = stdin), else from the terminal without
// echo (asked twice when confirm), else from stdin's first line. Never from a flag value, which ps would show.
func readPassphrase(e *Env, file, prompt string, confirm bool) (string, error) {
	line := func(r io.Reader) (string, error) {
		s, err := bufio.NewReader(r).ReadString('\n')
		if err != nil && s == "" {
			return "", fmt.Errorf("%w: no passphrase was given", errUsage)
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	switch {
	case file == "-":
		return line(e.Stdin)
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("passphrase file: %w", err)
		}
		defer f.Close()
		return line(f)
	}
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.Stderr, prompt)
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return "", fmt.Errorf("read the passphrase: %w", err)
		}
		if confirm {
			fmt.Fprint(e.Stderr, "Again: ")
			again, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.Stderr)
			if err != nil {
				return "", fmt.Errorf("read the passphrase: %w", err)
			}
			if string(again) != string(p) {
				return "", fmt.Errorf("%w: the two passphrases differ", errUsage)
			}
		}
		return string(p), nil
	}
	fmt.Fprint(e.Stderr, prompt)
	return line(e.Stdin)
}

func runSync(ctx context.Context, e *Env, args []string) error {
	return sub(e, "sync", args, map[string]func(context.Context, *Env, []string) error{
		"status": syncStatus, "set": syncSet, "off": syncOff, "now": syncNowCmd,
	}, "status|set FOLDER [--passphrase-file FILE|-]|off|now")(ctx)
}

func syncStatus(ctx context.Context, e *Env, args []string) error {
	return syncCall(ctx, e, args, "status", http.MethodGet, "/api/sync", nil)
}

func syncNowCmd(ctx context.Context, e *Env, args []string) error {
	return syncCall(ctx, e, args, "now", http.MethodPost, "/api/sync/now", nil)
}

func syncOff(ctx context.Context, e *Env, args []string) error {
	return syncCall(ctx, e, args, "off", http.MethodPut, "/api/sync", map[string]string{"folder": ""})
}

func syncSet(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "sync set", "FOLDER [--passphrase-file FILE|-]")
	passFile := fs.String("passphrase-file", "", "read the sync passphrase from this file's first line (- for stdin); default: ask")
	folder, err := parseOne(fs, args, "sync set needs the folder")
	if err != nil {
		return err
	}
	if abs, err := filepath.Abs(folder); err == nil {
		folder = abs
	}
	pass, err := readPassphrase(e, *passFile, "Sync passphrase (the same on every machine): ", true)
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPut, "/api/sync", map[string]string{"folder": folder, "passphrase": pass}, syncText(e.Stdout))
	})
}

func syncCall(ctx context.Context, e *Env, args []string, verb, method, path string, body any) error {
	return callCommand(ctx, e, args, "sync "+verb, method, path, body, syncText(e.Stdout))
}

// syncText returns what writes a sync status to w as text.
func syncText(w io.Writer) func(service.SyncStatus) error {
	return func(st service.SyncStatus) error { return printSync(w, st) }
}

func printSync(w io.Writer, st service.SyncStatus) error {
	if !st.Enabled {
		fmt.Fprintln(w, "Sync is off. Turn it on with `ninerouter sync set FOLDER` (a folder Dropbox, iCloud Drive or Syncthing keeps in step).")
		return nil
	}
	last := "never"
	if st.LastSynced != nil {
		last = st.LastSynced.Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "Sync folder:  %s\nThis machine: %s\nLast synced:  %s\n", st.Folder, st.Machine, last)
	if st.LastError != "" {
		fmt.Fprintf(w, "Problem:      %s\n", st.LastError)
	}
	for _, p := range st.Peers {
		fmt.Fprintf(w, "Machine %s: applied up to %s\n", p.Machine, p.Applied.Local().Format("2006-01-02 15:04:05"))
	}
	if len(st.Conflicts) > 0 {
		fmt.Fprintln(w, "\nConflicts (the later edit won):")
		for _, c := range st.Conflicts {
			what := "edit"
			if c.Deleted {
				what = "delete"
			}
			fmt.Fprintf(w, "  %s  %s %s: %s's %s won over %s's\n", c.At.Local().Format("2006-01-02 15:04"), c.Kind, c.Key, c.Winner, what, c.Loser)
		}
	}
	return nil
}
