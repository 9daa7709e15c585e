package app

import (
	"context"
	"fmt"

	"github.com/ninerouter/ninerouter/app/traymenu"
	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/service"
)

// trayCombos reads the routing combos for the "Combo" radio group (cheap: the router's snapshot).
func trayCombos(ctx context.Context, svc *service.Service) ([]traymenu.Combo, error) {
	views, err := svc.Combos(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]traymenu.Combo, 0, len(views))
	for _, v := range views {
		out = append(out, traymenu.Combo{Name: v.Name, Active: v.Active})
	}
	return out, nil
}

// trayTools reads the CLI tools for the "CLI tools" submenu. Detection runs each tool's --version, so the tray
// calls this off its loop, at start and on tools events only.
func trayTools(ctx context.Context, svc *service.Service) []traymenu.Tool {
	return toolsForTray(svc.Tools(ctx))
}

// toolsForTray keeps the tools worth a menu entry (installed, or already pointed somewhere by a config) and
// says in a few words where each one points.
func toolsForTray(states []clitool.ToolState) []traymenu.Tool {
	var out []traymenu.Tool
	for _, ts := range states {
		present := ts.Detection.Installed || ts.Detection.ConfigOnly
		if !present && ts.State != clitool.Configured && ts.State != clitool.Stale {
			continue
		}
		t := traymenu.Tool{ID: ts.ID, Name: ts.Name, CanRevert: ts.CanRevert}
		switch ts.State {
		case clitool.Configured:
			t.State = "using NineRouter"
		case clitool.NotConfigured:
			t.State = "not set up"
			t.CanApply = true
		case clitool.Elsewhere:
			t.State = "points elsewhere"
			t.CanApply = true
		case clitool.Stale:
			t.State = "stale config"
			t.CanApply = true
		case clitool.Unreadable:
			t.State = "config unreadable"
		default:
			t.State = string(ts.State)
		}
		out = append(out, t)
	}
	return out
}

// trayAction performs the routing and tool clicks through the same service methods the API uses.
func trayAction(ctx context.Context, svc *service.Service, a traymenu.Action) error {
	switch a.Kind {
	case traymenu.ActSelectCombo:
		return svc.ActivateCombo(ctx, a.Arg)
	case traymenu.ActApplyTool:
		_, err := svc.ApplyTool(ctx, a.Arg, clitool.ApplyOptions{}) // model "": follow the active combo
		return err
	case traymenu.ActRevertTool:
		_, err := svc.RevertTool(ctx, a.Arg, "")
		return err
	case traymenu.ActAutostart:
		_, err := svc.SetAutostart(a.Arg == "on")
		return err
	}
	return fmt.Errorf("unknown tray action %q", a.Kind)
}
