package provider

import (
	"fmt"
	"sort"
	"strings"
)

// Registry maps provider ids and prefixes to specs. It is immutable once built; the router rebuilds it (with
// the user's nodes) whenever configuration changes.
type Registry struct {
	byID     map[string]*Spec
	byPrefix map[string]*Spec
	order    []*Spec
}

// NewRegistry indexes specs. A later spec never silently shadows an earlier prefix: that is an error, so a node
// cannot hijack "openai/".
func NewRegistry(specs ...*Spec) (*Registry, error) {
	r := &Registry{byID: map[string]*Spec{}, byPrefix: map[string]*Spec{}}
	for _, s := range specs {
		if err := r.add(s); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *Registry) add(s *Spec) error {
	if s.ID == "" || s.Executor == nil || len(s.Executor.Formats()) == 0 {
		return fmt.Errorf("provider spec %q is incomplete", s.ID)
	}
	if _, dup := r.byID[s.ID]; dup {
		return fmt.Errorf("provider %q is defined twice", s.ID)
	}
	for _, p := range s.Prefixes() {
		p = strings.ToLower(p)
		if other, dup := r.byPrefix[p]; dup {
			return fmt.Errorf("prefix %q of %q is already used by %q", p, s.ID, other.ID)
		}
	}
	r.byID[s.ID] = s
	for _, p := range s.Prefixes() {
		r.byPrefix[strings.ToLower(p)] = s
	}
	r.order = append(r.order, s)
	return nil
}

// With returns a new registry with extra specs (nodes) added after these.
func (r *Registry) With(extra ...*Spec) (*Registry, error) {
	return NewRegistry(append(append([]*Spec(nil), r.order...), extra...)...)
}

// ByID finds a provider by id.
func (r *Registry) ByID(id string) (*Spec, bool) {
	s, ok := r.byID[id]
	return s, ok
}

// ByPrefix finds the provider a model-string prefix selects (case-insensitive).
func (r *Registry) ByPrefix(prefix string) (*Spec, bool) {
	s, ok := r.byPrefix[strings.ToLower(prefix)]
	return s, ok
}

// All lists specs in registration order.
func (r *Registry) All() []*Spec { return append([]*Spec(nil), r.order...) }

// PrefixList is every known prefix, sorted, for "unknown provider" messages.
func (r *Registry) PrefixList() []string {
	out := make([]string, 0, len(r.byPrefix))
	for p := range r.byPrefix {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
