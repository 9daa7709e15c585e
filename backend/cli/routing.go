package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// routingCommands are the router core's subcommands: provider, combo, key, usage.
func routingCommands() []command {
	return []command{
		{"provider", "add, list, test or remove provider accounts and custom nodes", runProvider},
		{"combo", "set, list, remove or activate model combos (fallback chains)", runCombo},
		{"key", "create, list or revoke client API keys for /v1", runKey},
		{"usage", "show tokens and cost per provider, model, account and key", runUsage},
	}
}

// sub splits "NOUN VERB args..." and finds the verb.
func sub(e *Env, noun string, args []string, verbs map[string]func(context.Context, *Env, []string) error, usageLine string) func(context.Context) error {
	return func(ctx context.Context) error {
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprintf(e.Stderr, "Usage: ninerouter %s %s\n", noun, usageLine)
			if len(args) == 0 {
				return fmt.Errorf("%w: %s needs a subcommand", errUsage, noun)
			}
			return nil
		}
		f, ok := verbs[args[0]]
		if !ok {
			fmt.Fprintf(e.Stderr, "Usage: ninerouter %s %s\n", noun, usageLine)
			return fmt.Errorf("%w: unknown %s subcommand %q", errUsage, noun, args[0])
		}
		return f(ctx, e, args[1:])
	}
}

// withClient resolves flags, connects (or opens the data dir) and runs fn.
func withClient(ctx context.Context, e *Env, cf *commonFlags, fn func(*client) error) error {
	c, err := openConfigured(ctx, e, cf)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// ---- provider ----

func runProvider(ctx context.Context, e *Env, args []string) error {
	return sub(e, "provider", args, map[string]func(context.Context, *Env, []string) error{
		"add": providerAdd, "add-node": providerAddNode, "list": providerList, "ls": providerList,
		"rm": providerRemove, "remove": providerRemove, "test": providerTest,
	}, "add|add-node|list|rm|test ...")(ctx)
}

func providerAdd(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "provider add", "<provider-id> --api-key KEY [--name N] [--base-url URL] [--priority P] [--proxy URL] [--models a,b] [--daily-usd X] [--monthly-usd X]")
	apiKey := fs.String("api-key", "", "the provider API key (or - to read it from stdin)")
	name := fs.String("name", "", "a name for the account")
	baseURL := fs.String("base-url", "", "override the provider's base URL (corporate gateway, tests)")
	priority := fs.Int("priority", 0, "lower is tried first (default: after the existing accounts)")
	proxyURL := fs.String("proxy", "", "outbound proxy for this account: http://[user:password@]host:port, socks5://… or direct (- reads it from stdin)")
	models := fs.String("models", "", "comma-separated models this account lists in /v1/models")
	daily := fs.Float64("daily-usd", 0, "daily budget cap in USD (0 = none)")
	monthly := fs.Float64("monthly-usd", 0, "monthly budget cap in USD (0 = none)")
	arg, err := parseOne(fs, args, "provider add needs exactly one provider id")
	if err != nil {
		return err
	}
	key, err := readKeyFlag(e, *apiKey)
	if err != nil {
		return err
	}
	if *proxyURL, err = readProxyFlag(e, *proxyURL, *apiKey == "-"); err != nil {
		return err
	}
	in := service.AccountInput{Provider: arg, APIKey: &key}
	if *name != "" {
		in.Name = name
	}
	if *baseURL != "" {
		in.BaseURL = baseURL
	}
	if *proxyURL != "" {
		in.ProxyURL = proxyURL
	}
	if isSet(fs, "priority") {
		in.Priority = priority
	}
	if *models != "" {
		l := splitList(*models)
		in.Models = &l
	}
	if *daily > 0 {
		in.DailyUSD = daily
	}
	if *monthly > 0 {
		in.MonthlyUSD = monthly
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPost, "/api/accounts", in, func(a service.AccountView) error {
			fmt.Fprintf(e.Stdout, "added account %d (%s, %s) → %s\n", a.ID, a.Provider, a.Name, a.EffectiveURL)
			return nil
		})
	})
}

func providerAddNode(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "provider add-node", "--prefix P --format openai|openai-responses|anthropic --base-url URL --api-key KEY [--name N] [--models a,b]")
	prefix := fs.String("prefix", "", "model prefix that selects this node (prefix/model)")
	format := fs.String("format", "openai", "wire format: openai, openai-responses or anthropic")
	baseURL := fs.String("base-url", "", "the node's base URL, e.g. http://127.0.0.1:8000/v1")
	apiKey := fs.String("api-key", "", "the node's API key (or - to read it from stdin)")
	name := fs.String("name", "", "a display name")
	proxyURL := fs.String("proxy", "", "outbound proxy for this node: http://[user:password@]host:port, socks5://… or direct (- reads it from stdin)")
	models := fs.String("models", "", "comma-separated models to list in /v1/models")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *prefix == "" || *baseURL == "" {
		fs.Usage()
		return fmt.Errorf("%w: add-node needs --prefix and --base-url", errUsage)
	}
	key, err := readKeyFlag(e, *apiKey)
	if err != nil {
		return err
	}
	if *proxyURL, err = readProxyFlag(e, *proxyURL, *apiKey == "-"); err != nil {
		return err
	}
	in := service.NodeInput{Prefix: *prefix, Name: *name, Format: *format, BaseURL: *baseURL, APIKey: key, ProxyURL: *proxyURL, Models: splitList(*models)}
	type added struct {
		Node    service.NodeView     `json:"node"`
		Account *service.AccountView `json:"account"`
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPost, "/api/nodes", in, func(out added) error {
			fmt.Fprintf(e.Stdout, "added node %q (%s) → %s; use models as %s/MODEL\n", out.Node.Prefix, out.Node.Format, out.Node.BaseURL, out.Node.Prefix)
			return nil
		})
	})
}

func providerList(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "provider list", "[--json] [--all]")
	all := fs.Bool("all", false, "also list providers that have no account")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		var accts []service.AccountView
		if err := c.do(ctx, http.MethodGet, "/api/accounts", nil, &accts); err != nil {
			return err
		}
		var provs []service.ProviderInfo
		if *all || cf.json {
			if err := c.do(ctx, http.MethodGet, "/api/providers", nil, &provs); err != nil {
				return err
			}
		}
		if cf.json {
			return printJSON(e.Stdout, map[string]any{"accounts": accts, "providers": provs})
		}
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPROVIDER\tNAME\tPRIORITY\tENABLED\tURL\tSTATE")
		for _, a := range accts {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%v\t%s\t%s\n", a.ID, a.Provider, a.Name, a.Priority, a.Enabled, a.EffectiveURL, accountState(a))
		}
		tw.Flush()
		if *all {
			fmt.Fprintln(e.Stdout, "\nProviders (prefixes):")
			for _, p := range provs {
				fmt.Fprintf(e.Stdout, "  %-12s %-28s %s\n", p.ID, p.Name, strings.Join(p.Prefixes, ", "))
			}
		}
		return nil
	})
}

func accountState(a service.AccountView) string {
	var parts []string
	for _, c := range a.Cooldowns {
		parts = append(parts, fmt.Sprintf("cooling %s until %s (%s)", c.Model, c.Until.Local().Format("15:04:05"), c.Reason))
	}
	if a.OverBudget {
		parts = append(parts, "over budget")
	}
	if len(parts) == 0 && a.LastError != "" {
		parts = append(parts, "last error: "+a.LastError)
	}
	if len(parts) == 0 {
		return "ok"
	}
	return strings.Join(parts, "; ")
}

func providerRemove(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "provider rm", "ACCOUNT-ID | NODE-PREFIX")
	arg, err := parseOne(fs, args, "provider rm needs an account id or a node prefix")
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		if id, err := strconv.ParseInt(arg, 10, 64); err == nil {
			if err := c.do(ctx, http.MethodDelete, "/api/accounts/"+strconv.FormatInt(id, 10), nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "removed account %d\n", id)
			return nil
		}
		var nodes []service.NodeView
		if err := c.do(ctx, http.MethodGet, "/api/nodes", nil, &nodes); err != nil {
			return err
		}
		for _, n := range nodes {
			if n.Prefix == arg {
				if err := c.do(ctx, http.MethodDelete, "/api/nodes/"+strconv.FormatInt(n.ID, 10), nil, nil); err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "removed node %q and its accounts\n", n.Prefix)
				return nil
			}
		}
		return fmt.Errorf("no account with id %q and no node with that prefix", arg)
	})
}

func providerTest(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "provider test", "ACCOUNT-ID [--model M]")
	model := fs.String("model", "", "model to test with (default: the account's first model)")
	arg, err := parseOne(fs, args, "provider test needs an account id")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not an account id (see `ninerouter provider list`)", errUsage, arg)
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPost, "/api/accounts/"+strconv.FormatInt(id, 10)+"/test", map[string]string{"model": *model}, func(res service.TestResult) error {
			fmt.Fprintf(e.Stdout, "account %d, model %s: %s (%d ms)\n", id, res.Model, res.Message, res.LatencyMs)
			if !res.OK {
				return exitError{code: 1, err: fmt.Errorf("test failed")}
			}
			return nil
		})
	})
}

// ---- combo ----

func runCombo(ctx context.Context, e *Env, args []string) error {
	return sub(e, "combo", args, map[string]func(context.Context, *Env, []string) error{
		"set": comboSet, "list": comboList, "ls": comboList, "rm": comboRemove, "remove": comboRemove, "activate": comboActivate,
	}, "set NAME MODEL [MODEL...] [--strategy fallback|round-robin|soonest-reset] | list | rm NAME | activate NAME")(ctx)
}

func comboSet(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "combo set", "NAME MODEL [MODEL...] [--strategy fallback|round-robin|soonest-reset]")
	strategy := fs.String("strategy", route.ComboFallback, "fallback (in order), round-robin (rotate the start) or soonest-reset (subscriptions whose quota resets first go first)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		fs.Usage()
		return fmt.Errorf("%w: combo set needs a name and at least one model", errUsage)
	}
	body := map[string]any{"strategy": *strategy, "models": pos[1:]}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPut, "/api/combos/"+url.PathEscape(pos[0]), body, func(v service.ComboView) error {
			fmt.Fprintf(e.Stdout, "combo %s (%s): %s\n", v.Name, v.Strategy, entryList(v.Entries))
			return nil
		})
	})
}

func entryList(es []service.ComboEntryView) string {
	var out []string
	for _, e := range es {
		s := e.Model
		if e.OverBudget {
			s += " [over budget]"
		}
		out = append(out, s)
	}
	return strings.Join(out, " → ")
}

func comboList(ctx context.Context, e *Env, args []string) error {
	return listCommand(ctx, e, args, "combo list", "/api/combos", func(out api.CombosPage) error {
		if len(out.Combos) == 0 {
			fmt.Fprintln(e.Stdout, "no combos yet: ninerouter combo set NAME MODEL [MODEL...]")
			return nil
		}
		for _, v := range out.Combos {
			mark := " "
			if v.Active {
				mark = "*"
			}
			fmt.Fprintf(e.Stdout, "%s %s (%s): %s\n", mark, v.Name, v.Strategy, entryList(v.Entries))
		}
		if out.Active != "" {
			fmt.Fprintf(e.Stdout, "\n* active: served as model %q\n", out.VirtualModel)
		}
		return nil
	})
}

func comboRemove(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "combo rm", "NAME")
	arg, err := parseOne(fs, args, "combo rm needs a name")
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		if err := c.do(ctx, http.MethodDelete, "/api/combos/"+url.PathEscape(arg), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "removed combo %s\n", arg)
		return nil
	})
}

func comboActivate(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "combo activate", "NAME (\"\" deactivates)")
	arg, err := parseOne(fs, args, "combo activate needs a name")
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPut, "/api/combos/active", map[string]string{"name": arg}, func(out map[string]any) error {
			if arg == "" {
				fmt.Fprintln(e.Stdout, "no combo is active now")
				return nil
			}
			fmt.Fprintf(e.Stdout, "combo %s is active: model %q now serves it\n", arg, route.ActiveModel)
			return nil
		})
	})
}

// ---- key ----

func runKey(ctx context.Context, e *Env, args []string) error {
	return sub(e, "key", args, map[string]func(context.Context, *Env, []string) error{
		"create": keyCreate, "list": keyList, "ls": keyList, "revoke": keyRevoke, "limits": keyLimits,
	}, "create [--name N] [--combos A,B] [--daily USD] [--monthly USD] | list | revoke ID | limits ID [--combos A,B] [--daily USD] [--monthly USD]")(ctx)
}

func keyCreate(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "key create", "[--name N] [--combos A,B] [--daily USD] [--monthly USD]")
	name := fs.String("name", "", "a name to recognise the key by (a team member's name)")
	lim := limitFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	type created struct {
		Key  string   `json:"key"`
		Info keys.Key `json:"info"`
	}
	body := struct {
		Name string `json:"name"`
		keys.Limits
	}{*name, lim()}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPost, "/api/keys", body, func(out created) error {
			// The key alone on stdout, so scripts can capture it; the note goes to stderr.
			fmt.Fprintln(e.Stdout, out.Key)
			fmt.Fprintf(e.Stderr, "created key %d%s; it is shown only this once\n", out.Info.ID, nameSuffix(out.Info.Name))
			return nil
		})
	})
}

func nameSuffix(n string) string {
	if n == "" {
		return ""
	}
	return " (" + n + ")"
}

func keyList(ctx context.Context, e *Env, args []string) error {
	return listCommand(ctx, e, args, "key list", "/api/keys", func(list []keys.Key) error {
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tKEY\tCREATED\tSTATE\tLIMITS")
		for _, k := range list {
			state := "active"
			if k.RevokedAt != nil {
				state = "revoked " + k.RevokedAt.Local().Format(time.DateTime)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Hint, k.CreatedAt.Local().Format(time.DateTime), state, describeLimits(k.Limits))
		}
		return tw.Flush()
	})
}

// limitFlags registers a member key's limit flags; the returned function reads them after parsing.
func limitFlags(fs *flag.FlagSet) func() keys.Limits {
	combos := fs.String("combos", "", "comma-separated combos the key may use (default: any model)")
	daily := fs.Float64("daily", 0, "daily budget in USD (0: none)")
	monthly := fs.Float64("monthly", 0, "monthly budget in USD (0: none)")
	return func() keys.Limits {
		l := keys.Limits{DailyUSD: *daily, MonthlyUSD: *monthly}
		for _, c := range strings.Split(*combos, ",") {
			if c = strings.TrimSpace(c); c != "" {
				l.AllowedCombos = append(l.AllowedCombos, c)
			}
		}
		return l
	}
}

func describeLimits(l keys.Limits) string {
	var parts []string
	if len(l.AllowedCombos) > 0 {
		parts = append(parts, "combos "+strings.Join(l.AllowedCombos, ","))
	}
	if l.DailyUSD > 0 {
		parts = append(parts, fmt.Sprintf("$%.2f/day", l.DailyUSD))
	}
	if l.MonthlyUSD > 0 {
		parts = append(parts, fmt.Sprintf("$%.2f/month", l.MonthlyUSD))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

// parseKeyID parses the flags and the one key id argument of a key subcommand.
func parseKeyID(fs *flag.FlagSet, args []string, cmd string) (int64, error) {
	arg, err := parseOne(fs, args, cmd+" needs a key id")
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a key id (see `ninerouter key list`)", errUsage, arg)
	}
	return id, nil
}

func keyLimits(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "key limits", "ID [--combos A,B] [--daily USD] [--monthly USD]")
	lim := limitFlags(fs)
	id, err := parseKeyID(fs, args, "key limits")
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodPut, "/api/keys/"+strconv.FormatInt(id, 10)+"/limits", lim(), func(k keys.Key) error {
			fmt.Fprintf(e.Stdout, "key %d%s: %s\n", k.ID, nameSuffix(k.Name), describeLimits(k.Limits))
			return nil
		})
	})
}

func keyRevoke(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "key revoke", "ID")
	id, err := parseKeyID(fs, args, "key revoke")
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		if err := c.do(ctx, http.MethodDelete, "/api/keys/"+strconv.FormatInt(id, 10), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "revoked key %d\n", id)
		return nil
	})
}

// ---- usage ----

func runUsage(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "usage", "[--since 24h] [--by provider|model|account|key|combo] [--json]")
	since := fs.String("since", "24h", "how far back: a duration (24h, 90m, 7d) or an RFC 3339 time")
	by := fs.String("by", "model", "breakdown: provider, model, account, key or combo")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return show(ctx, e, c, cf, http.MethodGet, "/api/usage?since="+url.QueryEscape(*since), nil, func(rep usage.Report) error {
			return printUsage(ctx, e, c, rep, *by)
		})
	})
}

// printUsage writes a usage report's totals and its breakdown by, naming member keys when by is "key".
func printUsage(ctx context.Context, e *Env, c *client, rep usage.Report, by string) error {
	t := rep.Total
	// A request is a client's call; an attempt is one upstream try of it (docs/ui.md, the words of every view).
	fmt.Fprintf(e.Stdout, "Since %s: %d requests, %d attempts (%d failed), %d input + %d output tokens (%d cached, %d reasoning), %s\n\n",
		rep.Since.Local().Format(time.DateTime), t.Requests, t.Attempts, t.Errors, t.Input, t.Output, t.CacheRead,
		t.Reasoning, usd(t.CostUSD))
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tREQUESTS\tATTEMPTS\tFAILED\tINPUT\tOUTPUT\tCACHED\tCOST\t\n", strings.ToUpper(by))
	label := func(k string) string { return k }
	if by == "key" { // a member's name beside the key id
		var list []keys.Key
		if err := c.do(ctx, http.MethodGet, "/api/keys", nil, &list); err == nil {
			names := map[string]string{"0": "(no key)"}
			for _, k := range list {
				names[strconv.FormatInt(k.ID, 10)] = strconv.FormatInt(k.ID, 10) + nameSuffix(k.Name)
			}
			label = func(k string) string {
				if n, ok := names[k]; ok {
					return n
				}
				return k
			}
		}
	}
	for _, g := range rep.By[by] {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", label(g.Key), g.Requests, g.Attempts, g.Errors, g.Input,
			g.Output, g.CacheRead, usd(g.CostUSD))
	}
	return tw.Flush()
}

// ---- helpers ----

// usd formats money as the window does (frontend/src/lib/format.ts usd): "$0.00" for nothing, two decimals from
// a dollar, three from a cent, four below.
func usd(n float64) string {
	if n == 0 {
		return "$0.00"
	}
	sign, a := "", n
	if n < 0 {
		sign, a = "-", -n
	}
	digits := 4
	switch {
	case a >= 1:
		digits = 2
	case a >= 0.01:
		digits = 3
	}
	return sign + "$" + strconv.FormatFloat(a, 'f', digits, 64)
}

func readKeyFlag(e *Env, v string) (string, error) {
	inline := v != "" && v != "-"
	if v == "-" {
		if e.Stdin == nil {
			return "", fmt.Errorf("%w: --api-key - needs the key on stdin", errUsage)
		}
		var err error
		if v, err = readFlagStdin(e, "the key"); err != nil {
			return "", err
		}
	}
	if v == "" {
		return "", fmt.Errorf("%w: --api-key is required", errUsage)
	}
	if inline {
		// Any local user can read another process's arguments (ps, /proc/PID/cmdline) and shells keep them in
		// their history (issue #9 finding 8).
		fmt.Fprintln(e.Stderr, "warning: a key given on the command line is visible to other local users (ps) and kept in shell history; pass --api-key - and send the key on stdin instead")
	}
	return v, nil
}

// readProxyFlag is the --proxy value: "-" reads it from stdin (unless the key already does); an address with a
// password given inline is visible to other local users, as an inline key is (readKeyFlag), and the CLI says so.
// The service keeps the password in the secret store, never in the database.
func readProxyFlag(e *Env, v string, keyFromStdin bool) (string, error) {
	if v == "-" {
		if keyFromStdin || e.Stdin == nil {
			return "", fmt.Errorf("%w: --proxy - needs the address alone on stdin (give the key another way, or set the proxy afterwards in the dashboard)", errUsage)
		}
		return readFlagStdin(e, "the proxy address")
	}
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			fmt.Fprintln(e.Stderr, "warning: a proxy password given on the command line is visible to other local users (ps) and kept in shell history; pass --proxy - and send the address on stdin instead")
		}
	}
	return v, nil
}

// readFlagStdin reads a flag's value given as "-" from stdin (64 KiB at most), trimmed.
func readFlagStdin(e *Env, what string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(e.Stdin, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read %s from stdin: %w", what, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}
