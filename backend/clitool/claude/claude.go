// Package claude configures Claude Code through the env block of ~/.claude/settings.json (not ~/.claude.json,
// the state file Claude Code rewrites constantly). The base URL is the origin without /v1 (Claude Code appends
// /v1/messages), and the key goes in ANTHROPIC_AUTH_TOKEN (sent as a Bearer token) unless the user already has
// ANTHROPIC_API_KEY, whose value is then replaced so there is never an "auth conflict".
package claude

import (
	"strings"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
)

// Tool is Claude Code.
type Tool struct{}

// New returns the Claude Code tool.
func New() toolkit.Tool { return Tool{} }

func (Tool) Info() toolkit.Info {
	return toolkit.Info{ID: "claude", Name: "Claude Code", Binaries: []string{"claude"},
		Restart: "Start a new `claude` session (running sessions keep the old settings)."}
}

// Dir is $CLAUDE_CONFIG_DIR, else ~/.claude.
func Dir(env toolkit.Env) string {
	if v := env.Var("CLAUDE_CONFIG_DIR"); v != "" {
		return v
	}
	return env.Join(env.Home, ".claude")
}

func (Tool) Files(env toolkit.Env) []toolkit.File {
	return []toolkit.File{{Path: env.Join(Dir(env), "settings.json"), Format: toolkit.JSON, Role: "user settings (env block)"}}
}

// Model slots all follow the chosen model, so /model opus|sonnet|haiku and background calls go through it too.
var modelKeys = []string{"ANTHROPIC_MODEL", "ANTHROPIC_DEFAULT_OPUS_MODEL", "ANTHROPIC_DEFAULT_SONNET_MODEL", "ANTHROPIC_DEFAULT_HAIKU_MODEL"}

// Keys that would send Claude Code elsewhere or are deprecated; removed while NineRouter is applied and put back
// by revert.
var conflicting = []string{"ANTHROPIC_SMALL_FAST_MODEL", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY"}

func (Tool) Plan(env toolkit.Env, cur []toolkit.Current, t toolkit.Target) ([]toolkit.FilePlan, error) {
	f := cur[0]
	d, err := toolkit.Doc(f)
	if err != nil {
		return nil, err
	}
	tokenKey := "ANTHROPIC_AUTH_TOKEN"
	if d.Lookup("env", "ANTHROPIC_API_KEY") != nil && d.Lookup("env", "ANTHROPIC_AUTH_TOKEN") == nil {
		tokenKey = "ANTHROPIC_API_KEY"
	}
	ops := []toolkit.Op{
		{Kind: toolkit.Set, Path: []string{"env", "ANTHROPIC_BASE_URL"}, Value: strings.TrimSuffix(t.Origin, "/")},
		{Kind: toolkit.Set, Path: []string{"env", tokenKey}, Value: t.Key},
	}
	for _, k := range modelKeys {
		ops = append(ops, toolkit.Op{Kind: toolkit.Set, Path: []string{"env", k}, Value: t.Model})
	}
	for _, k := range conflicting {
		ops = append(ops, toolkit.Op{Kind: toolkit.Delete, Path: []string{"env", k}})
	}
	return []toolkit.FilePlan{{File: f.File, Ops: ops}}, nil
}

func (Tool) Inspect(env toolkit.Env, cur []toolkit.Current) toolkit.Inspection {
	d, err := toolkit.Doc(cur[0])
	if err != nil {
		return toolkit.Inspection{Error: err.Error()}
	}
	in := toolkit.Inspection{BaseURL: d.String("env", "ANTHROPIC_BASE_URL"), Model: d.String("env", "ANTHROPIC_MODEL")}
	in.Key = d.String("env", "ANTHROPIC_AUTH_TOKEN")
	if in.Key == "" {
		in.Key = d.String("env", "ANTHROPIC_API_KEY")
	}
	in.Managed = toolkit.IsLoopbackURL(in.BaseURL) && strings.HasPrefix(in.Key, "nr-")
	return in
}
