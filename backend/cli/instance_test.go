package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
)

// TestCLIFindsTheInstanceOfItsDataDir is issue #9 finding 9: with `serve --addr 127.0.0.1:P --data-dir D`
// running, commands given only the data dir (NINEROUTER_DATA_DIR) reported "not running" and wrote straight
// into the database. Now the instance records its address and holds the data dir's lock: the CLI goes through
// it on whatever port it listens, `tool apply` writes that port, and a second instance on D refuses to start.
func TestCLIFindsTheInstanceOfItsDataDir(t *testing.T) {
	l := startLive(t) // a random port, not the default one
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file", "NINEROUTER_DATA_DIR": l.dir}
	cli := func(wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := run(t, env, args...)
		if code != wantCode {
			t.Fatalf("ninerouter %s: exit %d (want %d): %s%s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		return out + errOut
	}

	var st struct {
		Running bool `json:"running"`
		Status  struct {
			Addr string `json:"addr"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(cli(0, "status", "--json")), &st); err != nil || !st.Running || st.Status.Addr != l.addr {
		t.Fatalf("status without an address: %+v %v (instance on %s)", st, err, l.addr)
	}

	// A key created through the CLI is known to the running server at once (it went through its API).
	var created struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal([]byte(cli(0, "key", "create", "--name", "from-cli", "--json")), &created); err != nil || created.Key == "" {
		t.Fatalf("key create: %v %+v", err, created)
	}
	if _, ok := l.inst.Svc.VerifyKey(created.Key); !ok {
		t.Fatal("the running instance does not know the key the CLI created: the CLI wrote around it")
	}

	// tool apply writes the address the instance really listens on.
	home := copyHome(t, "codex")
	cli(0, "tool", "apply", "codex", "--home", home)
	raw, err := os.ReadFile(filepath.Join(home, ".codex", "config.toml"))
	if err != nil || !strings.Contains(string(raw), "http://"+l.addr+"/v1") {
		t.Fatalf("codex config does not point at %s:\n%s", l.addr, raw)
	}

	// A second instance on the same data dir refuses, naming the running one.
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: l.dir, SecretStore: "file"}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	second, err := daemon.Start(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		second.Stop(time.Second)
		t.Fatal("a second instance started on a data dir that is in use")
	}
	if !errors.Is(err, daemon.ErrRunning) || !strings.Contains(err.Error(), l.addr) {
		t.Fatalf("second start: %v (want ErrRunning naming %s)", err, l.addr)
	}
}

// TestStoppedInstanceFreesTheDataDir: after Stop (or a crash: the OS drops the lock), commands work on the data
// dir directly again and a new instance may start.
func TestStoppedInstanceFreesTheDataDir(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: dir, SecretStore: "file"}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	inst, err := daemon.Start(context.Background(), cfg, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if rec, running, err := daemon.Running(dir); err != nil || !running || rec.Addr != inst.API.Addr() || rec.PID != os.Getpid() {
		t.Fatalf("Running = %+v %v %v", rec, running, err)
	}
	if err := inst.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, running, err := daemon.Running(dir); err != nil || running {
		t.Fatalf("after Stop: running=%v err=%v", running, err)
	}
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file", "NINEROUTER_DATA_DIR": dir}
	if code, out, errOut := run(t, env, "key", "create", "--name", "offline"); code != 0 {
		t.Fatalf("offline key create: %d %s%s", code, out, errOut)
	}
	again, err := daemon.Start(context.Background(), cfg, nil, log)
	if err != nil {
		t.Fatalf("restart on a freed data dir: %v", err)
	}
	again.Stop(5 * time.Second)
}

// TestInlineAPIKeyWarns is issue #9 finding 8: a key given as --api-key VALUE is visible in ps; the CLI says so
// and names the stdin way, which stays silent.
func TestInlineAPIKeyWarns(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file", "NINEROUTER_DATA_DIR": dir}
	code, _, errOut := run(t, env, "provider", "add", "openai", "--name", "inline", "--api-key", "sk-inline-key-0000000000")
	if code != 0 || !strings.Contains(errOut, "visible to other local users") || !strings.Contains(errOut, "--api-key -") {
		t.Fatalf("inline key: exit %d, stderr %q", code, errOut)
	}
	var out, errb bytes.Buffer
	e := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader("sk-stdin-key-0000000000\n"),
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	if code := Main(context.Background(), []string{"provider", "add", "openai", "--name", "stdin", "--api-key", "-"}, e); code != 0 || strings.Contains(errb.String(), "warning") {
		t.Fatalf("stdin key: exit %d, stderr %q", code, errb.String())
	}
}
