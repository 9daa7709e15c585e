package service

// Guards against silent loss (issue 13): creating under a taken name refuses with what is there, deleting
// something a combo, alias or the active combo uses names those users and removes them only when asked
// (cascade), and a combo that refers to something missing says so instead of failing at request time.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/store"
	"gorm.io/gorm"
)

// Reference is one thing that uses a combo, a provider's models or a node.
type Reference struct {
	Kind   string `json:"kind"`             // "combo" or "alias"
	Name   string `json:"name"`             // the combo or alias that refers
	Model  string `json:"model,omitempty"`  // the combo entry or alias target that refers
	Active bool   `json:"active,omitempty"` // the referring combo is the active one
}

// InUseError refuses a delete that would leave references dangling; the API answers 409 with Refs.
type InUseError struct {
	What string      // "the combo fast", "the node mock/"
	Refs []Reference // who uses it
	// ActiveItself is set when the thing deleted is the active combo.
	ActiveItself bool
}

func (e *InUseError) Error() string {
	var parts []string
	if e.ActiveItself {
		parts = append(parts, "it is the active combo (tools asking for ninerouter/active would get no answer)")
	}
	for _, r := range e.Refs {
		p := fmt.Sprintf("%s %s", r.Kind, r.Name)
		if r.Active {
			p += " (the active combo)"
		}
		if r.Model != "" && r.Kind == "combo" {
			p += fmt.Sprintf(" through its entry %s", r.Model)
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("%s is in use: %s. Remove those references too, or keep it", e.What, strings.Join(parts, "; "))
}

func (e *InUseError) Unwrap() error { return ErrConflict }

// ExistsError refuses a create under a name that is taken; Existing is what is there now (a ComboView, or
// {name, target} for an alias, or the combo the alias name would shadow).
type ExistsError struct {
	What     string
	Existing any
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already exists; choose another name, or replace it", e.What)
}

func (e *ExistsError) Unwrap() error { return ErrConflict }

// AliasView is one alias.
type AliasView struct {
	Name   string `json:"name"`
	Target string `json:"target"`
}

// CreateCombo adds a combo and refuses a name already taken by a combo or an alias (SetCombo replaces).
func (s *Service) CreateCombo(ctx context.Context, c route.Combo) (ComboView, error) {
	snap := s.routing.router.Snapshot()
	if old, ok := snap.Combos[c.Name]; ok {
		return ComboView{}, &ExistsError{What: fmt.Sprintf("A combo named %q", c.Name), Existing: s.comboView(old, snap.Active)}
	}
	if t, ok := snap.Aliases[c.Name]; ok {
		return ComboView{}, &ExistsError{What: fmt.Sprintf("An alias named %q", c.Name), Existing: AliasView{Name: c.Name, Target: t}}
	}
	return s.SetCombo(ctx, c)
}

// CreateAlias adds an alias and refuses a name already taken by an alias or a combo (SetAlias replaces).
func (s *Service) CreateAlias(ctx context.Context, name, target string) error {
	name = strings.TrimSpace(name)
	snap := s.routing.router.Snapshot()
	if t, ok := snap.Aliases[name]; ok {
		return &ExistsError{What: fmt.Sprintf("An alias named %q", name), Existing: AliasView{Name: name, Target: t}}
	}
	if c, ok := snap.Combos[name]; ok {
		return &ExistsError{What: fmt.Sprintf("A combo named %q", name), Existing: s.comboView(c, snap.Active)}
	}
	return s.SetAlias(ctx, name, target)
}

// comboRefs lists the combos and aliases whose entry or target matches; match gets a model string.
func comboRefs(snap *route.Snapshot, skipCombo string, match func(model string) bool) []Reference {
	var refs []Reference
	for _, name := range sortedKeys(snap.Combos) {
		if name == skipCombo {
			continue
		}
		for _, e := range snap.Combos[name].Entries {
			if match(e.Model) {
				refs = append(refs, Reference{Kind: "combo", Name: name, Model: e.Model, Active: name == snap.Active})
			}
		}
	}
	for _, name := range sortedKeys(snap.Aliases) {
		if match(snap.Aliases[name]) {
			refs = append(refs, Reference{Kind: "alias", Name: name, Model: snap.Aliases[name]})
		}
	}
	return refs
}

// providerRefs lists what names a model of the provider through one of its prefixes.
func providerRefs(snap *route.Snapshot, providerID string) []Reference {
	spec, ok := snap.Registry.ByID(providerID)
	if !ok {
		return nil
	}
	prefixes := spec.Prefixes()
	return comboRefs(snap, "", func(m string) bool {
		p, _, ok := strings.Cut(m, "/")
		if !ok {
			return false
		}
		for _, x := range prefixes {
			if strings.EqualFold(p, x) {
				return true
			}
		}
		return false
	})
}

// accountRefs lists what would lose its only account if account id went: references to its provider when no
// other account of that provider remains.
func accountRefs(snap *route.Snapshot, id int64) []Reference {
	a, ok := snap.ByID[id]
	if !ok {
		return nil
	}
	for _, other := range snap.Accounts[a.Provider] {
		if other.ID != id {
			return nil
		}
	}
	return providerRefs(snap, a.Provider)
}

// RemoveCombo deletes a combo. Without cascade a used or active combo is refused with an *InUseError; with
// cascade the referring entries and aliases go too (a combo left empty is deleted) and nothing stays active.
func (s *Service) RemoveCombo(ctx context.Context, name string, cascade bool) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	snap := s.routing.router.Snapshot()
	if _, ok := snap.Combos[name]; !ok {
		return fmt.Errorf("%w: combo %q", ErrNotFound, name)
	}
	refs := comboRefs(snap, name, func(m string) bool { return m == name })
	if !cascade && (len(refs) > 0 || snap.Active == name) {
		return &InUseError{What: fmt.Sprintf("The combo %q", name), Refs: refs, ActiveItself: snap.Active == name}
	}
	if err := s.db.Remove(ctx, cascadeRemoval(snap, refs, name)); err != nil {
		return fmt.Errorf("delete combo %q: %w", name, err)
	}
	return s.reload(ctx, events.KindCombos)
}

// RemoveAccount deletes an account, refusing (without cascade) when it is the last account behind a
// combo entry or alias.
func (s *Service) RemoveAccount(ctx context.Context, id int64, cascade bool) error {
	return s.removeAccount(ctx, id, true, cascade)
}

// removeAccount deletes an account, its sign-in record and, when guarded, what names its provider through it
// alone (refused without cascade) in one transaction; its key's deletion is journaled first
// (backend/service/secretjournal.go) and done after, then its tokens go.
func (s *Service) removeAccount(ctx context.Context, id int64, guarded, cascade bool) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	snap := s.routing.router.Snapshot()
	var refs []Reference
	if guarded {
		refs = accountRefs(snap, id)
		if len(refs) > 0 && !cascade {
			return &InUseError{What: fmt.Sprintf("The account %s (the last one of %s)", accountLabel(snap.ByID[id]), snap.ByID[id].Provider), Refs: refs}
		}
	}
	row, err := s.db.Account(ctx, id)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%w: account %d", ErrNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("delete account %d: %w", id, err)
	}
	if err := s.beginKeyDelete(row); err != nil {
		return err
	}
	r := cascadeRemoval(snap, refs, "")
	r.Account = id
	if err := s.db.Remove(ctx, r); errors.Is(err, store.ErrNothingRemoved) {
		return fmt.Errorf("%w: account %d", ErrNotFound, id)
	} else if err != nil {
		return err
	}
	s.deleteAccountKey(id)
	s.forgetSignIn(id)
	s.routing.router.ResetCooldowns(id)
	return s.reload(ctx, changedKinds(refs, events.KindAccounts)...)
}

// RemoveNode deletes a node and its accounts, refusing (without cascade) when combos or aliases use it.
func (s *Service) RemoveNode(ctx context.Context, id int64, cascade bool) error {
	return s.removeNode(ctx, id, true, cascade)
}

// removeNode deletes a node, its accounts and, when guarded, what uses its prefix (refused without cascade) in
// one transaction; the accounts' key deletions are journaled first and done after.
func (s *Service) removeNode(ctx context.Context, id int64, guarded, cascade bool) error {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	n, err := s.db.Node(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: node %d", ErrNotFound, id)
	}
	snap := s.routing.router.Snapshot()
	var refs []Reference
	if guarded {
		refs = providerRefs(snap, n.Prefix)
		if len(refs) > 0 && !cascade {
			return &InUseError{What: fmt.Sprintf("The node %s/", n.Prefix), Refs: refs}
		}
	}
	accts, err := s.db.AccountsOf(ctx, n.Prefix)
	if err != nil {
		return fmt.Errorf("delete node %d: %w", id, err)
	}
	for _, a := range accts {
		if err := s.beginKeyDelete(a); err != nil {
			return err
		}
	}
	r := cascadeRemoval(snap, refs, "")
	r.Node = &n
	if err := s.db.Remove(ctx, r); errors.Is(err, store.ErrNothingRemoved) {
		return fmt.Errorf("%w: node %d", ErrNotFound, id)
	} else if err != nil {
		return err
	}
	for _, a := range accts {
		s.deleteAccountKey(a.ID)
	}
	return s.reload(ctx, changedKinds(refs, events.KindAccounts)...)
}

// changedKinds is kind, after the combos when references were dropped.
func changedKinds(refs []Reference, kind events.Kind) []events.Kind {
	if len(refs) > 0 {
		return []events.Kind{events.KindCombos, kind}
	}
	return []events.Kind{kind}
}

func accountLabel(a *route.Account) string {
	if a == nil {
		return "?"
	}
	if a.Name != "" {
		return fmt.Sprintf("%q", a.Name)
	}
	return fmt.Sprintf("#%d", a.ID)
}

// cascadeRemoval is what dropping refs (and deleting the combo named combo, when not "") changes: the referring
// combo entries and aliases go, a combo left with no entry is deleted, and so are the entries that named it,
// until nothing dangles; the active combo is cleared when it goes. The caller adds the account or node itself.
func cascadeRemoval(snap *route.Snapshot, refs []Reference, combo string) store.Removal {
	drop := map[string]map[string]bool{} // combo -> entry models to drop
	var r store.Removal
	for _, ref := range refs {
		switch ref.Kind {
		case "combo":
			if drop[ref.Name] == nil {
				drop[ref.Name] = map[string]bool{}
			}
			drop[ref.Name][ref.Model] = true
		case "alias":
			r.Aliases = append(r.Aliases, ref.Name)
		}
	}
	entries := map[string][]route.ComboEntry{}
	for name, c := range snap.Combos {
		entries[name] = c.Entries
	}
	deleted := map[string]bool{}
	if combo != "" {
		deleted[combo] = true
	}
	for changed := true; changed; {
		changed = false
		for name, list := range entries {
			if deleted[name] {
				continue
			}
			kept := list[:0:0]
			for _, e := range list {
				if !drop[name][e.Model] && !deleted[e.Model] {
					kept = append(kept, e)
				}
			}
			if len(kept) != len(list) {
				entries[name], changed = kept, true
			}
			if len(kept) == 0 {
				deleted[name], changed = true, true
			}
		}
	}
	for _, name := range sortedKeys(entries) {
		switch {
		case deleted[name]:
			r.Combos = append(r.Combos, name)
		case len(entries[name]) != len(snap.Combos[name].Entries):
			b, _ := json.Marshal(entries[name])
			if r.ComboEntries == nil {
				r.ComboEntries = map[string]string{}
			}
			r.ComboEntries[name] = string(b)
		}
	}
	if snap.Active != "" && deleted[snap.Active] {
		r.Settings = map[string]string{SettingActiveCombo: ""}
	}
	return r
}

// Problem is a combo entry (or alias) that cannot serve right now and why.
type Problem struct {
	Model  string `json:"model"`
	Reason string `json:"reason"`
}

// ComboProblems lists, per combo, the entries that name something missing: an unknown prefix, combo or alias,
// or a provider with no enabled account. A combo with none is absent from the map.
func (s *Service) ComboProblems() map[string][]Problem {
	snap := s.routing.router.Snapshot()
	out := map[string][]Problem{}
	for _, name := range sortedKeys(snap.Combos) {
		for _, e := range snap.Combos[name].Entries {
			if reason := entryProblem(snap, e.Model); reason != "" {
				out[name] = append(out[name], Problem{Model: e.Model, Reason: reason})
			}
		}
	}
	return out
}

// entryProblem says why model cannot be served by any account now, or "" when it can.
func entryProblem(snap *route.Snapshot, model string) string {
	p, err := route.Resolve(snap, model, nil)
	if err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, route.ErrUnknownModel.Error()+": ")
		return msg
	}
	var missing []string
	for _, t := range p.Targets {
		if !snap.HasAccounts(t.Spec.ID) {
			missing = append(missing, t.Spec.Name)
		}
	}
	if len(missing) == len(p.Targets) && len(missing) > 0 {
		sort.Strings(missing)
		return "no enabled account for " + strings.Join(dedupe(missing), ", ")
	}
	return ""
}

func dedupe(l []string) []string {
	out := l[:0:0]
	for i, s := range l {
		if i == 0 || s != l[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// IsExists and IsInUse pick the typed conflicts out of an error chain (the API answers them with details).
func IsExists(err error) (*ExistsError, bool) {
	var e *ExistsError
	return e, errors.As(err, &e)
}

// IsInUse reports an *InUseError in err's chain.
func IsInUse(err error) (*InUseError, bool) {
	var e *InUseError
	return e, errors.As(err, &e)
}
