//go:build linux

package secret

import (
	"os"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// keyringPassword is the login keyring's password in scripts/with-session.sh.
const keyringPassword = "ninerouter-test"

// loginCollection is gnome-keyring's login collection on the Secret Service.
const loginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")

// secretServiceConn is a private session-bus connection (go-keyring owns the shared one).
func secretServiceConn(t *testing.T) *dbus.Conn {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func lockLogin(t *testing.T, conn *dbus.Conn) {
	t.Helper()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	if err := svc.Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{loginCollection}).Store(&locked, &prompt); err != nil {
		t.Fatalf("lock the login keyring: %v", err)
	}
}

// unlockLogin types the password without a prompt, as the user would into gnome-keyring's: gnome-keyring's
// UnlockWithMasterPassword (what Seahorse uses), with the secret sent over a plain session on this connection.
func unlockLogin(t *testing.T, conn *dbus.Conn) {
	t.Helper()
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var out dbus.Variant
	var session dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		t.Fatalf("open a Secret Service session: %v", err)
	}
	type secretStruct struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}
	master := secretStruct{Session: session, Parameters: []byte{}, Value: []byte(keyringPassword), ContentType: "text/plain"}
	if err := svc.Call("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.UnlockWithMasterPassword", 0,
		loginCollection, master).Err; err != nil {
		t.Fatalf("unlock the login keyring: %v", err)
	}
}

// TestUnlockLockedLoginKeyring is the Unlock button against the real Secret Service (gnome-keyring on a private
// session bus, scripts/with-session.sh): with the login keyring locked NineRouter starts waiting, and once the
// keyring is unlocked, Retry (the window's and the tray's "Unlock") opens it although the first prompt never
// answered.
func TestUnlockLockedLoginKeyring(t *testing.T) {
	if os.Getenv("NINEROUTER_TEST_KEYRING") != "1" {
		t.Skip("set NINEROUTER_TEST_KEYRING=1 inside a D-Bus session with an unlocked keyring")
	}
	conn := secretServiceConn(t)
	lockLogin(t, conn)
	t.Cleanup(func() { unlockLogin(t, conn) })

	s, err := OpenPatient(Options{Mode: "auto", DataDir: t.TempDir()}, nil, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := s.(*Patient)
	if !ok {
		t.Fatalf("with the login keyring locked: got %T (%s), want a waiting *Patient", s, s.Describe())
	}
	if p.Kind() != "keychain-waiting" {
		t.Fatalf("kind %q", p.Kind())
	}
	p.spacing = 0
	ready := make(chan struct{})
	p.OnReady(func() { close(ready) })

	unlockLogin(t, conn)
	p.Retry()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the keychain did not open after unlocking: %s", p.Waiting())
	}
	if p.Kind() != "keychain" {
		t.Fatalf("kind after unlock %q", p.Kind())
	}
	storeContract(t, p)
}
