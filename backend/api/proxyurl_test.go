package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAccountProxyURLRefused: a proxy address with a scheme the transport cannot dial, or with a password in it,
// gets a 400 in the management API's error shape that does not repeat the password (issue #9).
func TestAccountProxyURLRefused(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	const secret = "PROXYSECRET-0123456789"
	for _, body := range []string{
		`{"provider":"glm","apiKey":"sk-proxy-0123456789","proxyUrl":"gopher://u:` + secret + `@x"}`,
		`{"provider":"glm","apiKey":"sk-proxy-0123456789","proxyUrl":"http://u:` + secret + `@proxy.example:3128"}`,
		`{"provider":"glm","apiKey":"sk-proxy-0123456789","proxyUrl":"socks4://proxy.example:1080"}`,
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "http://127.0.0.1:20128/api/accounts", strings.NewReader(body))
		req.RemoteAddr = "127.0.0.1:5555"
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"error"`) || !strings.Contains(rec.Body.String(), "proxy") {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("the answer repeats the password: %s", rec.Body.String())
		}
	}
	var accts []map[string]any
	manage(t, h, tok, "GET", "/api/accounts", "", &accts)
	if len(accts) != 0 {
		t.Fatalf("a refused account was saved: %v", accts)
	}
}
