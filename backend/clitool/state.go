package clitool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/safefile"
)

// State is where a tool points.
type State string

const (
	NotConfigured State = "not-configured" // no custom endpoint
	Configured    State = "configured"     // points at this NineRouter, with a valid key
	Elsewhere     State = "elsewhere"      // points at another endpoint
	Stale         State = "stale"          // points at a NineRouter that does not answer, or with a revoked key
	Unreadable    State = "error"          // a file does not parse; NineRouter will not touch it
)

// FileState describes one file of a tool.
type FileState struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Role   string `json:"role"`
	Exists bool   `json:"exists"`
}

// ToolState is one tool as the tray, the window and `ninerouter tool status` show it.
type ToolState struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Detection Detection   `json:"detection"`
	State     State       `json:"state"`
	Detail    string      `json:"detail,omitempty"`
	BaseURL   string      `json:"baseUrl,omitempty"`
	Model     string      `json:"model,omitempty"`
	Files     []FileState `json:"files"`
	Applied   *Applied    `json:"applied,omitempty"` // NineRouter's current apply, if any
	CanRevert bool        `json:"canRevert"`
	// CanRestore: an original of some file is backed up.
	CanRestore bool   `json:"canRestore"`
	Restart    string `json:"restart,omitempty"`
	// Warnings: things outside the files that would defeat the config (variables set in the environment or in a
	// shell profile that win over the file).
	Warnings []string `json:"warnings,omitempty"`
}

// Applied describes NineRouter's apply of a tool.
type Applied struct {
	At     time.Time `json:"at"`
	Model  string    `json:"model"`
	Origin string    `json:"origin"`
	KeyID  int64     `json:"keyId,omitempty"`
}

// StatusOptions choose the home and whether to look for the programs (slower: runs --version).
type StatusOptions struct {
	Home   string
	Detect bool
}

// Tools returns the state of every tool.
// The tools are looked at in parallel (each may run `--version`, which takes a node CLI up to a second); the
// goroutines end before Tools returns.
func (m *Manager) Tools(ctx context.Context, opt StatusOptions) []ToolState {
	return m.statuses(ctx, m.o.Tools, opt)
}

// statuses reads the given tools' states side by side (probing an endpoint can take a while).
func (m *Manager) statuses(ctx context.Context, tools []toolkit.Tool, opt StatusOptions) []ToolState {
	out := make([]ToolState, len(tools))
	var wg sync.WaitGroup
	for i, t := range tools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := m.Status(ctx, t.Info().ID, opt)
			if err != nil {
				st = ToolState{ID: t.Info().ID, Name: t.Info().Name, State: Unreadable, Detail: err.Error()}
			}
			out[i] = st
		}()
	}
	wg.Wait()
	return out
}

// Status returns one tool's state.
func (m *Manager) Status(ctx context.Context, id string, opt StatusOptions) (ToolState, error) {
	t, err := m.tool(id)
	if err != nil {
		return ToolState{}, err
	}
	info := t.Info()
	env := m.env(opt.Home)
	st := ToolState{ID: info.ID, Name: info.Name, Restart: info.Restart}
	files := t.Files(env)
	cur, err := readAll(files)
	if err != nil {
		st.State, st.Detail = Unreadable, err.Error()
		return st, nil
	}
	for _, c := range cur {
		st.Files = append(st.Files, FileState{Path: c.Path, Format: string(c.Format), Role: c.Role, Exists: c.Snap.Exists})
		if _, ok, _ := m.backups.Original(id, c.Path); ok {
			st.CanRestore = true
		}
	}
	if opt.Detect {
		st.Detection = m.detect(ctx, info)
		if !st.Detection.Installed && len(files) > 0 {
			if _, err := os.Stat(filepath.Dir(files[0].Path)); err == nil {
				st.Detection.ConfigOnly = true
			}
		}
	}
	rec, _, err := m.active(ctx, id, m.homeKey(opt.Home))
	if err != nil {
		return st, err
	}
	if rec != nil {
		st.Applied = &Applied{At: rec.AppliedAt, Model: rec.Model, Origin: rec.Origin, KeyID: rec.KeyID}
		st.CanRevert = true
	}
	st.Warnings = envConflicts(env, info.EnvOverrides)
	in := t.Inspect(env, cur)
	st.BaseURL, st.Model = in.BaseURL, in.Model
	st.State, st.Detail = m.classify(ctx, in)
	return st, nil
}

// classify turns an inspection into a state. Stale: the file points at a NineRouter (our origin, or a loopback
// endpoint with our marker) that does not answer, or carries a key that no longer exists.
func (m *Manager) classify(ctx context.Context, in toolkit.Inspection) (State, string) {
	if in.Error != "" {
		return Unreadable, in.Error + " (NineRouter will not edit a file it cannot parse)"
	}
	if in.BaseURL == "" {
		return NotConfigured, ""
	}
	origin := m.o.Origin()
	ours := toolkit.SameOrigin(in.BaseURL, origin)
	if !ours && !(in.Managed && toolkit.IsLoopbackURL(in.BaseURL)) {
		return Elsewhere, "points at " + in.BaseURL
	}
	if !m.o.Probe(ctx, in.BaseURL) {
		if ours {
			return Stale, fmt.Sprintf("points at this NineRouter (%s), which is not running", in.BaseURL)
		}
		return Stale, fmt.Sprintf("points at %s, where no NineRouter answers", in.BaseURL)
	}
	if !ours {
		return Elsewhere, "points at another NineRouter at " + in.BaseURL
	}
	if m.o.Keys != nil && in.Key != "" && in.Key != KeyPlaceholder {
		if _, ok := m.o.Keys.Verify(in.Key); !ok {
			return Stale, "its NineRouter API key was revoked or deleted"
		}
	}
	return Configured, ""
}

// Stale lists the tools whose config points at a NineRouter that is gone; the UI offers Heal for each.
// Only tools with a config file on disk are read: a tool is stale by what its files say, and reading the others
// (their parsers, the apply records) cost every start ~0.7 MB of resident code for nothing (docs/benchmark.md).
func (m *Manager) Stale(ctx context.Context, home string) []ToolState {
	env := m.env(home)
	var present []toolkit.Tool
	for _, t := range m.o.Tools {
		for _, f := range t.Files(env) {
			if _, err := os.Stat(f.Path); err == nil {
				present = append(present, t)
				break
			}
		}
	}
	var out []ToolState
	for _, st := range m.statuses(ctx, present, StatusOptions{Home: home}) {
		if st.State == Stale {
			out = append(out, st)
		}
	}
	return out
}

// Heal re-points a stale tool at this NineRouter with a fresh key, keeping the model of the earlier apply. When
// NineRouter has no record of the apply (another data dir, a lost database), it applies afresh: the recorded
// "before" values are then the stale ones, and `restore` still has the first-seen original.
func (m *Manager) Heal(ctx context.Context, id, home string) (Result, error) {
	st, err := m.Status(ctx, id, StatusOptions{Home: home})
	if err != nil {
		return Result{}, err
	}
	if st.State != Stale {
		return Result{}, fmt.Errorf("%s is %s, not stale; nothing to heal", st.Name, st.State)
	}
	model := ""
	if st.Applied != nil {
		model = st.Applied.Model
	}
	res, err := m.Apply(ctx, id, ApplyOptions{Model: model, Home: home})
	res.Action = "heal"
	return res, err
}

// Backups lists the stored copies of a tool's files, newest first, originals included.
func (m *Manager) Backups(ctx context.Context, id, home string) ([]safefile.Entry, error) {
	t, err := m.tool(id)
	if err != nil {
		return nil, err
	}
	var out []safefile.Entry
	for _, f := range t.Files(m.env(home)) {
		if o, ok, err := m.backups.Original(id, f.Path); err == nil && ok {
			out = append(out, o)
		}
		list, err := m.backups.List(id, f.Path)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

func (m *Manager) detect(ctx context.Context, info toolkit.Info) Detection {
	m.detMu.Lock()
	c, ok := m.detCache[info.ID]
	m.detMu.Unlock()
	if ok && time.Since(c.at) < detectionTTL {
		return c.d
	}
	d := m.o.Detector.Detect(ctx, info.Binaries)
	m.detMu.Lock()
	defer m.detMu.Unlock()
	if m.detCache == nil {
		m.detCache = map[string]cachedDetection{}
	}
	m.detCache[info.ID] = cachedDetection{d: d, at: time.Now()}
	return d
}

// shellProfiles are the files where users export variables.
var shellProfiles = []string{".profile", ".bashrc", ".bash_profile", ".zshrc", ".zprofile", ".zshenv", ".config/fish/config.fish"}

// envConflicts reports variables that would override the tool's file: set in this process's environment, or
// exported by a shell profile (a GUI app does not see those, the tool started from a terminal does).
func envConflicts(env toolkit.Env, vars []string) []string {
	if len(vars) == 0 {
		return nil
	}
	var out []string
	for _, v := range vars {
		if env.Var(v) != "" {
			out = append(out, v+" is set in the environment and wins over the file; unset it for NineRouter to take effect")
		}
	}
	for _, prof := range shellProfiles {
		p := env.Join(env.Home, prof)
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, v := range vars {
			re := regexp.MustCompile(`(?m)^\s*(?:export\s+|set\s+-[a-zA-Z]*x[a-zA-Z]*\s+)?` + regexp.QuoteMeta(v) + `[=\s]`)
			if re.Match(b) {
				out = append(out, fmt.Sprintf("%s sets %s, which wins over the file in terminals started after it", p, v))
			}
		}
	}
	return out
}
