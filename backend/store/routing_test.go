package store

import (
	"context"
	"errors"
	"testing"
)

func TestCreateAccountRollsBackWhenThenFails(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		refused := errors.New("secret store refused")
		err := db.CreateAccount(ctx, &Account{Provider: "openai"}, func(*Account) error { return refused })
		if !errors.Is(err, refused) {
			t.Fatalf("err = %v", err)
		}
		if rows, _ := db.Accounts(ctx); len(rows) != 0 {
			t.Fatalf("a failed create left %d rows", len(rows))
		}
		for i, want := range []int{1, 2} {
			p, err := db.NextAccountPriority(ctx, "openai")
			if err != nil || p != want {
				t.Fatalf("priority #%d = %d %v, want %d", i, p, err, want)
			}
			if err := db.CreateAccount(ctx, &Account{Provider: "openai", Priority: p}, func(*Account) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestDeleteNodeTakesItsAccounts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		n := Node{Prefix: "lab", Format: "openai", BaseURL: "http://127.0.0.1:1"}
		if err := db.CreateNode(ctx, &n); err != nil {
			t.Fatal(err)
		}
		none := func(*Account) error { return nil }
		for _, p := range []string{"lab", "lab", "openai"} {
			if err := db.CreateAccount(ctx, &Account{Provider: p}, none); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Remove(ctx, Removal{Node: &n}); err != nil {
			t.Fatal(err)
		}
		rows, _ := db.Accounts(ctx)
		if len(rows) != 1 || rows[0].Provider != "openai" {
			t.Fatalf("accounts left: %+v", rows)
		}
		if _, err := db.Node(ctx, n.ID); err == nil {
			t.Fatal("node still there")
		}
	})
}

func TestCombosAndAliasesUpsert(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		for _, entries := range []string{`[]`, `[{"model":"a"}]`} {
			if err := db.SaveCombo(ctx, "c", "fallback", entries); err != nil {
				t.Fatal(err)
			}
		}
		combos, _ := db.Combos(ctx)
		if len(combos) != 1 || combos[0].Entries != `[{"model":"a"}]` {
			t.Fatalf("combos %+v", combos)
		}
		if err := db.SaveAlias(ctx, "fast", "glm/x"); err != nil {
			t.Fatal(err)
		}
		for _, want := range []bool{true, false} {
			if found, err := db.DeleteAlias(ctx, "fast"); err != nil || found != want {
				t.Fatalf("DeleteAlias = %v %v, want %v", found, err, want)
			}
		}
	})
}

func TestSetSettingsIsAllOrNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.SetSettings(ctx, map[string]string{"a": "1", "b": "2"}); err != nil {
			t.Fatal(err)
		}
		// A cancelled context fails the transaction; nothing of it may be visible.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := db.SetSettings(cctx, map[string]string{"a": "9", "c": "3"}); err == nil {
			t.Fatal("write under a cancelled context succeeded")
		}
		got, _ := db.Settings(ctx)
		if got["a"] != "1" || got["b"] != "2" || got["c"] != "" {
			t.Fatalf("settings %v", got)
		}
	})
}
