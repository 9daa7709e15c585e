package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/clitool"
)

// toolCommands are the CLI tool auto-config's subcommands: tool.
func toolCommands() []command {
	return []command{{"tool", "point coding CLIs at NineRouter and back: tool list|status|apply|revert|restore", runTool}}
}

const toolUsage = `list | status [TOOL] | preview TOOL [--model M] | apply TOOL [--model M] [--home DIR] | revert TOOL|--all [--home DIR] | restore TOOL [--home DIR]
  TOOL is one of: ` + "claude, codex, openclaw, droid, opencode, gemini, qwen"

func runTool(ctx context.Context, e *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.Stdout, "Usage: ninerouter tool "+toolUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: tool needs a subcommand", errUsage)
		}
		return nil
	}
	sub := args[0]
	fs, cf := commandFlags(e, "tool "+sub, toolUsage)
	model := fs.String("model", "", "model or combo the tool uses (default: ninerouter/active, the active combo)")
	home := fs.String("home", "", "use DIR as the home directory instead of yours (tests, sandboxes)")
	all := fs.Bool("all", false, "revert: every tool NineRouter applied")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	needTool := map[string]bool{"preview": true, "apply": true, "revert": !*all, "restore": true}
	known := map[string]bool{"list": true, "status": true, "preview": true, "apply": true, "revert": true, "restore": true}
	if !known[sub] {
		return fmt.Errorf("%w: unknown tool subcommand %q (want %s)", errUsage, sub, toolUsage)
	}
	tool := ""
	if len(pos) > 0 {
		tool = strings.ToLower(pos[0])
	}
	if needTool[sub] && tool == "" {
		return fmt.Errorf("%w: tool %s needs a TOOL (one of %s)", errUsage, sub, strings.Join(clitool.IDs(), ", "))
	}
	if tool != "" && !isTool(tool) {
		return fmt.Errorf("%w: unknown tool %q (one of %s)", errUsage, tool, strings.Join(clitool.IDs(), ", "))
	}
	if len(pos) > 1 || (sub == "list" && len(pos) > 0) {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[len(pos)-1])
	}
	if *model != "" && sub != "apply" && sub != "preview" {
		return fmt.Errorf("%w: --model is for apply and preview", errUsage)
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	c, err := open(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	q := ""
	if *home != "" {
		q = "?home=" + url.QueryEscape(*home)
	}
	body := map[string]string{}
	if *home != "" {
		body["home"] = *home
	}
	if *model != "" {
		body["model"] = *model
	}
	switch sub {
	case "list", "status":
		if tool != "" {
			return show(ctx, e, c, cf, http.MethodGet, "/api/tools/"+tool+q, nil, func(st clitool.ToolState) error {
				printToolState(e.Stdout, st)
				return nil
			})
		}
		var out api.ToolList
		if err := c.do(ctx, http.MethodGet, "/api/tools"+q, nil, &out); err != nil {
			return err
		}
		if cf.json {
			return printJSON(e.Stdout, out)
		}
		if sub == "list" {
			printToolTable(e.Stdout, out.Tools)
			return nil
		}
		for i, st := range out.Tools {
			if i > 0 {
				fmt.Fprintln(e.Stdout)
			}
			printToolState(e.Stdout, st)
		}
		return nil
	case "revert":
		if *all {
			if tool != "" {
				return fmt.Errorf("%w: revert --all takes no TOOL", errUsage)
			}
			var out struct {
				Results []clitool.Result `json:"results"`
				Error   string           `json:"error"`
			}
			if err := c.do(ctx, http.MethodPost, "/api/tools/revert-all", body, &out); err != nil {
				return err
			}
			if cf.json {
				if err := printJSON(e.Stdout, out); err != nil {
					return err
				}
			} else {
				if len(out.Results) == 0 && out.Error == "" {
					fmt.Fprintln(e.Stdout, "Nothing to revert: NineRouter has not applied any tool.")
				}
				for _, r := range out.Results {
					printResult(e.Stdout, r)
				}
			}
			if out.Error != "" {
				return fmt.Errorf("some tools were not reverted: %s", out.Error)
			}
			return nil
		}
		fallthrough
	default: // preview, apply, revert, restore
		return show(ctx, e, c, cf, http.MethodPost, "/api/tools/"+tool+"/"+sub, body, func(res clitool.Result) error {
			printResult(e.Stdout, res)
			return nil
		})
	}
}

func isTool(id string) bool {
	for _, t := range clitool.IDs() {
		if t == id {
			return true
		}
	}
	return false
}

func printToolTable(w io.Writer, tools []clitool.ToolState) {
	fmt.Fprintf(w, "%-9s %-14s %-10s %-15s %s\n", "TOOL", "NAME", "INSTALLED", "STATE", "MODEL")
	for _, st := range tools {
		inst := "no"
		switch {
		case st.Detection.Installed && st.Detection.Version != "":
			inst = "yes"
		case st.Detection.Installed:
			inst = "yes"
		case st.Detection.ConfigOnly:
			inst = "config"
		}
		fmt.Fprintf(w, "%-9s %-14s %-10s %-15s %s\n", st.ID, st.Name, inst, st.State, st.Model)
	}
}

func printToolState(w io.Writer, st clitool.ToolState) {
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-10s %s\n", k+":", v)
		}
	}
	fmt.Fprintf(w, "%s (%s): %s\n", st.Name, st.ID, st.State)
	row("Detail", st.Detail)
	switch {
	case st.Detection.Installed:
		row("Program", strings.TrimSpace(st.Detection.Path+" "+st.Detection.Version))
	case st.Detection.ConfigOnly:
		row("Program", "not found on PATH (its config directory exists)")
	default:
		row("Program", "not found")
	}
	row("Endpoint", st.BaseURL)
	row("Model", st.Model)
	for _, f := range st.Files {
		state := "exists"
		if !f.Exists {
			state = "absent"
		}
		row("File", fmt.Sprintf("%s (%s, %s)", f.Path, f.Role, state))
	}
	for _, w := range st.Warnings {
		row("Warning", w)
	}
	if st.Applied != nil {
		row("Applied", fmt.Sprintf("%s, model %s", st.Applied.At.Local().Format("2006-01-02 15:04"), st.Applied.Model))
	}
}

func printResult(w io.Writer, r clitool.Result) {
	verb := map[string]string{"apply": "now uses NineRouter", "preview": "would change as follows",
		"revert": "no longer uses NineRouter", "restore": "has its original files back", "heal": "points at this NineRouter again"}[r.Action]
	fmt.Fprintf(w, "%s %s", r.Tool, verb)
	if r.Model != "" && r.Action != "revert" && r.Action != "restore" {
		fmt.Fprintf(w, " (model %s)", r.Model)
	}
	if r.Action == "preview" {
		fmt.Fprint(w, "; nothing was written")
	}
	fmt.Fprintln(w, ".")
	for _, f := range r.Files {
		switch {
		case f.Removed:
			fmt.Fprintf(w, "  removed   %s\n", f.Path)
		case f.Changed:
			fmt.Fprintf(w, "  changed   %s\n", f.Path)
		default:
			fmt.Fprintf(w, "  unchanged %s\n", f.Path)
		}
		if f.Backup != "" {
			fmt.Fprintf(w, "            backup: %s\n", f.Backup)
		}
		if r.Action == "preview" && f.Diff != "" {
			fmt.Fprint(w, indent(f.Diff))
		}
	}
	for _, k := range r.Kept {
		fmt.Fprintf(w, "  kept your edit: %s\n", k)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if r.Restart != "" && r.Action != "preview" {
		fmt.Fprintf(w, "  %s\n", r.Restart)
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	return b.String()
}
