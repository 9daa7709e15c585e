package service

// The sync folder (issue 15): one owned loop (startSync / closeSync, backend/wake) writes this machine's encrypted
// snapshot when the configuration changes and applies newer objects from the other machines' snapshots, object
// by object, last writer wins (backend/importer/syncfolder). The folder and the machine id are settings of this
// machine only; the passphrase lives in the secret store.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/syncfolder"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/usage"
	"github.com/ninerouter/ninerouter/backend/version"
	"github.com/ninerouter/ninerouter/backend/wake"
)

// Sync settings and the secret-store key of the passphrase. None of them travels (portableSetting).
const (
	SettingSyncFolder  = "sync_folder"
	settingSyncMachine = "sync_machine_id"
	settingSyncLast    = "sync_last_synced"
	settingSyncError   = "sync_last_error"
	settingSyncSeen    = "sync_seen." // + machine id: the peer file's modification time last applied
	syncSecretKey      = "sync/passphrase"
)

// syncPeriod is how often the other machines' files are looked at; local changes are written at once (after
// syncSettle, which gathers a burst of edits into one snapshot).
const (
	syncPeriod = 20 * time.Second
	syncSettle = time.Second
)

// syncer is the sync side of the service.
type syncer struct {
	mu   sync.Mutex // one round at a time (the loop, SyncNow)
	loop *wake.Loop // rounds: every syncPeriod while a folder is set, syncSettle after a change (backend/wake)
}

// newSyncer builds the sync loop at the service's construction, so changes published before startSync are
// remembered (the loop keeps a wake-up asked for before it starts).
func (s *Service) newSyncer() *syncer { return &syncer{loop: wake.New(s.syncPass)} }

// startSync lets the rounds begin; with no folder set nothing is scheduled until a change or SetSync.
func (s *Service) startSync() { s.sync.loop.Start(syncPeriod) }

// closeSync stops the rounds, waiting for one in progress.
func (s *Service) closeSync() { s.sync.loop.Close() }

// syncChanged is told of every event the service publishes: a change of what travels brings the next round
// to within syncSettle, which gathers a burst of edits into one snapshot.
func (s *Service) syncChanged(kind events.Kind) {
	switch kind {
	case events.KindAccounts, events.KindCombos, events.KindKeys, events.KindSettings:
		s.sync.loop.Within(syncSettle)
	}
}

// syncPass runs one round when sync is on, recording its error for the status, and schedules the next.
func (s *Service) syncPass(ctx context.Context) time.Duration {
	folder, _, _ := s.db.GetSetting(ctx, SettingSyncFolder)
	if folder == "" {
		return wake.Never
	}
	if _, err := s.SyncNow(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("sync folder round failed", "folder", folder, "err", err)
	}
	return syncPeriod
}

// SyncStatus is what `ninerouter sync status` and the Settings panel show.
type SyncStatus struct {
	Enabled    bool                  `json:"enabled"`
	Folder     string                `json:"folder"`
	Machine    string                `json:"machine"`
	LastSynced *time.Time            `json:"lastSynced,omitempty"`
	LastError  string                `json:"lastError,omitempty"`
	Peers      []SyncPeer            `json:"peers"`
	Conflicts  []syncfolder.Conflict `json:"conflicts"`
	Applied    int                   `json:"applied,omitempty"` // objects taken from peers in this round
	Written    bool                  `json:"written,omitempty"` // this machine's snapshot was rewritten
}

// SyncPeer is another machine seen in the folder.
type SyncPeer struct {
	Machine string    `json:"machine"`
	Applied time.Time `json:"applied"` // its file's time when last applied here
}

// SyncStatus reports the sync state.
func (s *Service) SyncStatus(ctx context.Context) (SyncStatus, error) {
	settings, err := s.db.Settings(ctx)
	if err != nil {
		return SyncStatus{}, err
	}
	st := SyncStatus{Folder: settings[SettingSyncFolder], Machine: settings[settingSyncMachine], LastError: settings[settingSyncError], Peers: []SyncPeer{}}
	st.Enabled = st.Folder != ""
	if t, err := time.Parse(time.RFC3339Nano, settings[settingSyncLast]); err == nil {
		st.LastSynced = &t
	}
	for k, v := range settings {
		if m, ok := strings.CutPrefix(k, settingSyncSeen); ok {
			t, _ := time.Parse(time.RFC3339Nano, v)
			st.Peers = append(st.Peers, SyncPeer{Machine: m, Applied: t})
		}
	}
	sort.Slice(st.Peers, func(i, j int) bool { return st.Peers[i].Machine < st.Peers[j].Machine })
	rows, err := s.db.SyncConflicts(ctx, 50)
	if err != nil {
		return st, err
	}
	st.Conflicts = []syncfolder.Conflict{}
	for _, r := range rows {
		st.Conflicts = append(st.Conflicts, syncfolder.Conflict{At: r.At, Kind: r.Kind, Key: r.Key, Winner: r.Winner, Loser: r.Loser, Deleted: r.Deleted})
	}
	return st, nil
}

// SetSync points sync at folder with passphrase (kept in the secret store); an empty folder turns sync off
// (the folder's files are left alone). The first round runs at once.
func (s *Service) SetSync(ctx context.Context, folder, passphrase string) (SyncStatus, error) {
	folder = strings.TrimSpace(folder)
	if folder == "" {
		if err := s.db.SetSettings(ctx, map[string]string{SettingSyncFolder: "", settingSyncError: ""}); err != nil {
			return SyncStatus{}, err
		}
		_ = s.secrets.Delete(syncSecretKey)
		return s.SyncStatus(ctx)
	}
	if st, err := os.Stat(folder); err != nil || !st.IsDir() {
		return SyncStatus{}, fmt.Errorf("%w: the sync folder %s is not a folder this machine can read", ErrInvalid, folder)
	}
	if len([]rune(passphrase)) < 8 {
		return SyncStatus{}, fmt.Errorf("%w: the sync passphrase needs at least 8 characters (the same on every machine)", ErrInvalid)
	}
	machine, _, _ := s.db.GetSetting(ctx, settingSyncMachine)
	if machine == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		machine = hex.EncodeToString(b[:])
	}
	// A wrong passphrase would make every peer unreadable: check it against one peer file first.
	if peers, err := syncfolder.Peers(folder, machine); err == nil && len(peers) > 0 {
		if _, err := syncfolder.Read(peers[0], passphrase); err != nil {
			return SyncStatus{}, fmt.Errorf("%w: %s's snapshot in that folder does not open: %v", ErrInvalid, peers[0].Machine, err)
		}
	}
	if err := s.secrets.Set(syncSecretKey, passphrase); err != nil {
		return SyncStatus{}, fmt.Errorf("store the sync passphrase: %w", err)
	}
	if err := s.db.SetSettings(ctx, map[string]string{SettingSyncFolder: folder, settingSyncMachine: machine}); err != nil {
		return SyncStatus{}, err
	}
	s.sync.loop.Within(syncPeriod) // the rounds after this one
	return s.SyncNow(ctx)
}

// SyncNow runs one round: record local changes, apply newer objects from the other machines, write this
// machine's snapshot when anything changed.
func (s *Service) SyncNow(ctx context.Context) (SyncStatus, error) {
	s.sync.mu.Lock()
	defer s.sync.mu.Unlock()
	settings, err := s.db.Settings(ctx)
	if err != nil {
		return SyncStatus{}, err
	}
	folder, machine := settings[SettingSyncFolder], settings[settingSyncMachine]
	if folder == "" || machine == "" {
		return s.SyncStatus(ctx)
	}
	pass, err := s.secrets.Get(syncSecretKey)
	if err != nil {
		return s.syncFailed(ctx, fmt.Errorf("the sync passphrase is not in the %s store: %w", s.secrets.Kind(), err))
	}
	now := time.Now().UTC()
	changed, err := s.recordLocal(ctx, machine, now)
	if err != nil {
		return s.syncFailed(ctx, err)
	}
	peers, err := syncfolder.Peers(folder, machine)
	if err != nil {
		return s.syncFailed(ctx, err)
	}
	applied := 0
	var problems []string
	for _, p := range peers {
		seen, _ := time.Parse(time.RFC3339Nano, settings[settingSyncSeen+p.Machine])
		if !p.ModTime.After(seen) {
			continue
		}
		n, err := s.applyPeer(ctx, p, pass, seen, now)
		applied += n
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", p.Machine, err))
			continue
		}
		if err := s.db.SetSetting(ctx, settingSyncSeen+p.Machine, p.ModTime.UTC().Format(time.RFC3339Nano)); err != nil {
			return s.syncFailed(ctx, err)
		}
	}
	if applied > 0 {
		// What was applied is now this machine's state (stamped with the winners' stamps, not as local edits).
		if _, err := s.recordLocal(ctx, machine, now); err != nil {
			return s.syncFailed(ctx, err)
		}
	}
	written := false
	if _, statErr := os.Stat(folder + string(os.PathSeparator) + syncfolder.FileName(machine)); changed || applied > 0 || statErr != nil {
		snap, err := s.snapshot(ctx, machine, now)
		if err != nil {
			return s.syncFailed(ctx, err)
		}
		if err := syncfolder.Write(folder, snap, pass, version.Get().Version, workFactor(EnvBackupWork, syncfolder.WorkFactor)); err != nil {
			return s.syncFailed(ctx, err)
		}
		written = true
	}
	msg := ""
	if len(problems) > 0 {
		msg = "some machines' snapshots were not applied: " + strings.Join(problems, "; ")
	}
	if err := s.db.SetSettings(ctx, map[string]string{settingSyncLast: now.Format(time.RFC3339Nano), settingSyncError: msg}); err != nil {
		return SyncStatus{}, err
	}
	st, err := s.SyncStatus(ctx)
	st.Applied, st.Written = applied, written
	return st, err
}

func (s *Service) syncFailed(ctx context.Context, err error) (SyncStatus, error) {
	_ = s.db.SetSetting(ctx, settingSyncError, s.redact.Redact(err.Error()))
	st, _ := s.SyncStatus(ctx)
	return st, err
}

// syncObjects is the configuration as sync objects, with each account's local id.
func (s *Service) syncObjects(ctx context.Context) (map[string]syncfolder.Object, map[string]int64, error) {
	b, err := s.ExportBundle(ctx)
	if err != nil {
		return nil, nil, err
	}
	objs := map[string]syncfolder.Object{}
	ids := map[string]int64{}
	add := func(kind, key string, v any) {
		raw, _ := json.Marshal(v)
		o := syncfolder.Object{Kind: kind, Key: key, Hash: syncfolder.HashOf(raw), Data: raw}
		objs[o.ID()] = o
	}
	for _, n := range b.Nodes {
		add("node", n.Prefix, n)
	}
	for _, a := range b.Accounts {
		key := accountSyncKey(a)
		id, _ := strconv.ParseInt(strings.TrimPrefix(a.Ref, "account #"), 10, 64)
		a.Ref = ""
		ids[key] = id
		add("account", key, a)
	}
	for _, c := range b.Combos {
		add("combo", c.Name, c)
	}
	for _, a := range b.Aliases {
		add("alias", a.Name, a)
	}
	for _, k := range b.ClientKeys {
		add("key", k.Hash, k)
	}
	for _, p := range b.Prices {
		add("price", p.Provider+"/"+p.Model, p)
	}
	for k, v := range b.Settings {
		if k != SettingActiveCombo { // which combo is active is each machine's own choice
			add("setting", k, v)
		}
	}
	return objs, ids, nil
}

// accountSyncKey identifies an account on every machine: its provider and vendor account, or its key's
// fingerprint.
func accountSyncKey(a importer.Account) string {
	if o := a.OAuth; o != nil {
		switch {
		case o.ExternalID != "":
			return a.Provider + "/id:" + o.ExternalID
		case o.Email != "":
			return a.Provider + "/email:" + strings.ToLower(o.Email)
		}
		return a.Provider + "/token:" + importer.Fingerprint(o.RefreshToken + o.AccessToken)[:16]
	}
	return a.Provider + "/key:" + importer.Fingerprint(a.APIKey)[:16]
}

// recordLocal stamps what changed here since the last round (new or edited objects, deletions as tombstones);
// changed reports whether anything did.
func (s *Service) recordLocal(ctx context.Context, machine string, now time.Time) (changed bool, err error) {
	objs, _, err := s.syncObjects(ctx)
	if err != nil {
		return false, err
	}
	rows, err := s.db.SyncObjects(ctx)
	if err != nil {
		return false, err
	}
	known := map[string]store.SyncObject{}
	for _, r := range rows {
		known[r.Kind+"\x00"+r.Key] = r
	}
	var upd []store.SyncObject
	for id, o := range objs {
		r, ok := known[id]
		if ok && !r.Deleted && r.Hash == o.Hash {
			continue
		}
		upd = append(upd, store.SyncObject{Kind: o.Kind, Key: o.Key, Hash: o.Hash, UpdatedAt: now, Origin: machine})
	}
	for id, r := range known {
		if _, ok := objs[id]; !ok && !r.Deleted {
			upd = append(upd, store.SyncObject{Kind: r.Kind, Key: r.Key, Hash: "", UpdatedAt: now, Origin: machine, Deleted: true})
		}
	}
	if len(upd) == 0 {
		return false, nil
	}
	return true, s.db.SaveSyncObjects(ctx, upd, nil)
}

// snapshot is this machine's snapshot: every object with its stamp, tombstones included.
func (s *Service) snapshot(ctx context.Context, machine string, now time.Time) (syncfolder.Snapshot, error) {
	objs, _, err := s.syncObjects(ctx)
	if err != nil {
		return syncfolder.Snapshot{}, err
	}
	rows, err := s.db.SyncObjects(ctx)
	if err != nil {
		return syncfolder.Snapshot{}, err
	}
	snap := syncfolder.Snapshot{Machine: machine, WrittenAt: now}
	for _, r := range rows {
		o := syncfolder.Object{Kind: r.Kind, Key: r.Key, Hash: r.Hash,
			Stamp: importer.Stamp{UpdatedAt: r.UpdatedAt, Origin: r.Origin, Deleted: r.Deleted}}
		if !r.Deleted {
			cur, ok := objs[o.ID()]
			if !ok {
				continue
			}
			o.Data, o.Hash = cur.Data, cur.Hash
		}
		snap.Objects = append(snap.Objects, o)
	}
	return snap, nil
}

// applyPeer applies the objects of one peer's snapshot that win here; n is how many.
func (s *Service) applyPeer(ctx context.Context, p syncfolder.Peer, pass string, since, now time.Time) (int, error) {
	snap, err := syncfolder.Read(p, pass)
	if err != nil {
		return 0, err
	}
	rows, err := s.db.SyncObjects(ctx)
	if err != nil {
		return 0, err
	}
	local := map[string]syncfolder.Object{}
	for _, r := range rows {
		o := syncfolder.Object{Kind: r.Kind, Key: r.Key, Hash: r.Hash, Stamp: importer.Stamp{UpdatedAt: r.UpdatedAt, Origin: r.Origin, Deleted: r.Deleted}}
		local[o.ID()] = o
	}
	wins, conflicts := syncfolder.Merge(local, snap, since, now)
	if len(wins) == 0 && len(conflicts) == 0 {
		return 0, nil
	}
	_, ids, err := s.syncObjects(ctx)
	if err != nil {
		return 0, err
	}
	add := &importer.Bundle{Source: importer.SourceSync, Origin: "sync folder: " + p.Machine, Format: "sync snapshot"}
	var errs []error
	var stamped []store.SyncObject
	for _, w := range wins {
		if err := s.applyObject(ctx, w, ids, add); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", w.Kind, w.Key, err))
			continue
		}
		stamped = append(stamped, store.SyncObject{Kind: w.Kind, Key: w.Key, Hash: w.Hash, UpdatedAt: w.Stamp.UpdatedAt, Origin: w.Stamp.Origin, Deleted: w.Stamp.Deleted})
	}
	if len(add.Nodes)+len(add.Accounts)+len(add.Combos)+len(add.Aliases)+len(add.ClientKeys)+len(add.Prices)+len(add.Settings) > 0 {
		if _, err := s.ApplyImport(ctx, add); err != nil {
			return 0, err
		}
	}
	var cl []store.SyncConflict
	for _, c := range conflicts {
		cl = append(cl, store.SyncConflict{At: c.At, Kind: c.Kind, Key: c.Key, Winner: c.Winner, Loser: c.Loser, Deleted: c.Deleted})
	}
	// The winners' stamps, with the hash as it now is here, so the next round sees no local edit.
	cur, _, err := s.syncObjects(ctx)
	if err != nil {
		return 0, err
	}
	for i := range stamped {
		if o, ok := cur[stamped[i].Kind+"\x00"+stamped[i].Key]; ok {
			stamped[i].Hash = o.Hash
		}
	}
	if err := s.db.SaveSyncObjects(ctx, stamped, cl); err != nil {
		return 0, err
	}
	if len(wins) > 0 {
		s.Publish(events.KindSettings, nil)
	}
	return len(stamped), errors.Join(errs...)
}

// applyObject applies one winning object: a deletion or a change of something here at once, an addition by
// collecting it into add (imported together afterwards, with the import's checks).
func (s *Service) applyObject(ctx context.Context, w syncfolder.Object, accountIDs map[string]int64, add *importer.Bundle) error {
	snap := s.routing.router.Snapshot()
	switch w.Kind {
	case "node":
		var n importer.Node
		if !w.Stamp.Deleted {
			if err := json.Unmarshal(w.Data, &n); err != nil {
				return err
			}
		}
		nodes, err := s.db.Nodes(ctx)
		if err != nil {
			return err
		}
		for _, ex := range nodes {
			if ex.Prefix == w.Key {
				if w.Stamp.Deleted {
					return s.DeleteNode(ctx, ex.ID)
				}
				if err := s.db.UpdateNode(ctx, n.Prefix, n.Name, n.Format, n.BaseURL); err != nil {
					return err
				}
				s.routing.mu.Lock()
				defer s.routing.mu.Unlock()
				return s.reload(ctx, events.KindAccounts)
			}
		}
		if !w.Stamp.Deleted {
			add.Nodes = append(add.Nodes, n)
		}
	case "account":
		var a importer.Account
		if !w.Stamp.Deleted {
			if err := json.Unmarshal(w.Data, &a); err != nil {
				return err
			}
		}
		id, here := accountIDs[w.Key]
		switch {
		case here && w.Stamp.Deleted:
			return s.DeleteAccount(ctx, id)
		case here:
			in := AccountInput{Name: &a.Name, BaseURL: &a.BaseURL, ProxyURL: &a.ProxyURL, Priority: &a.Priority, Enabled: &a.Enabled,
				Models: &a.Models, DailyUSD: &a.DailyUSD, MonthlyUSD: &a.MonthlyUSD}
			if a.APIKey != "" {
				in.APIKey = &a.APIKey
			}
			if _, err := s.UpdateAccount(ctx, id, in); err != nil {
				return err
			}
			if a.OAuth != nil {
				add.Accounts = append(add.Accounts, a) // merged by the import: the newer tokens replace these
			}
		case !w.Stamp.Deleted:
			add.Accounts = append(add.Accounts, a)
		}
	case "combo":
		if w.Stamp.Deleted {
			if _, ok := snap.Combos[w.Key]; ok {
				return s.DeleteCombo(ctx, w.Key)
			}
			return nil
		}
		var c importer.Combo
		if err := json.Unmarshal(w.Data, &c); err != nil {
			return err
		}
		if _, ok := snap.Combos[c.Name]; !ok {
			add.Combos = append(add.Combos, c)
			return nil
		}
		rc := route.Combo{Name: c.Name, Strategy: c.Strategy}
		for _, e := range c.Entries {
			rc.Entries = append(rc.Entries, route.ComboEntry{Model: e.Model, DailyUSD: e.DailyUSD, MonthlyUSD: e.MonthlyUSD})
		}
		_, err := s.SetCombo(ctx, rc)
		return err
	case "alias":
		if w.Stamp.Deleted {
			if _, ok := snap.Aliases[w.Key]; ok {
				return s.DeleteAlias(ctx, w.Key)
			}
			return nil
		}
		var a importer.Alias
		if err := json.Unmarshal(w.Data, &a); err != nil {
			return err
		}
		if _, ok := snap.Aliases[a.Name]; !ok {
			add.Aliases = append(add.Aliases, a)
			return nil
		}
		return s.SetAlias(ctx, a.Name, a.Target)
	case "key":
		var k importer.ClientKey
		if !w.Stamp.Deleted {
			if err := json.Unmarshal(w.Data, &k); err != nil {
				return err
			}
		}
		st, err := s.db.ReadImportState(ctx)
		if err != nil {
			return err
		}
		for _, ex := range st.ClientKeys {
			if ex.Hash == w.Key {
				if (w.Stamp.Deleted || k.RevokedAt != nil) && ex.RevokedAt == nil {
					_, err := s.RevokeKey(ctx, ex.ID)
					return err
				}
				return nil
			}
		}
		if !w.Stamp.Deleted {
			add.ClientKeys = append(add.ClientKeys, k)
		}
	case "price":
		var p importer.Price
		if w.Stamp.Deleted {
			prov, model, _ := strings.Cut(w.Key, "/")
			return s.DeletePrice(ctx, prov, model)
		}
		if err := json.Unmarshal(w.Data, &p); err != nil {
			return err
		}
		return s.SetPrice(ctx, usage.Price{Provider: p.Provider, Model: p.Model, Input: p.Input, Output: p.Output, CacheRead: p.CacheRead, CacheWrite: p.CacheWrite})
	case "setting":
		if w.Stamp.Deleted || !portableSetting(w.Key) {
			return nil
		}
		var v string
		if err := json.Unmarshal(w.Data, &v); err != nil {
			return err
		}
		if err := s.db.SetSetting(ctx, w.Key, v); err != nil {
			return err
		}
		s.loadRequireAPIKey(ctx)
		s.refreshSettings(ctx)
		s.routing.mu.Lock()
		defer s.routing.mu.Unlock()
		return s.reload(ctx, events.KindSettings)
	default:
		return fmt.Errorf("unknown kind %q", w.Kind)
	}
	return nil
}
