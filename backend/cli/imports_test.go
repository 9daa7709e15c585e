package cli

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/importer/importtest"
	"github.com/ninerouter/ninerouter/backend/importer/ninerouter9"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// copy9Router copies the sample 9Router data dir and points its custom nodes at the mock upstream.
func copy9Router(t *testing.T, mockURL string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "9router")
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(importtest.Samples(), "9router-0.5.69", "db", "data.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "db", "data.sqlite")
	if err := os.WriteFile(db, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	gdb, err := gorm.Open(sqlite.Open("file:"+db), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec("UPDATE providerNodes SET data = json_set(data, '$.baseUrl', ?)", mockURL+"/v1").Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := gdb.DB()
	sqlDB.Close()
	return dir
}

// TestImport9RouterServes is issue 15's "done when": the dry run lists what the sample holds, and after the
// import a request with one of the sample's client keys and one of its combo names is served (the combo's first
// model is on a custom node, pointed at the mock upstream in this copy).
func TestImport9RouterServes(t *testing.T) {
	mock := mockupstream.New(mockupstream.Options{Text: "imported and served"})
	defer mock.Close()
	endpoints, _ := importtest.ClosedVendors(t)(oauth.EnvEndpoints)
	t.Setenv(oauth.EnvEndpoints, endpoints) // the imported sign-ins' refresher stays on loopback
	src := copy9Router(t, mock.URL)
	b, err := ninerouter9.Read(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	l := startLive(t)

	out := l.cli("import", "9router", src, "--dry-run")
	for _, a := range b.Accounts {
		if !strings.Contains(out, a.Name) {
			t.Errorf("the dry run does not list account %q:\n%s", a.Name, out)
		}
	}
	for _, want := range []string{b.Combos[0].Name, b.Combos[1].Name, b.ClientKeys[0].Name, b.Aliases[0].Name, "nothing has been written"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run does not list %q:\n%s", want, out)
		}
	}
	if list := l.cli("key", "list"); strings.Contains(list, b.ClientKeys[0].Name) {
		t.Fatalf("the dry run wrote keys:\n%s", list)
	}

	out = l.cli("import", "9router", src)
	if !strings.Contains(out, "Imported from") {
		t.Fatalf("import report:\n%s", out)
	}
	// The combo whose first model is on the node: cheap-a in the sample.
	combo := ""
	for _, c := range b.Combos {
		for _, n := range b.Nodes {
			if strings.HasPrefix(c.Entries[0].Model, n.Prefix+"/") && n.Format == "openai" {
				combo = c.Name
			}
		}
	}
	if combo == "" {
		t.Fatal("the sample has no combo that starts on an OpenAI-compatible node")
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+l.addr+"/v1/chat/completions",
		strings.NewReader(`{"model":"`+combo+`","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+b.ClientKeys[0].Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "imported and served") {
		t.Fatalf("request with an imported key and combo: %d %s", resp.StatusCode, body)
	}
	got := mock.Requests()
	if len(got) == 0 {
		t.Fatal("the mock upstream saw no request")
	}
	var model, prefix string
	for _, c := range b.Combos {
		if c.Name == combo {
			prefix, model, _ = strings.Cut(c.Entries[0].Model, "/")
		}
	}
	wantKey := ""
	for _, a := range b.Accounts {
		if a.Provider == prefix {
			wantKey = a.APIKey
		}
	}
	if last := got[len(got)-1]; last.Model != model || last.APIKey != wantKey {
		t.Errorf("upstream saw model %q key %q; want %q with the imported node key", last.Model, last.APIKey, model)
	}
	// A key that was never imported is refused.
	req2, _ := http.NewRequest(http.MethodPost, "http://"+l.addr+"/v1/chat/completions", strings.NewReader(`{"model":"`+combo+`","messages":[]}`))
	req2.Header.Set("Authorization", "Bearer sk-not-imported")
	if resp, err := http.DefaultClient.Do(req2); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("an unknown key got %d", resp.StatusCode)
		}
	}
}

// TestBackupRestoresOnAFreshDataDir: `export --out` from a running instance, then `import backup` into another
// data dir with no instance: the keys and combos are there; the file holds no secret in clear.
func TestBackupRestoresOnAFreshDataDir(t *testing.T) {
	t.Setenv(service.EnvBackupWork, "10")
	endpoints, _ := importtest.ClosedVendors(t)(oauth.EnvEndpoints)
	t.Setenv(oauth.EnvEndpoints, endpoints)
	src := copy9Router(t, mockupstream.ClosedURL())
	b, err := ninerouter9.Read(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	l := startLive(t)
	l.cli("import", "9router", src)
	passFile := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(passFile, []byte("backup passphrase 1\n"), 0o600)
	file := filepath.Join(t.TempDir(), "config.age")
	out := l.cli("export", "--out", file, "--passphrase-file", passFile)
	if !strings.Contains(out, "Backup written") {
		t.Fatalf("export: %s", out)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", st.Mode().Perm())
	}
	for _, a := range b.Accounts {
		if a.APIKey != "" && strings.Contains(string(raw), a.APIKey) {
			t.Fatalf("the backup holds %s's key in clear", a.Name)
		}
	}

	fresh := t.TempDir()
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file"}
	wrong := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(wrong, []byte("not the passphrase\n"), 0o600)
	if code, _, stderr := run(t, env, "import", "backup", file, "--passphrase-file", wrong, "--data-dir", fresh, "--addr", "127.0.0.1:1"); code == 0 || !strings.Contains(stderr, "passphrase") {
		t.Fatalf("wrong passphrase: exit %d: %s", code, stderr)
	}
	code, out, stderr := run(t, env, "import", "backup", file, "--passphrase-file", passFile, "--data-dir", fresh, "--addr", "127.0.0.1:1")
	if code != 0 {
		t.Fatalf("import backup: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "0 skipped") {
		t.Errorf("restore report:\n%s", out)
	}
	_, keys, _ := run(t, env, "key", "list", "--data-dir", fresh, "--addr", "127.0.0.1:1")
	_, combos, _ := run(t, env, "combo", "list", "--data-dir", fresh, "--addr", "127.0.0.1:1")
	for _, want := range []string{b.ClientKeys[0].Name, b.ClientKeys[1].Name} {
		if !strings.Contains(keys, want) {
			t.Errorf("key %s missing after the restore:\n%s", want, keys)
		}
	}
	for _, c := range b.Combos {
		if !strings.Contains(combos, c.Name) {
			t.Errorf("combo %s missing after the restore:\n%s", c.Name, combos)
		}
	}
}

// TestSyncCLI: two data dirs (no instance) share a folder through `ninerouter sync set`; a combo made on one is
// on the other after `sync now`, and `sync status` says when.
func TestSyncCLI(t *testing.T) {
	t.Setenv(service.EnvBackupWork, "10")
	folder := t.TempDir()
	passFile := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(passFile, []byte("sync passphrase 42\n"), 0o600)
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file"}
	a, b := t.TempDir(), t.TempDir()
	cli := func(dir string, args ...string) string {
		t.Helper()
		code, out, stderr := run(t, env, append(args, "--data-dir", dir, "--addr", "127.0.0.1:1")...)
		if code != 0 {
			t.Fatalf("ninerouter %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	if out := cli(a, "sync", "status"); !strings.Contains(out, "Sync is off") {
		t.Fatalf("status before: %s", out)
	}
	cli(a, "provider", "add", "openai", "--api-key", "sk-sync-cli-0001")
	cli(a, "combo", "set", "travels", "openai/gpt-4.1")
	cli(a, "sync", "set", folder, "--passphrase-file", passFile)
	cli(b, "sync", "set", folder, "--passphrase-file", passFile)
	if out := cli(b, "combo", "list"); !strings.Contains(out, "travels") {
		t.Fatalf("B's combos after sync:\n%s", out)
	}
	cli(b, "combo", "set", "back", "openai/gpt-4o")
	cli(b, "sync", "now")
	cli(a, "sync", "now")
	if out := cli(a, "combo", "list"); !strings.Contains(out, "back") {
		t.Fatalf("A's combos after sync:\n%s", out)
	}
	if out := cli(a, "sync", "status"); !strings.Contains(out, "Last synced:") || !strings.Contains(out, "Machine ") {
		t.Fatalf("status: %s", out)
	}
}
