// Package opencode configures OpenCode with a provider "ninerouter" (the openai-compatible AI SDK package) in
// opencode.jsonc when the user has one, else opencode.json, and selects it with the top-level model key. The
// model must be listed under the provider's models, or OpenCode fails before sending anything.
package opencode

import (
	"os"
	"strings"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
)

// Tool is OpenCode.
type Tool struct{}

// New returns the OpenCode tool.
func New() toolkit.Tool { return Tool{} }

func (Tool) Info() toolkit.Info {
	return toolkit.Info{ID: "opencode", Name: "OpenCode", Binaries: []string{"opencode"},
		Restart:      "Start a new `opencode` session.",
		EnvOverrides: []string{"OPENCODE_CONFIG_CONTENT", "OPENCODE_CONFIG"}}
}

// ConfigPath picks opencode.jsonc when it exists, else opencode.json.
func ConfigPath(env toolkit.Env) (string, toolkit.Format) {
	dir := env.Join(env.XDGConfig(), "opencode")
	jsonc := env.Join(dir, "opencode.jsonc")
	if _, err := os.Stat(jsonc); err == nil {
		return jsonc, toolkit.JSONC
	}
	return env.Join(dir, "opencode.json"), toolkit.JSONC
}

func (Tool) Files(env toolkit.Env) []toolkit.File {
	p, f := ConfigPath(env)
	return []toolkit.File{{Path: p, Format: f, Role: "global config"}}
}

func (Tool) Plan(env toolkit.Env, cur []toolkit.Current, t toolkit.Target) ([]toolkit.FilePlan, error) {
	provider := jsonedit.Obj{
		{Key: "npm", Value: "@ai-sdk/openai-compatible"},
		{Key: "name", Value: toolkit.ProviderName},
		{Key: "options", Value: jsonedit.Obj{
			{Key: "baseURL", Value: t.V1()},
			{Key: "apiKey", Value: t.Key},
			{Key: "headers", Value: jsonedit.Obj{{Key: "x-ninerouter-client", Value: "opencode"}}},
		}},
		{Key: "models", Value: jsonedit.Obj{{Key: t.Model, Value: jsonedit.Obj{{Key: "name", Value: "NineRouter " + t.Model}}}}},
	}
	return []toolkit.FilePlan{{File: cur[0].File, Ops: []toolkit.Op{
		{Kind: toolkit.Set, Path: []string{"provider", toolkit.ProviderID}, Value: provider},
		{Kind: toolkit.Set, Path: []string{"model"}, Value: toolkit.ProviderID + "/" + t.Model},
	}}}, nil
}

func (Tool) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	d, err := toolkit.Doc(cur[0])
	if err != nil {
		return toolkit.Inspection{Error: err.Error()}
	}
	model := d.String("model")
	id, name, _ := strings.Cut(model, "/")
	in := toolkit.Inspection{Model: name}
	in.BaseURL = d.String("provider", id, "options", "baseURL")
	in.Key = d.String("provider", id, "options", "apiKey")
	in.Managed = id == toolkit.ProviderID && d.Lookup("provider", id) != nil
	return in
}
