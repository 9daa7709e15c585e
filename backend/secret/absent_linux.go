//go:build linux

package secret

import (
	"errors"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// keychainAbsent tells a Secret Service that is not there (no service owns or can activate
// org.freedesktop.secrets) from one that is there and refused: only the first falls back to the file store.
func keychainAbsent(err error) bool {
	if errors.Is(err, keyring.ErrUnsupportedPlatform) {
		return true
	}
	var de dbus.Error
	if errors.As(err, &de) {
		switch de.Name {
		case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
			"org.freedesktop.DBus.Error.Spawn.ServiceNotFound", "org.freedesktop.DBus.Error.Spawn.ExecFailed",
			"org.freedesktop.DBus.Error.Spawn.ChildExited", "org.freedesktop.DBus.Error.NotSupported":
			return true
		}
	}
	var pde *dbus.Error
	if errors.As(err, &pde) && pde != nil {
		return keychainAbsent(*pde)
	}
	return false
}
