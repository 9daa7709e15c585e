// Package autostart turns "start NineRouter at login" on and off for the current user: an XDG autostart entry
// on Linux and the BSDs (~/.config/autostart/ninerouter.desktop), the per-user Run key on Windows
// (HKCU\Software\Microsoft\Windows\CurrentVersion\Run), a LaunchAgent on macOS
// (~/Library/LaunchAgents/app.ninerouter.plist). The entry always names the installed binary as it is now
// (os.Executable with symlinks resolved), so a moved or upgraded install is re-pointed by turning it on again,
// and Status says when an entry points somewhere else.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Name is the entry's display name; ID names its file, value and label.
const (
	Name = "NineRouter"
	ID   = "ninerouter"
	// Flag is passed to the binary when the session starts it: the app starts in the tray, no window.
	Flag = "--autostart"
)

// Status is what `ninerouter autostart status`, the tray's check item and the Settings page show.
type Status struct {
	Enabled bool `json:"enabled"`
	// Where is the file or registry value that holds the entry.
	Where string `json:"where"`
	// Command is the command line the entry runs ("" when off).
	Command string `json:"command,omitempty"`
	// Current is false when the entry runs another binary than this one (moved or reinstalled elsewhere):
	// turning it on again re-points it.
	Current bool `json:"current"`
	// Supported is false where this build cannot manage login items.
	Supported bool `json:"supported"`
}

// Manager manages one user's entry. The zero value is not usable; use New.
type Manager struct {
	// Exe is the binary the entry starts (absolute, symlinks resolved).
	Exe string
	// Home is the user's home directory; ConfigHome is $XDG_CONFIG_HOME (or Home/.config).
	Home, ConfigHome string
	// GOOS selects the mechanism; tests set it to check another OS's files.
	GOOS string
}

// New returns the Manager for this process: the running binary, the user's home and config dirs.
func New() (*Manager, error) {
	exe, err := Executable()
	if err != nil {
		return nil, err
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("autostart: home directory: %w", err)
	}
	cfgHome := os.Getenv("XDG_CONFIG_HOME")
	if cfgHome == "" || !filepath.IsAbs(cfgHome) {
		cfgHome = filepath.Join(home, ".config")
	}
	return &Manager{Exe: exe, Home: home, ConfigHome: cfgHome, GOOS: runtime.GOOS}, nil
}

// Executable is the running binary's path with symlinks resolved, so the entry survives a package manager
// swapping a symlink (and never names a temporary `go run` build twice).
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("autostart: path of this program: %w", err)
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return filepath.Abs(exe)
}

const (
	runKeyPath  = `Software\Microsoft\Windows\CurrentVersion\Run`
	runKeyWhere = `HKCU\` + runKeyPath + `\` + Name
)

// runKeyCommand is the Run value: the quoted path (it may contain spaces: Program Files, user names) and the flag.
func runKeyCommand(exe string) string { return `"` + exe + `" ` + Flag }

// ErrUnsupported is returned where no mechanism exists for the OS.
var ErrUnsupported = errors.New("start at login is not supported on this system")

// Enable writes (or re-points) the entry.
func (m *Manager) Enable() error {
	switch m.GOOS {
	case "windows":
		return enableRunKey(m.Exe)
	case "darwin":
		return writeEntry(m.launchAgentPath(), launchAgent(m.Exe))
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return writeEntry(m.xdgPath(), xdgEntry(m.Exe))
	}
	return ErrUnsupported
}

// Disable removes the entry; removing an absent one is not an error.
func (m *Manager) Disable() error {
	switch m.GOOS {
	case "windows":
		return disableRunKey()
	case "darwin":
		return removeEntry(m.launchAgentPath())
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return removeEntry(m.xdgPath())
	}
	return ErrUnsupported
}

// Status reads the entry.
func (m *Manager) Status() (Status, error) {
	switch m.GOOS {
	case "windows":
		cmd, found, err := readRunKey()
		if err != nil {
			return Status{Supported: true, Where: runKeyWhere}, err
		}
		return m.status(runKeyWhere, cmd, found, runKeyCommand(m.Exe)), nil
	case "darwin":
		return m.fileStatus(m.launchAgentPath(), launchAgentCommand)
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return m.fileStatus(m.xdgPath(), xdgCommand)
	}
	return Status{}, nil
}

func (m *Manager) fileStatus(path string, command func([]byte) (string, bool)) (Status, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m.status(path, "", false, ""), nil
	}
	if err != nil {
		return Status{Supported: true, Where: path}, fmt.Errorf("autostart: read %s: %w", path, err)
	}
	cmd, ok := command(b)
	if !ok {
		return Status{Supported: true, Enabled: true, Where: path},
			fmt.Errorf("autostart: %s is not an entry NineRouter can read; remove it or turn start at login on again", path)
	}
	want := ""
	if m.GOOS == "darwin" {
		want, _ = launchAgentCommand(launchAgent(m.Exe))
	} else {
		want, _ = xdgCommand(xdgEntry(m.Exe))
	}
	return m.status(path, cmd, true, want), nil
}

func (m *Manager) status(where, cmd string, found bool, want string) Status {
	return Status{Supported: true, Where: where, Enabled: found, Command: cmd, Current: found && cmd == want}
}

func (m *Manager) xdgPath() string { return filepath.Join(m.ConfigHome, "autostart", ID+".desktop") }

func (m *Manager) launchAgentPath() string {
	return filepath.Join(m.Home, "Library", "LaunchAgents", launchAgentLabel+".plist")
}

// writeEntry writes the file atomically (temp file + rename), so a crash never leaves half an entry that the
// session would try to run.
func writeEntry(path string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("autostart: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

func removeEntry(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: remove %s: %w", path, err)
	}
	return nil
}
