// Package qwen configures Qwen Code through ~/.qwen/settings.json (comments allowed): an OpenAI-protocol entry
// named "NineRouter" in modelProviders.openai whose key is read from the settings' own env block, the model in
// model.name, and security.auth.selectedType = "openai". A file Qwen Code cannot read (a UTF-8 BOM makes it
// reset the file) is reported, never "fixed" behind the user's back.
package qwen

import (
	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
)

// Tool is Qwen Code.
type Tool struct{}

// New returns the Qwen Code tool.
func New() toolkit.Tool { return Tool{} }

// KeyVar is the env-block variable holding our key.
const KeyVar = "NINEROUTER_API_KEY"

func (Tool) Info() toolkit.Info {
	return toolkit.Info{ID: "qwen", Name: "Qwen Code", Binaries: []string{"qwen"}, Restart: "Start a new `qwen` session.",
		EnvOverrides: []string{"NINEROUTER_API_KEY"}}
}

func (Tool) Files(env toolkit.Env) []toolkit.File {
	return []toolkit.File{{Path: env.Join(env.Home, ".qwen", "settings.json"), Format: toolkit.JSONC, Role: "user settings"}}
}

func (Tool) Plan(env toolkit.Env, cur []toolkit.Current, t toolkit.Target) ([]toolkit.FilePlan, error) {
	entry := jsonedit.Obj{
		{Key: "id", Value: t.Model},
		{Key: "name", Value: toolkit.ProviderName},
		{Key: "baseUrl", Value: t.V1()},
		{Key: "envKey", Value: KeyVar},
	}
	return []toolkit.FilePlan{{File: cur[0].File, Ops: []toolkit.Op{
		{Kind: toolkit.Set, Path: []string{"env", KeyVar}, Value: t.Key},
		{Kind: toolkit.Upsert, Path: []string{"modelProviders", "openai"}, MatchKey: "name", Value: entry},
		{Kind: toolkit.Set, Path: []string{"model", "name"}, Value: t.Model},
		{Kind: toolkit.Set, Path: []string{"security", "auth", "selectedType"}, Value: "openai"},
	}}}, nil
}

func (Tool) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	d, err := toolkit.Doc(cur[0])
	if err != nil {
		return toolkit.Inspection{Error: err.Error()}
	}
	in := toolkit.Inspection{Model: d.String("model", "name"), Key: d.String("env", KeyVar)}
	if arr := d.Lookup("modelProviders", "openai"); arr != nil && arr.Kind == jsonedit.Array {
		for _, e := range arr.Elems {
			m, _ := d.Decode(e).(map[string]any)
			if m["name"] == toolkit.ProviderName {
				in.BaseURL, _ = m["baseUrl"].(string)
				in.Managed = true
			}
		}
	}
	if !in.Managed {
		in.BaseURL = d.String("env", "OPENAI_BASE_URL")
		in.Key = ""
	}
	return in
}
