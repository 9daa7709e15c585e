//go:build !linux

package secret

import "github.com/zalando/go-keyring"

// keychainMissingError is what go-keyring answers where no keychain exists.
func keychainMissingError() error { return keyring.ErrUnsupportedPlatform }
