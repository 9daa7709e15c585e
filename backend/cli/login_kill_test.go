package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// TestHelperServe is not a test: TestKillDuringRefresh runs the test binary again with NR_HELPER_SERVE set, to
// get a `ninerouter serve` process it can kill -9.
func TestHelperServe(t *testing.T) {
	if os.Getenv("NR_HELPER_SERVE") == "" {
		t.Skip("helper process for TestKillDuringRefresh")
	}
	args := strings.Fields(os.Getenv("NR_HELPER_SERVE"))
	os.Exit(Main(context.Background(), append([]string{"serve"}, args...), &Env{Stdout: os.Stderr, Stderr: os.Stderr, Getenv: os.LookupEnv}))
}

// TestKillDuringRefresh: the instance is killed with SIGKILL while its refresh call is in flight; the next start
// still holds a usable refresh token and serves the account.
func TestKillDuringRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	m := mockvendor.New()
	defer m.Close()
	dir := t.TempDir()
	epFile := filepath.Join(t.TempDir(), "endpoints.json")
	if err := os.WriteFile(epFile, m.EndpointsJSON(freePort(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file", "NINEROUTER_SECRET_KEY": "test-key-for-the-secret-file",
		"REQUIRE_API_KEY": "false", "NINEROUTER_ENDPOINTS": epFile}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
		cmd.Env = append(os.Environ(), "NR_HELPER_SERVE=--addr "+addr+" --data-dir "+dir)
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 300; i++ {
			if resp, err := http.Get("http://" + addr + "/v1/models"); err == nil {
				resp.Body.Close()
				return cmd
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		t.Fatal("the serve process did not start")
		return nil
	}
	srv := start()
	defer func() { srv.Process.Kill(); srv.Wait() }()

	r := &subsRig{mock: m, addr: addr, dir: dir, env: env}
	r.loginWithBrowser(t, "claude")
	ask := func() int {
		resp, err := http.Post("http://"+addr+"/v1/messages", "application/json",
			strings.NewReader(`{"model":"cc/claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`))
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := ask(); c != 200 {
		t.Fatalf("first request: %d", c)
	}

	// The access token expires; the next request refreshes, and the process dies while the refresh is in flight.
	inRefresh, release := make(chan struct{}), make(chan struct{})
	m.BeforeRefresh = func(string) bool {
		close(inRefresh)
		<-release
		return false // the client is gone: the vendor never processes the request
	}
	m.ExpireAccess(mockvendor.Claude)
	go ask()
	select {
	case <-inRefresh:
	case <-time.After(30 * time.Second):
		t.Fatal("no refresh started")
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	m.BeforeRefresh = nil
	close(release)

	srv = start()
	if c := ask(); c != 200 {
		t.Fatalf("after kill -9 during refresh, the account answered %d", c)
	}
	if n := m.TokenCalls(mockvendor.Claude, "refresh_token"); n != 2 {
		t.Fatalf("token calls: %d (the killed one and the one after restart)", n)
	}
}
