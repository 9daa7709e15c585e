package secret

import (
	"errors"
	"fmt"
)

// DeleteAll removes every entry filed under Service, including ones no database row names any more
// (`ninerouter uninstall --purge`). It needs a backend that can enumerate (the OS keychain through go-keyring).
func (k *Keychain) DeleteAll() error {
	all, ok := k.b.(interface{ DeleteAll(service string) error })
	if !ok {
		return errors.New("this keychain cannot list its entries; remove the remaining \"" + Service + "\" entries by hand")
	}
	if err := all.DeleteAll(Service); err != nil {
		return fmt.Errorf("keychain: delete every %q entry: %w", Service, err)
	}
	return nil
}
