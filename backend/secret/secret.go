// Package secret keeps OAuth tokens and API keys out of SQLite and logs: in the OS keychain (service
// "ninerouter") through go-keyring, chunked where values exceed the platform's limit, or, where no keychain is
// reachable (headless Linux, Docker), in a 0600 file in the data dir that is encrypted when
// NINEROUTER_SECRET_KEY is set. Which store is in use is always reported (Store.Kind).
package secret

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
)

// Service is the keychain service name every entry is filed under.
const Service = "ninerouter"

// ErrNotFound is returned by Get when no value is stored under the key.
var ErrNotFound = errors.New("secret not found")

// Store holds secrets by key. Keys are namespaced by the caller, e.g. "account/12/api_key".
type Store interface {
	Get(key string) (string, error)
	Set(key, value string) error
	Delete(key string) error
	// Kind is "keychain", "file", "file-encrypted" or "memory".
	Kind() string
	// Describe is the one-line text `status` and the UI show.
	Describe() string
}

// Options choose and configure the store.
type Options struct {
	// Mode is "auto" (keychain when reachable, else file), "keychain" (fail if unreachable) or "file".
	Mode string
	// DataDir holds the fallback file.
	DataDir string
	// FileKey encrypts the fallback file when non-empty.
	FileKey string
	// Backend is the keychain implementation; nil means the OS keychain via go-keyring.
	Backend Backend
}

// Open picks the store. In auto mode a keychain that answers a probe is used; one that is absent falls back to
// the file store with a warning. A keychain that exists but refuses (locked, denied) is an error in keychain
// mode and a logged fallback in auto mode, so a headless server still starts.
func Open(opts Options, log *slog.Logger) (Store, error) {
	if log == nil {
		log = slog.Default()
	}
	backend := opts.Backend
	if backend == nil {
		backend = osKeyring{}
	}
	fileStore := func(reason string) (Store, error) {
		fs, err := OpenFile(opts.DataDir, opts.FileKey)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			log.Warn("OS keychain not available; secrets are kept in a file in the data dir", "reason", reason, "store", fs.Describe())
		}
		return fs, nil
	}
	switch opts.Mode {
	case "file":
		return fileStore("")
	case "keychain", "auto", "":
		if reason := keychainUnavailable(); reason != "" && opts.Backend == nil {
			if opts.Mode == "keychain" {
				return nil, fmt.Errorf("OS keychain not available: %s", reason)
			}
			return fileStore(reason)
		}
		kc := NewKeychain(backend)
		if err := kc.Probe(); err != nil {
			if opts.Mode == "keychain" {
				return nil, fmt.Errorf("OS keychain refused access (is it locked?): %w", err)
			}
			return fileStore(err.Error())
		}
		return kc, nil
	default:
		return nil, fmt.Errorf("secret store mode %q: want auto, keychain or file", opts.Mode)
	}
}

// keychainUnavailable explains why no keychain can be reached without trying, or returns "".
// On Linux the Secret Service needs a D-Bus session; without one godbus would autolaunch a daemon that
// outlives us (docs/desktop.md § Testing without a desktop), so we do not even try.
func keychainUnavailable() string {
	if runtime.GOOS == "linux" || runtime.GOOS == "freebsd" || runtime.GOOS == "openbsd" {
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			return "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset)"
		}
	}
	return ""
}
