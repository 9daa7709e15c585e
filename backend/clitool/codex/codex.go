// Package codex configures Codex (CLI, desktop app and IDE extension share ~/.codex/config.toml) with a custom
// provider: Codex drops user entries for its reserved ids (openai, ollama, ...), speaks only the Responses wire
// ("chat" is a hard error), and a custom provider avoids the built-in one's WebSocket retries. The key goes in
// experimental_bearer_token, because env_key is not seen by the GUI-launched app. auth.json is never touched, and
// neither a profile selector nor a [profiles] table is written (newer Codex refuses to start with them).
package codex

import (
	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile/tomledit"
)

// Tool is Codex.
type Tool struct{}

// New returns the Codex tool.
func New() toolkit.Tool { return Tool{} }

// TableNote is the comment line above our provider table.
const TableNote = "NineRouter provider: `ninerouter tool revert codex` removes it"

const table = "model_providers." + toolkit.ProviderID

func (Tool) Info() toolkit.Info {
	return toolkit.Info{ID: "codex", Name: "Codex", Binaries: []string{"codex"},
		Restart: "Restart Codex (CLI, app or IDE extension): it reads config.toml only at start."}
}

// Dir is $CODEX_HOME, else ~/.codex.
func Dir(env toolkit.Env) string {
	if v := env.Var("CODEX_HOME"); v != "" {
		return v
	}
	return env.Join(env.Home, ".codex")
}

func (Tool) Files(env toolkit.Env) []toolkit.File {
	return []toolkit.File{{Path: env.Join(Dir(env), "config.toml"), Format: toolkit.TOML, Role: "config"}}
}

func (Tool) Plan(env toolkit.Env, cur []toolkit.Current, t toolkit.Target) ([]toolkit.FilePlan, error) {
	ops := []toolkit.Op{
		{Kind: toolkit.Set, Path: []string{"model_provider"}, Value: tomledit.Quote(toolkit.ProviderID)},
		{Kind: toolkit.Set, Path: []string{"model"}, Value: tomledit.Quote(t.Model)},
		{Kind: toolkit.Table, Path: []string{table}, Note: TableNote, KVs: []tomledit.KV{
			{Key: "name", Raw: tomledit.Quote(toolkit.ProviderName)},
			{Key: "base_url", Raw: tomledit.Quote(t.V1())},
			{Key: "wire_api", Raw: tomledit.Quote("responses")},
			{Key: "experimental_bearer_token", Raw: tomledit.Quote(t.Key)},
		}},
	}
	return []toolkit.FilePlan{{File: cur[0].File, Ops: ops}}, nil
}

func (Tool) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	d, err := tomledit.Parse(cur[0].Snap.Data)
	if err != nil {
		return toolkit.Inspection{Error: cur[0].Path + ": " + err.Error()}
	}
	m := d.Decoded()
	str := func(v any) string { s, _ := v.(string); return s }
	in := toolkit.Inspection{Model: str(m["model"])}
	provider := str(m["model_provider"])
	if provider == "" || provider == "openai" {
		in.BaseURL = str(m["openai_base_url"])
		return in
	}
	if mp, ok := m["model_providers"].(map[string]any); ok {
		if p, ok := mp[provider].(map[string]any); ok {
			in.BaseURL = str(p["base_url"])
			in.Key = str(p["experimental_bearer_token"])
		}
	}
	in.Managed = provider == toolkit.ProviderID
	return in
}
