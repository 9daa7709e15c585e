// Package config resolves NineRouter's start-up settings: flags first, then the environment (NineRouter's own
// variables, then 9Router's for users migrating), then the settings table, then defaults.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultPort is 9Router's port, kept so migrating users' CLI configs keep working.
const DefaultPort = 20128

// DefaultAddr is loopback only: exposure beyond this machine is an explicit opt-in.
var DefaultAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(DefaultPort))

// Config is the resolved start-up configuration. Fields left empty fall through to the settings table.
type Config struct {
	Addr    string // host:port to listen on
	DataDir string // holds ninerouter.db, backups/, logs/, cli-token

	// RequireAPIKey is nil when neither a flag nor the environment said; the settings table decides then.
	RequireAPIKey *bool
	// Proxy settings for outbound (upstream) requests; empty means "none from flags/env".
	HTTPProxy, HTTPSProxy, NoProxy string

	// Database, when set, is a PostgreSQL URL (--database, NINEROUTER_DATABASE): a team server whose instances
	// share every routing table, usage and secrets (docs/team-server.md). Empty: SQLite in the data dir.
	Database string
	// SecretKey, when set, encrypts the fallback secret file (NINEROUTER_SECRET_KEY); with Database it seals the
	// secrets kept in the shared database, and is required (or SecretKeyFile).
	SecretKey string
	// SecretKeyFile names a file holding SecretKey (NINEROUTER_SECRET_KEY_FILE), for secrets mounted as files.
	SecretKeyFile string
	// SecretStore forces a secret backend: "auto" (default), "keychain" or "file".
	SecretStore string
	// InitialPassword sets the dashboard password on first run when none is set (NINEROUTER_PASSWORD).
	InitialPassword string
	// Debug turns on request logs (headers and bodies, redacted).
	Debug bool
	// Desktop is true when the window and tray run in this process.
	Desktop bool
	// StartInTray is set when the session starts the app at login (--autostart): no window unless no tray
	// host can show the icon.
	StartInTray bool

	// AddrSource says where Addr came from, for the status line and warnings.
	AddrSource string
}

// Env is the environment lookup; os.LookupEnv in production, a map in tests.
type Env func(string) (string, bool)

// FromEnv fills a Config from the environment. Flags are applied on top by the caller with Override.
func FromEnv(env Env) (Config, error) {
	var c Config
	get := func(k string) string { v, _ := env(k); return strings.TrimSpace(v) }

	if v := get("NINEROUTER_ADDR"); v != "" {
		c.Addr, c.AddrSource = v, "NINEROUTER_ADDR"
	} else if port := get("PORT"); port != "" {
		host := "127.0.0.1"
		// 9Router's HOSTNAME. Shells and Docker set HOSTNAME to the machine's name, which is not a bind address;
		// honour it only when it is an IP literal or localhost so a container id never widens the bind.
		if h := get("HOSTNAME"); h != "" && (net.ParseIP(h) != nil || h == "localhost") {
			host = h
		}
		c.Addr, c.AddrSource = net.JoinHostPort(host, port), "PORT/HOSTNAME"
	}
	if v := get("NINEROUTER_DATA_DIR"); v != "" {
		c.DataDir = v
	} else if v := get("DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := get("REQUIRE_API_KEY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("REQUIRE_API_KEY=%q: want true or false", v)
		}
		c.RequireAPIKey = &b
	}
	c.HTTPProxy = firstNonEmpty(get("HTTP_PROXY"), get("http_proxy"))
	c.HTTPSProxy = firstNonEmpty(get("HTTPS_PROXY"), get("https_proxy"))
	c.NoProxy = firstNonEmpty(get("NO_PROXY"), get("no_proxy"))
	c.SecretKey = get("NINEROUTER_SECRET_KEY")
	c.SecretKeyFile = get("NINEROUTER_SECRET_KEY_FILE")
	c.Database = get("NINEROUTER_DATABASE")
	c.SecretStore = firstNonEmpty(get("NINEROUTER_SECRET_STORE"), "auto")
	c.InitialPassword = get("NINEROUTER_PASSWORD")
	if v := get("NINEROUTER_DEBUG"); v != "" {
		c.Debug, _ = strconv.ParseBool(v)
	}
	switch c.SecretStore {
	case "auto", "keychain", "file":
	default:
		return c, fmt.Errorf("NINEROUTER_SECRET_STORE=%q: want auto, keychain or file", c.SecretStore)
	}
	return c, nil
}

// Finish applies defaults and validates. It is called once flags have been applied.
func (c *Config) Finish() error {
	if c.Addr == "" {
		c.Addr, c.AddrSource = DefaultAddr, "default"
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("address %q: want HOST:PORT, e.g. 127.0.0.1:%d", c.Addr, DefaultPort)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("address %q: port must be a number from 0 to 65535", c.Addr)
	}
	if host == "" {
		return fmt.Errorf("address %q: give a host (127.0.0.1 for this machine only, 0.0.0.0 for every interface)", c.Addr)
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		return fmt.Errorf("database %q: want a PostgreSQL URL, postgres://USER:PASSWORD@HOST:PORT/DATABASE "+
			"(leave it unset for the local SQLite file)", redactURL(c.Database))
	}
	if c.DataDir == "" {
		dir, err := DefaultDataDir()
		if err != nil {
			return err
		}
		c.DataDir = dir
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("data dir %q: %w", c.DataDir, err)
	}
	c.DataDir = abs
	return nil
}

// DefaultDataDir is os.UserConfigDir()/ninerouter.
func DefaultDataDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config dir (set NINEROUTER_DATA_DIR or --data-dir): %w", err)
	}
	return filepath.Join(base, "ninerouter"), nil
}

// IsLoopback reports whether the listen address only accepts connections from this machine.
func (c *Config) IsLoopback() bool { return IsLoopbackAddr(c.Addr) }

// IsLoopbackAddr reports whether host:port binds loopback only.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// EnsureDataDir creates the data dir with 0700 and checks that it is writable, so a bad dir fails at start
// with one clear line instead of half-way through.
func EnsureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("data dir %s is not writable", dir)
		}
		return fmt.Errorf("data dir %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// redactURL hides a password in a URL-like value before it is echoed in an error.
func redactURL(v string) string {
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	if i := strings.Index(v, "@"); i >= 0 {
		return "…" + v[i:]
	}
	return v
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
