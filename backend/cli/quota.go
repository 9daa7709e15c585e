package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ninerouter/ninerouter/backend/quota"
	"github.com/ninerouter/ninerouter/backend/service"
)

func quotaCommands() []command {
	return []command{{"quota", "show each subscription account's quota windows, or keep a reserve", runQuota}}
}

func runQuota(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "quota", "[--refresh] [--json] | reserve ACCOUNT_ID PERCENT")
	refresh := fs.Bool("refresh", false, "fetch every account's quota now instead of showing the last known values")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 && pos[0] == "reserve" {
		if len(pos) != 3 {
			return fmt.Errorf("%w: quota reserve ACCOUNT_ID PERCENT (0 removes the reserve)", errUsage)
		}
		id, err1 := strconv.ParseInt(pos[1], 10, 64)
		pct, err2 := strconv.ParseFloat(strings.TrimSuffix(pos[2], "%"), 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%w: quota reserve ACCOUNT_ID PERCENT: want a number for each", errUsage)
		}
		return withClient(ctx, e, cf, func(c *client) error {
			if err := c.do(ctx, http.MethodPut, fmt.Sprintf("/api/quota/%d/reserve", id), map[string]float64{"percent": pct}, nil); err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "Account %d keeps %g%% of its longest window for you.\n", id, pct)
			return nil
		})
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected %q (see ninerouter quota -h)", errUsage, pos[0])
	}
	return withClient(ctx, e, cf, func(c *client) error {
		var v service.QuotaView
		var err error
		if *refresh {
			err = c.do(ctx, http.MethodPost, "/api/quota/refresh", map[string]any{}, &v)
		} else {
			err = c.do(ctx, http.MethodGet, "/api/quota", nil, &v)
		}
		if err != nil {
			return err
		}
		if cf.json {
			return printJSON(e.Stdout, v)
		}
		printQuota(e.Stdout, v, c.offline != nil)
		return nil
	})
}

// printQuota is one block per account: its name, plan and state, then one line per window.
func printQuota(w io.Writer, v service.QuotaView, offline bool) {
	if len(v.Accounts) == 0 {
		fmt.Fprintln(w, "No subscription accounts. Add one with `ninerouter login claude` (or codex, copilot, …).")
		return
	}
	if offline {
		fmt.Fprintln(w, "NineRouter is not running: these are the last known values.")
	}
	now := v.Now
	if now.IsZero() {
		now = time.Now()
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for i, a := range v.Accounts {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		head := fmt.Sprintf("%s · %s", a.Provider, a.Name)
		if a.Plan != "" {
			head += " (" + a.Plan + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", head, quota.StateWords(a.State), updatedWords(a, now))
		if !a.Supported {
			fmt.Fprintln(tw, "  this provider has no quota endpoint\t\t")
			continue
		}
		for _, win := range a.Windows {
			fmt.Fprintf(tw, "  %s\t\t\n", quota.WindowText(win, now, true))
		}
		if a.Error != "" {
			fmt.Fprintf(tw, "  unknown: %s\t\t\n", a.Error)
		}
		if a.BlockedUntil != nil {
			fmt.Fprintf(tw, "  routing skips it for %s (%s)\t\t\n", quota.Countdown(a.BlockedUntil.Sub(now)), a.BlockedWhy)
		}
		if a.Reserve > 0 {
			fmt.Fprintf(tw, "  reserve: %g%% of the longest window\t\t\n", a.Reserve)
		}
	}
	tw.Flush()
}

func updatedWords(a quota.AccountQuota, now time.Time) string {
	if a.UpdatedAt == nil {
		return "never updated"
	}
	s := "updated " + quota.Countdown(now.Sub(*a.UpdatedAt)) + " ago"
	if a.Stale {
		s += " (stale)"
	}
	return s
}
