package service

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/testkit/wait"
)

// TestSyncConverges: two instances with their own data dirs share one folder; changes on both sides meet, a
// delete travels, a concurrent edit is decided by the later writer and logged, and no secret is in clear in the
// folder.
func TestSyncConverges(t *testing.T) {
	t.Setenv(EnvBackupWork, "10")
	ctx := context.Background()
	folder := t.TempDir()
	a := openImportTestService(t, secret.NewMemory())
	b := openImportTestService(t, secret.NewMemory())
	const pass = "shared sync passphrase"
	const canary = "sk-canary-sync-0b7e2c4d9a"

	if _, err := a.SetSync(ctx, folder, "short"); err == nil {
		t.Fatal("a short passphrase was accepted")
	}
	name := "canary"
	if _, err := a.AddAccount(ctx, AccountInput{Provider: "openai", Name: &name, APIKey: ptr(canary)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetCombo(ctx, route.Combo{Name: "shared", Entries: []route.ComboEntry{{Model: "openai/gpt-4.1"}}}); err != nil {
		t.Fatal(err)
	}
	keyA, _, err := a.CreateKey(ctx, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetSync(ctx, folder, pass); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetSync(ctx, folder, "a wrong sync passphrase"); err == nil {
		t.Fatal("a passphrase that does not open the other machine's snapshot was accepted")
	}
	if _, err := b.SetSync(ctx, folder, pass); err != nil {
		t.Fatal(err)
	}
	// B now has A's account (with its key), combo and client key.
	if _, ok := b.VerifyKey(keyA); !ok {
		t.Error("A's client key does not work on B")
	}
	if combos, _ := b.Combos(ctx); len(combos) != 1 || combos[0].Name != "shared" {
		t.Errorf("B's combos: %+v", combos)
	}
	accts, _ := b.Accounts(ctx)
	if len(accts) != 1 || accts[0].Name != "canary" || !accts[0].HasKey {
		t.Fatalf("B's accounts: %+v", accts)
	}

	// B changes things; A takes them.
	if err := b.SetAlias(ctx, "fast", "openai/gpt-4.1-mini"); err != nil {
		t.Fatal(err)
	}
	renamed := "renamed on B"
	if _, err := b.UpdateAccount(ctx, accts[0].ID, AccountInput{Name: &renamed}); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	st := mustSync(t, a)
	if aliases, _ := a.Aliases(ctx); aliases["fast"] != "openai/gpt-4.1-mini" {
		t.Errorf("A's aliases: %v (status %+v)", aliases, st)
	}
	if got, _ := a.Accounts(ctx); len(got) != 1 || got[0].Name != renamed {
		t.Errorf("A's accounts: %+v", got)
	}

	// A deletes the combo; B loses it too.
	if err := a.DeleteCombo(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	mustSync(t, a)
	mustSync(t, b)
	if combos, _ := b.Combos(ctx); len(combos) != 0 {
		t.Errorf("the delete did not travel: %+v", combos)
	}

	// Both edit the same alias before syncing: the later write wins on both, and the loss is logged.
	if err := a.SetAlias(ctx, "fast", "openai/gpt-4o"); err != nil {
		t.Fatal(err)
	}
	mustSyncLocal(t, a)
	if err := b.SetAlias(ctx, "fast", "openai/o3"); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	mustSync(t, a)
	mustSync(t, b)
	aa, _ := a.Aliases(ctx)
	ba, _ := b.Aliases(ctx)
	if aa["fast"] != "openai/o3" || ba["fast"] != "openai/o3" {
		t.Errorf("after concurrent edits: A %v, B %v", aa, ba)
	}
	st, _ = a.SyncStatus(ctx)
	if len(st.Conflicts) == 0 || st.LastSynced == nil || len(st.Peers) != 1 {
		t.Errorf("A's status: %+v", st)
	}

	// Nothing in the folder is readable.
	ents, _ := os.ReadDir(folder)
	if len(ents) != 2 {
		t.Errorf("the folder holds %d files", len(ents))
	}
	for _, e := range ents {
		raw, _ := os.ReadFile(filepath.Join(folder, e.Name()))
		for _, needle := range []string{canary, "openai", "renamed", importer.Fingerprint(keyA)} {
			if strings.Contains(string(raw), needle) {
				t.Errorf("%s holds %q in clear", e.Name(), needle)
			}
		}
	}
}

func mustSync(t *testing.T, s *Service) SyncStatus {
	t.Helper()
	st, err := s.SyncNow(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.LastError != "" {
		t.Fatalf("sync: %s", st.LastError)
	}
	return st
}

// mustSyncLocal records local edits without reading peers (a machine offline from the folder's sync).
func mustSyncLocal(t *testing.T, s *Service) {
	t.Helper()
	machine, _, _ := s.db.GetSetting(context.Background(), settingSyncMachine)
	if _, err := s.recordLocal(context.Background(), machine, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
}

// TestSyncRoundFollowsAChange: with a folder set, a change of what travels brings a round (its snapshot
// written) within syncSettle, without anyone calling SyncNow.
func TestSyncRoundFollowsAChange(t *testing.T) {
	ctx := context.Background()
	s := openImportTestService(t, secret.NewMemory())
	if _, err := s.SetSync(ctx, t.TempDir(), "shared sync passphrase"); err != nil {
		t.Fatal(err)
	}
	before, err := s.SyncStatus(ctx)
	if err != nil || before.LastSynced == nil {
		t.Fatalf("status after SetSync: %+v, %v", before, err)
	}
	if _, err := s.SetCombo(ctx, route.Combo{Name: "later", Entries: []route.ComboEntry{{Model: "openai/gpt-4.1"}}}); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "a sync round after the change", func() bool {
		st, err := s.SyncStatus(ctx)
		return err == nil && st.LastSynced != nil && st.LastSynced.After(*before.LastSynced)
	})
}
