package route

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ninerouter/ninerouter/backend/provider"
)

// Target is one model to try, on one provider.
type Target struct {
	Spec  *provider.Spec
	Model string // the upstream model id
	// Entry is the combo entry this target came from ("" outside combos); its budget applies.
	Combo      string
	Entry      string
	DailyUSD   float64
	MonthlyUSD float64
	// SoonestReset: the combo spends what resets first, so its accounts are tried by earliest quota reset.
	SoonestReset bool
}

// Plan is the ordered list of targets for one request.
type Plan struct {
	Requested string // what the client asked for
	Combo     string // the top-level combo, "" for a direct model
	Targets   []Target
	// soonestReset: the top-level combo orders its entries by quota reset (Router.Plan does).
	soonestReset bool
}

// ErrUnknownModel is returned for a model string nothing resolves; its message names what is known.
var ErrUnknownModel = errors.New("unknown model")

// maxDepth bounds alias and combo nesting; cycles are refused when saved, this is the belt to those braces.
const maxDepth = 8

// Resolve turns a model string into a plan. rotate gives the start offset for round-robin combos (nil = 0).
func Resolve(s *Snapshot, model string, rotate func(combo string, n int) int) (Plan, error) {
	model = strings.TrimSpace(model)
	p := Plan{Requested: model}
	if model == "" {
		return p, fmt.Errorf("%w: the request names no model", ErrUnknownModel)
	}
	if strings.EqualFold(model, ActiveModel) {
		if s.Active == "" {
			return p, fmt.Errorf("%w: %s serves the active combo, and no combo is active; run `ninerouter combo activate NAME`", ErrUnknownModel, ActiveModel)
		}
		model = s.Active
	}
	if strings.Contains(model, "/") {
		// The common case, "prefix/model": no combo or alias can contain '/', so skip the expansion machinery.
		spec, upstream, err := s.resolveDirect(model)
		if err != nil {
			return p, err
		}
		p.Targets = []Target{{Spec: spec, Model: upstream}}
		return p, nil
	}
	if c, ok := s.Combos[model]; ok {
		p.Combo = c.Name
		p.soonestReset = c.Strategy == ComboSoonestReset
	}
	seen := map[string]bool{}
	if err := s.expand(&p, model, ComboEntry{}, "", 0, seen, rotate); err != nil {
		return p, err
	}
	if len(p.Targets) == 0 {
		return p, fmt.Errorf("%w: %q resolves to nothing (an empty combo?)", ErrUnknownModel, model)
	}
	return p, nil
}

func (s *Snapshot) expand(p *Plan, model string, entry ComboEntry, combo string, depth int, seen map[string]bool, rotate func(string, int) int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: %q nests deeper than %d levels", ErrUnknownModel, model, maxDepth)
	}
	if !strings.Contains(model, "/") {
		if c, ok := s.Combos[model]; ok {
			if seen["combo:"+c.Name] {
				return fmt.Errorf("%w: combo %q contains itself", ErrUnknownModel, c.Name)
			}
			seen["combo:"+c.Name] = true
			defer delete(seen, "combo:"+c.Name)
			entries := c.Entries
			if c.Strategy == ComboRoundRobin && rotate != nil && len(entries) > 1 {
				off := rotate(c.Name, len(entries)) % len(entries)
				entries = append(append([]ComboEntry(nil), entries[off:]...), entries[:off]...)
			}
			for _, e := range entries {
				if err := s.expand(p, e.Model, e, c.Name, depth+1, seen, rotate); err != nil {
					return err
				}
			}
			return nil
		}
		if target, ok := s.Aliases[model]; ok {
			if seen["alias:"+model] {
				return fmt.Errorf("%w: alias %q refers to itself", ErrUnknownModel, model)
			}
			seen["alias:"+model] = true
			defer delete(seen, "alias:"+model)
			return s.expand(p, target, entry, combo, depth+1, seen, rotate)
		}
	}
	spec, upstream, err := s.resolveDirect(model)
	if err != nil {
		return err
	}
	t := Target{Spec: spec, Model: upstream, Combo: combo}
	if combo != "" {
		t.Entry, t.DailyUSD, t.MonthlyUSD = entry.Model, entry.DailyUSD, entry.MonthlyUSD
		t.SoonestReset = s.Combos[combo] != nil && s.Combos[combo].Strategy == ComboSoonestReset
	}
	p.Targets = append(p.Targets, t)
	return nil
}

// resolveDirect handles "prefix/model" and bare names inferred from their shape.
func (s *Snapshot) resolveDirect(model string) (*provider.Spec, string, error) {
	if prefix, rest, ok := strings.Cut(model, "/"); ok {
		spec, found := s.Registry.ByPrefix(prefix)
		if !found {
			return nil, "", fmt.Errorf("%w: no provider or node has the prefix %q (usable prefixes: %s)",
				ErrUnknownModel, prefix, listOrNone(s.usablePrefixes()))
		}
		if rest == "" {
			return nil, "", fmt.Errorf("%w: %q names a provider but no model", ErrUnknownModel, model)
		}
		return spec, rest, nil
	}
	// A bare name: infer the provider from the model family, among providers the user has accounts for.
	for _, id := range inferProviders(model) {
		if spec, ok := s.Registry.ByID(id); ok && s.HasAccounts(id) {
			return spec, model, nil
		}
	}
	return nil, "", fmt.Errorf("%w: %q is not a combo, an alias or a prefixed model (use provider/model; combos: %s; aliases: %s)",
		ErrUnknownModel, model, listOrNone(keys(s.Combos)), listOrNone(keys(s.Aliases)))
}

// usablePrefixes lists the prefixes of providers with an enabled account. An unknown-model error goes to any
// key holder, so it names what a request can use, not every provider and node configured (issue #9 finding 8).
func (s *Snapshot) usablePrefixes() []string {
	var out []string
	for _, p := range s.Registry.PrefixList() {
		if spec, ok := s.Registry.ByPrefix(p); ok && s.HasAccounts(spec.ID) {
			out = append(out, p)
		}
	}
	return out
}

// inferProviders lists the providers a bare model name may belong to, most likely first. DeepSeek names go to
// DeepSeek itself before OpenRouter (9Router sends them to OpenRouter only).
func inferProviders(model string) []string {
	m := strings.ToLower(model)
	switch {
	case strings.HasPrefix(m, "claude-"):
		return []string{"anthropic", "openrouter"}
	case strings.HasPrefix(m, "gemini-"):
		return []string{"gemini", "openrouter"}
	case strings.HasPrefix(m, "gpt-"), strings.HasPrefix(m, "o1"), strings.HasPrefix(m, "o3"), strings.HasPrefix(m, "o4"):
		return []string{"openai", "openrouter"}
	case strings.HasPrefix(m, "deepseek-"):
		return []string{"deepseek", "openrouter"}
	case strings.HasPrefix(m, "glm-"):
		return []string{"glm"}
	case strings.HasPrefix(m, "kimi-"):
		return []string{"kimi"}
	case strings.HasPrefix(m, "minimax-"):
		return []string{"minimax"}
	}
	return nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	if len(l) > 20 {
		l = append(l[:20:20], "…")
	}
	return strings.Join(l, ", ")
}

// CheckCombo validates a combo against the snapshot: a legal name, a known strategy, at least one entry, entries
// that resolve, and no cycle through other combos.
func CheckCombo(s *Snapshot, c Combo) error {
	if c.Name == "" || strings.ContainsAny(c.Name, "/ \t\n") {
		return fmt.Errorf("combo name %q: must be non-empty with no '/' or spaces", c.Name)
	}
	if strings.EqualFold(c.Name, ActiveModel) || strings.HasPrefix(c.Name, "ninerouter") {
		return fmt.Errorf("combo name %q is reserved", c.Name)
	}
	if c.Strategy != ComboFallback && c.Strategy != ComboRoundRobin && c.Strategy != ComboSoonestReset {
		return fmt.Errorf("strategy %q: want fallback, round-robin or soonest-reset", c.Strategy)
	}
	if len(c.Entries) == 0 {
		return fmt.Errorf("combo %q needs at least one model", c.Name)
	}
	trial := *s
	trial.Combos = make(map[string]*Combo, len(s.Combos)+1)
	for k, v := range s.Combos {
		trial.Combos[k] = v
	}
	cc := c
	trial.Combos[c.Name] = &cc
	if err := trial.cycleFrom(c.Name, map[string]bool{}); err != nil {
		return err
	}
	for _, e := range c.Entries {
		if e.DailyUSD < 0 || e.MonthlyUSD < 0 {
			return fmt.Errorf("entry %q: budgets cannot be negative", e.Model)
		}
		var p Plan
		if err := trial.expand(&p, e.Model, e, c.Name, 0, map[string]bool{}, nil); err != nil {
			return fmt.Errorf("entry %q: %w", e.Model, err)
		}
	}
	return nil
}

func (s *Snapshot) cycleFrom(name string, path map[string]bool) error {
	if path[name] {
		return fmt.Errorf("combo %q would contain itself (a cycle through %s)", name, strings.Join(keys(path), ", "))
	}
	c, ok := s.Combos[name]
	if !ok {
		return nil
	}
	path[name] = true
	defer delete(path, name)
	for _, e := range c.Entries {
		next := e.Model
		if t, ok := s.Aliases[next]; ok {
			next = t
		}
		if _, isCombo := s.Combos[next]; isCombo && !strings.Contains(next, "/") {
			if err := s.cycleFrom(next, path); err != nil {
				return err
			}
		}
	}
	return nil
}
