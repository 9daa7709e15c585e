package service

import (
	"context"
	"errors"
	"testing"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/secret"
)

// TestRemovalsAreAllOrNothing: a delete and what it cascades to (referring combo entries and aliases, emptied
// combos, the active-combo setting, the account's sign-in record) are one transaction. A store that refuses
// the last write of each (the settings row, made to fail by a trigger) leaves everything as it was, and the
// retry succeeds.
func TestRemovalsAreAllOrNothing(t *testing.T) {
	ctx := context.Background()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	svc, err := Open(ctx, cfg, Options{Secrets: secret.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	node, acct, err := svc.AddNode(ctx, NodeInput{Prefix: "lab", Format: "openai", BaseURL: "http://127.0.0.1:9/v1", APIKey: "node-key-0123456789", Models: []string{"m"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []route.Combo{
		{Name: "main", Entries: []route.ComboEntry{{Model: "lab/m"}}},
		{Name: "outer", Entries: []route.ComboEntry{{Model: "main"}, {Model: "lab/m"}}},
	} {
		if _, err := svc.SetCombo(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.SetAlias(ctx, "fast", "lab/m"); err != nil {
		t.Fatal(err)
	}
	refuse := func(on bool) {
		t.Helper()
		stmts := []string{"DROP TRIGGER IF EXISTS refuse_insert", "DROP TRIGGER IF EXISTS refuse_update"}
		if on {
			stmts = []string{
				"CREATE TRIGGER refuse_insert BEFORE INSERT ON settings BEGIN SELECT RAISE(ABORT, 'disk full'); END",
				"CREATE TRIGGER refuse_update BEFORE UPDATE ON settings BEGIN SELECT RAISE(ABORT, 'disk full'); END",
			}
		}
		for _, q := range stmts {
			if err := svc.db.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	unchanged := func(what string) {
		t.Helper()
		combos, _ := svc.db.Combos(ctx)
		aliases, _ := svc.db.Aliases(ctx)
		accts, _ := svc.db.AccountsOf(ctx, "lab")
		active, _, _ := svc.db.GetSetting(ctx, SettingActiveCombo)
		if len(combos) != 2 || len(aliases) != 1 || len(accts) != 1 || active != "outer" {
			t.Fatalf("a failed %s left half a change: combos %+v aliases %+v accounts %d active %q", what, combos, aliases, len(accts), active)
		}
		for _, c := range combos {
			if c.Name == "outer" && c.Entries != `[{"model":"main"},{"model":"lab/m"}]` {
				t.Fatalf("a failed %s edited combo outer: %s", what, c.Entries)
			}
		}
	}

	if err := svc.ActivateCombo(ctx, "outer"); err != nil {
		t.Fatal(err)
	}
	refuse(true)
	for _, tc := range []struct {
		what string
		do   func() error
	}{
		{"DeleteCombo of the active combo", func() error { return svc.DeleteCombo(ctx, "outer") }},
		{"RemoveCombo with cascade", func() error { return svc.RemoveCombo(ctx, "outer", true) }},
		{"RemoveAccount with cascade", func() error { return svc.RemoveAccount(ctx, acct.ID, true) }},
		{"RemoveNode with cascade", func() error { return svc.RemoveNode(ctx, node.ID, true) }},
	} {
		if err := tc.do(); err == nil {
			t.Fatalf("%s succeeded although the store refused", tc.what)
		}
		unchanged(tc.what)
	}
	refuse(false)

	if err := svc.RemoveNode(ctx, node.ID, true); err != nil {
		t.Fatalf("retry: %v", err)
	}
	combos, _ := svc.db.Combos(ctx)
	aliases, _ := svc.db.Aliases(ctx)
	active, _, _ := svc.db.GetSetting(ctx, SettingActiveCombo)
	if len(combos) != 0 || len(aliases) != 0 || active != "" {
		t.Fatalf("cascade left combos %+v aliases %+v active %q", combos, aliases, active)
	}
	if err := svc.DeleteAccount(ctx, acct.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a gone account: %v, want ErrNotFound", err)
	}
	if err := svc.DeleteNode(ctx, node.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a gone node: %v, want ErrNotFound", err)
	}
}
