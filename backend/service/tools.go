package service

import (
	"context"
	"net"
	"strings"

	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/safefile"
	"github.com/ninerouter/ninerouter/backend/version"
)

// This file is the CLI tool auto-config's face on the service: the tray calls these methods in-process, the API
// (backend/api/tools.go) and the CLI go through the same ones.

// openTools starts the tool manager. Called by Open after the router core, whose key store it uses.
func (s *Service) openTools() error {
	m, err := clitool.New(clitool.Options{
		DB: s.db, DataDir: s.cfg.DataDir, Keys: toolKeys{s}, Origin: s.ToolOrigin,
		DefaultModel: route.ActiveModel, Log: s.log, Version: version.Get().Version,
		Publish: func() { s.Publish(events.KindTools, nil) },
	})
	if err != nil {
		return err
	}
	s.tools = m
	return nil
}

// toolKeys gives each tool its own client API key from the router core's key store.
type toolKeys struct{ s *Service }

func (k toolKeys) CreateKey(ctx context.Context, name string) (string, int64, error) {
	secret, key, err := k.s.CreateKey(ctx, name)
	return secret, key.ID, err
}

func (k toolKeys) Verify(secret string) (int64, bool) { return k.s.routing.keys.Verify(secret) }

func (k toolKeys) RevokeKey(ctx context.Context, id int64) error {
	_, err := k.s.RevokeKey(ctx, id)
	return err
}

// ToolOrigin is the endpoint tools are told, without /v1: the bound address once listening, else the configured
// one; a wildcard bind is reached through loopback.
func (s *Service) ToolOrigin() string {
	addr := s.cfg.Addr
	if p := s.listen.Load(); p != nil {
		addr = *p
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Tools lists every supported CLI tool with its install and config state (the tray's "CLI tools" submenu).
func (s *Service) Tools(ctx context.Context) []clitool.ToolState {
	return s.ToolStates(ctx, "", true)
}

// ToolStates lists every supported CLI tool for a home ("" is the user's); detect looks for installed binaries.
func (s *Service) ToolStates(ctx context.Context, home string, detect bool) []clitool.ToolState {
	return s.tools.Tools(ctx, clitool.StatusOptions{Home: home, Detect: detect})
}

// ToolStatus is one tool's state; home "" is the user's home.
func (s *Service) ToolStatus(ctx context.Context, id, home string) (clitool.ToolState, error) {
	return s.tools.Status(ctx, id, clitool.StatusOptions{Home: home, Detect: true})
}

// PreviewTool shows the exact change ApplyTool would make.
func (s *Service) PreviewTool(ctx context.Context, id string, opt clitool.ApplyOptions) (clitool.Result, error) {
	return s.tools.Preview(ctx, id, opt)
}

// ApplyTool points a tool at NineRouter with its own client key; model "" follows the active combo.
func (s *Service) ApplyTool(ctx context.Context, id string, opt clitool.ApplyOptions) (clitool.Result, error) {
	return s.tools.Apply(ctx, id, opt)
}

// RevertTool takes NineRouter out of a tool's config, keeping the user's later edits.
func (s *Service) RevertTool(ctx context.Context, id, home string) (clitool.Result, error) {
	return s.tools.Revert(ctx, id, clitool.RevertOptions{Home: home})
}

// RestoreTool puts back the first-seen original files (backing up the current ones first).
func (s *Service) RestoreTool(ctx context.Context, id, home string) (clitool.Result, error) {
	return s.tools.Restore(ctx, id, clitool.RevertOptions{Home: home})
}

// RevertAllTools reverts every tool NineRouter applied (quit option, `ninerouter tool revert --all`, uninstall).
func (s *Service) RevertAllTools(ctx context.Context, home string) ([]clitool.Result, error) {
	return s.tools.RevertAll(ctx, home)
}

// StaleTools lists tools pointing at a NineRouter that does not answer or with a revoked key. Ask after the
// server listens (at start, the desktop offers to heal them).
func (s *Service) StaleTools(ctx context.Context, home string) []clitool.ToolState {
	return s.tools.Stale(ctx, home)
}

// CheckStaleTools is run once the server listens (desktop start): it logs the tools whose config points at a
// NineRouter that is gone and tells the views, which offer Heal (re-point) or Revert for each.
func (s *Service) CheckStaleTools(ctx context.Context) []clitool.ToolState {
	stale := s.tools.Stale(ctx, "")
	if len(stale) == 0 {
		return nil
	}
	ids := make([]string, 0, len(stale))
	for _, st := range stale {
		ids = append(ids, st.ID)
		s.log.Warn("CLI tool points at a NineRouter that is gone", "tool", st.ID, "detail", st.Detail)
	}
	s.Publish(events.KindTools, map[string]any{"stale": ids})
	return stale
}

// HealTool re-points a stale tool at this NineRouter.
func (s *Service) HealTool(ctx context.Context, id, home string) (clitool.Result, error) {
	return s.tools.Heal(ctx, id, home)
}

// ToolBackups lists the stored copies of a tool's files.
func (s *Service) ToolBackups(ctx context.Context, id, home string) ([]safefile.Entry, error) {
	return s.tools.Backups(ctx, id, home)
}

// ToolSnippets is copyable setup for the tools configured by hand (Cursor, Cline, Roo, Kilo, Continue, Aider).
func (s *Service) ToolSnippets() []clitool.Snippet {
	return clitool.Snippets(s.ToolOrigin(), route.ActiveModel, "")
}

// IsToolID reports whether id is a supported tool.
func IsToolID(id string) bool {
	for _, t := range clitool.IDs() {
		if strings.EqualFold(t, id) {
			return true
		}
	}
	return false
}
