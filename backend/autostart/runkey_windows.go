package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

func enableRunKey(exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKeyPath, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("autostart: open %s: %w", runKeyPath, err)
	}
	defer k.Close()
	if err := k.SetStringValue(Name, runKeyCommand(exe)); err != nil {
		return fmt.Errorf("autostart: set %s: %w", runKeyWhere, err)
	}
	return nil
}

func disableRunKey() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKeyPath, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("autostart: open %s: %w", runKeyPath, err)
	}
	defer k.Close()
	if err := k.DeleteValue(Name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("autostart: delete %s: %w", runKeyWhere, err)
	}
	return nil
}

func readRunKey() (string, bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKeyPath, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("autostart: open %s: %w", runKeyPath, err)
	}
	defer k.Close()
	v, _, err := k.GetStringValue(Name)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("autostart: read %s: %w", runKeyWhere, err)
	}
	return v, true, nil
}
