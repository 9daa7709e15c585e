package service

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// killingSecrets is the secret store of a process that is killed (SIGKILL, no deferred code runs) right after
// the key reached the store on Set, or right before it is removed on Delete.
type killingSecrets struct {
	secret.Store
	onSet, onDelete bool
}

func (k *killingSecrets) Set(key, value string) error {
	err := k.Store.Set(key, value)
	if k.onSet {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return err
}

func (k *killingSecrets) Delete(key string) error {
	if k.onDelete {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return k.Store.Delete(key)
}

func journalService(t *testing.T, dir string, wrap func(secret.Store) secret.Store) (*Service, secret.Store) {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: dir}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	file, err := secret.OpenFile(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	var sec secret.Store = file
	if wrap != nil {
		sec = wrap(file)
	}
	svc, err := Open(context.Background(), cfg, Options{Secrets: sec})
	if err != nil {
		t.Fatal(err)
	}
	return svc, file
}

var crashNode = NodeInput{Prefix: "crash", Format: "openai", BaseURL: "http://127.0.0.1:9/v1", APIKey: "crash-key-0123456789", Models: []string{"m"}}

// TestSecretJournalSweepsACrash is issue #9 finding 5's start-up sweep: a process killed between the keychain
// write and the row's commit (add-node), or between the row's delete and the key's (delete-node), leaves a key
// with no row. The journal marks it, and the next start removes it, while a node that is legally without a key
// stays, and adding the node again works.
func TestSecretJournalSweepsACrash(t *testing.T) {
	if mode := os.Getenv("NR_JOURNAL_CHILD"); mode != "" {
		journalChild(t, mode, os.Getenv("NR_JOURNAL_DIR"))
		return
	}
	crash := func(t *testing.T, mode, dir string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestSecretJournalSweepsACrash$", "-test.count=1")
		cmd.Env = append(os.Environ(), "NR_JOURNAL_CHILD="+mode, "NR_JOURNAL_DIR="+dir)
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("the child was meant to be killed mid-write: %v\n%s", err, out)
		}
	}
	ctx := context.Background()
	key := store.AccountSecretKey(1)

	t.Run("killed between the key and the row", func(t *testing.T) {
		dir := t.TempDir()
		crash(t, "add", dir)
		if _, err := mustFile(t, dir).Get(key); err != nil {
			t.Fatalf("the crash did not leave the orphan key this test is about: %v", err)
		}
		if p, _ := secret.OpenJournal(dir).Pending(); len(p) != 1 || p[0].Op != secret.OpSet {
			t.Fatalf("journal after the crash: %+v", p)
		}
		svc, file := journalService(t, dir, nil)
		defer svc.Close()
		if _, err := file.Get(key); err == nil {
			t.Fatal("the start-up sweep left the key of a row that never committed")
		}
		if p, _ := secret.OpenJournal(dir).Pending(); len(p) != 0 {
			t.Fatalf("journal after the sweep: %+v", p)
		}
		if nodes, _ := svc.Nodes(ctx); len(nodes) != 1 || nodes[0].Prefix != "keyless" {
			t.Fatalf("nodes after the sweep: %+v (the keyless node must stay, the crashed one must not exist)", nodes)
		}
		_, acct, err := svc.AddNode(ctx, crashNode)
		if err != nil {
			t.Fatalf("adding the node again: %v", err)
		}
		if v, err := file.Get(store.AccountSecretKey(acct.ID)); err != nil || v != crashNode.APIKey {
			t.Fatalf("the new account's key: %q %v", v, err)
		}
	})

	t.Run("killed between the row's delete and the key's", func(t *testing.T) {
		dir := t.TempDir()
		crash(t, "delete", dir)
		if _, err := mustFile(t, dir).Get(key); err != nil {
			t.Fatalf("the crash did not leave the orphan key this test is about: %v", err)
		}
		svc, file := journalService(t, dir, nil)
		defer svc.Close()
		if _, err := file.Get(key); err == nil {
			t.Fatal("the start-up sweep left the key of a deleted account")
		}
		if nodes, _ := svc.Nodes(ctx); len(nodes) != 1 || nodes[0].Prefix != "keyless" {
			t.Fatalf("nodes after the sweep: %+v", nodes)
		}
	})
}

func mustFile(t *testing.T, dir string) *secret.File {
	t.Helper()
	f, err := secret.OpenFile(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// journalChild runs in the child process: it adds a legal keyless node, then is killed mid-write.
func journalChild(t *testing.T, mode, dir string) {
	ctx := context.Background()
	kill := &killingSecrets{}
	svc, _ := journalService(t, dir, func(s secret.Store) secret.Store { kill.Store = s; return kill })
	if _, _, err := svc.AddNode(ctx, NodeInput{Prefix: "keyless", Format: "openai", BaseURL: "http://127.0.0.1:9/v1"}); err != nil {
		t.Fatal(err)
	}
	switch mode {
	case "add":
		kill.onSet = true
		_, _, err := svc.AddNode(ctx, crashNode)
		t.Fatalf("AddNode returned (%v) instead of the process being killed", err)
	case "delete":
		node, _, err := svc.AddNode(ctx, crashNode)
		if err != nil {
			t.Fatal(err)
		}
		kill.onDelete = true
		err = svc.DeleteNode(ctx, node.ID)
		t.Fatalf("DeleteNode returned (%v) instead of the process being killed", err)
	default:
		t.Fatalf("unknown child mode %q", mode)
	}
}
