package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAccountProxyURL: a proxy address with a scheme the transport cannot dial gets a 400 in the management API's
// error shape that does not repeat the password it carried (issue #9); an authenticating proxy is accepted, and
// its password is in no answer (the secret store keeps it).
func TestAccountProxyURL(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	const secret = "PROXYSECRET-0123456789"
	post := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "http://127.0.0.1:20128/api/accounts", strings.NewReader(body))
		req.RemoteAddr = "127.0.0.1:5555"
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, body := range []string{
		`{"provider":"glm","apiKey":"sk-proxy-0123456789","proxyUrl":"gopher://u:` + secret + `@x"}`,
		`{"provider":"glm","apiKey":"sk-proxy-0123456789","proxyUrl":"socks4://proxy.example:1080"}`,
	} {
		rec := post(body)
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

	rec := post(`{"provider":"glm","apiKey":"sk-proxy-0123456789","proxyUrl":"http://u:` + secret + `@proxy.example:3128"}`)
	if rec.Code != 201 || strings.Contains(rec.Body.String(), secret) || !strings.Contains(rec.Body.String(), `"proxyAuth":true`) {
		t.Fatalf("authenticating proxy: %d %s", rec.Code, rec.Body.String())
	}
	accts = nil
	manage(t, h, tok, "GET", "/api/accounts", "", &accts)
	if len(accts) != 1 || accts[0]["proxyUrl"] != "http://proxy.example:3128" {
		t.Fatalf("accounts %v: want one, its proxy shown without credentials", accts)
	}
}
