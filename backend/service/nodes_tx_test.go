package service

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// flakySecrets fails Set while broken is true, as a keychain that refuses or a process killed mid-write would.
type flakySecrets struct {
	secret.Store
	broken atomic.Bool
}

func (f *flakySecrets) Set(k, v string) error {
	if f.broken.Load() {
		return errors.New("keychain refused")
	}
	return f.Store.Set(k, v)
}

// TestAddNodeIsAllOrNothing is issue #9 finding 5: node, account and key are one transaction, so a failure
// between them leaves no node behind and the retry succeeds instead of failing with "prefix already used".
func TestAddNodeIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	sec := &flakySecrets{Store: secret.NewMemory()}
	svc, err := Open(ctx, cfg, Options{Secrets: sec})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	in := NodeInput{Prefix: "half", Format: "openai", BaseURL: "http://127.0.0.1:9/v1", APIKey: "node-key-0123456789", Models: []string{"m"}}

	sec.broken.Store(true)
	if _, _, err := svc.AddNode(ctx, in); err == nil {
		t.Fatal("AddNode succeeded although the key could not be stored")
	}
	if nodes, _ := svc.Nodes(ctx); len(nodes) != 0 {
		t.Fatalf("a failed AddNode left nodes behind: %+v", nodes)
	}
	if rows, _ := svc.db.AccountsOf(ctx, "half"); len(rows) != 0 {
		t.Fatalf("a failed AddNode left accounts behind: %+v", rows)
	}

	sec.broken.Store(false)
	node, acct, err := svc.AddNode(ctx, in)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if acct == nil || node.Prefix != "half" || !strings.EqualFold(acct.Provider, "half") {
		t.Fatalf("retry made node %+v account %+v", node, acct)
	}
	if v, err := sec.Get(store.AccountSecretKey(acct.ID)); err != nil || v != in.APIKey {
		t.Fatalf("the account's key is not stored: %q %v", v, err)
	}
}
