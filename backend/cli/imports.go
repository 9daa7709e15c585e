package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/service"
)

// importCommands bring configuration in and take it out (issue 15).
func importCommands() []command {
	return []command{
		{"import", "bring providers, keys and combos over from 9Router, CLIProxyAPI or a backup", runImport},
	}
}

const importUsage = "9router|cliproxyapi [PATH] [--dry-run] [--json]"

func runImport(ctx context.Context, e *Env, args []string) error {
	var cf commonFlags
	fs := newFlags(e, "import", importUsage)
	cf.register(fs)
	dryRun := fs.Bool("dry-run", false, "only show what would be added, merged and skipped")
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
	default:
		fs.Usage()
		return fmt.Errorf("%w: unknown import source %q (want 9router or cliproxyapi)", errUsage, pos[0])
	}
	if len(pos) == 2 {
		// The running instance may have another working directory.
		if abs, err := filepath.Abs(pos[1]); err == nil {
			req.Path = abs
		} else {
			req.Path = pos[1]
		}
	}
	return withClient(ctx, e, &cf, func(c *client) error {
		return doImport(ctx, e, c, req, *dryRun, cf.json)
	})
}

// doImport previews or applies req and prints the outcome.
func doImport(ctx context.Context, e *Env, c *client, req service.ImportRequest, dryRun, asJSON bool) error {
	path := "/api/import/apply"
	if dryRun {
		path = "/api/import/preview"
	}
	var p importer.Preview
	if err := c.do(ctx, http.MethodPost, path, req, &p); err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.Stdout, p)
	}
	printPreview(e.Stdout, p)
	return nil
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
