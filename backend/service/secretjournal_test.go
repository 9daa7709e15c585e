package service

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider/claude"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

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

func mustFile(t *testing.T, dir string) *secret.File {
	t.Helper()
	f, err := secret.OpenFile(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var crashNode = NodeInput{Prefix: "crash", Format: "openai", BaseURL: "http://127.0.0.1:9/v1", APIKey: "crash-key-0123456789", Models: []string{"m"}}

// The values of a secret change: the account's key (UpdateAccount) or its sign-in token (signing in again).
const (
	oldAPIKey = "crash-key-0123456789"
	newAPIKey = "crash-key-new-9876543210"
	oldToken  = "old-access-token-0123456789"
	newToken  = "new-access-token-9876543210"
)

func grant(access, plan string) oauth.Grant {
	return oauth.Grant{Token: oauth.Token{AccessToken: access, RefreshToken: access + "-refresh", Expiry: time.Now().Add(24 * time.Hour)},
		Identity: oauth.Identity{Email: "crash@example.com", Plan: plan}}
}

func claudeProvider(t *testing.T, svc *Service) *oauth.Provider {
	t.Helper()
	p, ok := svc.subs.mgr.Provider(claude.ID)
	if !ok {
		t.Fatal("no Claude sign-in")
	}
	return p
}

// secretChange is one path that replaces an existing account's secret: setup makes the account with the old
// secret, change replaces it (and a non-secret field with it); state reads back what the account holds.
type secretChange struct {
	name  string
	setup func(t *testing.T, svc *Service) int64
	// change replaces the secret; the row's field changes with it (a name, a sign-in's plan).
	change func(svc *Service, id int64) error
	// state is the account's secret and its row's changed field.
	state func(t *testing.T, svc *Service, id int64) (secretValue, field string)
	// oldState and newState are state before and after a whole change.
	oldSecret, oldField, newSecret, newField string
	// target is the secret's key; its staging key is stagingKey(target).
	target func(id int64) string
}

var secretChanges = []secretChange{
	{
		name: "UpdateAccount",
		setup: func(t *testing.T, svc *Service) int64 {
			_, acct, err := svc.AddNode(context.Background(), crashNode)
			if err != nil {
				t.Fatal(err)
			}
			return acct.ID
		},
		change: func(svc *Service, id int64) error {
			name, key := "renamed", newAPIKey
			_, err := svc.UpdateAccount(context.Background(), id, AccountInput{Name: &name, APIKey: &key})
			return err
		},
		state: func(t *testing.T, svc *Service, id int64) (string, string) {
			row, err := svc.db.Account(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			v, err := svc.secrets.Get(store.AccountSecretKey(id))
			if err != nil {
				t.Fatalf("the account's key: %v", err)
			}
			return v, row.Name
		},
		oldSecret: oldAPIKey, oldField: "crash", newSecret: newAPIKey, newField: "renamed",
		target: store.AccountSecretKey,
	},
	{
		name: "sign in again",
		setup: func(t *testing.T, svc *Service) int64 {
			id, err := svc.completeSignIn(context.Background(), claudeProvider(t, svc), grant(oldToken, "pro"), 0)
			if err != nil {
				t.Fatal(err)
			}
			return id
		},
		change: func(svc *Service, id int64) error {
			p, _ := svc.subs.mgr.Provider(claude.ID)
			_, err := svc.completeSignIn(context.Background(), p, grant(newToken, "max"), id)
			return err
		},
		state: func(t *testing.T, svc *Service, id int64) (string, string) {
			var si store.SignIn
			if err := svc.db.First(&si, id).Error; err != nil {
				t.Fatal(err)
			}
			tok, err := svc.subs.mgr.Vault().Load(id)
			if err != nil {
				t.Fatalf("the account's token: %v", err)
			}
			return tok.AccessToken, si.Plan
		},
		oldSecret: oldToken, oldField: "pro", newSecret: newToken, newField: "max",
		target: oauth.TokenKey,
	},
	{
		// An authenticating proxy's credentials are staged like a key (proxycred.go).
		name: "UpdateAccount proxy credentials",
		setup: func(t *testing.T, svc *Service) int64 {
			n := crashNode
			n.ProxyURL = oldProxyAuth
			_, acct, err := svc.AddNode(context.Background(), n)
			if err != nil {
				t.Fatal(err)
			}
			return acct.ID
		},
		change: func(svc *Service, id int64) error {
			name, p := "renamed", newProxyAuth
			_, err := svc.UpdateAccount(context.Background(), id, AccountInput{Name: &name, ProxyURL: &p})
			return err
		},
		state: func(t *testing.T, svc *Service, id int64) (string, string) {
			row, err := svc.db.Account(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if row.ProxyURL != "http://127.0.0.1:3128" {
				t.Fatalf("the row's proxy is %q", row.ProxyURL)
			}
			v, err := svc.secrets.Get(proxyAuthKey(id))
			if err != nil {
				t.Fatalf("the account's proxy credentials: %v", err)
			}
			return v, row.Name
		},
		oldSecret: oldProxyAuth, oldField: "crash", newSecret: newProxyAuth, newField: "renamed",
		target: proxyAuthKey,
	},
}

const (
	oldProxyAuth = "http://olduser:old-proxy-pass-0123@127.0.0.1:3128"
	newProxyAuth = "http://newuser:new-proxy-pass-4567@127.0.0.1:3128"
)

// failingSecrets fails the writes of one key while armed, as a keychain that refuses or goes away would.
type failingSecrets struct {
	secret.Store
	key string
}

var errRefused = errors.New("the keychain refused the write")

func (f *failingSecrets) Set(key, value string) error {
	if f.key != "" && key == f.key {
		return errRefused
	}
	return f.Store.Set(key, value)
}

// TestSecretChangeFailures: a secret change whose staged write fails changes nothing; one whose final write
// fails (after its row was saved) says so, and the next start puts the new secret in place (issue #9 finding 5).
func TestSecretChangeFailures(t *testing.T) {
	for _, c := range secretChanges {
		t.Run(c.name+": the staged write fails", func(t *testing.T) {
			dir := t.TempDir()
			fail := &failingSecrets{}
			svc, _ := journalService(t, dir, func(s secret.Store) secret.Store { fail.Store = s; return fail })
			defer svc.Close()
			id := c.setup(t, svc)
			fail.key = stagingKey(c.target(id))
			if err := c.change(svc, id); !errors.Is(err, errRefused) {
				t.Fatalf("the change answered %v, want the keychain's refusal", err)
			}
			if v, f := c.state(t, svc, id); v != c.oldSecret || f != c.oldField {
				t.Fatalf("after a refused change: %q, %q; want the old %q, %q", v, f, c.oldSecret, c.oldField)
			}
			assertSettled(t, dir, svc, id, c)
		})
		t.Run(c.name+": the final write fails after the row is saved", func(t *testing.T) {
			dir := t.TempDir()
			fail := &failingSecrets{}
			svc, _ := journalService(t, dir, func(s secret.Store) secret.Store { fail.Store = s; return fail })
			id := c.setup(t, svc)
			fail.key = c.target(id)
			if err := c.change(svc, id); !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "next start") {
				t.Fatalf("the change answered %v, want the keychain's refusal and when the secret is put in place", err)
			}
			if p, _ := secret.OpenJournal(dir).Pending(); len(p) != 1 || p[0].Op != secret.OpReplace {
				t.Fatalf("journal after the failed write: %+v", p)
			}
			if err := svc.Close(); err != nil {
				t.Fatal(err)
			}
			svc, _ = journalService(t, dir, nil)
			defer svc.Close()
			if v, f := c.state(t, svc, id); v != c.newSecret || f != c.newField {
				t.Fatalf("after the next start: %q, %q; want the new %q, %q", v, f, c.newSecret, c.newField)
			}
			assertSettled(t, dir, svc, id, c)
		})
	}
}

// assertSettled: the journal is empty and no staged value lingers.
func assertSettled(t *testing.T, dir string, svc *Service, id int64, c secretChange) {
	t.Helper()
	if p, _ := secret.OpenJournal(dir).Pending(); len(p) != 0 {
		t.Fatalf("journal: %+v", p)
	}
	if _, err := mustFile(t, dir).Get(stagingKey(c.target(id))); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("the staged value lingers: %v", err)
	}
}

// TestSecretChangeLeavesNothingBehind: after a whole change no staging key and no journal entry are left, and
// deleting the account removes its secrets and tokens.
func TestSecretChangeLeavesNothingBehind(t *testing.T) {
	for _, c := range secretChanges {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			svc, _ := journalService(t, dir, nil)
			defer svc.Close()
			id := c.setup(t, svc)
			if err := c.change(svc, id); err != nil {
				t.Fatal(err)
			}
			if v, f := c.state(t, svc, id); v != c.newSecret || f != c.newField {
				t.Fatalf("after the change: %q, %q; want %q, %q", v, f, c.newSecret, c.newField)
			}
			assertSettled(t, dir, svc, id, c)
			if err := svc.DeleteAccount(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			for _, k := range accountSecretKeys(id) {
				if _, err := mustFile(t, dir).Get(k); !errors.Is(err, secret.ErrNotFound) {
					t.Errorf("%s after the account's deletion: %v", k, err)
				}
			}
			if b, err := os.ReadFile(dir + "/" + secret.JournalFile); err == nil {
				t.Fatalf("journal after the deletion: %s", b)
			}
		})
	}
}
