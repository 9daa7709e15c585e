// Package gemini configures Gemini CLI: the endpoint, key and model in ~/.gemini/.env (the CLI's own env file,
// edited line by line so comments survive), and security.auth.selectedType = "gemini-api-key" in
// ~/.gemini/settings.json, without which Gemini CLI 0.61 exits with "Invalid auth method selected" when only the
// variables are set. The base URL is the origin: the SDK appends /v1beta/models/... Gemini CLI 0.61 loads
// ~/.gemini/.env only when the working folder is trusted (its findEnvFile), which the restart hint says.
package gemini

import (
	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile/envedit"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
)

// Tool is Gemini CLI.
type Tool struct{}

// New returns the Gemini CLI tool.
func New() toolkit.Tool { return Tool{} }

func (Tool) Info() toolkit.Info {
	return toolkit.Info{ID: "gemini", Name: "Gemini CLI", Binaries: []string{"gemini"},
		Restart:      "Start a new `gemini` session. A project .env or GEMINI_API_KEY in your shell still wins over ~/.gemini/.env.",
		EnvOverrides: []string{"GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_MODEL"}}
}

// Dir is ($GEMINI_CLI_HOME or home)/.gemini.
func Dir(env toolkit.Env) string {
	home := env.Home
	if v := env.Var("GEMINI_CLI_HOME"); v != "" {
		home = v
	}
	return env.Join(home, ".gemini")
}

func (Tool) Files(env toolkit.Env) []toolkit.File {
	return []toolkit.File{
		{Path: env.Join(Dir(env), ".env"), Format: toolkit.Dotenv, Role: "environment (endpoint, key, model)"},
		{Path: env.Join(Dir(env), "settings.json"), Format: toolkit.JSONC, Role: "user settings (auth type, model)"},
	}
}

func (Tool) Plan(env toolkit.Env, cur []toolkit.Current, t toolkit.Target) ([]toolkit.FilePlan, error) {
	settings := cur[1]
	d, err := toolkit.Doc(settings)
	if err != nil {
		return nil, err
	}
	modelPath := []string{"model", "name"}
	if n := d.Lookup("model"); n != nil && n.Kind == jsonedit.String {
		modelPath = []string{"model"} // older flat form
	}
	return []toolkit.FilePlan{
		{File: cur[0].File, Ops: []toolkit.Op{
			{Kind: toolkit.Set, Path: []string{"GOOGLE_GEMINI_BASE_URL"}, Value: t.Origin},
			{Kind: toolkit.Set, Path: []string{"GEMINI_API_KEY"}, Value: t.Key},
			{Kind: toolkit.Set, Path: []string{"GEMINI_MODEL"}, Value: t.Model},
		}},
		{File: settings.File, Ops: []toolkit.Op{
			{Kind: toolkit.Set, Path: []string{"security", "auth", "selectedType"}, Value: "gemini-api-key"},
			{Kind: toolkit.Set, Path: modelPath, Value: t.Model},
		}},
	}, nil
}

func (Tool) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	e, err := envedit.Parse(cur[0].Snap.Data)
	if err != nil {
		return toolkit.Inspection{Error: cur[0].Path + ": " + err.Error()}
	}
	in := toolkit.Inspection{}
	in.BaseURL, _ = e.Value("GOOGLE_GEMINI_BASE_URL")
	in.Key, _ = e.Value("GEMINI_API_KEY")
	in.Model, _ = e.Value("GEMINI_MODEL")
	if d, err := toolkit.Doc(cur[1]); err != nil {
		in.Error = err.Error()
	} else if in.Model == "" {
		in.Model = d.String("model", "name")
	}
	in.Managed = toolkit.IsLoopbackURL(in.BaseURL) && len(in.Key) > 3 && in.Key[:3] == "nr-"
	return in
}
