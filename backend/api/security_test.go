package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/service"
)

// newTestServer opens a service on a temp data dir with an in-memory secret store.
func newTestServer(t *testing.T) (*Server, *service.Service) {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), SecretStore: "auto"}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	svc, err := service.Open(context.Background(), cfg, service.Options{Secrets: secret.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return New(svc, nil), svc
}

var pathVar = regexp.MustCompile(`\{[^}]+\}`)

// concrete turns a route template into a request path.
func concrete(tmpl string) string {
	return pathVar.ReplaceAllStringFunc(tmpl, func(v string) string {
		if strings.Contains(v, "model") {
			return "gemini-2.5-pro:generateContent"
		}
		return "x1"
	})
}

// TestEveryNonPublicRouteDeniesAnonymous walks the whole route table: default-deny means a route is open only
// when the table says Public, so a forgotten route cannot leak (9Router #431).
func TestEveryNonPublicRouteDeniesAnonymous(t *testing.T) {
	srv, _ := newTestServer(t)
	h := srv.Handler()
	seen := 0
	for _, rt := range srv.Routes() {
		if rt.Access == Public {
			continue
		}
		method := rt.Method
		if method == "" {
			method = http.MethodGet
		}
		path := concrete(rt.Path)
		req := httptest.NewRequest(method, "http://127.0.0.1:20128"+path, strings.NewReader("{}"))
		req.RemoteAddr = "127.0.0.1:5555"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s (access %d) without credentials: %d, want 401; body %s", method, path, rt.Access, rec.Code, rec.Body)
		}
		seen++
	}
	if seen == 0 {
		t.Fatal("no guarded routes found")
	}
	// Paths that are in no table row are denied too.
	for _, p := range []string{"/api/", "/api/nothing-here", "/api/providers/../status", "/api/STATUS"} {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:20128"+p, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("GET %s: %d, want 401", p, rec.Code)
		}
	}
}

func TestManagementCredentials(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	get := func(auth string) int {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:20128/api/status", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	cliTok, err := service.ReadCLIToken(svc.Config().DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tok string
		want      int
	}{
		{"window token", svc.WindowToken(), 200},
		{"cli token", cliTok, 200},
		{"wrong token", "nrw_" + strings.Repeat("0", 64), 401},
		{"empty", "", 401},
	} {
		if got := get(tc.tok); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestHostAllowlistOnEveryRoute(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	for _, host := range []string{"evil.example", "evil.example:20128", "printer.local", "corp.internal", "127.0.0.1.nip.io"} {
		for _, rt := range srv.Routes() {
			req := httptest.NewRequest(http.MethodGet, "http://x"+concrete(rt.Path), nil)
			req.Host = host
			req.Header.Set("Authorization", "Bearer "+svc.WindowToken())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("Host %s on %s: %d, want 403", host, rt.Path, rec.Code)
			}
		}
	}
	for _, host := range []string{"localhost", "localhost:20128", "127.0.0.1:20128", "[::1]:20128", "app.localhost", "192.168.1.20:20128"} {
		if !AllowedHost(host) {
			t.Errorf("AllowedHost(%q) = false", host)
		}
	}
}

func TestCrossOriginBrowserRequestsRefused(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	cases := []struct {
		name, method, path string
		headers            map[string]string
		want               int
	}{
		{"cross-site POST to management", "POST", "/api/auth/login",
			map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"origin mismatch POST without fetch metadata", "POST", "/api/auth/logout",
			map[string]string{"Origin": "https://evil.example"}, 403},
		{"cross-site POST to the model API", "POST", "/v1/chat/completions",
			map[string]string{"Origin": "https://evil.example"}, 403},
		{"cross-site GET of the model list", "GET", "/v1/models",
			map[string]string{"Origin": "https://evil.example"}, 403},
		{"same-origin POST (dashboard)", "POST", "/api/auth/logout",
			map[string]string{"Origin": "http://127.0.0.1:20128", "Sec-Fetch-Site": "same-origin"}, 200},
		{"non-browser POST (CLI, SDK)", "POST", "/api/auth/logout", nil, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:20128"+tc.path, strings.NewReader("{}"))
			req.Header.Set("Authorization", "Bearer "+svc.WindowToken())
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("%d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if acao := rec.Header().Get("Access-Control-Allow-Origin"); acao == "*" {
				t.Fatal("Access-Control-Allow-Origin: * must never be sent")
			}
		})
	}
}

func TestDashboardLoginFlow(t *testing.T) {
	srv, _ := newTestServer(t)
	h := srv.Handler()
	do := func(method, path, body, cookie, remote string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://127.0.0.1:20128"+path, strings.NewReader(body))
		req.RemoteAddr = remote
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// There is no default password: login fails until setup.
	if rec := do("POST", "/api/auth/login", `{"password":"123456"}`, "", "127.0.0.1:1"); rec.Code != http.StatusConflict {
		t.Fatalf("login before setup: %d", rec.Code)
	}
	// Setup is refused from another machine.
	if rec := do("POST", "/api/auth/setup", `{"password":"a-long-password"}`, "", "192.168.1.9:1"); rec.Code != http.StatusForbidden {
		t.Fatalf("remote setup: %d", rec.Code)
	}
	if rec := do("POST", "/api/auth/setup", `{"password":"short"}`, "", "127.0.0.1:1"); rec.Code != http.StatusBadRequest {
		t.Fatalf("weak password: %d", rec.Code)
	}
	rec := do("POST", "/api/auth/setup", `{"password":"a-long-password"}`, "", "127.0.0.1:1")
	if rec.Code != 200 {
		t.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	setCookie := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"nr_session=", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(setCookie, want) {
			t.Fatalf("Set-Cookie %q lacks %s", setCookie, want)
		}
	}
	cookie := strings.SplitN(setCookie, ";", 2)[0]
	if rec := do("GET", "/api/status", "", cookie, "127.0.0.1:1"); rec.Code != 200 {
		t.Fatalf("status with session: %d", rec.Code)
	}
	if rec := do("POST", "/api/auth/setup", `{"password":"another-password"}`, "", "127.0.0.1:1"); rec.Code != http.StatusConflict {
		t.Fatalf("second setup: %d", rec.Code)
	}
	// Wrong passwords lock the client out after a few tries.
	codes := []int{}
	for range 6 {
		codes = append(codes, do("POST", "/api/auth/login", `{"password":"wrong-password"}`, "", "10.0.0.7:1").Code)
	}
	if codes[0] != 401 || codes[5] != 429 {
		t.Fatalf("lockout codes %v", codes)
	}
	// A session alone cannot change the password: the current one is needed too.
	if rec := do("POST", "/api/auth/password", `{"password":"hijacked-password"}`, cookie, "127.0.0.1:1"); rec.Code != http.StatusForbidden {
		t.Fatalf("password change without current: %d", rec.Code)
	}
	if rec := do("POST", "/api/auth/password", `{"password":"a-newer-password","current":"a-long-password"}`, cookie, "127.0.0.1:1"); rec.Code != 200 {
		t.Fatalf("password change with current: %d %s", rec.Code, rec.Body)
	}
	// Changing the password ends every session.
	if rec := do("GET", "/api/status", "", cookie, "127.0.0.1:1"); rec.Code != 401 {
		t.Fatalf("status after password change: %d", rec.Code)
	}
	rec = do("POST", "/api/auth/login", `{"password":"a-newer-password"}`, "", "127.0.0.1:1")
	cookie = strings.SplitN(rec.Header().Get("Set-Cookie"), ";", 2)[0]
	if rec := do("POST", "/api/auth/logout", "", cookie, "127.0.0.1:1"); rec.Code != 200 {
		t.Fatalf("logout: %d", rec.Code)
	}
	if rec := do("GET", "/api/status", "", cookie, "127.0.0.1:1"); rec.Code != 401 {
		t.Fatalf("status after logout: %d", rec.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	big := strings.Repeat("a", MaxManageBody+10)
	req := httptest.NewRequest("POST", "http://127.0.0.1:20128/api/auth/password", strings.NewReader(`{"password":"`+big+`"}`))
	req.Header.Set("Authorization", "Bearer "+svc.WindowToken())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d", rec.Code)
	}
}
