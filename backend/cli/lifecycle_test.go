package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isolateHome points the user's home (and so the XDG autostart dir) at a temp dir for this test.
func isolateHome(t *testing.T) string {
	t.Helper()
	h := t.TempDir()
	t.Setenv("HOME", h)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(h, ".config"))
	return h
}

// TestUninstallRestoresToolConfigs is the test: a home with applied Claude Code and Codex configs; after
// `ninerouter uninstall` both are byte-identical to before the first apply, the login entry is gone, and the
// data dir is kept unless --purge.
func TestUninstallRestoresToolConfigs(t *testing.T) {
	userHome := isolateHome(t)
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file"}
	data := t.TempDir()
	home := copyHome(t, "claude", "codex")
	before := readTree(t, home)
	cli := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := run(t, env, append(args, "--data-dir", data, "--addr", "127.0.0.1:1")...)
		if code != wantCode {
			t.Fatalf("ninerouter %s: exit %d (want %d): %s%s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		return out + errOut
	}
	cli(0, "tool", "apply", "claude", "--home", home)
	cli(0, "tool", "apply", "codex", "--home", home)
	cli(0, "tool", "apply", "codex", "--home", home, "--model", "other") // a second apply must still undo to the first original
	if after := readTree(t, home); after[filepath.Join(home, ".codex", "config.toml")] == before[filepath.Join(home, ".codex", "config.toml")] {
		t.Fatal("apply did not change Codex's config")
	}
	cli(0, "autostart", "on")
	entry := filepath.Join(userHome, ".config", "autostart", "ninerouter.desktop")
	if _, err := os.Stat(entry); err != nil {
		t.Fatal(err)
	}

	// Without --yes, anything but "y" changes nothing.
	if out := cli(1, "uninstall"); !strings.Contains(out, "Nothing was changed") {
		t.Fatalf("unconfirmed uninstall:\n%s", out)
	}
	out := cli(0, "uninstall", "--yes", "--keep-data")
	for _, want := range []string{"claude no longer uses NineRouter", "codex no longer uses NineRouter",
		"Removed the start-at-login entry " + entry, "Kept the data dir " + data, "Delete the program file"} {
		if !strings.Contains(out, want) {
			t.Errorf("uninstall output lacks %q:\n%s", want, out)
		}
	}
	after := readTree(t, home)
	if len(after) != len(before) {
		t.Errorf("files before %d, after %d", len(before), len(after))
	}
	for p, c := range before {
		if after[p] != c {
			t.Errorf("%s is not byte-identical to the original after uninstall", p)
		}
	}
	if _, err := os.Stat(entry); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("autostart entry left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "ninerouter.db")); err != nil {
		t.Errorf("--keep-data lost the database: %v", err)
	}
	if out := cli(0, "uninstall", "--yes"); !strings.Contains(out, "No coding-CLI config to revert") {
		t.Fatalf("second uninstall:\n%s", out)
	}

	// --purge deletes the data dir once closed.
	out = cli(0, "uninstall", "--yes", "--purge")
	if !strings.Contains(out, "Deleted the data dir "+data) {
		t.Fatalf("purge output:\n%s", out)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("data dir still there: %v", err)
	}
	if code, _, errOut := run(t, env, "uninstall", "--purge", "--keep-data"); code != 2 || !strings.Contains(errOut, "contradict") {
		t.Fatalf("--purge --keep-data: %d %s", code, errOut)
	}
}

// A config the user edited after apply keeps the user's edit, and uninstall says so.
func TestUninstallKeepsUserEdits(t *testing.T) {
	isolateHome(t)
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file"}
	data := t.TempDir()
	home := copyHome(t, "claude")
	settings := filepath.Join(home, ".claude", "settings.json")
	if code, out, errOut := run(t, env, "tool", "apply", "claude", "--home", home, "--data-dir", data, "--addr", "127.0.0.1:1"); code != 0 {
		t.Fatalf("apply: %s%s", out, errOut)
	}
	var doc map[string]any
	raw, _ := os.ReadFile(settings)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["theme"] = "user-edit-after-apply"
	doc["env"].(map[string]any)["ANTHROPIC_BASE_URL"] = "http://my-own-proxy.example:9"
	raw, _ = json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(settings, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, env, "uninstall", "--yes", "--home", home, "--data-dir", data, "--addr", "127.0.0.1:1")
	if code != 0 || !strings.Contains(out, "your edits were kept") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	now, _ := os.ReadFile(settings)
	if !strings.Contains(string(now), "user-edit-after-apply") || !strings.Contains(string(now), "my-own-proxy.example") ||
		strings.Contains(string(now), "127.0.0.1:1") {
		t.Fatalf("after uninstall:\n%s", now)
	}
}

// `ninerouter autostart` toggles a real XDG autostart file naming this binary.
func TestAutostartCommand(t *testing.T) {
	userHome := isolateHome(t)
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file"}
	data := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, env, append(args, "--data-dir", data, "--addr", "127.0.0.1:1")...)
		if code != 0 {
			t.Fatalf("ninerouter %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	if out := cli("autostart", "status"); !strings.Contains(out, "Start at login: off") {
		t.Fatal(out)
	}
	cli("autostart", "on")
	b, err := os.ReadFile(filepath.Join(userHome, ".config", "autostart", "ninerouter.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	if !strings.Contains(string(b), "\nExec="+exe+" --autostart\n") {
		t.Fatalf("entry:\n%s", b)
	}
	if out := cli("autostart", "status"); !strings.Contains(out, "Start at login: on") {
		t.Fatal(out)
	}
	cli("autostart", "off")
	if _, err := os.Stat(filepath.Join(userHome, ".config", "autostart", "ninerouter.desktop")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("entry left after off")
	}
	if code, _, errOut := run(t, env, "autostart", "maybe"); code != 2 || !strings.Contains(errOut, "want on, off or status") {
		t.Fatalf("bad arg: %d %s", code, errOut)
	}
}
