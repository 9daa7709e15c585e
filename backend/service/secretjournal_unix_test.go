//go:build unix

package service

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider/claude"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// killingSecrets is the secret store of a process that is killed (SIGKILL, no deferred code runs) at one write
// once armed: right after the value of key reached the store (afterSet), right before it would (beforeSet), or
// right before key is removed (beforeDelete).
type killingSecrets struct {
	secret.Store
	key                               string
	afterSet, beforeSet, beforeDelete bool
}

func die() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func (k *killingSecrets) Set(key, value string) error {
	if key == k.key && k.beforeSet {
		die()
	}
	err := k.Store.Set(key, value)
	if key == k.key && k.afterSet {
		die()
	}
	return err
}

func (k *killingSecrets) Delete(key string) error {
	if key == k.key && k.beforeDelete {
		die()
	}
	return k.Store.Delete(key)
}

// crashChild runs this test again in a child process in mode (journalChild) and wants it killed mid-write.
func crashChild(t *testing.T, test, mode, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NR_JOURNAL_CHILD="+mode, "NR_JOURNAL_DIR="+dir)
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was meant to be killed mid-write: %v\n%s", err, out)
	}
}

// TestSecretJournalSweepsACrash is issue #9 finding 5's start-up sweep: a process killed between the keychain
// write and the row's commit (add-node), or between the row's delete and the key's (delete-node), leaves a key
// with no row. The journal marks it, and the next start removes it, while a node that is legally without a key
// stays, and adding the node again works.
func TestSecretJournalSweepsACrash(t *testing.T) {
	if mode := os.Getenv("NR_JOURNAL_CHILD"); mode != "" {
		journalChild(t, mode, os.Getenv("NR_JOURNAL_DIR"))
		return
	}
	ctx := context.Background()
	key := store.AccountSecretKey(1)

	t.Run("killed between the key and the row", func(t *testing.T) {
		dir := t.TempDir()
		crashChild(t, "TestSecretJournalSweepsACrash", "add", dir)
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
		crashChild(t, "TestSecretJournalSweepsACrash", "delete", dir)
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

	t.Run("a sign-in killed between its token and its new account", func(t *testing.T) {
		dir := t.TempDir()
		crashChild(t, "TestSecretJournalSweepsACrash", "signin-new", dir)
		if _, err := mustFile(t, dir).Get(oauth.TokenKey(1)); err != nil {
			t.Fatalf("the crash did not leave the orphan token this test is about: %v", err)
		}
		svc, file := journalService(t, dir, nil)
		defer svc.Close()
		for _, k := range oauth.TokenSlots(1) {
			if _, err := file.Get(k); err == nil {
				t.Fatalf("the start-up sweep left %s, whose account was never saved", k)
			}
		}
		if accts, _ := svc.Accounts(ctx); len(accts) != 0 {
			t.Fatalf("accounts after the sweep: %+v", accts)
		}
		if p, _ := secret.OpenJournal(dir).Pending(); len(p) != 0 {
			t.Fatalf("journal after the sweep: %+v", p)
		}
	})
}

// TestSecretChangeSurvivesACrash: a process killed in the middle of replacing an existing account's secret
// (UpdateAccount with a new key, signing in again) comes back with the old secret and the old row when the
// row's change had not committed, or the new secret and the new row when it had (the new value waiting in its
// staging key is moved into place), never with a missing secret, a leftover staged value or a journal entry.
func TestSecretChangeSurvivesACrash(t *testing.T) {
	if mode := os.Getenv("NR_JOURNAL_CHILD"); mode != "" {
		journalChild(t, mode, os.Getenv("NR_JOURNAL_DIR"))
		return
	}
	for i, c := range secretChanges {
		for _, when := range []string{"staged", "committed"} {
			t.Run(c.name+": killed once "+when, func(t *testing.T) {
				dir := t.TempDir()
				crashChild(t, "TestSecretChangeSurvivesACrash", "change-"+when+"-"+strconv.Itoa(i), dir)
				// account 1: the child's keyless node has no account.
				if p, _ := secret.OpenJournal(dir).Pending(); len(p) != 1 || p[0].Op != secret.OpReplace {
					t.Fatalf("journal after the crash: %+v", p)
				}
				svc, _ := journalService(t, dir, nil)
				defer svc.Close()
				want := [2]string{c.oldSecret, c.oldField}
				if when == "committed" {
					want = [2]string{c.newSecret, c.newField}
				}
				if v, f := c.state(t, svc, 1); v != want[0] || f != want[1] {
					t.Fatalf("after the start-up sweep: %q, %q; want %q, %q", v, f, want[0], want[1])
				}
				assertSettled(t, dir, svc, 1, c)
				if when == "committed" && c.name == "UpdateAccount" {
					if got := svc.routing.router.Snapshot().ByID[1]; got == nil || got.Name != "renamed" {
						t.Fatalf("the router after the sweep: %+v", got)
					}
				}
			})
		}
	}
}

// journalChild runs in the child process: it adds a legal keyless node, then is killed mid-write.
func journalChild(t *testing.T, mode, dir string) {
	ctx := context.Background()
	kill := &killingSecrets{}
	svc, _ := journalService(t, dir, func(s secret.Store) secret.Store { kill.Store = s; return kill })
	if _, _, err := svc.AddNode(ctx, NodeInput{Prefix: "keyless", Format: "openai", BaseURL: "http://127.0.0.1:9/v1"}); err != nil {
		t.Fatal(err)
	}
	switch {
	case mode == "add":
		kill.key, kill.afterSet = store.AccountSecretKey(1), true
		_, _, err := svc.AddNode(ctx, crashNode)
		t.Fatalf("AddNode returned (%v) instead of the process being killed", err)
	case mode == "delete":
		node, acct, err := svc.AddNode(ctx, crashNode)
		if err != nil {
			t.Fatal(err)
		}
		kill.key, kill.beforeDelete = store.AccountSecretKey(acct.ID), true
		err = svc.DeleteNode(ctx, node.ID)
		t.Fatalf("DeleteNode returned (%v) instead of the process being killed", err)
	case mode == "signin-new":
		kill.key, kill.afterSet = oauth.TokenKey(1), true
		p, _ := svc.subs.mgr.Provider(claude.ID)
		_, err := svc.completeSignIn(ctx, p, grant(newToken, "max"), 0)
		t.Fatalf("completeSignIn returned (%v) instead of the process being killed", err)
	case strings.HasPrefix(mode, "change-"):
		parts := strings.Split(mode, "-") // change-WHEN-INDEX
		when := parts[1]
		i, err := strconv.Atoi(parts[2])
		if err != nil {
			t.Fatal(err)
		}
		c := secretChanges[i]
		id := c.setup(t, svc)
		if id != 1 {
			t.Fatalf("the changed account is %d, the parent looks at 1", id)
		}
		if when == "staged" {
			kill.key, kill.afterSet = stagingKey(c.target(id)), true // the new value is staged, the row not saved
		} else {
			kill.key, kill.beforeSet = c.target(id), true // the row is saved, the new value not yet in place
		}
		err = c.change(svc, id)
		t.Fatalf("%s returned (%v) instead of the process being killed", c.name, err)
	default:
		t.Fatalf("unknown child mode %q", mode)
	}
}
