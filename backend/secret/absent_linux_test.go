//go:build linux

package secret

import "github.com/godbus/dbus/v5"

// keychainMissingError is what the session bus answers when nothing provides the Secret Service.
func keychainMissingError() error {
	return dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}
}
