package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	tru, fal := true, false
	cases := []struct {
		name    string
		env     map[string]string
		addr    string
		dataDir string
		require *bool
		wantErr string
	}{
		{name: "defaults", env: nil, addr: DefaultAddr},
		{name: "own addr wins over 9Router's PORT", env: map[string]string{"NINEROUTER_ADDR": "127.0.0.1:9", "PORT": "7"}, addr: "127.0.0.1:9"},
		{name: "9Router PORT", env: map[string]string{"PORT": "3000"}, addr: "127.0.0.1:3000"},
		{name: "9Router HOSTNAME as IP", env: map[string]string{"PORT": "3000", "HOSTNAME": "0.0.0.0"}, addr: "0.0.0.0:3000"},
		{name: "machine name in HOSTNAME is not a bind address", env: map[string]string{"PORT": "3000", "HOSTNAME": "3f2a9c1b7d4e"}, addr: "127.0.0.1:3000"},
		{name: "data dir", env: map[string]string{"NINEROUTER_DATA_DIR": "/tmp/nr-a", "DATA_DIR": "/tmp/nr-b"}, addr: DefaultAddr, dataDir: "/tmp/nr-a"},
		{name: "9Router DATA_DIR", env: map[string]string{"DATA_DIR": "/tmp/nr-b"}, addr: DefaultAddr, dataDir: "/tmp/nr-b"},
		{name: "REQUIRE_API_KEY false", env: map[string]string{"REQUIRE_API_KEY": "false"}, addr: DefaultAddr, require: &fal},
		{name: "REQUIRE_API_KEY true", env: map[string]string{"REQUIRE_API_KEY": "1"}, addr: DefaultAddr, require: &tru},
		{name: "REQUIRE_API_KEY junk", env: map[string]string{"REQUIRE_API_KEY": "maybe"}, wantErr: "REQUIRE_API_KEY"},
		{name: "secret store junk", env: map[string]string{"NINEROUTER_SECRET_STORE": "vault"}, wantErr: "NINEROUTER_SECRET_STORE"},
		{name: "bad addr", env: map[string]string{"NINEROUTER_ADDR": "20128"}, wantErr: "HOST:PORT"},
		{name: "bad port", env: map[string]string{"NINEROUTER_ADDR": "127.0.0.1:99999"}, wantErr: "port"},
		{name: "empty host", env: map[string]string{"NINEROUTER_ADDR": ":20128"}, wantErr: "give a host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(envOf(tc.env))
			if err == nil {
				err = c.Finish()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != tc.addr {
				t.Errorf("Addr = %q, want %q", c.Addr, tc.addr)
			}
			if tc.dataDir != "" && c.DataDir != tc.dataDir {
				t.Errorf("DataDir = %q, want %q", c.DataDir, tc.dataDir)
			}
			if tc.dataDir == "" && !strings.HasSuffix(c.DataDir, string(filepath.Separator)+"ninerouter") {
				t.Errorf("default DataDir = %q", c.DataDir)
			}
			if (tc.require == nil) != (c.RequireAPIKey == nil) || (tc.require != nil && *tc.require != *c.RequireAPIKey) {
				t.Errorf("RequireAPIKey = %v, want %v", c.RequireAPIKey, tc.require)
			}
		})
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:20128": true, "[::1]:1": true, "localhost:5": true, "0.0.0.0:20128": false,
		"192.168.0.2:1": false, "[::]:20128": false, "garbage": false,
	} {
		if got := IsLoopbackAddr(addr); got != want {
			t.Errorf("IsLoopbackAddr(%q) = %v", addr, got)
		}
	}
}

func TestEnsureDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := EnsureDataDir(dir); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v", info.Mode().Perm())
	}
	if os.Geteuid() == 0 {
		t.Skip("root can write anywhere")
	}
	ro := t.TempDir()
	os.Chmod(ro, 0o500)
	defer os.Chmod(ro, 0o700)
	if err := EnsureDataDir(ro); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("read-only dir: %v", err)
	}
}

// TestDatabaseURL: NINEROUTER_DATABASE names a PostgreSQL server; anything else is refused at start without
// echoing a password.
func TestDatabaseURL(t *testing.T) {
	for _, tc := range []struct{ value, err string }{
		{"", ""},
		{"postgres://u:p@db:5432/nr", ""},
		{"postgresql://u@db/nr?sslmode=require", ""},
		{"mysql://u:hunter2@db/nr", "want a PostgreSQL URL"},
		{"/var/lib/nr.db", "want a PostgreSQL URL"},
	} {
		c, err := FromEnv(envOf(map[string]string{"NINEROUTER_DATABASE": tc.value, "NINEROUTER_SECRET_KEY_FILE": "/run/k",
			"NINEROUTER_DATA_DIR": t.TempDir()}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Database != tc.value || c.SecretKeyFile != "/run/k" {
			t.Fatalf("FromEnv = %q %q", c.Database, c.SecretKeyFile)
		}
		err = c.Finish()
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Finish(%q) = %v, want %q", tc.value, err, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
