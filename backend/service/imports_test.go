package service

import (
	"context"
	"flag"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/backup"
	"github.com/ninerouter/ninerouter/backend/importer/cliproxyapi"
	"github.com/ninerouter/ninerouter/backend/importer/importtest"
	"github.com/ninerouter/ninerouter/backend/importer/ninerouter9"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files")

func openImportTestService(t *testing.T, sec secret.Store) *Service {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	svc, err := Open(context.Background(), cfg, Options{Secrets: sec, Getenv: importtest.ClosedVendors(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// landed is what an import left in the store, secrets replaced by their hints, for the golden file.
func landed(t *testing.T, svc *Service) map[string]any {
	t.Helper()
	ctx := context.Background()
	st, err := svc.db.ReadImportState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type acct struct {
		Provider, Name, BaseURL, ProxyURL, Models string
		Priority                                  int
		Enabled                                   bool
		DailyUSD, MonthlyUSD                      float64
		Key                                       string            `json:",omitempty"`
		SignIn                                    map[string]string `json:",omitempty"`
	}
	var accts []acct
	for _, a := range st.Accounts {
		v := acct{Provider: a.Provider, Name: a.Name, BaseURL: a.BaseURL, ProxyURL: a.ProxyURL, Models: a.Models, Priority: a.Priority, Enabled: a.Enabled, DailyUSD: a.DailyUSD, MonthlyUSD: a.MonthlyUSD}
		if k, err := svc.secrets.Get(store.AccountSecretKey(a.ID)); err == nil {
			v.Key = importer.Hint(k)
		}
		for _, si := range st.SignIns {
			if si.AccountID == a.ID {
				tok, err := svc.subs.mgr.Vault().Load(a.ID)
				if err != nil {
					t.Fatalf("account %s has a sign-in row but no token: %v", a.Name, err)
				}
				v.SignIn = map[string]string{"email": si.Email, "plan": si.Plan, "externalId": si.ExternalID, "meta": si.Meta,
					"access": importer.Hint(tok.AccessToken), "refresh": importer.Hint(tok.RefreshToken)}
			}
		}
		accts = append(accts, v)
	}
	sort.Slice(accts, func(i, j int) bool {
		if accts[i].Provider != accts[j].Provider {
			return accts[i].Provider < accts[j].Provider
		}
		return accts[i].Priority < accts[j].Priority
	})
	var nodes, combos, aliases, keys, prices []map[string]any
	for _, n := range st.Nodes {
		nodes = append(nodes, map[string]any{"prefix": n.Prefix, "name": n.Name, "format": n.Format, "baseUrl": n.BaseURL})
	}
	for _, c := range st.Combos {
		combos = append(combos, map[string]any{"name": c.Name, "strategy": c.Strategy, "entries": c.Entries})
	}
	for _, a := range st.Aliases {
		aliases = append(aliases, map[string]any{"name": a.Name, "target": a.Target})
	}
	for _, k := range st.ClientKeys {
		keys = append(keys, map[string]any{"name": k.Name, "hint": k.Hint, "hash": k.Hash, "revoked": k.RevokedAt != nil})
	}
	for _, p := range st.Prices {
		prices = append(prices, map[string]any{"provider": p.Provider, "model": p.Model, "input": p.Input, "output": p.Output, "cacheRead": p.CacheRead})
	}
	settings := map[string]string{}
	for k, v := range st.Settings {
		if portableSetting(k) {
			settings[k] = v
		}
	}
	return map[string]any{"accounts": accts, "nodes": nodes, "combos": combos, "aliases": aliases, "keys": keys, "prices": prices, "settings": settings}
}

// TestImport9RouterSample imports the sample data dir: the preview and what lands in the store match their
// golden files, the keys work, and a second import adds nothing.
func TestImport9RouterSample(t *testing.T) {
	ctx := context.Background()
	svc := openImportTestService(t, secret.NewMemory())
	b := importtest.ReadSample(t, ninerouter9.Read, "9router-0.5.69")
	preview, err := svc.PreviewImport(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	preview.Origin = filepath.Base(preview.Origin)
	importtest.Golden(t, "import-9router.preview.golden.json", importtest.JSON(preview), *updateGolden)
	if accts, _ := svc.db.Accounts(ctx); len(accts) != 0 {
		t.Fatalf("the preview wrote %d accounts", len(accts))
	}

	report, err := svc.ApplyImport(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if !report.Applied || report.Counts[importer.ActionAdd] != preview.Counts[importer.ActionAdd] {
		t.Fatalf("report %+v", report.Counts)
	}
	importtest.Golden(t, "import-9router.landed.golden.json", importtest.JSON(landed(t, svc)), *updateGolden)

	// The client keys keep working as they were.
	keysVerify(t, svc, b.ClientKeys)
	// Subscription accounts go through the normal sign-in path: a Source with the imported token.
	snap := svc.routing.router.Snapshot()
	for _, a := range snap.Accounts["codex"] {
		src, ok := a.Cred.(*oauth.Source)
		if !ok {
			t.Fatalf("codex account %d has no sign-in source: %T", a.ID, a.Cred)
		}
		if st, msg := src.State(); st != oauth.StateOK {
			t.Errorf("codex account state %s: %s", st, msg)
		}
	}

	// Again: everything is already here; the sign-ins are merged (tokens replaced), nothing added.
	again, err := svc.ApplyImport(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if again.Counts[importer.ActionAdd] != 0 {
		t.Errorf("a second import added %d entries: %+v", again.Counts[importer.ActionAdd], again.Items)
	}
	if accts, _ := svc.db.Accounts(ctx); len(accts) != len(b.Accounts) {
		t.Errorf("%d accounts after two imports of %d", len(accts), len(b.Accounts))
	}
}

// TestImportIsAllOrNothing: a secret store that refuses midway leaves no account, node, combo or key behind.
func TestImportIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	sec := &flakySecrets{Store: secret.NewMemory()}
	svc := openImportTestService(t, sec)
	b := importtest.ReadSample(t, ninerouter9.Read, "9router-0.5.69-backup", "9router-backup.json")
	sec.broken.Store(true)
	if _, err := svc.ApplyImport(ctx, b); err == nil {
		t.Fatal("the import succeeded although no secret could be stored")
	}
	st, _ := svc.db.ReadImportState(ctx)
	if len(st.Accounts)+len(st.Nodes)+len(st.Combos)+len(st.Aliases)+len(st.ClientKeys)+len(st.Prices) != 0 {
		t.Fatalf("a failed import left rows: %+v", st)
	}
	sec.broken.Store(false)
	if _, err := svc.ApplyImport(ctx, b); err != nil {
		t.Fatalf("retry: %v", err)
	}
}

// TestImportCLIProxyAPISample imports the sample config and auth dir. The Gemini CLI login depends on whether
// this build has that provider, so it is checked apart from the golden preview.
func TestImportCLIProxyAPISample(t *testing.T) {
	ctx := context.Background()
	svc := openImportTestService(t, secret.NewMemory())
	b := importtest.ReadSample(t, cliproxyapi.Read, "cliproxyapi")
	report, err := svc.ApplyImport(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	report.Origin = filepath.Base(report.Origin)
	var stable []importer.Item
	for _, it := range report.Items {
		if it.Kind == "account" && (strings.Contains(it.Reason, "(gemini-cli)") || strings.HasPrefix(it.Name, "gemini-cli:")) {
			if it.Action == importer.ActionSkip && !strings.Contains(it.Reason, ReasonUnsupported) {
				t.Errorf("the Gemini CLI login: %+v", it)
			}
			continue
		}
		stable = append(stable, it)
	}
	report.Items, report.Counts = stable, nil
	importtest.Golden(t, "import-cliproxyapi.report.golden.json", importtest.JSON(report), *updateGolden)
	keysVerify(t, svc, b.ClientKeys)
	// The same vendor accounts from 9Router are merged, not added twice.
	nine := importtest.ReadSample(t, ninerouter9.Read, "9router-0.5.69")
	p, err := svc.PreviewImport(ctx, nine)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		if strings.HasPrefix(it.Name, "codex:") && it.Action != importer.ActionAdd {
			t.Logf("codex: %+v", it) // a different ChatGPT account id in each sample: added
		}
		if it.Kind == "node" && strings.Contains(it.Name, "(vla)") && it.Action != importer.ActionSkip {
			t.Errorf("the vla prefix is taken by the CLIProxyAPI node, yet: %+v", it)
		}
	}
}

// TestBackupRoundTrip: export → a fresh data dir → import gives the same configuration, and the keys work; a
// wrong passphrase and a truncated file import nothing; the canary secret is never in the file in clear.
func TestBackupRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := openImportTestService(t, secret.NewMemory())
	b := importtest.ReadSample(t, ninerouter9.Read, "9router-0.5.69")
	if _, err := src.ApplyImport(ctx, b); err != nil {
		t.Fatal(err)
	}
	const canary = "sk-canary-5e1f0c9a7d3b2468"
	name, budget := "canary", 3.5
	if _, err := src.AddAccount(ctx, AccountInput{Provider: "deepseek", Name: &name, APIKey: ptr(canary), DailyUSD: &budget}); err != nil {
		t.Fatal(err)
	}
	nativeKey, _, err := src.CreateKey(ctx, "native")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.UpdateSettings(ctx, map[string]string{SettingDebug: "true", SettingListenAddr: "127.0.0.1:29999"}); err != nil {
		t.Fatal(err)
	}
	if err := src.ActivateCombo(ctx, b.Combos[0].Name); err != nil {
		t.Fatal(err)
	}

	bundle, err := src.ExportBundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := backup.Seal(bundle, backup.Header{App: "test"}, "a long enough passphrase", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{canary, b.ClientKeys[0].Key, b.Accounts[0].APIKey, "refresh"} {
		if needle != "" && strings.Contains(string(sealed), needle) {
			t.Fatalf("the backup holds %q in clear", needle)
		}
	}

	dst := openImportTestService(t, secret.NewMemory())
	for _, bad := range []ImportRequest{
		{Source: importer.SourceBackup, Data: sealed, Passphrase: "not the passphrase"},
		{Source: importer.SourceBackup, Data: sealed[:len(sealed)/2], Passphrase: "a long enough passphrase"},
	} {
		if _, err := dst.ApplyImportFrom(ctx, bad); err == nil {
			t.Fatal("a bad backup was imported")
		}
	}
	if accts, _ := dst.db.Accounts(ctx); len(accts) != 0 {
		t.Fatalf("a refused backup left %d accounts", len(accts))
	}
	report, err := dst.ApplyImportFrom(ctx, ImportRequest{Source: importer.SourceBackup, Data: sealed, Passphrase: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if report.Counts[importer.ActionSkip] != 0 {
		t.Errorf("the restore skipped: %+v", report.Items)
	}
	want, got := importtest.JSON(landed(t, src)), importtest.JSON(landed(t, dst))
	if string(want) != string(got) {
		t.Errorf("restored configuration differs:\n--- want ---\n%s\n--- got ---\n%s", want, got)
	}
	if _, ok := dst.VerifyKey(nativeKey); !ok {
		t.Error("a NineRouter client key does not work after the restore")
	}
	if _, ok := dst.VerifyKey(b.ClientKeys[0].Key); !ok {
		t.Error("an imported 9Router client key does not work after the restore")
	}
	if v, _, _ := dst.db.GetSetting(ctx, SettingListenAddr); v != "" {
		t.Errorf("the listen address travelled: %q", v)
	}
	if active, _ := dst.ActiveCombo(ctx); active != b.Combos[0].Name {
		t.Errorf("active combo %q after the restore", active)
	}
}

// keysVerify checks that every imported client key works on svc.
func keysVerify(t *testing.T, svc *Service, keys []importer.ClientKey) {
	t.Helper()
	for _, k := range keys {
		if _, ok := svc.VerifyKey(k.Key); !ok {
			t.Errorf("client key %s does not verify after the import", k.Name)
		}
	}
}

func ptr[T any](v T) *T { return &v }
