package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider/claude"
	"github.com/ninerouter/ninerouter/backend/provider/codex"
	"github.com/ninerouter/ninerouter/backend/provider/copilot"
	"github.com/ninerouter/ninerouter/backend/provider/geminicli"
	"github.com/ninerouter/ninerouter/backend/provider/kimicoding"
	"github.com/ninerouter/ninerouter/backend/provider/kiro"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// rig is a Manager + Flows over the mock vendors, with an in-memory account table.
type rig struct {
	mock  *mockvendor.Mock
	mgr   *oauth.Manager
	flows *oauth.Flows
	vault oauth.Vault

	mu     sync.Mutex
	grants map[int64]oauth.Grant
	states map[int64]oauth.State
	msgs   map[int64]string
	next   int64
}

func (r *rig) SaveSignIn(account int64, _ time.Time, st oauth.State, msg string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states[account], r.msgs[account] = st, msg
	return nil
}

func newRig(t *testing.T) *rig {
	t.Helper()
	m := mockvendor.New()
	t.Cleanup(m.Close)
	r := &rig{mock: m, vault: oauth.Vault{S: testStore(t), NotFound: secret.ErrNotFound}, grants: map[int64]oauth.Grant{},
		states: map[int64]oauth.State{}, msgs: map[int64]string{}}
	r.mgr = oauth.NewManager(oauth.Options{Providers: []*oauth.Provider{claude.OAuth(), codex.OAuth(), copilot.OAuth(), kimicoding.OAuth(), geminicli.OAuth(), kiro.OAuth()},
		Endpoints: m.Endpoints(0), Vault: r.vault, Meta: r})
	r.flows = oauth.NewFlows(r.mgr, func(_ context.Context, p *oauth.Provider, g oauth.Grant, relogin int64) (int64, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		id := relogin
		if id == 0 {
			r.next++
			id = r.next
		}
		r.grants[id] = g
		return id, r.vault.Save(id, g.Token)
	})
	t.Cleanup(r.flows.Close)
	t.Cleanup(func() { // a real keychain outlives the test: leave no token in it
		r.mu.Lock()
		defer r.mu.Unlock()
		for id := int64(1); id <= r.next; id++ {
			_ = r.vault.Delete(id)
		}
	})
	return r
}

// testStore is the secret store the sign-in tests keep tokens in: the OS keychain (the real Secret Service)
// inside `bash scripts/with-session.sh go test ./backend/oauth/...`, which starts a private D-Bus session with an
// unlocked throwaway keyring and sets NINEROUTER_TEST_KEYRING=1; memory otherwise. Both are required, so that a
// developer's own desktop keychain is never written by a plain `go test`.
func testStore(t *testing.T) oauth.SecretStore {
	t.Helper()
	if os.Getenv("NINEROUTER_TEST_KEYRING") != "1" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return secret.NewMemory()
	}
	s, err := secret.Open(secret.Options{Mode: "keychain", DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatalf("NINEROUTER_TEST_KEYRING=1 but the Secret Service is not usable: %v", err)
	}
	return s
}

// TestTokensInKeychain: inside the test session the tokens of a sign-in land in the Secret Service (not the
// encrypted file or memory), readable back through the two-slot vault.
func TestTokensInKeychain(t *testing.T) {
	r := newRig(t)
	if os.Getenv("NINEROUTER_TEST_KEYRING") == "1" && r.vault.S.Kind() != "keychain" {
		t.Fatalf("the session run stored tokens in %q, not the keychain", r.vault.S.Kind())
	}
	t.Logf("token store: %s", r.vault.S.Kind())
	_, id := signedIn(t, r)
	tok, err := r.vault.Load(id)
	if err != nil || !strings.Contains(tok.RefreshToken, mockvendor.Canary) {
		t.Fatalf("load from %s: %+v %v", r.vault.S.Kind(), tok, err)
	}
}

// follow plays the browser: GET the authorize URL and follow the redirect to the loopback callback.
func follow(t *testing.T, rawURL string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func wait(t *testing.T, f *oauth.Flows, id string) oauth.FlowView {
	t.Helper()
	for i := 0; i < 600; i++ { // 15 s: a slow_down adds 5 s to a device flow's 1 s interval
		v, _ := f.Get(id)
		if v.State.Terminal() {
			return v
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("flow did not end")
	return oauth.FlowView{}
}

func TestBrowserFlowClaudeAndCodex(t *testing.T) {
	for _, prov := range []string{"claude", "codex"} {
		t.Run(prov, func(t *testing.T) {
			r := newRig(t)
			v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: prov, Flow: oauth.FlowBrowser})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(v.URL)
			if u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("state") == "" {
				t.Fatalf("authorize URL lacks PKCE S256 or state: %s", v.URL)
			}
			resp, body := follow(t, v.URL)
			if resp.StatusCode != 200 || !strings.Contains(body, "Signed in") {
				t.Fatalf("callback page: %d %s", resp.StatusCode, body)
			}
			done := wait(t, r.flows, v.ID)
			if done.State != oauth.FlowDone || done.Email != "user@example.com" || done.AccountID == 0 {
				t.Fatalf("flow ended %+v", done)
			}
			tok, err := r.vault.Load(done.AccountID)
			if err != nil || !strings.Contains(tok.RefreshToken, mockvendor.Canary) {
				t.Fatalf("vault: %+v %v", tok, err)
			}
			if prov == "codex" && (done.Plan != "plus" || r.grants[done.AccountID].Identity.Meta["account_id"] != "acct-codex-1") {
				t.Fatalf("codex identity: %+v", r.grants[done.AccountID].Identity)
			}
			// The listener is closed once the flow ended.
			cb, _ := url.Parse(u.Query().Get("redirect_uri"))
			if _, err := http.Get("http://" + cb.Host + cb.Path); err == nil {
				t.Fatal("callback listener still open after the flow ended")
			}
		})
	}
}

func TestPasteFlowBadInput(t *testing.T) {
	r := newRig(t)
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "claude", Flow: oauth.FlowPaste})
	if err != nil {
		t.Fatal(err)
	}
	// The manual page shows code#state; fetch it without following into any listener.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(v.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, page := follow(t, resp.Header.Get("Location"))
	code, state, _ := strings.Cut(page, "#")
	cases := []struct{ name, paste, want string }{
		{"empty", "  ", "nothing was pasted"},
		{"state mismatch", code + "#not-this-state", "state mismatch"},
		{"wrong code", "wrong-code#" + state, "refused the code"},
		{"url without code", "http://localhost/callback?state=x", "no code"},
	}
	for _, c := range cases {
		if _, err := r.flows.Submit(v.ID, c.paste); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: got %v, want %q", c.name, err, c.want)
		}
		if cur, _ := r.flows.Get(v.ID); cur.State != oauth.FlowWaiting {
			t.Fatalf("%s: a bad paste ended the flow: %+v", c.name, cur)
		}
	}
	if len(r.grants) != 0 {
		t.Fatal("a bad paste created an account")
	}
	done, err := r.flows.Submit(v.ID, page)
	if err != nil || done.State != oauth.FlowDone {
		t.Fatalf("good paste: %+v %v", done, err)
	}
}

func TestCallbackStateMismatchAndDenied(t *testing.T) {
	r := newRig(t)
	for _, q := range []string{"code=abc&state=forged", "error=access_denied&state=x"} {
		v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "claude"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(v.URL)
		resp, _ := follow(t, u.Query().Get("redirect_uri")+"?"+q)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: status %d", q, resp.StatusCode)
		}
		if done := wait(t, r.flows, v.ID); done.State != oauth.FlowFailed || !strings.Contains(done.Message, "again") {
			t.Fatalf("%s: %+v", q, done)
		}
	}
	if len(r.grants) != 0 {
		t.Fatal("a refused callback created an account")
	}
}

func TestMandatedPortInUse(t *testing.T) {
	r := newRig(t)
	first, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "claude"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(first.URL)
	cb, _ := url.Parse(u.Query().Get("redirect_uri"))
	// Point codex at the port the first flow holds: its fixed port is taken.
	ep := r.mock.Endpoints(0)
	ep["codex"]["redirect"] = "http://localhost:" + cb.Port() + "/auth/callback"
	mgr := oauth.NewManager(oauth.Options{Providers: []*oauth.Provider{codex.OAuth()}, Endpoints: ep, Vault: r.vault})
	fl := oauth.NewFlows(mgr, func(context.Context, *oauth.Provider, oauth.Grant, int64) (int64, error) { return 0, errors.New("no") })
	defer fl.Close()
	_, err = fl.Start(context.Background(), oauth.StartRequest{Provider: "codex"})
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "--paste") {
		t.Fatalf("want a port-in-use message naming --paste, got %v", err)
	}
}

func TestFlowExpires(t *testing.T) {
	r := newRig(t)
	r.flows.Expiry = 200 * time.Millisecond
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "claude"})
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, r.flows, v.ID)
	if done.State != oauth.FlowExpired || !strings.Contains(done.Message, "start it again") {
		t.Fatalf("%+v", done)
	}
}

// TestDeviceFlowStates: the device flows (GitHub's RFC 8628, Kiro's AWS OIDC) end in the right state with a
// clear message for approve, slow_down, denied and expired; only an approved one creates an account.
func TestDeviceFlowStates(t *testing.T) {
	cases := []struct {
		mode  mockvendor.DeviceMode
		want  oauth.FlowState
		words string
	}{
		{mockvendor.DeviceApprove, oauth.FlowDone, "signed in"},
		{mockvendor.DeviceSlowDown, oauth.FlowDone, "signed in"},
		{mockvendor.DeviceDeny, oauth.FlowFailed, "denied"},
		{mockvendor.DeviceExpire, oauth.FlowExpired, "expired"},
	}
	for _, prov := range []string{"github", "kiro"} {
		for _, c := range cases {
			t.Run(prov+"/"+string(c.mode), func(t *testing.T) {
				r := newRig(t)
				r.mock.Device = c.mode
				v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: prov})
				if err != nil {
					t.Fatal(err)
				}
				if v.UserCode == "" || v.URL == "" {
					t.Fatalf("no user code / verification URL: %+v", v)
				}
				r.mock.Approve(v.UserCode)
				done := wait(t, r.flows, v.ID)
				if done.State != c.want || !strings.Contains(done.Message, c.words) {
					t.Fatalf("%+v", done)
				}
				if (c.want == oauth.FlowDone) != (len(r.grants) == 1) {
					t.Fatalf("accounts: %d", len(r.grants))
				}
			})
		}
	}
}

func TestImportCodexLogin(t *testing.T) {
	r := newRig(t)
	dir := t.TempDir()
	r.flows.Home = func() (string, error) { return dir, nil }
	if _, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "codex", Flow: oauth.FlowImport}); err == nil ||
		!strings.Contains(err.Error(), "no ChatGPT / Codex login to import") {
		t.Fatalf("missing file: %v", err)
	}
}

// signedIn makes a Claude account signed in through the real browser flow and returns its Source.
func signedIn(t *testing.T, r *rig) (*oauth.Source, int64) {
	t.Helper()
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "claude"})
	if err != nil {
		t.Fatal(err)
	}
	follow(t, v.URL)
	done := wait(t, r.flows, v.ID)
	src, err := r.mgr.Source(oauth.Account{ID: done.AccountID, Provider: "claude", Identity: r.grants[done.AccountID].Identity})
	if err != nil {
		t.Fatal(err)
	}
	return src, done.AccountID
}

// TestRefreshSingleFlight: 50 concurrent requests on an expired token cause exactly one token call, and all get
// the new token, which was stored before use.
func TestRefreshSingleFlight(t *testing.T) {
	r := newRig(t)
	r.mock.AccessTTL = 30 * time.Second // inside expirySkew: every token is "about to expire" → refresh
	src, id := signedIn(t, r)
	r.mock.AccessTTL = time.Hour
	var wg sync.WaitGroup
	var bad atomic.Int32
	tokens := make(chan string, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := src.Credential(context.Background())
			if err != nil {
				bad.Add(1)
				return
			}
			tokens <- c.AccessToken
		}()
	}
	wg.Wait()
	close(tokens)
	if n := r.mock.TokenCalls("claude", "refresh_token"); n != 1 || bad.Load() != 0 {
		t.Fatalf("refresh calls %d (want 1), failures %d", n, bad.Load())
	}
	stored, _ := r.vault.Load(id)
	for tok := range tokens {
		if tok != stored.AccessToken {
			t.Fatal("a request used a token that is not the stored one")
		}
	}
	// Reactive refresh from 50 requests refused at once: coalesced into none more (the token is fresh).
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = src.Refresh(context.Background()) }()
	}
	wg.Wait()
	if n := r.mock.TokenCalls("claude", "refresh_token"); n != 1 {
		t.Fatalf("reactive refreshes right after a refresh made %d token calls", n-1)
	}
}

func TestInvalidGrantNeedsSignIn(t *testing.T) {
	r := newRig(t)
	r.mock.AccessTTL = 30 * time.Second
	src, id := signedIn(t, r)
	r.mock.Revoke("claude")
	_, err := src.Credential(context.Background())
	if !errors.Is(err, oauth.ErrNeedsSignIn) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("want needs sign-in with the vendor's words, got %v", err)
	}
	if st, _ := src.State(); st != oauth.StateNeedsSignIn || src.Unusable() == "" {
		t.Fatalf("state %s", st)
	}
	r.mu.Lock()
	stored := r.states[id]
	r.mu.Unlock()
	if stored != oauth.StateNeedsSignIn {
		t.Fatalf("state not persisted: %q", stored)
	}
	calls := r.mock.TokenCalls("claude", "refresh_token")
	_, _ = src.Credential(context.Background())
	if r.mock.TokenCalls("claude", "refresh_token") != calls {
		t.Fatal("a needs-sign-in account kept calling the token endpoint")
	}
}

func TestCopilotMint(t *testing.T) {
	r := newRig(t)
	r.mock.AutoApprove = true
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "github"})
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, r.flows, v.ID)
	if done.State != oauth.FlowDone {
		t.Fatalf("%+v", done)
	}
	src, _ := r.mgr.Source(oauth.Account{ID: done.AccountID, Provider: "github"})
	c, err := src.Credential(context.Background())
	if err != nil || !strings.HasPrefix(c.AccessToken, "copilot-") || c.Meta["api"] == "" {
		t.Fatalf("minted credential %+v %v", c, err)
	}
}

func TestKimiCodingDeviceFlow(t *testing.T) {
	r := newRig(t)
	r.mock.AutoApprove = true
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "kimi-coding"})
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, r.flows, v.ID)
	if done.State != oauth.FlowDone {
		t.Fatalf("%+v", done)
	}
	src, _ := r.mgr.Source(oauth.Account{ID: done.AccountID, Provider: "kimi-coding"})
	if c, err := src.Credential(context.Background()); err != nil || !strings.HasPrefix(c.AccessToken, "kimi-coding-at-") {
		t.Fatalf("credential %+v %v", c, err)
	}
}

// TestGeminiSignInAndImport: Google sign-in (PKCE, client secret, offline access), the Code Assist project
// discovered and kept with the account; refresh without rotation; import of the Gemini CLI's own login with an
// expired access token (renewed before the account is read); invalid_grant → needs sign-in.
func TestGeminiSignInAndImport(t *testing.T) {
	r := newRig(t)
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "gemini-cli"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(v.URL)
	if q := u.Query(); q.Get("access_type") != "offline" || q.Get("prompt") != "consent" || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorize URL: %s", v.URL)
	}
	follow(t, v.URL)
	done := wait(t, r.flows, v.ID)
	if done.State != oauth.FlowDone || done.Email != "user@example.com" {
		t.Fatalf("%+v", done)
	}
	id := r.grants[done.AccountID].Identity
	if id.Meta[geminicli.ProjectKey] != mockvendor.Project(mockvendor.Gemini) || id.Plan == "" {
		t.Fatalf("identity %+v", id)
	}
	tok, _ := r.vault.Load(done.AccountID)

	// The Gemini CLI's own login file, its access token long expired.
	dir := t.TempDir()
	r.flows.Home = func() (string, error) { return dir, nil }
	if err := os.MkdirAll(filepath.Join(dir, ".gemini"), 0o700); err != nil {
		t.Fatal(err)
	}
	creds := fmt.Sprintf(`{"access_token":"ya29.old","refresh_token":%q,"token_type":"Bearer","expiry_date":%d}`,
		tok.RefreshToken, time.Now().Add(-time.Hour).UnixMilli())
	if err := os.WriteFile(filepath.Join(dir, ".gemini", "oauth_creds.json"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	imp, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "gemini-cli", Flow: oauth.FlowImport})
	if err != nil || imp.State != oauth.FlowDone || !strings.Contains(imp.ImportNote, "signed out") {
		t.Fatalf("import: %+v %v", imp, err)
	}
	g := r.grants[imp.AccountID]
	if g.Identity.Meta[geminicli.ProjectKey] == "" || g.Token.AccessToken == "ya29.old" || g.Token.RefreshToken != tok.RefreshToken {
		t.Fatalf("imported grant: %+v", g.Identity)
	}

	// Refresh: Google keeps the refresh token.
	src, _ := r.mgr.Source(oauth.Account{ID: done.AccountID, Provider: "gemini-cli", Identity: id})
	c, err := src.Refresh(context.Background())
	if err != nil || c.Meta[geminicli.ProjectKey] == "" || c.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %+v %v", c, err)
	}
	if after, _ := r.vault.Load(done.AccountID); after.RefreshToken != tok.RefreshToken {
		t.Fatal("the refresh token changed although Google did not rotate it")
	}
	r.mock.Revoke(mockvendor.Gemini)
	if _, err := src.RefreshRefused(context.Background(), c.AccessToken); !errors.Is(err, oauth.ErrNeedsSignIn) {
		t.Fatalf("want needs sign-in after invalid_grant, got %v", err)
	}
}

// TestKiroRefresh: a Builder ID sign-in keeps its registered client with the token; refresh at AWS OIDC rotates
// the refresh token; invalid_grant → needs sign-in.
func TestKiroRefresh(t *testing.T) {
	r := newRig(t)
	r.mock.AutoApprove = true
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "kiro"})
	if err != nil || !strings.HasPrefix(v.UserCode, "KIRO-") || !strings.Contains(v.URL, "user_code=") {
		t.Fatalf("%+v %v", v, err)
	}
	done := wait(t, r.flows, v.ID)
	g := r.grants[done.AccountID]
	if done.Email != "user@example.com" || g.Identity.Plan != "KIRO FREE" || g.Token.Extra["client_secret"] == "" ||
		!strings.HasPrefix(g.Token.RefreshToken, kiro.RefreshPrefix) {
		t.Fatalf("grant %+v", g.Identity)
	}
	src, _ := r.mgr.Source(oauth.Account{ID: done.AccountID, Provider: "kiro", Identity: g.Identity})
	c1, err := src.Refresh(context.Background())
	if err != nil || c1.AccessToken == g.Token.AccessToken {
		t.Fatalf("refresh: %v", err)
	}
	if after, _ := r.vault.Load(done.AccountID); after.RefreshToken == g.Token.RefreshToken || after.Extra["client_id"] == "" {
		t.Fatal("the rotated refresh token or the client registration was not stored")
	}
	r.mock.Revoke(mockvendor.Kiro)
	if _, err := src.RefreshRefused(context.Background(), c1.AccessToken); !errors.Is(err, oauth.ErrNeedsSignIn) ||
		!strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("want needs sign-in, got %v", err)
	}
}

// TestKiroImport: the Kiro IDE's token file and the client registration beside it; the expired access token is
// renewed through AWS OIDC with that registration before the account is read.
func TestKiroImport(t *testing.T) {
	r := newRig(t)
	dir := t.TempDir()
	r.flows.Home = func() (string, error) { return dir, nil }
	cache := filepath.Join(dir, ".aws", "sso", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	id, secret := r.mock.KiroClient()
	_ = os.WriteFile(filepath.Join(cache, "c0ffee.json"), []byte(fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, secret)), 0o600)
	rt := r.mock.KiroRefreshToken()
	tok := fmt.Sprintf(`{"accessToken":"old","refreshToken":%q,"expiresAt":%q,"authMethod":"IdC","provider":"BuilderId","clientIdHash":"c0ffee","region":"us-east-1"}`,
		rt, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	_ = os.WriteFile(filepath.Join(cache, "kiro-auth-token.json"), []byte(tok), 0o600)
	v, err := r.flows.Start(context.Background(), oauth.StartRequest{Provider: "kiro", Flow: oauth.FlowImport})
	if err != nil || v.State != oauth.FlowDone || v.Email != "user@example.com" || !strings.Contains(v.ImportNote, "signed out") {
		t.Fatalf("import: %+v %v", v, err)
	}
	if r.mock.TokenCalls(mockvendor.Kiro, "refresh_token") != 1 || r.mock.ValidRefresh(rt) {
		t.Fatal("the imported login was not renewed (or its spent refresh token still works)")
	}
}
