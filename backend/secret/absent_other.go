//go:build !linux

package secret

import (
	"errors"

	"github.com/zalando/go-keyring"
)

// keychainAbsent: macOS and Windows always have their keychain; only an unsupported platform has none.
func keychainAbsent(err error) bool { return errors.Is(err, keyring.ErrUnsupportedPlatform) }
