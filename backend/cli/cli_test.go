package cli

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
)

// run executes the CLI in-process with a clean environment plus env.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""),
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	code = Main(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func TestBadInputGetsOneClearLine(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o600)

	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag", []string{"serve", "--colour"}, 2, "flag provided but not defined"},
		{"bad address", []string{"serve", "--addr", "nonsense", "--data-dir", t.TempDir()}, 1, "HOST:PORT"},
		{"port in use", []string{"serve", "--addr", busy.Addr().String(), "--data-dir", t.TempDir()}, 1, "already in use"},
		{"data dir is a file", []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", notADir}, 1, "data dir"},
		{"headless build without args", nil, 2, "headless build"},
		{"wide bind without password", []string{"serve", "--addr", "0.0.0.0:0", "--data-dir", t.TempDir()}, 1, "needs a dashboard password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, map[string]string{"NINEROUTER_SECRET_STORE": "file"}, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.wantCode, stderr)
			}
			if !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.wantErr)
			}
			if strings.HasPrefix(stderr, "ninerouter:") && strings.Count(strings.TrimSpace(stderr), "\n") > 0 &&
				!strings.Contains(stderr, "Usage") {
				t.Errorf("want one line, got:\n%s", stderr)
			}
		})
	}
}

func TestPortInUseLeavesNothingHalfCreated(t *testing.T) {
	busy, _ := net.Listen("tcp", "127.0.0.1:0")
	defer busy.Close()
	dir := filepath.Join(t.TempDir(), "fresh")
	code, _, _ := run(t, map[string]string{"NINEROUTER_SECRET_STORE": "file"}, "serve", "--addr", busy.Addr().String(), "--data-dir", dir)
	if code == 0 {
		t.Fatal("serve on a busy port succeeded")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("data dir was created by a serve that could not bind: %v", err)
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := run(t, nil, "version", "--json")
	if code != 0 || !strings.Contains(out, `"version"`) {
		t.Fatalf("version --json: %d %q", code, out)
	}
	code, out, _ = run(t, nil, "help")
	if code != 0 || !strings.Contains(out, "serve") {
		t.Fatalf("help: %d %q", code, out)
	}
}

// The headless build's help must not offer a desktop app it does not have; the desktop build's must.
func TestHelpNamesWhatABareCommandStarts(t *testing.T) {
	noDesktop := func(context.Context, config.Config, fs.FS) error { return nil }
	cases := []struct {
		name    string
		desktop Desktop
		want    string
		notWant string
	}{
		{"headless", nil, "headless build: no window or tray", "start the desktop app"},
		{"desktop", noDesktop, "start the desktop app", "headless build"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			e := &Env{Stdout: &out, Stderr: io.Discard, Stdin: strings.NewReader(""), Desktop: c.desktop,
				Getenv: func(string) (string, bool) { return "", false }}
			if code := Main(context.Background(), []string{"help"}, e); code != 0 {
				t.Fatalf("help exited %d", code)
			}
			if !strings.Contains(out.String(), c.want) || strings.Contains(out.String(), c.notWant) {
				t.Fatalf("help text:\n%s", out.String())
			}
		})
	}
}

func TestPasswordOffline(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	e := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader("a-strong-password\n"),
		Getenv: func(k string) (string, bool) {
			if k == "NINEROUTER_SECRET_STORE" {
				return "file", true
			}
			return "", false
		}}
	if code := Main(context.Background(), []string{"password", "--data-dir", dir, "--addr", "127.0.0.1:1"}, e); code != 0 {
		t.Fatalf("password: %d %s", code, errb.String())
	}
	// The wide bind is now allowed to start (it fails later only if the port cannot be bound).
	code, _, stderr := run(t, map[string]string{"NINEROUTER_SECRET_STORE": "file"}, "password", "--data-dir", dir)
	if code == 0 || !strings.Contains(stderr, "stdin") {
		t.Fatalf("password without stdin: %d %q", code, stderr)
	}
}

// live is a running instance for the CLI's end-to-end tests.
type live struct {
	inst *daemon.Instance
	addr string
	dir  string
	env  map[string]string
	// cli runs `ninerouter ARGS --addr A --data-dir D` in-process and fails the test on a non-zero exit.
	cli func(args ...string) string
}

// startLive starts a real instance on a free loopback port with a temp data dir and the file secret store, and
// stops it when the test ends.
func startLive(t *testing.T) live {
	t.Helper()
	l := live{dir: t.TempDir(), env: map[string]string{"NINEROUTER_SECRET_STORE": "file"}}
	cfg, err := config.FromEnv(func(k string) (string, bool) { v, ok := l.env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", l.dir
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	l.inst, err = daemon.Start(context.Background(), cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.inst.Stop(5 * time.Second) })
	l.addr = l.inst.API.Addr()
	l.cli = func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, l.env, append(args, "--addr", l.addr, "--data-dir", l.dir)...)
		if code != 0 {
			t.Fatalf("ninerouter %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	return l
}
