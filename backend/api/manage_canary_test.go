package api

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/logging"
)

// TestManagementErrorsCarryNoSecret is issue #9 finding 3 for the management API: its handlers answer with the
// service's error text, which quotes what it was given or what an upstream said. A stored key of no
// recognisable shape, pasted back into fields whose errors quote them or echoed by an upstream during an account
// test, must not come back in any answer: every management error passes the one redaction path
// (Server.writeError → logging.Values). Each case must still fail, and show the mask where the key was.
func TestManagementErrorsCarryNoSecret(t *testing.T) {
	const canary = "Qm7canaryNodeKey0099vwx" // no known shape: only redaction by value catches it
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	up := echoingUpstream(t)
	var node map[string]any
	body := fmt.Sprintf(`{"prefix":"echo","format":"openai","baseUrl":%q,"apiKey":%q,"models":["m"]}`, up.URL+"/v1", canary)
	if code := manage(t, h, tok, "POST", "/api/nodes", body, &node); code != 201 {
		t.Fatalf("add node: %d %v", code, node)
	}
	acct := int64(node["account"].(map[string]any)["id"].(float64))

	// Every case fails, and its error quotes the input (or the upstream's answer) where the key is.
	cases := []struct{ name, method, path, body string }{
		{"account test: the upstream echoes the key", "POST", fmt.Sprintf("/api/accounts/%d/test", acct), `{}`},
		{"node with the key in a bad base URL", "POST", "/api/nodes", fmt.Sprintf(`{"prefix":"x2","format":"openai","baseUrl":"ftp://%s@example.invalid/v1"}`, canary)},
		{"node with the key as its format", "POST", "/api/nodes", fmt.Sprintf(`{"prefix":"x3","format":%q,"baseUrl":"http://127.0.0.1:9/v1"}`, canary)},
		// A proxy's error repeats its address up to the host only (a password is never quoted), so the key is put there.
		{"account with the key in a bad proxy URL", "PATCH", fmt.Sprintf("/api/accounts/%d", acct), fmt.Sprintf(`{"proxyUrl":"http://%s.example:3128/path"}`, canary)},
		{"combo naming the key as a model", "POST", "/api/combos", fmt.Sprintf(`{"name":"c1","models":[%q]}`, canary)},
		{"alias to the key", "POST", "/api/aliases", fmt.Sprintf(`{"name":"a1","target":%q}`, canary)},
		{"active combo named by the key", "PUT", "/api/combos/active", fmt.Sprintf(`{"name":%q}`, canary)},
		{"tool named by the key", "POST", "/api/tools/" + canary + "/preview", `{}`},
		{"strategy named by the key", "PUT", "/api/providers/openai/strategy", fmt.Sprintf(`{"strategy":%q}`, canary)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:20128"+tc.path, strings.NewReader(tc.body))
			req.RemoteAddr = "127.0.0.1:5555"
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Body.String()
			if strings.Contains(got, canary) {
				t.Fatalf("the key came back: %d %s", rec.Code, truncateForLog(got))
			}
			if !strings.Contains(got, logging.Mask) {
				t.Errorf("no mask where the key was: %d %s", rec.Code, truncateForLog(got))
			}
		})
	}
}
