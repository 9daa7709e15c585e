package oauth_test

import (
	"errors"
	"testing"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/secret"
)

// crashStore stops taking writes after `left` more of them (a process killed between two keychain writes); a
// write in progress at the crash leaves the value damaged, which the keychain store reads as absent.
type crashStore struct {
	*secret.Memory
	left int
}

var errKilled = errors.New("killed")

func (c *crashStore) write(key string, f func() error) error {
	if c.left == 0 {
		_ = c.Memory.Set(key, "{half-written") // torn write
		return errKilled
	}
	c.left--
	return f()
}
func (c *crashStore) Set(k, v string) error {
	return c.write(k, func() error { return c.Memory.Set(k, v) })
}
func (c *crashStore) Delete(k string) error {
	return c.write(k, func() error { return c.Memory.Delete(k) })
}

// TestVaultCrashAtEveryWrite: whatever write a crash interrupts, a whole token (old or new) stays loadable.
func TestVaultCrashAtEveryWrite(t *testing.T) {
	old := oauth.Token{AccessToken: "at-old", RefreshToken: "rt-old"}
	fresh := oauth.Token{AccessToken: "at-new", RefreshToken: "rt-new"}
	for crashAfter := 0; crashAfter <= 3; crashAfter++ {
		mem := secret.NewMemory()
		if err := (oauth.Vault{S: mem, NotFound: secret.ErrNotFound}).Save(7, old); err != nil {
			t.Fatal(err)
		}
		cs := &crashStore{Memory: mem, left: crashAfter}
		_ = (oauth.Vault{S: cs, NotFound: secret.ErrNotFound}).Save(7, fresh)
		got, err := (oauth.Vault{S: mem, NotFound: secret.ErrNotFound}).Load(7) // the next start
		if err != nil {
			t.Fatalf("crash after %d writes: no token left: %v", crashAfter, err)
		}
		if got.RefreshToken != "rt-old" && got.RefreshToken != "rt-new" {
			t.Fatalf("crash after %d writes: got %+v", crashAfter, got)
		}
		// Once the "next" slot was whole, the new token must win (the old refresh token may be spent).
		if crashAfter >= 1 && got.RefreshToken != "rt-new" {
			t.Fatalf("crash after %d writes: the stored new token was lost", crashAfter)
		}
	}
}
