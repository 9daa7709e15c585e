package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/service"
)

// TestDeepNestingAttack is issue #9 finding 1: a body nesting ten million '[' (20 MB, under the model-API
// limit) overflowed the stack in the JSON validator and ended the process. Every endpoint that reads JSON must
// answer 400 in its client's own format, and the server must go on serving.
func TestDeepNestingAttack(t *testing.T) {
	srv, svc := newTestServer(t)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	key, _, err := svc.CreateKey(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	deep := bytes.Repeat([]byte("[["), 5_000_000) // depth 10^7
	deepObj := append([]byte(`{"model":"x","messages":`), deep...)
	manageDeep := bytes.Repeat([]byte("["), MaxManageBody-1)

	cases := []struct {
		path, auth string
		body       []byte
		shape      string // a fragment of the client's own error format
	}{
		{"/v1/chat/completions", key, deep, `"type":"invalid_request_error"`},
		{"/v1/chat/completions", key, deepObj, `"type":"invalid_request_error"`},
		{"/v1/responses", key, deep, `"type":"invalid_request_error"`},
		{"/v1/messages", key, deep, `"type":"error"`},
		{"/v1/messages/count_tokens", key, deep, `"type":"error"`},
		{"/v1beta/models/gemini-2.5-pro:generateContent", key, deep, `"status":"INVALID_ARGUMENT"`},
		{"/v1beta/models/gemini-2.5-pro:countTokens", key, deep, `"status":"INVALID_ARGUMENT"`},
		{"/api/chat", key, deep, `"error"`},
		{"/v1/v1/chat/completions", key, deep, `"type":"invalid_request_error"`},
		{"/api/auth/login", "", manageDeep, `"code":"bad_json"`},
		{"/api/settings", svc.WindowToken(), manageDeep, `"code":"bad_json"`},
		{"/api/keys", svc.WindowToken(), manageDeep, `"code":"bad_json"`},
	}
	for _, tc := range cases {
		method := http.MethodPost
		if tc.path == "/api/settings" {
			method = http.MethodPut
		}
		req, _ := http.NewRequest(method, ts.URL+tc.path, bytes.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		if tc.auth != "" {
			req.Header.Set("Authorization", "Bearer "+tc.auth)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v (did the server die?)", tc.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tc.shape) || !strings.Contains(string(b), "deeper than 512") {
			t.Errorf("%s %s: %d %s, want 400 with %s naming the depth limit", method, tc.path, resp.StatusCode, truncateForLog(string(b)), tc.shape)
		}
	}
	// Still alive and serving.
	resp, err := ts.Client().Get(ts.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the attack: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestLoginLockDoesNotLockTheOwnerOut is issue #9 finding 4: any local process can lock the dashboard login,
// so the desktop window's token, the CLI token and sessions already open keep working while it is locked.
func TestLoginLockDoesNotLockTheOwnerOut(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	if err := svc.SetPassword(context.Background(), "the-owners-password"); err != nil {
		t.Fatal(err)
	}
	send := func(method, path, body, remote string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://127.0.0.1:20128"+path, strings.NewReader(body))
		req.RemoteAddr = remote
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	login := send("POST", "/api/auth/login", `{"password":"the-owners-password"}`, "127.0.0.1:1")
	cookie := strings.SplitN(login.Header().Get("Set-Cookie"), ";", 2)[0]
	// Guesses from many loopback addresses lock the login for everyone.
	for i := range 50 {
		send("POST", "/api/auth/login", `{"password":"guess-guess"}`, "127.0.0."+strconv.Itoa(i+2)+":1")
	}
	if rec := send("POST", "/api/auth/login", `{"password":"the-owners-password"}`, "127.0.0.1:1"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("login is not locked after 50 addresses guessed: %d", rec.Code)
	}
	cliTok, err := service.ReadCLIToken(svc.Config().DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for name, hdr := range map[string][]string{
		"window token":     {"Authorization", "Bearer " + svc.WindowToken()},
		"CLI token":        {"Authorization", "Bearer " + cliTok},
		"existing session": {"Cookie", cookie},
	} {
		if rec := send("GET", "/api/status", "", "127.0.0.1:1", hdr...); rec.Code != http.StatusOK {
			t.Errorf("%s while the login is locked: %d", name, rec.Code)
		}
	}
}

// TestDeepNestingImport: an import's file (9Router JSON, CLIProxyAPI YAML) nesting ten million levels inside the
// import body is refused in the management API's format, and the server goes on serving (issue #9 finding 1).
func TestDeepNestingImport(t *testing.T) {
	srv, svc := newTestServer(t)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	deep := bytes.Repeat([]byte("["), 10_000_000)
	for _, source := range []string{"9router", "cliproxyapi"} {
		for _, path := range []string{"/api/import/preview"} { // apply reads the file the same way
			body, _ := json.Marshal(map[string]any{"source": source, "data": deep})
			req, _ := http.NewRequest(http.MethodPost, ts.URL+path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+svc.WindowToken())
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v (did the server die?)", source, path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"error"`) {
				t.Errorf("%s %s: %d %s, want 400 in the management API's format", source, path, resp.StatusCode, truncateForLog(string(b)))
			}
		}
	}
	resp, err := ts.Client().Get(ts.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the attack: %v %v", resp, err)
	}
	resp.Body.Close()
}
