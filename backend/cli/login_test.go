package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/testkit/logbuf"
	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// subsRig is a running instance whose subscription providers point at the mock vendors.
type subsRig struct {
	mock *mockvendor.Mock
	inst *daemon.Instance
	addr string
	dir  string
	env  map[string]string
	logs *logbuf.Buffer
	seen bytes.Buffer // every answer the CLI and the API gave, for the canary check
}

func newSubsRig(t *testing.T) *subsRig {
	m := mockvendor.New()
	t.Cleanup(m.Close)
	epFile := filepath.Join(t.TempDir(), "endpoints.json")
	if err := os.WriteFile(epFile, m.EndpointsJSON(freePort(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NINEROUTER_ENDPOINTS", epFile)
	r := &subsRig{mock: m, dir: t.TempDir(), logs: &logbuf.Buffer{},
		env: map[string]string{"NINEROUTER_SECRET_STORE": "file", "NINEROUTER_SECRET_KEY": "test-key-for-the-secret-file", "REQUIRE_API_KEY": "false"}}
	cfg, err := config.FromEnv(func(k string) (string, bool) { v, ok := r.env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", r.dir
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	r.inst, err = daemon.Start(context.Background(), cfg, nil, r.logs.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.inst.Stop(5 * time.Second) })
	r.addr = r.inst.API.Addr()
	return r
}

func (r *subsRig) cli(t *testing.T, wantCode int, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, r.env, append(args, "--addr", r.addr, "--data-dir", r.dir)...)
	r.seen.WriteString(out + errOut)
	if code != wantCode {
		t.Fatalf("ninerouter %s: exit %d (want %d): %s%s", strings.Join(args, " "), code, wantCode, out, errOut)
	}
	return out + errOut
}

// loginWithBrowser runs `ninerouter login PROVIDER --no-browser` and plays the browser: it opens the URL the
// command prints on its own line, as a user would.
func (r *subsRig) loginWithBrowser(t *testing.T, provider string) string {
	t.Helper()
	pr, pw := io.Pipe()
	var errb bytes.Buffer
	e := &Env{Stdout: pw, Stderr: &errb, Stdin: strings.NewReader(""),
		Getenv: func(k string) (string, bool) { v, ok := r.env[k]; return v, ok }}
	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), []string{"login", provider, "--no-browser", "--addr", r.addr, "--data-dir", r.dir}, e)
		pw.Close()
	}()
	var out strings.Builder
	sc := bufio.NewScanner(pr)
	opened := false
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if !opened && strings.HasPrefix(line, "http") {
			opened = true
			resp, err := http.Get(line) // authorize → 302 → the loopback callback
			if err != nil {
				t.Fatalf("browser: %v", err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("callback page %d: %s", resp.StatusCode, page)
			}
		}
	}
	if code := <-done; code != 0 {
		t.Fatalf("login %s: exit %d: %s %s", provider, code, out.String(), errb.String())
	}
	if !opened {
		t.Fatalf("login %s printed no URL on its own line:\n%s", provider, out.String())
	}
	r.seen.WriteString(out.String() + errb.String())
	return out.String()
}

func (r *subsRig) post(t *testing.T, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post("http://"+r.addr+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r.seen.Write(b)
	return resp.StatusCode, string(b)
}

func (r *subsRig) accounts(t *testing.T) []service.AccountView {
	t.Helper()
	var accts []service.AccountView
	if err := json.Unmarshal([]byte(r.cli(t, 0, "account", "list", "--json")), &accts); err != nil {
		t.Fatal(err)
	}
	return accts
}

// TestSubscriptionsEndToEnd is the "done when": sign in through `ninerouter login` to Claude (PKCE,
// --no-browser), Codex (its callback port) and Copilot (device flow); requests reach each mock API with the
// account's token and NineRouter's User-Agent; an expired token is refreshed once under concurrency;
// invalid_grant shows the account as needing sign-in; no token ever reaches the database, logs or an answer.
func TestSubscriptionsEndToEnd(t *testing.T) {
	r := newSubsRig(t)

	// ---- Claude: PKCE in the browser, --no-browser prints the URL ----
	out := r.loginWithBrowser(t, "claude")
	if !strings.Contains(out, "Signed in to Claude as user@example.com") {
		t.Fatalf("login output:\n%s", out)
	}
	status, body := r.post(t, "/v1/messages", `{"model":"cc/claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 || !strings.Contains(body, "hello from mock claude") {
		t.Fatalf("/v1/messages: %d %s", status, body)
	}
	h, _ := r.mock.LastRequest(mockvendor.Claude)
	if !signedUpstream(h, "claude-at-") || !strings.Contains(h.Get("Anthropic-Beta"), "oauth-2025-04-20") {
		t.Fatalf("upstream headers: %v", h)
	}

	// An expired token (the vendor answers 401): 50 concurrent requests, exactly one token call.
	r.mock.ExpireAccess(mockvendor.Claude)
	before := r.mock.TokenCalls(mockvendor.Claude, "refresh_token")
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post("http://"+r.addr+"/v1/messages", "application/json",
				strings.NewReader(`{"model":"cc/claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`))
			if err != nil {
				codes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Fatalf("a request during the refresh answered %d", c)
		}
	}
	if n := r.mock.TokenCalls(mockvendor.Claude, "refresh_token") - before; n != 1 {
		t.Fatalf("50 requests on an expired token made %d token calls, want 1", n)
	}

	// ---- Codex: PKCE returning to its callback port; always streamed upstream, folded for a JSON client ----
	out = r.loginWithBrowser(t, "codex")
	if !strings.Contains(out, "Signed in to ChatGPT / Codex as user@example.com (plus)") {
		t.Fatalf("login output:\n%s", out)
	}
	status, body = r.post(t, "/v1/chat/completions", `{"model":"cx/gpt-5.3-codex-high","messages":[{"role":"user","content":"hi"}],"temperature":0.2}`)
	if status != 200 || !strings.Contains(body, "hello from mock codex") {
		t.Fatalf("/v1/chat/completions for codex: %d %s", status, body)
	}
	h, up := r.mock.LastRequest(mockvendor.Codex)
	var sent map[string]any
	_ = json.Unmarshal(up, &sent)
	if sent["store"] != false || sent["stream"] != true || sent["model"] != "gpt-5.3-codex" || sent["temperature"] != nil ||
		sent["reasoning"].(map[string]any)["effort"] != "high" {
		t.Fatalf("codex request body: %s", up)
	}
	if h.Get("Chatgpt-Account-Id") != "acct-codex-1" || !strings.HasPrefix(h.Get("User-Agent"), "NineRouter/") {
		t.Fatalf("codex headers: %v", h)
	}

	// ---- Copilot: device flow; the Copilot token is minted from the GitHub token ----
	out = r.deviceLogin(t, "copilot")
	if !strings.Contains(out, "ABCD-") || !strings.Contains(out, "Signed in to GitHub Copilot as user@example.com") {
		t.Fatalf("copilot login output:\n%s", out)
	}
	status, body = r.post(t, "/v1/chat/completions", `{"model":"gh/gpt-4.1","messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 || !strings.Contains(body, "hello from mock copilot") {
		t.Fatalf("/v1/chat/completions for copilot: %d %s", status, body)
	}
	h, _ = r.mock.LastRequest(mockvendor.Copilot)
	if !strings.HasPrefix(h.Get("Authorization"), "Bearer copilot-") || h.Get("Copilot-Integration-Id") != "" ||
		h.Get("Editor-Version") != "" {
		t.Fatalf("copilot headers: %v", h)
	}

	// A plan limit (429 with a reset) cools every model of the account: the next request for another Codex model
	// is refused by routing without reaching the vendor.
	r.mock.Limit(mockvendor.Codex, 3600)
	status, body = r.post(t, "/v1/chat/completions", `{"model":"cx/gpt-5.4","messages":[{"role":"user","content":"hi"}]}`)
	if status != 429 {
		t.Fatalf("a limited codex account answered %d: %s", status, body)
	}
	_, before429 := r.mock.LastRequest(mockvendor.Codex)
	status, body = r.post(t, "/v1/chat/completions", `{"model":"cx/gpt-5.5","messages":[{"role":"user","content":"hi"}]}`)
	_, after429 := r.mock.LastRequest(mockvendor.Codex)
	if status != 429 || !strings.Contains(body, "cooling") || !bytes.Equal(before429, after429) {
		t.Fatalf("another model of the limited account: %d %s (reached the vendor: %v)", status, body, !bytes.Equal(before429, after429))
	}
	r.mock.Limit(mockvendor.Codex, 0)

	// Models of every signed-in subscription are listed.
	resp, err := http.Get("http://" + r.addr + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	models, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"claude/claude-sonnet-4-6", "codex/gpt-5.3-codex", "github/gpt-4.1"} {
		if !strings.Contains(string(models), `"`+m+`"`) {
			t.Fatalf("/v1/models lacks %s: %s", m, models)
		}
	}

	// ---- invalid_grant → needs sign-in, shown by account list, status; routing skips the account ----
	r.mock.Revoke(mockvendor.Claude)
	status, body = r.post(t, "/v1/messages", `{"model":"cc/claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`)
	if status == 200 {
		t.Fatalf("a revoked account still answered: %s", body)
	}
	var claudeID int64
	for _, a := range r.accounts(t) {
		if a.Provider == "claude" {
			claudeID = a.ID
			if a.SignIn == nil || a.SignIn.State != "needs_sign_in" || !strings.Contains(a.SignIn.Message, "invalid_grant") {
				t.Fatalf("claude account after invalid_grant: %+v", a.SignIn)
			}
		} else if a.SignIn == nil || a.SignIn.State != "ok" {
			t.Fatalf("%s account: %+v", a.Provider, a.SignIn)
		}
	}
	list := r.cli(t, 0, "account", "list")
	if !strings.Contains(list, "needs sign in") || !strings.Contains(list, "relogin "+strconv.FormatInt(claudeID, 10)) {
		t.Fatalf("account list:\n%s", list)
	}
	st := r.cli(t, 0, "status", "--json")
	if !strings.Contains(st, `"needsSignIn"`) {
		t.Fatalf("status lacks the account needing sign-in:\n%s", st)
	}
	if st := r.cli(t, 0, "status"); !strings.Contains(st, "Sign in again:") || !strings.Contains(st, "relogin "+strconv.FormatInt(claudeID, 10)) {
		t.Fatalf("status lacks the account needing sign-in:\n%s", st)
	}
	calls := r.mock.TokenCalls(mockvendor.Claude, "refresh_token")
	status, body = r.post(t, "/v1/messages", `{"model":"cc/claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`)
	if status == 200 || !strings.Contains(body, "needs sign-in") || r.mock.TokenCalls(mockvendor.Claude, "refresh_token") != calls {
		t.Fatalf("routing did not skip the account: %d %s", status, body)
	}

	// Signing in again heals the same account (no duplicate).
	r.loginWithBrowser(t, "claude")
	n := 0
	for _, a := range r.accounts(t) {
		if a.Provider == "claude" {
			n++
			if a.ID != claudeID || a.SignIn.State != "ok" {
				t.Fatalf("after signing in again: %+v", a)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d claude accounts after signing in again", n)
	}

	r.assertNoCanary(t)
}

// assertNeedsSignIn checks that `account list --json` shows provider's account needing sign-in with the
// vendor's invalid_grant.
func (r *subsRig) assertNeedsSignIn(t *testing.T, provider string) {
	t.Helper()
	for _, a := range r.accounts(t) {
		if a.Provider == provider && a.SignIn != nil && a.SignIn.State == "needs_sign_in" && strings.Contains(a.SignIn.Message, "invalid_grant") {
			return
		}
	}
	t.Fatalf("the %s account does not need sign-in after invalid_grant: %+v", provider, r.accounts(t))
}

// assertNoCanary stops the instance and checks that no token reached the data directory (database, logs,
// request logs), the log output or any answer the CLI and the API gave.
func (r *subsRig) assertNoCanary(t *testing.T) {
	t.Helper()
	r.inst.Stop(5 * time.Second)
	filepath.Walk(r.dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		raw, _ := os.ReadFile(p)
		if bytes.Contains(raw, []byte(mockvendor.Canary)) {
			t.Errorf("a token is in %s", p)
		}
		return nil
	})
	if strings.Contains(r.logs.String(), mockvendor.Canary) {
		t.Error("a token is in the logs")
	}
	if strings.Contains(r.seen.String(), mockvendor.Canary) {
		t.Error("a token is in an answer")
	}
}
