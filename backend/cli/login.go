package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pkg/browser"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/service"
)

// signInCommands are the subscription commands: login and account.
func signInCommands() []command {
	return []command{
		{"login", "sign in to a subscription (claude, codex, copilot…) and add it as an account", runLogin},
		{"account", "list, remove or sign in again to accounts", runAccount},
	}
}

type loginFlags struct {
	noBrowser, paste, device, imp bool
}

func (l *loginFlags) register(fs interface {
	BoolVar(*bool, string, bool, string)
}) {
	fs.BoolVar(&l.noBrowser, "no-browser", false, "do not open a browser: print the address to open and wait")
	fs.BoolVar(&l.paste, "paste", false, "paste the address the browser ends on (machines whose browser cannot reach this one)")
	fs.BoolVar(&l.device, "device", false, "sign in with a code entered on the vendor's page (device flow)")
	fs.BoolVar(&l.imp, "import", false, "import the vendor CLI's existing login (it may sign that CLI out)")
}

func (l *loginFlags) flow() (oauth.Flow, error) {
	n := 0
	var f oauth.Flow
	for _, x := range []struct {
		on bool
		f  oauth.Flow
	}{{l.paste, oauth.FlowPaste}, {l.device, oauth.FlowDevice}, {l.imp, oauth.FlowImport}} {
		if x.on {
			n++
			f = x.f
		}
	}
	if n > 1 {
		return "", fmt.Errorf("%w: choose one of --paste, --device, --import", errUsage)
	}
	return f, nil
}

func runLogin(ctx context.Context, e *Env, args []string) error {
	var lf loginFlags
	fs, cf := commandFlags(e, "login", "PROVIDER [--no-browser] [--paste] [--device] [--import]\n  PROVIDER: claude (cc), codex (cx), copilot (gh), kimi-coding (kmc), gemini-cli (gc), antigravity (ag), kiro (kr)")
	lf.register(fs)
	prov, err := parseOne(fs, args, "login needs a provider: claude, codex, copilot, kimi-coding, gemini-cli, antigravity or kiro")
	if err != nil {
		return err
	}
	flow, err := lf.flow()
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		return signIn(ctx, e, c, oauth.StartRequest{Provider: prov, Flow: flow}, lf.noBrowser, cf.json)
	})
}

// signIn runs one flow to its end, printing what the user must do.
func signIn(ctx context.Context, e *Env, c *client, req oauth.StartRequest, noBrowser, asJSON bool) error {
	if req.Flow == oauth.FlowImport {
		var ps []service.SignInProvider
		if err := c.do(ctx, http.MethodGet, "/api/signin/providers", nil, &ps); err == nil {
			for _, p := range ps {
				if (p.ID == req.Provider || p.Prefix == req.Provider) && p.ImportNote != "" {
					fmt.Fprintln(e.Stderr, "Note: "+p.ImportNote)
				}
			}
		}
	}
	var v oauth.FlowView
	if err := c.do(ctx, http.MethodPost, "/api/signin", req, &v); err != nil {
		return err
	}
	out := e.Stdout
	if asJSON {
		out = e.Stderr // the final state alone goes to stdout
	}
	switch {
	case v.State.Terminal():
	case v.UserCode != "":
		fmt.Fprintf(out, "To sign in to %s, enter this code:\n\n    %s\n\nat this address:\n%s\n\n", v.ProviderName, v.UserCode, v.URL)
		openBrowser(e, v.URL, noBrowser)
		fmt.Fprintln(out, "Waiting for approval…")
	case v.Flow == oauth.FlowPaste:
		fmt.Fprintf(out, "Open this address in any browser to sign in to %s:\n%s\n\n", v.ProviderName, v.URL)
	default:
		if noBrowser {
			fmt.Fprintf(out, "Open this address in a browser to sign in to %s:\n%s\n", v.ProviderName, v.URL)
		} else {
			fmt.Fprintf(out, "Opening your browser to sign in to %s. If it does not open, open this address:\n%s\n", v.ProviderName, v.URL)
			openBrowser(e, v.URL, false)
		}
		fmt.Fprintln(out, "Waiting for the browser to come back… (Ctrl-C cancels)")
	}
	if v.Flow == oauth.FlowPaste && !v.State.Terminal() {
		if err := pasteLoop(ctx, e, c, v.ID); err != nil {
			cancelFlow(c, v.ID)
			return err
		}
	}
	for !v.State.Terminal() {
		select {
		case <-ctx.Done():
			cancelFlow(c, v.ID)
			return errors.New("sign-in cancelled")
		case <-time.After(300 * time.Millisecond):
		}
		if err := c.do(ctx, http.MethodGet, "/api/signin/"+v.ID, nil, &v); err != nil {
			if ctx.Err() != nil {
				cancelFlow(c, v.ID)
				return errors.New("sign-in cancelled")
			}
			return err
		}
	}
	if asJSON {
		if err := printJSON(e.Stdout, v); err != nil {
			return err
		}
	}
	if v.State != oauth.FlowDone {
		return fmt.Errorf("%s sign-in %s: %s", v.ProviderName, v.State, v.Message)
	}
	if !asJSON {
		who := v.Email
		if who == "" {
			who = "your account"
		}
		plan := ""
		if v.Plan != "" {
			plan = " (" + v.Plan + ")"
		}
		fmt.Fprintf(e.Stdout, "Signed in to %s as %s%s: account %d.\n", v.ProviderName, who, plan, v.AccountID)
	}
	return nil
}

// pasteLoop reads pasted addresses until one is accepted or the input ends.
func pasteLoop(ctx context.Context, e *Env, c *client, id string) error {
	if e.Stdin == nil {
		return errors.New("--paste needs a terminal to paste into")
	}
	sc := bufio.NewScanner(e.Stdin)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for {
		fmt.Fprint(e.Stdout, "Paste the address your browser ends on (or the code it shows), then press Enter: ")
		if !sc.Scan() {
			return errors.New("no code was pasted; sign-in cancelled")
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var v oauth.FlowView
		err := c.do(ctx, http.MethodPost, "/api/signin/"+id+"/code", map[string]string{"code": line}, &v)
		if err == nil {
			return nil
		}
		fmt.Fprintln(e.Stderr, "ninerouter: "+err.Error())
		var cur oauth.FlowView
		if c.do(ctx, http.MethodGet, "/api/signin/"+id, nil, &cur) == nil && cur.State.Terminal() {
			return fmt.Errorf("sign-in %s: %s", cur.State, cur.Message)
		}
	}
}

func cancelFlow(c *client, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.do(ctx, http.MethodDelete, "/api/signin/"+id, nil, nil)
}

// openBrowser opens url unless told not to; a failure is not fatal, the address is printed anyway.
func openBrowser(e *Env, url string, skip bool) {
	if skip {
		return
	}
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	if err := browser.OpenURL(url); err != nil {
		fmt.Fprintln(e.Stderr, "(could not open a browser: "+err.Error()+")")
	}
}

// ---- account ----

func runAccount(ctx context.Context, e *Env, args []string) error {
	return sub(e, "account", args, map[string]func(context.Context, *Env, []string) error{
		"list": accountList, "ls": accountList, "rm": accountRemove, "remove": accountRemove, "relogin": accountRelogin,
	}, "list [--json] | rm ID | relogin ID [--no-browser] [--paste] [--device]")(ctx)
}

func accountList(ctx context.Context, e *Env, args []string) error {
	return listCommand(ctx, e, args, "account list", "/api/accounts", func(accts []service.AccountView) error {
		tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPROVIDER\tNAME\tSTATE\tPLAN\tDETAIL")
		for _, a := range accts {
			state, plan, detail := "key", "", a.LastError
			if !a.Enabled {
				state = "disabled"
			}
			if si := a.SignIn; si != nil {
				state, plan = strings.ReplaceAll(si.State, "_", " "), si.Plan
				if si.Message != "" {
					detail = si.Message
				}
				if si.State == "needs_sign_in" {
					detail += " → ninerouter account relogin " + strconv.FormatInt(a.ID, 10)
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Provider, a.Name, state, plan, detail)
		}
		return tw.Flush()
	})
}

func accountRemove(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "account rm", "ID")
	id, err := parseOne(fs, args, "account rm needs an account id (see `ninerouter account list`)")
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		if err := c.do(ctx, http.MethodDelete, "/api/accounts/"+id, nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Removed account %s and its stored tokens.\n", id)
		return nil
	})
}

func accountRelogin(ctx context.Context, e *Env, args []string) error {
	var lf loginFlags
	fs, cf := commandFlags(e, "account relogin", "ID [--no-browser] [--paste] [--device]")
	lf.register(fs)
	raw, err := parseOne(fs, args, "account relogin needs an account id (see `ninerouter account list`)")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: account id %q is not a number", errUsage, raw)
	}
	flow, err := lf.flow()
	if err != nil {
		return err
	}
	return withClient(ctx, e, cf, func(c *client) error {
		var a service.AccountView
		if err := c.do(ctx, http.MethodGet, "/api/accounts/"+raw, nil, &a); err != nil {
			return err
		}
		if a.SignIn == nil {
			return fmt.Errorf("account %d (%s) uses an API key, not a sign-in: change its key with `ninerouter provider add`", id, a.Provider)
		}
		return signIn(ctx, e, c, oauth.StartRequest{Provider: a.Provider, Flow: flow, Relogin: id}, lf.noBrowser, cf.json)
	})
}
