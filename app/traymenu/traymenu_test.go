package traymenu

import (
	"fmt"
	"strings"
	"testing"
)

// outline renders a menu as indented text: "[x]" checked, "[ ]" checkable, "(off)" disabled, "--" separator,
// "=> kind:arg" the click's action.
func outline(m Menu) string {
	var b strings.Builder
	fmt.Fprintf(&b, "icon=%d tooltip=%q\n", m.Icon, m.Tooltip)
	Walk(m.Items, func(it Item, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		if it.Separator {
			b.WriteString("--\n")
			return
		}
		if it.Checkable {
			if it.Checked {
				b.WriteString("[x] ")
			} else {
				b.WriteString("[ ] ")
			}
		}
		b.WriteString(it.Title)
		if it.Disabled {
			b.WriteString(" (off)")
		}
		if it.Action.Kind != ActNone {
			fmt.Fprintf(&b, " => %s", it.Action.Kind)
			if it.Action.Arg != "" {
				b.WriteString(":" + it.Action.Arg)
			}
		}
		b.WriteString("\n")
	})
	return b.String()
}

func TestBuild(t *testing.T) {
	running := State{Phase: Running, Addr: "127.0.0.1:20128", Endpoint: "http://127.0.0.1:20128/v1", Requests: 3,
		SecretStore: "keychain"}
	withCombos := running
	withCombos.Combos = []Combo{{Name: "fast"}, {Name: "cheap", Active: true}}
	withTools := running
	withTools.Requests = 1
	withTools.Tools = []Tool{
		{ID: "claude", Name: "Claude Code", State: "applied", CanRevert: true},
		{ID: "codex", State: "not applied", CanApply: true},
	}
	needsSignIn := running
	needsSignIn.SignIn = []SignIn{{AccountID: 4, Label: "Claude (me@example.com)", Reason: "invalid_grant"}}
	on, off := true, false
	desktop := running
	desktop.Autostart = &off
	desktop.UpdateVersion, desktop.UpdateURL = "1.4.0", "https://ninerouter.example/dl/1.4.0.deb"
	locked := running
	locked.Autostart = &on
	locked.SecretsWaiting = "the OS keychain is locked"
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{"an account that needs signing in again gets its own row", needsSignIn,
			`icon=0 tooltip="NineRouter: running on 127.0.0.1:20128\n3 requests served"
Running on 127.0.0.1:20128 · 3 requests served (off)
Sign in again: Claude (me@example.com) => sign-in:4
--
Open NineRouter => open
Copy endpoint URL => copy-endpoint
--
Quit => quit
`},
		{"update row and start at login (off)", desktop, `icon=0 tooltip="NineRouter: running on 127.0.0.1:20128\n3 requests served"
Running on 127.0.0.1:20128 · 3 requests served (off)
Update available: NineRouter 1.4.0… => open-update:https://ninerouter.example/dl/1.4.0.deb
--
Open NineRouter => open
Copy endpoint URL => copy-endpoint
[ ] Start at login => autostart:on
--
Quit => quit
`},
		{"locked keychain offers unlock; start at login (on)", locked, `icon=0 tooltip="NineRouter: running on 127.0.0.1:20128\n3 requests served"
Running on 127.0.0.1:20128 · 3 requests served (off)
Keys not loaded: the OS keychain is locked (off)
Unlock keychain… => unlock
--
Open NineRouter => open
Copy endpoint URL => copy-endpoint
[x] Start at login => autostart:off
--
Quit => quit
`},
		{"starting", State{Phase: Starting}, `icon=1 tooltip="NineRouter: starting"
NineRouter: starting… (off)
--
Open NineRouter => open
Copy endpoint URL (off) => copy-endpoint
--
Quit => quit
`},
		{"failed shows the first line of the error", State{Phase: Failed, Err: "address 127.0.0.1:20128 is already in use\nmore"},
			`icon=1 tooltip="NineRouter: not running: address 127.0.0.1:20128 is already in use"
NineRouter: not running (off)
address 127.0.0.1:20128 is already in use (off)
--
Open NineRouter => open
Copy endpoint URL (off) => copy-endpoint
--
Quit => quit
`},
		{"running", running, `icon=0 tooltip="NineRouter: running on 127.0.0.1:20128\n3 requests served"
Running on 127.0.0.1:20128 · 3 requests served (off)
--
Open NineRouter => open
Copy endpoint URL => copy-endpoint
--
Quit => quit
`},
		{"combos are a radio group following the active combo", withCombos,
			`icon=0 tooltip="NineRouter: running on 127.0.0.1:20128\n3 requests served\nCombo: cheap"
Running on 127.0.0.1:20128 · 3 requests served (off)
--
Open NineRouter => open
Copy endpoint URL => copy-endpoint
Combo: cheap
  [ ] fast => combo:fast
  [x] cheap => combo:cheap
--
Quit => quit
`},
		{"tools list state and the actions that apply", withTools,
			`icon=0 tooltip="NineRouter: running on 127.0.0.1:20128\n1 request served"
Running on 127.0.0.1:20128 · 1 request served (off)
--
Open NineRouter => open
Copy endpoint URL => copy-endpoint
CLI tools
  Claude Code: applied (off)
  Apply to Claude Code (off) => tool-apply:claude
  Revert Claude Code => tool-revert:claude
  --
  codex: not applied (off)
  Apply to codex => tool-apply:codex
  Revert codex (off) => tool-revert:codex
--
Quit => quit
`},
		{"stopping hides combos", State{Phase: Stopping, Combos: []Combo{{Name: "a", Active: true}}},
			`icon=1 tooltip="NineRouter: stopping"
NineRouter: stopping… (off)
--
Open NineRouter => open
Copy endpoint URL (off) => copy-endpoint
--
Quit => quit
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outline(Build(tt.state)); got != tt.want {
				t.Errorf("menu:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestBuildKeysAreUnique(t *testing.T) {
	s := State{Phase: Running, Addr: "a", Endpoint: "e",
		Combos: []Combo{{Name: "x"}, {Name: "y", Active: true}},
		Tools:  []Tool{{ID: "a", State: "s"}, {ID: "b", State: "s"}}}
	seen := map[string]bool{}
	Walk(Build(s).Items, func(it Item, _ int) {
		if seen[it.Key] {
			t.Errorf("duplicate key %q", it.Key)
		}
		seen[it.Key] = true
	})
}

func TestSameShape(t *testing.T) {
	base := State{Phase: Running, Addr: "a", Endpoint: "e", Combos: []Combo{{Name: "x", Active: true}, {Name: "y"}}}
	moreRequests := base
	moreRequests.Requests = 99
	switched := base
	switched.Combos = []Combo{{Name: "x"}, {Name: "y", Active: true}}
	added := base
	added.Combos = append([]Combo{{Name: "z"}}, base.Combos...)
	tests := []struct {
		name string
		a, b State
		want bool
	}{
		{"counter change updates in place", base, moreRequests, true},
		{"switching the active combo updates in place", base, switched, true},
		{"a new combo rebuilds", base, added, false},
		{"a phase change rebuilds", base, State{Phase: Starting}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameShape(Build(tt.a).Items, Build(tt.b).Items); got != tt.want {
				t.Errorf("SameShape = %v, want %v", got, tt.want)
			}
		})
	}
}
