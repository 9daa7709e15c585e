package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ninerouter/ninerouter/backend/autostart"
	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// UninstallOptions choose what an uninstall removes beyond the tool configs and the login entry.
type UninstallOptions struct {
	// Home limits the tool revert to one home ("" = every home NineRouter applied a tool in).
	Home string `json:"home,omitempty"`
	// Purge also deletes the keychain entries now and the data dir once this process has closed it.
	Purge bool `json:"purge,omitempty"`
}

// UninstallReport says what was undone and what is left for the user to do.
type UninstallReport struct {
	Tools      []clitool.Result `json:"tools"`
	ToolsError string           `json:"toolsError,omitempty"`
	// Autostart is the entry that was removed ("" when there was none).
	Autostart      string `json:"autostart,omitempty"`
	AutostartError string `json:"autostartError,omitempty"`
	SecretsRemoved int    `json:"secretsRemoved"`
	SecretsError   string `json:"secretsError,omitempty"`
	// DataDir is deleted when Purge was asked, after the database is closed (by the CLI, or by the desktop app as
	// it quits); otherwise it is kept and named here.
	DataDir string `json:"dataDir"`
	Purge   bool   `json:"purge"`
	// RemovePackage says how to remove the program itself on this system.
	RemovePackage string `json:"removePackage"`
}

// Failed reports whether any step failed (the report says which).
func (r UninstallReport) Failed() bool {
	return r.ToolsError != "" || r.AutostartError != "" || r.SecretsError != ""
}

// Uninstall undoes everything NineRouter did outside its data dir: every CLI tool config it changed goes back to
// the user's original (keeping edits the user made since; the results say which), the start-at-login entry
// goes, and with Purge the keychain entries go and the data dir is marked for deletion. Every step runs even
// when an earlier one failed, so one stubborn file never leaves the rest in place.
func (s *Service) Uninstall(ctx context.Context, opt UninstallOptions) UninstallReport {
	rep := UninstallReport{DataDir: s.cfg.DataDir, Purge: opt.Purge, RemovePackage: RemovePackageHint()}
	results, err := s.RevertAllTools(ctx, opt.Home)
	rep.Tools = results
	if err != nil {
		rep.ToolsError = err.Error()
	}
	if m, err := autostart.New(); err != nil {
		rep.AutostartError = err.Error()
	} else if st, err := m.Status(); err == nil && !st.Enabled {
		// nothing to remove
	} else if err := m.Disable(); err != nil {
		rep.AutostartError = err.Error()
	} else {
		rep.Autostart = st.Where
	}
	if opt.Purge {
		n, err := s.deleteSecrets(ctx)
		rep.SecretsRemoved = n
		if err != nil {
			rep.SecretsError = err.Error()
		}
		s.purge.Store(true)
	}
	s.log.Info("uninstall", "tools_reverted", len(rep.Tools), "autostart_removed", rep.Autostart != "", "purge", opt.Purge,
		"failed", rep.Failed())
	return rep
}

// PurgeRequested reports whether an uninstall asked for the data dir to go once the service is closed.
func (s *Service) PurgeRequested() bool { return s.purge.Load() }

// deleteSecrets removes every keychain entry NineRouter made: each account's key and tokens by name, then (where the
// keychain can) everything filed under the "ninerouter" service, which also catches entries of accounts
// removed from the database by hand. The file store goes with the data dir.
func (s *Service) deleteSecrets(ctx context.Context) (int, error) {
	var accts []store.Account
	if err := s.db.WithContext(ctx).Find(&accts).Error; err != nil {
		return 0, fmt.Errorf("list accounts: %w", err)
	}
	n := 0
	var errs []error
	for _, a := range accts {
		failed := false
		for _, k := range accountSecretKeys(a.ID) { // its key or its tokens, and any staged new one
			if err := s.secrets.Delete(k); err != nil && !errors.Is(err, secret.ErrNotFound) {
				errs = append(errs, err)
				failed = true
				break
			}
		}
		if !failed {
			n++
		}
	}
	if all, ok := s.secrets.(interface{ DeleteAll() error }); ok {
		if err := all.DeleteAll(); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// PurgeDataDir deletes the data dir. Call it only after Close.
func PurgeDataDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	// A data dir that is a home or a filesystem root is a misconfiguration, never something to delete.
	home, _ := os.UserHomeDir()
	if abs == filepath.Dir(abs) || abs == home || strings.Count(filepath.ToSlash(abs), "/") < 2 {
		return fmt.Errorf("refusing to delete %s: it is not a NineRouter data dir", abs)
	}
	if err := os.RemoveAll(abs); err != nil {
		return fmt.Errorf("delete the data dir %s: %w", abs, err)
	}
	return nil
}

// RemovePackageHint tells the user how the program itself is removed here.
func RemovePackageHint() string {
	exe, _ := autostart.Executable()
	switch runtime.GOOS {
	case "windows":
		return "Remove the program in Settings → Apps → Installed apps → NineRouter → Uninstall (or its Start-menu uninstaller)."
	case "darwin":
		return "Quit NineRouter and drag NineRouter.app from Applications to the Trash."
	}
	switch {
	case strings.HasPrefix(exe, "/usr/"):
		return "Remove the package: `sudo apt remove ninerouter` (Debian, Ubuntu; or `sudo dpkg -r ninerouter`) or `sudo dnf remove ninerouter` (Fedora; or `sudo rpm -e ninerouter`)."
	case exe != "":
		return "Delete the program file: " + exe
	}
	return "Delete the ninerouter program file."
}
