package api

import (
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// TestDebugRequestLogThroughTheAPI: with the debug setting on, a model request leaves a log entry that the
// management API reads back, with the upstream key and the client key removed.
func TestDebugRequestLogThroughTheAPI(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()

	var raw map[string]any
	var logs struct {
		Enabled bool             `json:"enabled"`
		Entries []map[string]any `json:"entries"`
	}
	if code := manage(t, h, tok, "GET", "/api/logs", "", &logs); code != 200 || logs.Enabled || len(logs.Entries) != 0 {
		t.Fatalf("logs before: %d %+v", code, logs)
	}
	const upstreamKey = "sk-upstream-canary-0123456789"
	if code := manage(t, h, tok, "POST", "/api/nodes", `{"prefix":"loc","format":"openai","baseUrl":"`+mock.URL+`/v1","apiKey":"`+upstreamKey+`"}`, &raw); code != 201 {
		t.Fatalf("add node: %d %v", code, raw)
	}
	var key struct {
		Key string `json:"key"`
	}
	manage(t, h, tok, "POST", "/api/keys", `{"name":"logs"}`, &key)
	if code := manage(t, h, tok, "PUT", "/api/settings", `{"debug_request_log":"true"}`, &[]any{}); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	// The router follows the setting from its settings watcher; ask until an entry shows up.
	deadline := time.Now().Add(10 * time.Second)
	for len(logs.Entries) == 0 && time.Now().Before(deadline) {
		code, body, _ := model(t, h, key.Key, "/v1/chat/completions", `{"model":"loc/m","messages":[{"role":"user","content":"hi"}]}`)
		if code != 200 {
			t.Fatalf("model call: %d %s", code, body)
		}
		manage(t, h, tok, "GET", "/api/logs?limit=5", "", &logs)
	}
	if !logs.Enabled || len(logs.Entries) == 0 {
		t.Fatalf("no log entry after enabling debug logs: %+v", logs)
	}
	dump := toJSON(logs.Entries)
	for _, secret := range []string{upstreamKey, key.Key} {
		if strings.Contains(dump, secret) {
			t.Fatalf("request log leaks a secret: %s", dump)
		}
	}
	if !strings.Contains(dump, `"provider":"loc"`) && !strings.Contains(dump, "loc") {
		t.Errorf("entry does not name the node: %s", dump)
	}
	if code := manage(t, h, tok, "GET", "/api/logs?limit=0", "", &raw); code != 400 {
		t.Errorf("limit=0: %d", code)
	}
}
