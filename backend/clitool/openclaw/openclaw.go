// Package openclaw configures OpenClaw: a provider under models.providers in openclaw.json (JSON5, strict schema:
// no marker keys, models need id and name), the default model in agents.defaults.model, the allowlist map only
// when the user has one, and the per-agent registries (agents/<id>/agent/models.json) whose own baseUrl/apiKey
// would otherwise win over the config. Backups never go next to openclaw.json: OpenClaw deletes every
// openclaw.json.bak.* it did not make.
package openclaw

import (
	"os"
	"sort"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
)

// Tool is OpenClaw.
type Tool struct{}

// New returns the OpenClaw tool.
func New() toolkit.Tool { return Tool{} }

func (Tool) Info() toolkit.Info {
	return toolkit.Info{ID: "openclaw", Name: "OpenClaw", Binaries: []string{"openclaw"},
		Restart: "Run `openclaw gateway restart`."}
}

// StateDir is $OPENCLAW_STATE_DIR, else ($OPENCLAW_HOME or home)/.openclaw.
func StateDir(env toolkit.Env) string {
	if v := env.Var("OPENCLAW_STATE_DIR"); v != "" {
		return v
	}
	home := env.Home
	if v := env.Var("OPENCLAW_HOME"); v != "" {
		home = v
	}
	return env.Join(home, ".openclaw")
}

// ConfigPath is $OPENCLAW_CONFIG_PATH, else <state dir>/openclaw.json.
func ConfigPath(env toolkit.Env) string {
	if v := env.Var("OPENCLAW_CONFIG_PATH"); v != "" {
		return v
	}
	return env.Join(StateDir(env), "openclaw.json")
}

func (Tool) Files(env toolkit.Env) []toolkit.File {
	files := []toolkit.File{{Path: ConfigPath(env), Format: toolkit.JSON5, Role: "config"}}
	agents := env.Join(StateDir(env), "agents")
	ents, _ := os.ReadDir(agents)
	var ids []string
	for _, e := range ents {
		if e.IsDir() {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := env.Join(agents, id, "agent", "models.json")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			files = append(files, toolkit.File{Path: p, Format: toolkit.JSON5, Role: "per-agent registry (" + id + ")", OnlyIfExists: true})
		}
	}
	return files
}

// Ref is how OpenClaw names our model: "<provider>/<model>".
func Ref(model string) string { return toolkit.ProviderID + "/" + model }

func (Tool) Plan(env toolkit.Env, cur []toolkit.Current, t toolkit.Target) ([]toolkit.FilePlan, error) {
	main := cur[0]
	d, err := toolkit.Doc(main)
	if err != nil {
		return nil, err
	}
	provider := jsonedit.Obj{
		{Key: "baseUrl", Value: t.V1()},
		{Key: "apiKey", Value: t.Key},
		{Key: "api", Value: "openai-completions"},
		{Key: "models", Value: []any{jsonedit.Obj{{Key: "id", Value: t.Model}, {Key: "name", Value: "NineRouter " + t.Model}}}},
	}
	ops := []toolkit.Op{{Kind: toolkit.Set, Path: []string{"models", "providers", toolkit.ProviderID}, Value: provider}}
	if n := d.Lookup("agents", "defaults", "model"); n != nil && n.Kind == jsonedit.String {
		ops = append(ops, toolkit.Op{Kind: toolkit.Set, Path: []string{"agents", "defaults", "model"}, Value: Ref(t.Model)})
	} else {
		ops = append(ops, toolkit.Op{Kind: toolkit.Set, Path: []string{"agents", "defaults", "model", "primary"}, Value: Ref(t.Model)})
	}
	// The allowlist: add to it when the user has one, never create it (it would block every other model).
	if n := d.Lookup("agents", "defaults", "models"); n != nil && n.Kind == jsonedit.Object {
		ops = append(ops, toolkit.Op{Kind: toolkit.Set, Path: []string{"agents", "defaults", "models", Ref(t.Model)}, Value: jsonedit.Obj{}})
	}
	plans := []toolkit.FilePlan{{File: main.File, Ops: ops}}
	for _, c := range cur[1:] {
		if !c.Snap.Exists {
			continue
		}
		ad, err := toolkit.Doc(c)
		if err != nil {
			return nil, err
		}
		if ad.Lookup("providers", toolkit.ProviderID) == nil {
			continue // merge mode takes our provider from the config
		}
		plans = append(plans, toolkit.FilePlan{File: c.File, Ops: []toolkit.Op{
			{Kind: toolkit.Set, Path: []string{"providers", toolkit.ProviderID, "baseUrl"}, Value: t.V1()},
			{Kind: toolkit.Set, Path: []string{"providers", toolkit.ProviderID, "apiKey"}, Value: t.Key},
		}})
	}
	return plans, nil
}

func (Tool) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	d, err := toolkit.Doc(cur[0])
	if err != nil {
		return toolkit.Inspection{Error: err.Error()}
	}
	model := d.String("agents", "defaults", "model", "primary")
	if model == "" {
		model = d.String("agents", "defaults", "model")
	}
	in := toolkit.Inspection{Model: model}
	if p := d.Lookup("models", "providers", toolkit.ProviderID); p != nil {
		in.Managed = true
		in.BaseURL = d.String("models", "providers", toolkit.ProviderID, "baseUrl")
		in.Key = d.String("models", "providers", toolkit.ProviderID, "apiKey")
	}
	if len(model) > len(toolkit.ProviderID)+1 && model[:len(toolkit.ProviderID)+1] == toolkit.ProviderID+"/" {
		in.Model = model[len(toolkit.ProviderID)+1:]
	} else if in.Managed {
		in.BaseURL = "" // our provider is there but not in use
		in.Managed = false
	}
	return in
}
