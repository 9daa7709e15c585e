// Package clitool points coding CLIs (Claude Code, Codex, OpenClaw, Factory Droid, OpenCode, Gemini CLI, Qwen
// Code) at NineRouter and takes them back, without ever losing a user's settings. Each tool lives in its own
// package and only says which keys it needs (toolkit.Op); this package reads the files, refuses the ones that do
// not parse, applies the edits through the patch-not-replace editors, backs files up in the data dir, writes them
// atomically, remembers exactly what it changed, and undoes exactly that on revert.
package clitool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/clitool/claude"
	"github.com/ninerouter/ninerouter/backend/clitool/codex"
	"github.com/ninerouter/ninerouter/backend/clitool/droid"
	"github.com/ninerouter/ninerouter/backend/clitool/gemini"
	"github.com/ninerouter/ninerouter/backend/clitool/openclaw"
	"github.com/ninerouter/ninerouter/backend/clitool/opencode"
	"github.com/ninerouter/ninerouter/backend/clitool/qwen"
	"github.com/ninerouter/ninerouter/backend/clitool/toolkit"
	"github.com/ninerouter/ninerouter/backend/logging"
	"github.com/ninerouter/ninerouter/backend/safefile"
	"github.com/ninerouter/ninerouter/backend/store"
)

// All returns every supported tool, in the order the CLI and the UI list them.
func All() []toolkit.Tool {
	return []toolkit.Tool{claude.New(), codex.New(), openclaw.New(), droid.New(), opencode.New(), gemini.New(), qwen.New()}
}

// IDs are the tool ids `ninerouter tool` accepts.
func IDs() []string {
	var ids []string
	for _, t := range All() {
		ids = append(ids, t.Info().ID)
	}
	return ids
}

// Keys mints and checks the client API keys given to tools; the router core's key store implements it.
type Keys interface {
	CreateKey(ctx context.Context, name string) (secret string, id int64, err error)
	Verify(secret string) (id int64, ok bool)
	RevokeKey(ctx context.Context, id int64) error
}

// Options configure a Manager.
type Options struct {
	DB      *store.DB
	DataDir string
	Keys    Keys
	// Origin is the NineRouter endpoint tools are told, without /v1 (http://127.0.0.1:20128).
	Origin func() string
	// DefaultModel is used when no model is chosen: the active-combo virtual model.
	DefaultModel string
	Home         string              // "" = the user's home
	Getenv       func(string) string // nil = os.Getenv
	GOOS         string              // "" = runtime.GOOS
	Detector     *Detector           // nil = a real one
	// Probe reports whether a NineRouter answers at origin (nil = GET /healthz, 1 s timeout).
	Probe   func(ctx context.Context, origin string) bool
	Log     *slog.Logger
	Version string
	Tools   []toolkit.Tool // nil = All()
	// Publish is called after any change, so views redraw.
	Publish func()
}

// Manager applies, reverts and inspects tool configs. Its methods are safe for concurrent use; changes are
// serialised.
type Manager struct {
	o       Options
	backups safefile.Backups
	mu      sync.Mutex

	// beforeRename lets tests act as the tool saving its file at the worst moment of a write.
	beforeRename func(tmp string)

	detMu    sync.Mutex
	detCache map[string]cachedDetection // by tool id; `--version` is slow, the tray asks often
}

type cachedDetection struct {
	d  Detection
	at time.Time
}

const detectionTTL = time.Minute

// New returns a Manager.
func New(o Options) (*Manager, error) {
	if o.DB == nil || o.DataDir == "" {
		return nil, errors.New("clitool: DB and DataDir are required")
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.GOOS == "" {
		o.GOOS = runtime.GOOS
	}
	if o.Home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("clitool: home directory: %w", err)
		}
		o.Home = h
	}
	if o.Tools == nil {
		o.Tools = All()
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Probe == nil {
		o.Probe = probeHealthz
	}
	if o.Detector == nil {
		o.Detector = &Detector{Env: toolkit.Env{Home: o.Home, GOOS: o.GOOS, Getenv: o.Getenv}}
	}
	if o.DefaultModel == "" {
		o.DefaultModel = "ninerouter/active"
	}
	return &Manager{o: o, backups: safefile.Backups{Root: filepath.Join(o.DataDir, "backups", "tools"), Version: o.Version}}, nil
}

// probeHealthz asks the origin of base (a tool's base URL, /v1 or not) whether it is a NineRouter.
func probeHealthz(ctx context.Context, base string) bool {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Service string `json:"service"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode == http.StatusOK && body.Service == "ninerouter"
}

// ErrUnknownTool is returned for an id that is not a supported tool.
var ErrUnknownTool = errors.New("unknown tool")

func (m *Manager) tool(id string) (toolkit.Tool, error) {
	for _, t := range m.o.Tools {
		if t.Info().ID == id {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%w %q (one of %s)", ErrUnknownTool, id, strings.Join(IDs(), ", "))
}

// env is the world for home ("" = the user's own, with the tools' relocation variables honoured). An explicit
// home is a sandbox: the relocation variables of the real environment are ignored there.
func (m *Manager) env(home string) toolkit.Env {
	if home == "" || home == m.o.Home {
		return toolkit.Env{Home: m.o.Home, GOOS: m.o.GOOS, Getenv: m.o.Getenv}
	}
	return toolkit.Env{Home: home, GOOS: m.o.GOOS, Getenv: func(k string) string {
		if k == "PATH" || k == "SHELL" {
			return m.o.Getenv(k)
		}
		return ""
	}}
}

func (m *Manager) homeKey(home string) string {
	if home == "" {
		return m.o.Home
	}
	if abs, err := filepath.Abs(home); err == nil {
		return abs
	}
	return home
}

func readAll(files []toolkit.File) ([]toolkit.Current, error) {
	cur := make([]toolkit.Current, 0, len(files))
	for _, f := range files {
		snap, err := safefile.Read(f.Path)
		if err != nil {
			return nil, err
		}
		cur = append(cur, toolkit.Current{File: f, Snap: snap})
	}
	return cur, nil
}

// AppliedFile is what one apply did to one file (kept in the apply record, a 0600 file in the data dir, since
// replaced values may be secrets and the database holds none).
type AppliedFile struct {
	Path       string           `json:"path"`
	Format     toolkit.Format   `json:"format"`
	Existed    bool             `json:"existed"`
	BeforeSum  string           `json:"beforeSum,omitempty"`
	BeforeFile string           `json:"beforeFile,omitempty"` // the backup holding the bytes before apply
	MadeDirs   []string         `json:"madeDirs,omitempty"`   // directories apply created, deepest first
	WrittenSum string           `json:"writtenSum"`
	Changes    []toolkit.Change `json:"changes"`
}

// FileResult reports one file of an action.
type FileResult struct {
	Path    string `json:"path"`
	Role    string `json:"role,omitempty"`
	Format  string `json:"format,omitempty"`
	Existed bool   `json:"existed"`
	Changed bool   `json:"changed"`
	Removed bool   `json:"removed,omitempty"`
	Backup  string `json:"backup,omitempty"`
	Diff    string `json:"diff,omitempty"`
}

// Result reports an apply, revert, restore or preview.
type Result struct {
	Tool    string       `json:"tool"`
	Action  string       `json:"action"`
	Model   string       `json:"model,omitempty"`
	Files   []FileResult `json:"files"`
	Kept    []string     `json:"kept,omitempty"` // user edits left alone by revert
	Restart string       `json:"restart,omitempty"`
	Notes   []string     `json:"notes,omitempty"`
}

// ApplyOptions choose the model and the home.
type ApplyOptions struct {
	Model string `json:"model,omitempty"` // "" = the active-combo virtual model
	Home  string `json:"home,omitempty"`
}

// KeyPlaceholder stands for the key in a preview: the real key is made only on apply and never shown.
const KeyPlaceholder = "nr-<new key made on apply>"

// Preview returns the exact change apply would make, as unified diffs, without writing or minting anything.
func (m *Manager) Preview(ctx context.Context, id string, opt ApplyOptions) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res, _, err := m.plan(ctx, id, opt, KeyPlaceholder)
	res.Action = "preview"
	return res.Result, err
}

type planned struct {
	Result
	tool   toolkit.Tool
	cur    []toolkit.Current
	bases  map[string]base
	outs   map[string][]byte
	files  []AppliedFile
	record *store.ToolApply
}

// base is a file's content without NineRouter's earlier apply (for a re-apply).
type base struct {
	data   []byte
	exists bool
}

// plan computes the new content of every file. key "" means: reuse the key of an earlier apply when it is still
// valid, else make one (done by the caller after planning succeeds, so a refused file costs no key).
func (m *Manager) plan(ctx context.Context, id string, opt ApplyOptions, key string) (planned, string, error) {
	t, err := m.tool(id)
	if err != nil {
		return planned{}, "", err
	}
	env := m.env(opt.Home)
	files := t.Files(env)
	cur, err := readAll(files)
	if err != nil {
		return planned{}, "", err
	}
	if err := validModel(opt.Model); err != nil {
		return planned{}, "", err
	}
	p := planned{tool: t, cur: cur, bases: map[string]base{}, outs: map[string][]byte{}}
	p.Tool, p.Action, p.Restart = id, "apply", t.Info().Restart
	p.Model = opt.Model
	if p.Model == "" {
		p.Model = m.o.DefaultModel
	}
	// A re-apply starts from the file as it would be after a revert, so the values recorded as "before" stay the
	// user's own, never NineRouter's earlier ones.
	rec, prev, err := m.active(ctx, id, m.homeKey(opt.Home))
	if err != nil {
		return planned{}, "", err
	}
	p.record = rec
	baseCur := make([]toolkit.Current, len(cur))
	copy(baseCur, cur)
	for i, c := range cur {
		b := base{data: c.Snap.Data, exists: c.Snap.Exists}
		if af, ok := findApplied(prev, c.Path); ok && c.Snap.Exists {
			if data, ok := m.beforeBytes(af, c.Snap); ok {
				b = data
			} else if out, _, err := toolkit.Revert(af.Format, c.Snap.Data, af.Changes); err == nil {
				b.data = out
			}
		}
		p.bases[c.Path] = b
		baseCur[i].Snap = safefile.Snapshot{Path: c.Path, Data: b.data, Exists: b.exists}
	}
	reuse := ""
	if key == "" && rec != nil && m.o.Keys != nil {
		if in := t.Inspect(env, cur); in.Key != "" {
			if kid, ok := m.o.Keys.Verify(in.Key); ok && kid == rec.KeyID {
				reuse = in.Key
			}
		}
	}
	tgt := toolkit.Target{Origin: strings.TrimSuffix(m.o.Origin(), "/"), Key: key, Model: p.Model}
	if tgt.Key == "" {
		tgt.Key = reuse
		if tgt.Key == "" {
			tgt.Key = KeyPlaceholder // replaced after planning
		}
	}
	plans, err := t.Plan(env, baseCur, tgt)
	if err != nil {
		return planned{}, "", refused(err)
	}
	for _, fp := range plans {
		b := p.bases[fp.File.Path]
		c, _ := toolkit.Find(cur, fp.File.Path)
		out, changes, err := toolkit.Apply(fp.File.Format, b.data, b.exists, fp.Ops)
		if err != nil {
			return planned{}, "", refused(fmt.Errorf("%s: %w", fp.File.Path, err))
		}
		p.outs[fp.File.Path] = out
		af := AppliedFile{Path: fp.File.Path, Format: fp.File.Format, Existed: b.exists,
			BeforeSum: sumIf(b), WrittenSum: safefile.Sum(out), Changes: changes}
		if pf, ok := findApplied(prev, fp.File.Path); ok && !b.exists {
			af.MadeDirs = pf.MadeDirs // a re-apply of a file the first apply created
		}
		p.files = append(p.files, af)
		p.Files = append(p.Files, FileResult{Path: fp.File.Path, Role: fp.File.Role, Format: string(fp.File.Format),
			Existed: c.Snap.Exists, Changed: !c.Snap.Exists || string(out) != string(c.Snap.Data),
			Diff: ShownDiff(fp.File.Path, c.Snap.Data, out)})
	}
	return p, reuse, nil
}

func sumIf(b base) string {
	if !b.exists {
		return ""
	}
	return safefile.Sum(b.data)
}

// ErrBadModel is returned for a model name that cannot be written into a config file.
var ErrBadModel = errors.New("bad model name")

func validModel(m string) error {
	if len(m) > 200 {
		return fmt.Errorf("%w: longer than 200 characters", ErrBadModel)
	}
	for _, r := range m {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '\'' || r == '`' || r == '$' {
			return fmt.Errorf("%w %q: use letters, digits and - _ . / : @ +", ErrBadModel, m)
		}
	}
	return nil
}

// ErrRefused wraps every "this file cannot be edited safely" error; nothing was written.
var ErrRefused = errors.New("refused, nothing was changed")

func refused(err error) error { return fmt.Errorf("%w: %w", ErrRefused, err) }

// ShownDiff is the diff people see (API, window, CLI): credentials in it, NineRouter's and the user's own, go
// through the one redaction path.
func ShownDiff(path string, a, b []byte) string { return logging.Redact(Diff(path, a, b)) }

// Diff is a unified diff of a file's change ("" when equal), 3 lines of context; a last line without a newline
// is marked the way diff(1) does.
func Diff(path string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	return udiff.Unified(path, path, string(a), string(b))
}

// Apply points a tool at NineRouter.
func (m *Manager) Apply(ctx context.Context, id string, opt ApplyOptions) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, reuse, err := m.plan(ctx, id, opt, "")
	if err != nil {
		return Result{}, err
	}
	// Now that every file is known to be editable, make the key and plan again with it.
	var keyID int64
	key := reuse
	if key == "" {
		if m.o.Keys == nil {
			return Result{}, errors.New("client API keys are not available")
		}
		key, keyID, err = m.o.Keys.CreateKey(ctx, "cli-tool: "+p.tool.Info().Name)
		if err != nil {
			return Result{}, fmt.Errorf("make a client API key for %s: %w", id, err)
		}
		p, _, err = m.plan(ctx, id, opt, key)
		if err != nil {
			_ = m.o.Keys.RevokeKey(ctx, keyID)
			return Result{}, err
		}
	} else if p.record != nil {
		keyID = p.record.KeyID
	}
	if err := m.write(p); err != nil {
		if reuse == "" && keyID != 0 {
			_ = m.o.Keys.RevokeKey(ctx, keyID)
		}
		return Result{}, err
	}
	rec := store.ToolApply{Tool: id, Home: m.homeKey(opt.Home), KeyID: keyID, Model: p.Model,
		Origin: strings.TrimSuffix(m.o.Origin(), "/"), AppliedAt: time.Now().UTC()}
	if err := m.saveRecord(ctx, &rec, p.record, p.files); err != nil {
		return Result{}, err
	}
	if p.record != nil && p.record.KeyID != 0 && p.record.KeyID != keyID && m.o.Keys != nil {
		_ = m.o.Keys.RevokeKey(ctx, p.record.KeyID) // the earlier apply's key is no longer in any file
	}
	m.o.Log.Info("cli tool applied", "tool", id, "model", p.Model, "files", len(p.files))
	m.publish()
	return p.Result, nil
}

// write backs every file up, then writes them; when a later file fails the earlier ones are put back.
func (m *Manager) write(p planned) error {
	var done []struct {
		after  safefile.Snapshot
		before []byte
		exists bool
	}
	rollback := func() {
		for i := len(done) - 1; i >= 0; i-- {
			d := done[i]
			if d.exists {
				_ = safefile.Write(d.after, d.before, safefile.Options{})
			} else {
				_ = safefile.Remove(d.after)
			}
		}
	}
	for i := range p.files {
		af := &p.files[i]
		c, _ := toolkit.Find(p.cur, af.Path)
		e, err := m.backups.Save(p.Tool, c.Snap, "before-apply")
		if err != nil {
			rollback()
			return err
		}
		b := p.bases[af.Path]
		if b.exists && string(b.data) != string(c.Snap.Data) {
			// a re-apply: keep the pre-NineRouter content too, for the exact-bytes revert
			if e, err = m.backups.Save(p.Tool, safefile.Snapshot{Path: af.Path, Data: b.data, Exists: true, Sum: safefile.Sum(b.data)}, "base-before-apply"); err != nil {
				rollback()
				return err
			}
		}
		if b.exists {
			af.BeforeFile = e.File
		}
		p.Files[i].Backup = e.File
		out := p.outs[af.Path]
		if c.Snap.Exists && string(out) == string(c.Snap.Data) {
			continue
		}
		if !c.Snap.Exists {
			af.MadeDirs = missingDirs(filepath.Dir(af.Path))
		}
		if err := safefile.Write(c.Snap, out, safefile.Options{BeforeRename: m.beforeRename}); err != nil {
			rollback()
			return err
		}
		after, _ := safefile.Read(af.Path)
		done = append(done, struct {
			after  safefile.Snapshot
			before []byte
			exists bool
		}{after, c.Snap.Data, c.Snap.Exists})
	}
	return nil
}

// beforeBytes returns the exact pre-apply content when the file still holds exactly what apply wrote.
func (m *Manager) beforeBytes(af AppliedFile, cur safefile.Snapshot) (base, bool) {
	if cur.Sum != af.WrittenSum {
		return base{}, false
	}
	if !af.Existed {
		return base{exists: false}, true
	}
	if af.BeforeFile == "" {
		return base{}, false
	}
	data, err := os.ReadFile(af.BeforeFile)
	if err != nil || safefile.Sum(data) != af.BeforeSum {
		return base{}, false
	}
	return base{data: data, exists: true}, true
}

// RevertOptions choose the home.
type RevertOptions struct {
	Home string `json:"home,omitempty"`
}

// ErrNotApplied means there is nothing of NineRouter's to revert.
var ErrNotApplied = errors.New("NineRouter has not applied this tool here")

// Revert removes NineRouter's keys and puts back the values it replaced; the user's later edits stay. A file
// nobody touched since apply gets its exact old bytes back.
func (m *Manager) Revert(ctx context.Context, id string, opt RevertOptions) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.tool(id)
	if err != nil {
		return Result{}, err
	}
	rec, files, err := m.active(ctx, id, m.homeKey(opt.Home))
	if err != nil {
		return Result{}, err
	}
	if rec == nil {
		return Result{}, fmt.Errorf("%w (%s); `ninerouter tool restore %s` puts back the original file", ErrNotApplied, t.Info().Name, id)
	}
	res := Result{Tool: id, Action: "revert", Restart: t.Info().Restart}
	var made []string
	defer func() { removeEmpty(made) }()
	for _, af := range files {
		snap, err := safefile.Read(af.Path)
		if err != nil {
			return res, err
		}
		fr := FileResult{Path: af.Path, Format: string(af.Format), Existed: snap.Exists}
		if !snap.Exists {
			res.Notes = append(res.Notes, af.Path+" no longer exists; nothing to revert there")
			res.Files = append(res.Files, fr)
			continue
		}
		var out []byte
		exists := true
		if b, ok := m.beforeBytes(af, snap); ok {
			out, exists = b.data, b.exists
		} else {
			var kept []string
			out, kept, err = toolkit.Revert(af.Format, snap.Data, af.Changes)
			if err != nil {
				return res, refused(fmt.Errorf("%s: %w", af.Path, err))
			}
			res.Kept = append(res.Kept, kept...)
		}
		e, err := m.backups.Save(id, snap, "before-revert")
		if err != nil {
			return res, err
		}
		fr.Backup = e.File
		fr.Diff = ShownDiff(af.Path, snap.Data, out)
		switch {
		case !exists:
			err = safefile.Remove(snap)
			fr.Removed, fr.Changed = true, true
			made = append(made, af.MadeDirs...)
		case string(out) != string(snap.Data):
			err = safefile.Write(snap, out, safefile.Options{})
			fr.Changed = true
		}
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, fr)
	}
	if err := m.finish(ctx, rec); err != nil {
		return res, err
	}
	m.o.Log.Info("cli tool reverted", "tool", id, "kept", len(res.Kept))
	m.publish()
	return res, nil
}

// Restore puts back the first-seen original of every file of the tool (deleting the files that did not exist),
// after backing up the current content, and forgets NineRouter's apply.
func (m *Manager) Restore(ctx context.Context, id string, opt RevertOptions) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.tool(id)
	if err != nil {
		return Result{}, err
	}
	rec, applied, err := m.active(ctx, id, m.homeKey(opt.Home))
	if err != nil {
		return Result{}, err
	}
	paths := map[string]bool{}
	var order []string
	for _, f := range t.Files(m.env(opt.Home)) {
		paths[f.Path] = true
		order = append(order, f.Path)
	}
	for _, af := range applied {
		if !paths[af.Path] {
			paths[af.Path] = true
			order = append(order, af.Path)
		}
	}
	res := Result{Tool: id, Action: "restore", Restart: t.Info().Restart}
	found := false
	var made []string
	defer func() { removeEmpty(made) }()
	for _, path := range order {
		orig, ok, err := m.backups.Original(id, path)
		if err != nil {
			return res, err
		}
		if !ok {
			continue
		}
		found = true
		snap, err := safefile.Read(path)
		if err != nil {
			return res, err
		}
		data, err := orig.Data()
		if err != nil {
			return res, fmt.Errorf("original of %s: %w", path, err)
		}
		fr := FileResult{Path: path, Existed: snap.Exists}
		if orig.Missing == !snap.Exists && string(data) == string(snap.Data) {
			res.Files = append(res.Files, fr)
			continue
		}
		e, err := m.backups.Save(id, snap, "before-restore")
		if err != nil {
			return res, err
		}
		fr.Backup, fr.Changed = e.File, true
		fr.Diff = ShownDiff(path, snap.Data, data)
		if orig.Missing {
			err = safefile.Remove(snap)
			fr.Removed = true
			if af, ok := findApplied(applied, path); ok {
				made = append(made, af.MadeDirs...)
			}
		} else {
			err = safefile.Write(snap, data, safefile.Options{NewMode: os.FileMode(orig.Mode)})
		}
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, fr)
	}
	if !found {
		return res, fmt.Errorf("no original of %s's files was ever backed up (NineRouter never changed them)", t.Info().Name)
	}
	if rec != nil {
		if err := m.finish(ctx, rec); err != nil {
			return res, err
		}
	}
	m.publish()
	return res, nil
}

// RevertAll reverts every tool NineRouter applied (in any home when home is ""), continuing past failures.
func (m *Manager) RevertAll(ctx context.Context, home string) ([]Result, error) {
	var recs []store.ToolApply
	q := m.o.DB.WithContext(ctx).Where("reverted_at IS NULL")
	if home != "" {
		q = q.Where("home = ?", m.homeKey(home))
	}
	if err := q.Order("id").Find(&recs).Error; err != nil {
		return nil, fmt.Errorf("read applied tools: %w", err)
	}
	var out []Result
	var errs []error
	for _, r := range recs {
		res, err := m.Revert(ctx, r.Tool, RevertOptions{Home: r.Home})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Tool, err))
			continue
		}
		out = append(out, res)
	}
	return out, errors.Join(errs...)
}

func (m *Manager) publish() {
	if m.o.Publish != nil {
		m.o.Publish()
	}
}

// missingDirs lists dir and its ancestors that do not exist yet, deepest first.
func missingDirs(dir string) []string {
	var out []string
	for {
		if _, err := os.Stat(dir); err == nil {
			return out
		}
		out = append(out, dir)
		parent := filepath.Dir(dir)
		if parent == dir {
			return out
		}
		dir = parent
	}
}

// removeEmpty removes the directories NineRouter created once they are empty again, deepest first; one the user
// or the tool has put something in since stays.
func removeEmpty(dirs []string) {
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		_ = os.Remove(d) // fails, harmlessly, on a directory that is not empty
	}
}

func findApplied(files []AppliedFile, path string) (AppliedFile, bool) {
	for _, f := range files {
		if f.Path == path {
			return f, true
		}
	}
	return AppliedFile{}, false
}

// ---- apply records ----

func (m *Manager) recordPath(id int64) string {
	return filepath.Join(m.backups.Root, fmt.Sprintf("apply-%d.json", id))
}

// active returns the latest apply of a tool in a home that was not reverted, with its file records.
func (m *Manager) active(ctx context.Context, tool, home string) (*store.ToolApply, []AppliedFile, error) {
	var rows []store.ToolApply
	if err := m.o.DB.WithContext(ctx).Where("tool = ? AND home = ? AND reverted_at IS NULL", tool, home).
		Order("id DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("read applied tools: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, nil
	}
	rec := rows[0]
	raw, err := os.ReadFile(m.recordPath(rec.ID))
	if err != nil {
		return nil, nil, fmt.Errorf("apply record of %s: %w", tool, err)
	}
	var files []AppliedFile
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, nil, fmt.Errorf("apply record of %s: %w", tool, err)
	}
	return &rec, files, nil
}

func (m *Manager) saveRecord(ctx context.Context, rec, prev *store.ToolApply, files []AppliedFile) error {
	return m.o.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if prev != nil {
			now := time.Now().UTC()
			if err := tx.Model(prev).Update("reverted_at", now).Error; err != nil {
				return err
			}
		}
		rec.Files = fmt.Sprint(len(files))
		if err := tx.Create(rec).Error; err != nil {
			return err
		}
		raw, _ := json.MarshalIndent(files, "", "  ")
		snap, err := safefile.Read(m.recordPath(rec.ID))
		if err != nil {
			return err
		}
		return safefile.Write(snap, raw, safefile.Options{NewMode: 0o600})
	})
}

func (m *Manager) finish(ctx context.Context, rec *store.ToolApply) error {
	now := time.Now().UTC()
	if err := m.o.DB.WithContext(ctx).Model(rec).Update("reverted_at", now).Error; err != nil {
		return fmt.Errorf("record revert: %w", err)
	}
	if rec.KeyID != 0 && m.o.Keys != nil {
		if err := m.o.Keys.RevokeKey(ctx, rec.KeyID); err != nil {
			m.o.Log.Warn("revoke the tool's client key", "tool", rec.Tool, "err", err)
		}
	}
	return nil
}
