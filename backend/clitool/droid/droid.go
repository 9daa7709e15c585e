// Package droid configures Factory Droid with one BYOK entry in customModels of ~/.factory/settings.json,
// recognised by its id prefix "custom:NineRouter". It speaks Chat Completions to /v1, which every combo serves.
package droid

import (
	"strings"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
)

// Tool is Factory Droid.
type Tool struct{}

// New returns the Droid tool.
func New() toolkit.Tool { return Tool{} }

// ModelID is our customModels entry's id.
const ModelID = "custom:NineRouter-0"

func (Tool) Info() toolkit.Info {
	return toolkit.Info{ID: "droid", Name: "Factory Droid", Binaries: []string{"droid"},
		Restart: "Start a new `droid` session and pick \"NineRouter\" in /model."}
}

func (Tool) Files(env toolkit.Env) []toolkit.File {
	return []toolkit.File{{Path: env.Join(env.Home, ".factory", "settings.json"), Format: toolkit.JSONC, Role: "settings (customModels)"}}
}

func (Tool) Plan(env toolkit.Env, cur []toolkit.Current, t toolkit.Target) ([]toolkit.FilePlan, error) {
	entry := jsonedit.Obj{
		{Key: "model", Value: t.Model},
		{Key: "id", Value: ModelID},
		{Key: "index", Value: 0},
		{Key: "baseUrl", Value: t.V1()},
		{Key: "apiKey", Value: t.Key},
		{Key: "displayName", Value: "NineRouter (" + t.Model + ")"},
		{Key: "maxOutputTokens", Value: 32000},
		{Key: "noImageSupport", Value: false},
		{Key: "provider", Value: "generic-chat-completion-api"},
	}
	return []toolkit.FilePlan{{File: cur[0].File, Ops: []toolkit.Op{
		{Kind: toolkit.Upsert, Path: []string{"customModels"}, MatchKey: "id", Value: entry},
	}}}, nil
}

func (Tool) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	d, err := toolkit.Doc(cur[0])
	if err != nil {
		return toolkit.Inspection{Error: err.Error()}
	}
	arr := d.Lookup("customModels")
	if arr == nil || arr.Kind != jsonedit.Array {
		return toolkit.Inspection{}
	}
	for _, e := range arr.Elems {
		m, _ := d.Decode(e).(map[string]any)
		id, _ := m["id"].(string)
		if !strings.HasPrefix(id, "custom:NineRouter") {
			continue
		}
		in := toolkit.Inspection{Managed: true}
		in.BaseURL, _ = m["baseUrl"].(string)
		in.Key, _ = m["apiKey"].(string)
		in.Model, _ = m["model"].(string)
		return in
	}
	// someone else's custom model: report the first one
	if len(arr.Elems) > 0 {
		m, _ := d.Decode(arr.Elems[0]).(map[string]any)
		in := toolkit.Inspection{}
		in.BaseURL, _ = m["baseUrl"].(string)
		in.Model, _ = m["model"].(string)
		return in
	}
	return toolkit.Inspection{}
}
