// Package traymenu is the tray's brain without the tray: the state the tray shows, the menu model built from
// it by one pure function, and the actions a click stands for. app/ renders the model with fyne.io/systray and
// feeds clicks back as Actions, so everything here is unit-tested without D-Bus, Win32 or AppKit (the
// Tailscale client/systray pattern: one state struct, menu rebuilt from state).
package traymenu

import (
	"fmt"
	"strings"
	"time"
)

// State is everything the tray shows. The app fills it from the backend service on every event.
type State struct {
	// Phase is where the backend is in its life.
	Phase Phase
	// Err is the start-up failure when Phase is Failed.
	Err string
	// Addr is the bound address; Endpoint the client base URL (http://addr/v1).
	Addr, Endpoint string
	// Requests is how many client requests this run served.
	Requests int64
	// SecretStore names the secret backend in use (keychain or file).
	SecretStore string
	// Combos lists the routing combos; at most one is Active. Nil until the router lands in-process.
	Combos []Combo
	// Tools lists the coding CLIs NineRouter can configure. Nil until the tool service lands in-process.
	Tools []Tool
	// Autostart is whether NineRouter starts at login; nil where that cannot be managed.
	Autostart *bool
	// UpdateVersion and UpdateURL name a newer release the signed feed offers ("" when none).
	UpdateVersion, UpdateURL string
	// SecretsWaiting says why account keys are not loaded yet (the keychain is locked), "" when they are.
	SecretsWaiting string
	// SignIn lists subscription accounts that must be signed in again (routing skips them meanwhile).
	SignIn []SignIn
	// Quota has one row per subscription account (quota.go), soonest reset first; Now is the time the
	// countdowns count from; QuotaMetric picks what the title (macOS menu bar) and tooltip show.
	Quota       []QuotaRow
	Now         time.Time
	QuotaMetric string
}

// SignIn is one subscription account that needs signing in again.
type SignIn struct {
	AccountID int64
	Label     string // "Claude (me@example.com)"
	Reason    string // the vendor's own words
}

// Phase is the backend's life-cycle stage.
type Phase int

const (
	Starting Phase = iota
	Running
	Failed
	Stopping
)

// Combo is one routing combo as the tray shows it.
type Combo struct {
	Name   string
	Active bool
}

// Tool is one coding CLI's config state.
type Tool struct {
	ID    string // stable id, e.g. "claude"
	Name  string // display name, e.g. "Claude Code"
	State string // short human state, e.g. "applied", "not applied", "not installed"
	// CanApply/CanRevert say which actions make sense now.
	CanApply, CanRevert bool
}

// ActionKind is what a click asks for.
type ActionKind string

const (
	ActNone        ActionKind = ""
	ActOpen        ActionKind = "open"
	ActCopyURL     ActionKind = "copy-endpoint"
	ActQuit        ActionKind = "quit"
	ActSelectCombo ActionKind = "combo"
	ActApplyTool   ActionKind = "tool-apply"
	ActRevertTool  ActionKind = "tool-revert"
	ActSignIn      ActionKind = "sign-in"     // Arg: the account id
	ActAutostart   ActionKind = "autostart"   // Arg "on" or "off": the state to switch to
	ActOpenUpdate  ActionKind = "open-update" // Arg: the download link, opened in the browser
	ActUnlock      ActionKind = "unlock"      // ask the OS to unlock the keychain
	ActOpenQuota   ActionKind = "open-quota"  // Arg: the account id; opens the window on its quota
)

// Action is a click: a kind and its argument (a combo name, a tool id).
type Action struct {
	Kind ActionKind
	Arg  string
}

// Item is one menu entry. Key identifies the entry across rebuilds (so a renderer can update titles and marks
// in place instead of tearing the menu down while the user looks at it).
type Item struct {
	Key       string
	Title     string
	Tooltip   string
	Disabled  bool
	Checkable bool // drawn with a check mark slot (radio items; Linux draws marks only for these)
	Checked   bool
	Separator bool
	Action    Action // ActNone for information rows and submenu parents
	Children  []Item
}

// Menu is the whole tray: icon choice, tooltip and items. Title is the text beside the icon where the OS
// shows one (the macOS menu bar); elsewhere the tooltip carries the same words.
type Menu struct {
	Icon    Icon
	Title   string
	Tooltip string
	Items   []Item
}

// Icon picks one of the tray images.
type Icon int

const (
	IconRunning Icon = iota
	IconStopped
	// IconAttention: running, but a subscription account is low on quota or needs signing in again.
	IconAttention
)

// Build turns state into the menu. Pure: same state, same menu.
func Build(s State) Menu {
	m := Menu{Icon: IconStopped}
	var status string
	switch s.Phase {
	case Starting:
		status = "NineRouter: starting…"
		m.Tooltip = "NineRouter: starting"
	case Stopping:
		status = "NineRouter: stopping…"
		m.Tooltip = "NineRouter: stopping"
	case Failed:
		status = "NineRouter: not running"
		m.Tooltip = "NineRouter: not running: " + firstLine(s.Err)
	case Running:
		m.Icon = IconRunning
		status = fmt.Sprintf("Running on %s · %s served", s.Addr, plural(s.Requests, "request"))
		m.Tooltip = fmt.Sprintf("NineRouter: running on %s\n%s served", s.Addr, plural(s.Requests, "request"))
		if c := activeCombo(s.Combos); c != "" {
			m.Tooltip += "\nCombo: " + c
		}
	}
	items := []Item{{Key: "status", Title: status, Tooltip: statusTooltip(s), Disabled: true}}
	if s.Phase == Failed && s.Err != "" {
		items = append(items, Item{Key: "error", Title: truncate(firstLine(s.Err), 80), Tooltip: s.Err, Disabled: true})
	}
	if s.Phase == Running && len(s.Quota) > 0 {
		items = append(items, quotaItems(s)...)
		if quotaAttention(s.Quota) {
			m.Icon = IconAttention
		}
		if line := quotaMetric(s); line != "" {
			m.Title = line
			m.Tooltip += "\n" + line
		}
	}
	if s.Phase == Running {
		for _, si := range s.SignIn {
			id := fmt.Sprint(si.AccountID)
			items = append(items, Item{Key: "sign-in:" + id, Title: "Sign in again: " + truncate(si.Label, 60),
				Tooltip: si.Reason, Action: Action{Kind: ActSignIn, Arg: id}})
		}
	}
	if s.Phase == Running && s.UpdateVersion != "" {
		items = append(items, Item{Key: "update", Title: "Update available: NineRouter " + s.UpdateVersion + "…",
			Tooltip: "Open the download page (NineRouter never installs updates itself)",
			Action:  Action{Kind: ActOpenUpdate, Arg: s.UpdateURL}})
	}
	if s.Phase == Running && s.SecretsWaiting != "" {
		items = append(items,
			Item{Key: "secrets", Title: truncate("Keys not loaded: "+firstLine(s.SecretsWaiting), 80), Tooltip: s.SecretsWaiting, Disabled: true},
			Item{Key: "unlock", Title: "Unlock keychain…", Action: Action{Kind: ActUnlock}})
	}
	items = append(items,
		Item{Key: "sep-top", Separator: true},
		Item{Key: "open", Title: "Open NineRouter", Action: Action{Kind: ActOpen}},
		Item{Key: "copy", Title: "Copy endpoint URL", Tooltip: s.Endpoint, Disabled: s.Phase != Running || s.Endpoint == "",
			Action: Action{Kind: ActCopyURL}},
	)
	if s.Phase == Running && len(s.Combos) > 0 {
		items = append(items, comboMenu(s.Combos))
	}
	if s.Phase == Running && len(s.Tools) > 0 {
		items = append(items, toolsMenu(s.Tools))
	}
	if s.Autostart != nil && s.Phase == Running {
		next := "on"
		if *s.Autostart {
			next = "off"
		}
		items = append(items, Item{Key: "autostart", Title: "Start at login", Checkable: true, Checked: *s.Autostart,
			Tooltip: "Start NineRouter in the tray when you log in", Action: Action{Kind: ActAutostart, Arg: next}})
	}
	items = append(items,
		Item{Key: "sep-quit", Separator: true},
		Item{Key: "quit", Title: "Quit", Tooltip: "Stop the router and quit", Action: Action{Kind: ActQuit}},
	)
	m.Items = items
	return m
}

// comboMenu is a radio group: one checkable item per combo, the active one checked. GNOME shows submenus
// inline with limited depth, so the group stays one level deep.
func comboMenu(combos []Combo) Item {
	parent := Item{Key: "combos", Title: "Combo"}
	if c := activeCombo(combos); c != "" {
		parent.Title = "Combo: " + c
	}
	for _, c := range combos {
		parent.Children = append(parent.Children, Item{
			Key: "combo:" + c.Name, Title: c.Name, Checkable: true, Checked: c.Active,
			Action: Action{Kind: ActSelectCombo, Arg: c.Name},
		})
	}
	return parent
}

// toolsMenu lists each CLI with its state and the actions that apply to it, one level deep.
func toolsMenu(tools []Tool) Item {
	parent := Item{Key: "tools", Title: "CLI tools"}
	for i, t := range tools {
		if i > 0 {
			parent.Children = append(parent.Children, Item{Key: "tool-sep:" + t.ID, Separator: true})
		}
		name := t.Name
		if name == "" {
			name = t.ID
		}
		parent.Children = append(parent.Children,
			Item{Key: "tool:" + t.ID, Title: name + ": " + t.State, Disabled: true},
			Item{Key: "tool-apply:" + t.ID, Title: "Apply to " + name, Disabled: !t.CanApply,
				Tooltip: "Point " + name + " at NineRouter (the old config is backed up)",
				Action:  Action{Kind: ActApplyTool, Arg: t.ID}},
			Item{Key: "tool-revert:" + t.ID, Title: "Revert " + name, Disabled: !t.CanRevert,
				Tooltip: "Restore " + name + "'s config from before NineRouter",
				Action:  Action{Kind: ActRevertTool, Arg: t.ID}},
		)
	}
	return parent
}

func statusTooltip(s State) string {
	if s.Phase != Running {
		return ""
	}
	t := "Endpoint: " + s.Endpoint
	if s.SecretStore != "" {
		t += "\nSecrets: " + s.SecretStore
	}
	return t
}

func activeCombo(combos []Combo) string {
	for _, c := range combos {
		if c.Active {
			return c.Name
		}
	}
	return ""
}

// SameShape reports whether two menus have the same entries in the same places (by Key), so that a renderer
// can update titles, tooltips and marks in place. A different shape needs a rebuild.
func SameShape(a, b []Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Separator != b[i].Separator || a[i].Checkable != b[i].Checkable ||
			!SameShape(a[i].Children, b[i].Children) {
			return false
		}
	}
	return true
}

// Walk calls fn for every item, depth first, parents before children.
func Walk(items []Item, fn func(it Item, depth int)) {
	var walk func([]Item, int)
	walk = func(items []Item, depth int) {
		for _, it := range items {
			fn(it, depth)
			walk(it.Children, depth+1)
		}
	}
	walk(items, 0)
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
