package cli

import (
	"context"
	"fmt"
	"net/http"
	"text/tabwriter"
)

func settingsCommands() []command {
	return []command{{"settings", "show the router's settings, or change one (settings set KEY VALUE)", runSettings}}
}

// settingView is one row of GET /api/settings (backend/service/settings.go SettingView).
type settingView struct {
	Key         string `json:"key"`
	Default     string `json:"default"`
	Description string `json:"description"`
	Restart     bool   `json:"restartRequired"`
	Value       string `json:"value"`
	Overridden  string `json:"overriddenBy"`
}

func runSettings(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "settings", "[set KEY VALUE] [--json]")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
	case len(pos) == 3 && pos[0] == "set":
	default:
		fs.Usage()
		return fmt.Errorf("%w: settings takes nothing (show them) or set KEY VALUE", errUsage)
	}
	return withClient(ctx, e, cf, func(c *client) error {
		var list []settingView
		if len(pos) == 3 {
			// The server validates (a bad value changes nothing) and answers the settings as they now are.
			if err := c.do(ctx, http.MethodPut, "/api/settings", map[string]string{pos[1]: pos[2]}, &list); err != nil {
				return err
			}
		} else if err := c.do(ctx, http.MethodGet, "/api/settings", nil, &list); err != nil {
			return err
		}
		if cf.json {
			return printJSON(e.Stdout, list)
		}
		if len(pos) == 3 {
			for _, s := range list {
				if s.Key == pos[1] {
					note := ""
					if s.Restart {
						note = " (takes effect at the next start)"
					}
					fmt.Fprintf(e.Stdout, "%s = %s%s\n", s.Key, s.Value, note)
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SETTING\tVALUE\tDEFAULT\tNOTE")
		for _, s := range list {
			note := ""
			if s.Overridden != "" {
				note = "overridden by " + s.Overridden
			} else if s.Restart {
				note = "applies at the next start"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Key, orDash(s.Value), orDash(s.Default), note)
		}
		return tw.Flush()
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
