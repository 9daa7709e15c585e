package clitool

import (
	"fmt"
	"strings"
)

// Snippet is copyable setup for a tool NineRouter does not write itself: its settings live in an extension's
// state or the app's UI, where no file can be patched safely.
type Snippet struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Where    string   `json:"where"`    // where to paste or type it
	Language string   `json:"language"` // yaml, json, text
	Text     string   `json:"text"`
	Notes    []string `json:"notes,omitempty"`
}

// SnippetKeyPlaceholder stands for a client key the user creates (`ninerouter key create --name cursor`).
const SnippetKeyPlaceholder = "<your NineRouter API key: ninerouter key create --name TOOL>"

// Snippets returns setup text for Cursor, Cline, Roo Code, Kilo Code, Continue and Aider. origin has no /v1.
func Snippets(origin, model, key string) []Snippet {
	origin = strings.TrimSuffix(origin, "/")
	v1 := origin + "/v1"
	if key == "" {
		key = SnippetKeyPlaceholder
	}
	guide := func(provider string) string {
		return fmt.Sprintf("API Provider: %s\nBase URL:     %s\nAPI Key:      %s\nModel ID:     %s\n", provider, v1, key, model)
	}
	return []Snippet{
		{ID: "cursor", Name: "Cursor", Where: "Cursor Settings → Models → API Keys → OpenAI API Key, then \"Override OpenAI Base URL\"",
			Language: "text", Text: fmt.Sprintf("OpenAI API Key:           %s\nOverride OpenAI Base URL: https://<your public tunnel to %s>/v1\nCustom model name:        %s\n", key, origin, model),
			Notes: []string{
				"Cursor builds requests on its own servers, so it cannot reach 127.0.0.1: expose NineRouter through a tunnel you trust and require API keys.",
				"The override applies to every OpenAI model in Cursor, and Tab completion ignores it.",
			}},
		{ID: "cline", Name: "Cline", Where: "Cline settings (gear icon) → API Provider", Language: "text", Text: guide("OpenAI Compatible"),
			Notes: []string{"Cline keeps this in VS Code's extension state and secret storage; there is no file NineRouter can edit safely."}},
		{ID: "roo", Name: "Roo Code", Where: "Roo Code settings → Providers → add a profile", Language: "text", Text: guide("OpenAI Compatible")},
		{ID: "kilo", Name: "Kilo Code", Where: "Kilo Code extension settings → API Provider, or the Kilo CLI's ~/.config/kilo/kilo.jsonc",
			Language: "json", Text: fmt.Sprintf(`{
  "provider": {
    "ninerouter": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "NineRouter",
      "options": { "baseURL": %q, "apiKey": %q },
      "models": { %q: { "name": "NineRouter" } }
    }
  },
  "model": %q
}
`, v1, key, model, "ninerouter/"+model),
			Notes: []string{"In the extension, choose \"OpenAI Compatible\" with the same base URL, key and model."}},
		{ID: "continue", Name: "Continue", Where: "~/.continue/config.yaml (models list)", Language: "yaml",
			Text: fmt.Sprintf(`models:
  - name: NineRouter
    provider: openai
    model: %s
    apiBase: %s
    apiKey: %s
    roles:
      - chat
      - edit
      - apply
`, model, v1, key),
			Notes: []string{"Keep the top-level name, version and schema: v1 of your config.yaml; Continue reloads on save.", "Without apiBase the key would be sent to OpenAI."}},
		{ID: "aider", Name: "Aider", Where: "~/.aider.conf.yml (or the repo's .aider.conf.yml)", Language: "yaml",
			Text:  fmt.Sprintf("openai-api-base: %s\nopenai-api-key: %s\nmodel: openai/%s\n", v1, key, model),
			Notes: []string{"The openai/ prefix is required: it tells Aider (LiteLLM) to speak the OpenAI API to the base URL."}},
	}
}
