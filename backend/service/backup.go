package service

// Encrypted backup (issue 15): the whole configuration with its secrets as an importer.Bundle, sealed with a
// passphrase by backend/importer/backup; restoring it is an import like any other (imports.go).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/backup"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/version"
)

// portableSetting reports whether a setting travels in a backup or the sync folder. The listen address (and
// anything not named here, such as the dashboard's credentials) belongs to this machine.
func portableSetting(key string) bool {
	switch key {
	case SettingRequireAPIKey, SettingDebug, SettingHTTPProxy, SettingHTTPSProxy, SettingNoProxy, SettingUpdateFeed,
		SettingActiveCombo, SettingStickyLimit:
		return true
	}
	return strings.HasPrefix(key, settingStrategyPrefix)
}

// ExportBundle is the whole configuration, secrets included. It must only ever be sealed (backup.Seal).
func (s *Service) ExportBundle(ctx context.Context) (*importer.Bundle, error) {
	st, err := s.db.ReadImportState(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	b := &importer.Bundle{Source: importer.SourceBackup, Format: "NineRouter " + version.Get().Version}
	for _, n := range st.Nodes {
		b.Nodes = append(b.Nodes, importer.Node{Prefix: n.Prefix, Name: n.Name, Format: n.Format, BaseURL: n.BaseURL})
	}
	signIns := map[int64]store.SignIn{}
	for _, si := range st.SignIns {
		signIns[si.AccountID] = si
	}
	vault := s.subs.mgr.Vault()
	// In failover order, so that a restore (which numbers priorities in bundle order) keeps it.
	sort.SliceStable(st.Accounts, func(i, j int) bool {
		a, c := st.Accounts[i], st.Accounts[j]
		if a.Provider != c.Provider {
			return a.Provider < c.Provider
		}
		return a.Priority < c.Priority
	})
	for _, a := range st.Accounts {
		// The proxy travels with its credentials, like the key (proxycred.go).
		proxyURL, err := s.accountProxyURL(a)
		if err != nil {
			return nil, fmt.Errorf("export: read the proxy credentials of account %d from the %s store: %w", a.ID, s.secrets.Kind(), err)
		}
		ia := importer.Account{Ref: fmt.Sprintf("account #%d", a.ID), Provider: a.Provider, Name: a.Name, BaseURL: a.BaseURL,
			ProxyURL: proxyURL, Priority: a.Priority, Enabled: a.Enabled, Models: decodeList(a.Models), DailyUSD: a.DailyUSD, MonthlyUSD: a.MonthlyUSD}
		if s.isSubscription(a.Provider) {
			tok, err := vault.Load(a.ID)
			if err != nil {
				b.Skip("account", a.Provider+": "+a.Name, "its sign-in token cannot be read: "+err.Error())
				continue
			}
			si := signIns[a.ID]
			o := &importer.OAuth{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, IDToken: tok.IDToken,
				Expiry: tok.Expiry, Extra: tok.Extra, Email: si.Email, Plan: si.Plan, ExternalID: si.ExternalID}
			if si.Meta != "" {
				_ = json.Unmarshal([]byte(si.Meta), &o.Meta)
			}
			ia.OAuth = o
		} else {
			key, err := s.secrets.Get(store.AccountSecretKey(a.ID))
			if err != nil && !errors.Is(err, secret.ErrNotFound) {
				return nil, fmt.Errorf("export: read the key of account %d from the %s store: %w", a.ID, s.secrets.Kind(), err)
			}
			ia.APIKey = key
		}
		b.Accounts = append(b.Accounts, ia)
	}
	for _, c := range st.Combos {
		var entries []importer.ComboEntry
		if err := json.Unmarshal([]byte(c.Entries), &entries); err != nil {
			b.Skip("combo", c.Name, "damaged: "+err.Error())
			continue
		}
		b.Combos = append(b.Combos, importer.Combo{Name: c.Name, Strategy: c.Strategy, Entries: entries})
	}
	for _, a := range st.Aliases {
		b.Aliases = append(b.Aliases, importer.Alias{Name: a.Name, Target: a.Target})
	}
	for _, k := range st.ClientKeys {
		b.ClientKeys = append(b.ClientKeys, importer.ClientKey{Name: k.Name, Hash: k.Hash, Hint: k.Hint, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt})
	}
	for _, p := range st.Prices {
		b.Prices = append(b.Prices, importer.Price{Provider: p.Provider, Model: p.Model, Input: p.Input, Output: p.Output, CacheRead: p.CacheRead, CacheWrite: p.CacheWrite})
	}
	for k, v := range st.Settings {
		if portableSetting(k) {
			b.SetSetting(k, v)
		}
	}
	return b, nil
}

// ExportBackup seals the whole configuration with passphrase; the answer is the file's bytes.
func (s *Service) ExportBackup(ctx context.Context, passphrase string) ([]byte, error) {
	b, err := s.ExportBundle(ctx)
	if err != nil {
		return nil, err
	}
	data, err := backup.Seal(b, backup.Header{App: version.Get().Version}, passphrase, workFactor(EnvBackupWork, 18))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return data, nil
}

// EnvBackupWork overrides the scrypt work factor (log2 N, 10–22) of new backups; tests lower it, since the
// default (18: about a second and 256 MiB) takes half a minute under the race detector. Opening a file costs
// what its writer chose, so a lowered factor weakens only the files written with it.
const EnvBackupWork = "NINEROUTER_BACKUP_WORK_FACTOR"

func workFactor(env string, def int) int {
	if v, ok := os.LookupEnv(env); ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 10 && n <= 22 {
			return n
		}
	}
	return def
}

// BackupFileName is the name an exported backup is offered under.
func BackupFileName(now time.Time) string {
	return "ninerouter-backup-" + now.UTC().Format("20060102-150405") + ".age"
}

// openBackup decrypts a backup for an import.
func openBackup(req ImportRequest) (*importer.Bundle, error) {
	if len(req.Data) == 0 {
		return nil, fmt.Errorf("%w: no backup file was sent", ErrInvalid)
	}
	b, h, err := backup.Open(req.Data, req.Passphrase)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	b.Source = importer.SourceBackup
	b.Origin = req.Path
	if b.Origin == "" {
		b.Origin = "backup"
	}
	b.Format = fmt.Sprintf("NineRouter backup, format %d, written %s by %s", h.Version, h.CreatedAt.Format(time.RFC3339), h.App)
	return b, nil
}

// keepsExactModels reports whether the bundle's model lists are NineRouter's own (a backup or a sync snapshot),
// so they are restored as they are instead of being added to a provider's catalogue.
func keepsExactModels(b *importer.Bundle) bool {
	return b.Source == importer.SourceBackup || b.Source == importer.SourceSync
}
