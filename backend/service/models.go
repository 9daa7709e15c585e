package service

import (
	"context"
	"sort"

	"github.com/ninerouter/ninerouter/backend/route"
)

// ModelInfo is one entry of /v1/models (OpenAI list format).
type ModelInfo struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// Models lists every model an enabled account serves, every combo, every alias and the active virtual model.
func (s *Service) Models(ctx context.Context) []ModelInfo {
	snap := s.routing.router.Snapshot()
	seen := map[string]bool{}
	var out []ModelInfo
	add := func(id, owner string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, ModelInfo{ID: id, Object: "model", Created: 0, OwnedBy: owner})
		}
	}
	if snap.Active != "" {
		add(route.ActiveModel, "ninerouter")
	}
	for _, name := range sortedKeys(snap.Combos) {
		add(name, "ninerouter")
	}
	for _, name := range sortedKeys(snap.Aliases) {
		add(name, "ninerouter")
	}
	for _, sp := range snap.Registry.All() {
		for _, a := range snap.Accounts[sp.ID] {
			if !a.Enabled {
				continue
			}
			models := a.Models
			if len(models) == 0 {
				models = sp.Models
			}
			for _, m := range models {
				add(sp.ID+"/"+m, sp.ID)
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
