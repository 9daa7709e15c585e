package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/testkit/sweep"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// authProxy is a loopback forward proxy (plain HTTP: the client sends it absolute URLs) that answers 407 unless
// Proxy-Authorization carries user:password, records every Proxy-Authorization it was sent, and answers the
// requests it lets through itself, as an OpenAI-compatible upstream would.
type authProxy struct {
	srv  *httptest.Server
	want string
	mu   sync.Mutex
	seen []string
}

func newAuthProxy(t *testing.T, user, password string) *authProxy {
	t.Helper()
	p := &authProxy{want: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Proxy-Authorization")
		p.mu.Lock()
		p.seen = append(p.seen, got)
		p.mu.Unlock()
		if got != p.want {
			w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
			http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
			return
		}
		if r.URL.Host != "upstream.test" {
			http.Error(w, "not through the proxy: "+r.URL.String(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"through the proxy"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *authProxy) seenAuth() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// addr is the proxy's address with user:password.
func (p *authProxy) addr(user, password string) string {
	u, _ := url.Parse(p.srv.URL)
	u.User = url.UserPassword(user, password)
	return u.String()
}

// chat sends one model request for model through the service, as the API does.
func chat(svc *Service, model string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	body := []byte(`{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`)
	svc.ServeModel(context.Background(), w, proxy.Inbound{Client: wire.OpenAI, Model: model, Body: body})
	return w
}

// assertNowhere fails when secret appears in the views, the database file (and its WAL), or the data dir's logs;
// it closes svc before reading the files.
func assertNowhere(t *testing.T, svc *Service, dir, secretValue string) {
	t.Helper()
	ctx := context.Background()
	accts, err := svc.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := svc.Nodes(ctx)
	settings, _ := svc.Settings(ctx)
	serving := svc.Serving(ctx)
	raw, _ := json.Marshal([]any{accts, nodes, settings, serving})
	if strings.Contains(string(raw), secretValue) {
		t.Fatalf("a view shows the proxy password: %s", raw)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range sweep.Holding(t, dir, secretValue, secret.FileName) {
		t.Errorf("%s (database, WAL, logs) holds the proxy password", f)
	}
}

const (
	proxyUser = "corp-user"
	proxyPass = "Pr0xy-Pa55word-4f9a"
)

// TestAuthenticatingProxyOnEveryPath: an account's proxy with a user name and password is accepted on each
// path that sets one; the row keeps the address without them, the secret store the whole address; the
// views say proxyAuth and never show the password, which is nowhere in the database file; requests, probes and
// the export (backups, sync, team import) use the credentials.
func TestAuthenticatingProxyOnEveryPath(t *testing.T) {
	ctx := context.Background()
	px := newAuthProxy(t, proxyUser, proxyPass)
	withAuth := px.addr(proxyUser, proxyPass)
	addr := px.srv.URL

	paths := []struct {
		name string
		add  func(t *testing.T, svc *Service) int64 // makes an account on node "px" whose proxy is withAuth
	}{
		{"AddNode", func(t *testing.T, svc *Service) int64 {
			_, a, err := svc.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1", APIKey: "sk-node-0123456789", ProxyURL: withAuth, Models: []string{"m"}})
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}},
		{"AddAccount", func(t *testing.T, svc *Service) int64 {
			if _, _, err := svc.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1"}); err != nil {
				t.Fatal(err)
			}
			a, err := svc.AddAccount(ctx, AccountInput{Provider: "px", APIKey: ptr("sk-add-0123456789"), ProxyURL: ptr(withAuth), Models: &[]string{"m"}})
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}},
		{"UpdateAccount", func(t *testing.T, svc *Service) int64 {
			_, a, err := svc.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1", APIKey: "sk-upd-0123456789", Models: []string{"m"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.UpdateAccount(ctx, a.ID, AccountInput{ProxyURL: ptr(withAuth)}); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}},
		{"import", func(t *testing.T, svc *Service) int64 {
			b := &importer.Bundle{Source: "test", Nodes: []importer.Node{{Prefix: "px", Name: "px", Format: "openai", BaseURL: "http://upstream.test/v1"}},
				Accounts: []importer.Account{{Ref: "a", Provider: "px", Name: "imported", Enabled: true, APIKey: "sk-imp-0123456789", ProxyURL: withAuth, Models: []string{"m"}}}}
			p, err := svc.ApplyImport(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			if raw, _ := json.Marshal(p); strings.Contains(string(raw), proxyPass) {
				t.Fatalf("the import report shows the password: %s", raw)
			}
			accts, _ := svc.Accounts(ctx)
			if len(accts) != 1 {
				t.Fatalf("imported accounts: %+v (report %+v)", accts, p)
			}
			return accts[0].ID
		}},
		{"backup restore", func(t *testing.T, svc *Service) int64 {
			// Made on another instance, exported sealed, restored here: the backup carries the credentials.
			other, _ := journalService(t, t.TempDir(), nil)
			defer other.Close()
			if _, _, err := other.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1", APIKey: "sk-bak-0123456789", ProxyURL: withAuth, Models: []string{"m"}}); err != nil {
				t.Fatal(err)
			}
			b, err := other.ExportBundle(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Accounts) != 1 || b.Accounts[0].ProxyURL != withAuth {
				t.Fatalf("the exported account's proxy: %+v", b.Accounts)
			}
			if _, err := svc.ApplyImport(ctx, b); err != nil {
				t.Fatal(err)
			}
			accts, _ := svc.Accounts(ctx)
			if len(accts) != 1 {
				t.Fatalf("restored accounts: %+v", accts)
			}
			return accts[0].ID
		}},
	}
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			dir := t.TempDir()
			svc, file := journalService(t, dir, nil)
			defer svc.Close()
			id := path.add(t, svc)

			row, err := svc.db.Account(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if row.ProxyURL != addr {
				t.Fatalf("the row keeps %q, want %q", row.ProxyURL, addr)
			}
			if v, err := file.Get(proxyAuthKey(id)); err != nil || v != withAuth {
				t.Fatalf("the secret store keeps %q (%v), want the address with its credentials", v, err)
			}
			v, err := svc.Account(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if v.ProxyURL != addr || !v.ProxyAuth {
				t.Fatalf("the view: proxyUrl %q proxyAuth %v, want %q and true", v.ProxyURL, v.ProxyAuth, addr)
			}

			before := len(px.seenAuth())
			if w := chat(svc, "px/m"); w.Code != 200 || !strings.Contains(w.Body.String(), "through the proxy") {
				t.Fatalf("a request through the proxy: %d %s", w.Code, w.Body.String())
			}
			if res, err := svc.TestAccount(ctx, id, "m"); err != nil || !res.OK {
				t.Fatalf("the account test through the proxy: %+v %v", res, err)
			}
			seen := px.seenAuth()[before:]
			if len(seen) != 2 || seen[0] != px.want || seen[1] != px.want {
				t.Fatalf("the proxy was sent %q, want the account's credentials twice", seen)
			}
			b, err := svc.ExportBundle(ctx)
			if err != nil || len(b.Accounts) != 1 || b.Accounts[0].ProxyURL != withAuth {
				t.Fatalf("the export (backups, sync, team import) lost the credentials: %+v %v", b, err)
			}
			assertNowhere(t, svc, dir, proxyPass)
		})
	}
}

// TestProxyCredentialsLifeCycle: replacing the proxy replaces the credentials, a proxy without them or none
// drops them, deleting the account removes them; a wrong or missing secret answers a clear error that does not
// show the password.
func TestProxyCredentialsLifeCycle(t *testing.T) {
	ctx := context.Background()
	px := newAuthProxy(t, proxyUser, proxyPass)
	dir := t.TempDir()
	svc, file := journalService(t, dir, nil)
	defer func() { svc.Close() }()
	_, a, err := svc.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1", APIKey: "sk-life-0123456789",
		ProxyURL: px.addr("old-user", "old-password-123"), Models: []string{"m"}})
	if err != nil {
		t.Fatal(err)
	}
	id := a.ID
	secretOf := func() string {
		v, err := file.Get(proxyAuthKey(id))
		if errors.Is(err, secret.ErrNotFound) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	steps := []struct {
		name       string
		proxy      string
		wantSecret string
		wantRow    string
		wantAuth   bool
	}{
		{"replaced credentials", px.addr(proxyUser, proxyPass), px.addr(proxyUser, proxyPass), px.srv.URL, true},
		{"another proxy without credentials", "http://127.0.0.1:1", "", "http://127.0.0.1:1", false},
		{"credentials again", px.addr(proxyUser, proxyPass), px.addr(proxyUser, proxyPass), px.srv.URL, true},
		{"direct", "direct", "", "direct", false},
		{"credentials once more", px.addr(proxyUser, proxyPass), px.addr(proxyUser, proxyPass), px.srv.URL, true},
		{"cleared", "", "", "", false},
		{"socks5 with credentials", "socks5://s-user:" + proxyPass + "@127.0.0.1:1080", "socks5://s-user:" + proxyPass + "@127.0.0.1:1080", "socks5://127.0.0.1:1080", true},
		{"back to the test proxy", px.addr(proxyUser, proxyPass), px.addr(proxyUser, proxyPass), px.srv.URL, true},
	}
	for _, st := range steps {
		v, err := svc.UpdateAccount(ctx, id, AccountInput{ProxyURL: ptr(st.proxy)})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		row, _ := svc.db.Account(ctx, id)
		if got := secretOf(); got != st.wantSecret || row.ProxyURL != st.wantRow || v.ProxyURL != st.wantRow || v.ProxyAuth != st.wantAuth {
			t.Fatalf("%s: secret %q row %q view %q/%v; want %q %q %v", st.name, got, row.ProxyURL, v.ProxyURL, v.ProxyAuth, st.wantSecret, st.wantRow, st.wantAuth)
		}
		// What requests use: the whole address (net/http's Transport dials socks5 with the URL's user info).
		if got := svc.routing.router.Snapshot().ByID[id].ProxyURL; got != st.wantSecret && (st.wantSecret != "" || got != st.wantRow) {
			t.Fatalf("%s: the router's account uses %q", st.name, got)
		}
		if _, err := file.Get(stagingKey(proxyAuthKey(id))); !errors.Is(err, secret.ErrNotFound) {
			t.Fatalf("%s: a staged value lingers: %v", st.name, err)
		}
	}
	if w := chat(svc, "px/m"); w.Code != 200 {
		t.Fatalf("a request with the right credentials: %d %s", w.Code, w.Body.String())
	}

	// A wrong secret (another password for the same address) and a missing one: the proxy refuses, and the
	// client, the account's last error and the account test say so without the password.
	for _, c := range []struct {
		name  string
		setup func()
	}{
		{"wrong", func() {
			if err := file.Set(proxyAuthKey(id), px.addr(proxyUser, "wrong-password-999")); err != nil {
				t.Fatal(err)
			}
		}},
		{"missing", func() {
			if err := file.Delete(proxyAuthKey(id)); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		if err := svc.Close(); err != nil {
			t.Fatal(err)
		}
		c.setup()
		svc, file = journalService(t, dir, nil)
		w := chat(svc, "px/m")
		if w.Code == 200 {
			t.Fatalf("%s secret: the request succeeded: %s", c.name, w.Body.String())
		}
		res, _ := svc.TestAccount(ctx, id, "m")
		view, _ := svc.Account(ctx, id)
		all := w.Body.String() + " | " + res.Message + " | " + view.LastError
		if !strings.Contains(w.Body.String()+view.LastError, "407 Proxy Authentication Required (check the user name and password") || w.Code < 500 || !strings.Contains(res.Message, "407") || res.OK || view.LastError == "" {
			t.Fatalf("%s secret: want a clear 407 from the proxy; got %d %q, test %+v, last error %q", c.name, w.Code, w.Body.String(), res, view.LastError)
		}
		if strings.Contains(all, proxyPass) || strings.Contains(all, "wrong-password-999") {
			t.Fatalf("%s secret: an answer shows a password: %s", c.name, all)
		}
		if want := c.name == "wrong"; view.ProxyAuth != want {
			t.Fatalf("%s secret: proxyAuth %v", c.name, view.ProxyAuth)
		}
	}

	if err := svc.DeleteAccount(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{proxyAuthKey(id), stagingKey(proxyAuthKey(id))} {
		if _, err := file.Get(k); !errors.Is(err, secret.ErrNotFound) {
			t.Fatalf("%s after the account's deletion: %v", k, err)
		}
	}
}

// TestProxyCredentialsLeftForAnotherAddressAreNotSent: credentials the secret store keeps for another address (a
// crash after a proxy change's save, before the old credentials went) are never sent to the row's proxy.
func TestProxyCredentialsLeftForAnotherAddressAreNotSent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	svc, file := journalService(t, dir, nil)
	_, a, err := svc.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1", APIKey: "sk-left-0123456789",
		ProxyURL: "http://127.0.0.1:3128", Models: []string{"m"}})
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()
	if err := file.Set(proxyAuthKey(a.ID), "http://u:"+proxyPass+"@other.example:3128"); err != nil {
		t.Fatal(err)
	}
	svc, _ = journalService(t, dir, nil)
	defer svc.Close()
	if got := svc.routing.router.Snapshot().ByID[a.ID].ProxyURL; got != "http://127.0.0.1:3128" {
		t.Fatalf("the router uses %q", got)
	}
	if v, _ := svc.Account(ctx, a.ID); v.ProxyAuth {
		t.Fatal("proxyAuth for credentials of another address")
	}
}

// TestProxyCredentialsMovedOutOfTheDatabase is the start-up migration: an address an older version stored with
// its credentials is moved (secret first, row after) at the next start, the bytes leave the database file, and
// requests keep using them; the masked view holds before.
func TestProxyCredentialsMovedOutOfTheDatabase(t *testing.T) {
	ctx := context.Background()
	px := newAuthProxy(t, proxyUser, proxyPass)
	withAuth := px.addr(proxyUser, proxyPass)
	for _, already := range []bool{false, true} {
		name := "fresh"
		if already {
			name = "the secret was written before a kill"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			svc, file := journalService(t, dir, nil)
			_, a, err := svc.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1", APIKey: "sk-mig-0123456789", Models: []string{"m"}})
			if err != nil {
				t.Fatal(err)
			}
			// The old form, written as an older version did.
			if err := svc.db.Exec("UPDATE accounts SET proxy_url = ? WHERE id = ?", withAuth, a.ID).Error; err != nil {
				t.Fatal(err)
			}
			if already {
				if err := file.Set(proxyAuthKey(a.ID), withAuth); err != nil {
					t.Fatal(err)
				}
			}
			if v, _ := svc.Account(ctx, a.ID); strings.Contains(v.ProxyURL, proxyPass) {
				t.Fatalf("the unmigrated view shows the password: %q", v.ProxyURL)
			}
			svc.Close()
			if len(sweep.Holding(t, dir, proxyPass, secret.FileName)) == 0 {
				t.Fatal("the old form is not in the database file: this test would prove nothing")
			}

			svc, file = journalService(t, dir, nil) // restart: the migration runs
			row, _ := svc.db.Account(ctx, a.ID)
			if row.ProxyURL != px.srv.URL {
				t.Fatalf("the row after the migration: %q", row.ProxyURL)
			}
			if v, err := file.Get(proxyAuthKey(a.ID)); err != nil || v != withAuth {
				t.Fatalf("the secret after the migration: %q %v", v, err)
			}
			if w := chat(svc, "px/m"); w.Code != 200 {
				t.Fatalf("a request after the migration: %d %s", w.Code, w.Body.String())
			}
			if v, _ := svc.Account(ctx, a.ID); !v.ProxyAuth || v.ProxyURL != px.srv.URL {
				t.Fatalf("the view after the migration: %+v", v)
			}
			assertNowhere(t, svc, dir, proxyPass)

			svc, file = journalService(t, dir, nil) // again: nothing to do
			defer svc.Close()
			if row, _ := svc.db.Account(ctx, a.ID); row.ProxyURL != px.srv.URL {
				t.Fatalf("the row after a second start: %q", row.ProxyURL)
			}
			if v, err := file.Get(proxyAuthKey(a.ID)); err != nil || v != withAuth {
				t.Fatalf("the secret after a second start: %q %v", v, err)
			}
		})
	}
}

// TestProxyPasswordIsRedacted: the password of an account's proxy is masked by value wherever it could be
// echoed (a proxy error repeating the URL, raw or escaped).
func TestProxyPasswordIsRedacted(t *testing.T) {
	ctx := context.Background()
	svc, _ := journalService(t, t.TempDir(), nil)
	defer svc.Close()
	pass := "p@ss/w0rd:with-odd-chars"
	withAuth := "http://" + url.UserPassword(proxyUser, pass).String() + "@proxy.example:3128"
	if _, err := svc.AddAccount(ctx, AccountInput{Provider: "glm", APIKey: ptr("sk-redact-0123456789"), ProxyURL: &withAuth}); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{
		"proxyconnect tcp: " + withAuth + ": refused",
		"auth " + pass + " refused",
		"escaped " + url.QueryEscape(pass),
		"userinfo " + url.UserPassword(proxyUser, pass).String(),
	} {
		if got := svc.Redactor().Redact(msg); strings.Contains(got, pass) || strings.Contains(got, url.QueryEscape(pass)) ||
			strings.Contains(got, url.PathEscape(pass)) {
			t.Errorf("not masked: %q -> %q", msg, got)
		}
	}
}

// TestSettingProxyRefusesCredentials: the outbound proxy settings are kept in the database, so they still
// refuse a user name or password, without repeating it.
func TestSettingProxyRefusesCredentials(t *testing.T) {
	svc, _ := journalService(t, t.TempDir(), nil)
	defer svc.Close()
	err := svc.UpdateSettings(context.Background(), map[string]string{SettingHTTPSProxy: "http://u:" + proxySecret + "@proxy.example:3128"})
	if err == nil || strings.Contains(err.Error(), proxySecret) || !strings.Contains(err.Error(), "accounts") {
		t.Fatalf("the setting answered %v", err)
	}
	raw, _ := os.ReadFile(filepath.Join(svc.Config().DataDir, store.FileName))
	if strings.Contains(string(raw), proxySecret) {
		t.Fatal("the refused setting reached the database file")
	}
}

// TestAuthenticatingProxyOnCONNECT: an https:// upstream is reached through the account's proxy with CONNECT,
// which carries the credentials as Proxy-Authorization; a refused CONNECT is the account's failure, named
// without the password. (The tunnel is closed after the CONNECT: the test checks what the proxy was sent.)
func TestAuthenticatingProxyOnCONNECT(t *testing.T) {
	ctx := context.Background()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(proxyUser+":"+proxyPass))
	var mu sync.Mutex
	var connects []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		mu.Lock()
		connects = append(connects, r.Host+" "+r.Header.Get("Proxy-Authorization"))
		mu.Unlock()
		if r.Header.Get("Proxy-Authorization") != want {
			w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		w.WriteHeader(http.StatusOK)
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	svc, _ := journalService(t, t.TempDir(), nil)
	defer svc.Close()
	for _, c := range []struct {
		password string
		ok       bool
	}{{proxyPass, true}, {"wrong-password-999", false}} {
		u.User = url.UserPassword(proxyUser, c.password)
		prefix := "ok"
		if !c.ok {
			prefix = "no"
		}
		_, a, err := svc.AddNode(ctx, NodeInput{Prefix: prefix, Format: "openai", BaseURL: "https://upstream.test/v1", APIKey: "sk-connect-0123456789",
			ProxyURL: u.String(), Models: []string{"m"}})
		if err != nil {
			t.Fatal(err)
		}
		w := chat(svc, prefix+"/m")
		view, _ := svc.Account(ctx, a.ID)
		mu.Lock()
		last := connects[len(connects)-1]
		mu.Unlock()
		if last != "upstream.test:443 "+want && c.ok {
			t.Fatalf("the CONNECT carried %q, want the account's credentials", last)
		}
		if w.Code == 200 || strings.Contains(w.Body.String()+view.LastError, c.password) {
			t.Fatalf("%s: %d %s / %s", prefix, w.Code, w.Body.String(), view.LastError)
		}
		if !c.ok && !strings.Contains(w.Body.String()+view.LastError, "Proxy Authentication Required") {
			t.Fatalf("a refused CONNECT: %d %s / %s", w.Code, w.Body.String(), view.LastError)
		}
	}
}
