package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/secret"
)

// lockedKeychain answers nothing until unlocked, as a login keyring showing its password prompt.
type lockedKeychain struct {
	unlocked chan struct{}
	mu       sync.Mutex
	m        map[string]string
}

func (k *lockedKeychain) Get(_, u string) (string, error) {
	<-k.unlocked
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[u]
	if !ok {
		return "", errors.New("secret not found in keyring")
	}
	return v, nil
}

func (k *lockedKeychain) Set(_, u, p string) error {
	<-k.unlocked
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[u] = p
	return nil
}

func (k *lockedKeychain) Delete(_, u string) error {
	<-k.unlocked
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, u)
	return nil
}

// TestLockedKeychainIsSeenThroughTheRedactionWatcher: the service wraps its secret store to register every
// value with the redactor, and the desktop's locked-keychain state must still show through that wrapper: the
// window's banner and the tray read SecretsWaiting, and the keys load (a status event) once it opens. Before
// secret.PatientOf, the wrapper hid the Patient: SecretsWaiting said nothing, Unlock did nothing and the keys
// never loaded until a restart.
func TestLockedKeychainIsSeenThroughTheRedactionWatcher(t *testing.T) {
	ctx := context.Background()
	kc := &lockedKeychain{unlocked: make(chan struct{}), m: map[string]string{}}
	store, err := secret.OpenPatient(secret.Options{Mode: "keychain", Backend: kc}, nil, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	svc, err := Open(ctx, cfg, Options{Secrets: store})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if w := svc.SecretsWaiting(); w == "" {
		t.Fatal("SecretsWaiting is empty with the keychain locked")
	}
	if k := svc.Status(ctx).SecretStore; k != "keychain-waiting" {
		t.Fatalf("status secret store %q", k)
	}
	evs := svc.Events().Subscribe(ctx)
	svc.UnlockSecrets() // the Unlock button while the first prompt still waits: must not break anything
	close(kc.unlocked)  // the user typed the password
	for {
		select {
		case ev := <-evs:
			if ev.Kind != events.KindStatus {
				continue
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no status event after the keychain opened; waiting: %q", svc.SecretsWaiting())
		}
		if svc.SecretsWaiting() == "" {
			break
		}
	}
	if k := svc.Status(ctx).SecretStore; k != "keychain" {
		t.Fatalf("status secret store after unlock %q", k)
	}
}
