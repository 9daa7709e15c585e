package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/godbus/dbus/v5"
)

// unlockKeyring unlocks gnome-keyring's login collection with the password read from in, as the user typing it
// into the keyring's own prompt would: gnome-keyring's UnlockWithMasterPassword (Seahorse uses it), with the
// secret sent over a plain Secret Service session on this connection. The password comes on stdin so it never
// shows in ps.
func unlockKeyring(conn *dbus.Conn, in io.Reader) error {
	pw, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the password: %w", err)
	}
	pw = strings.TrimRight(pw, "\r\n")
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	var out dbus.Variant
	var session dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		return fmt.Errorf("open a Secret Service session: %w", err)
	}
	master := struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}{session, []byte{}, []byte(pw), "text/plain"}
	return svc.Call("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.UnlockWithMasterPassword", 0,
		dbus.ObjectPath("/org/freedesktop/secrets/collection/login"), master).Err
}
