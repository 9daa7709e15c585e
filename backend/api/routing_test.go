package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// manage sends an authenticated management call and decodes the answer.
func manage(t *testing.T, h http.Handler, token, method, path, body string, out any) int {
	t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:20128"+path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:5555"
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
		}
	}
	return rec.Code
}

// model sends a client call with key and returns status, body and headers.
func model(t *testing.T, h http.Handler, key, path, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:20128"+path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:5555"
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b), rec.Header()
}

func TestRoutingManagementAPI(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()

	var providers []map[string]any
	if code := manage(t, h, tok, "GET", "/api/providers", "", &providers); code != 200 || len(providers) < 8 {
		t.Fatalf("providers: %d %v", code, providers)
	}
	var acct map[string]any
	if code := manage(t, h, tok, "POST", "/api/accounts", `{"provider":"glm","apiKey":"sk-secret-value-123456","baseUrl":"`+mock.URL+`/v1"}`, &acct); code != 201 {
		t.Fatalf("add account: %d %v", code, acct)
	}
	raw := map[string]any{}
	manage(t, h, tok, "GET", "/api/accounts", "", &[]any{})
	if code := manage(t, h, tok, "POST", "/api/accounts", `{"provider":"nope","apiKey":"x"}`, &raw); code != 400 {
		t.Errorf("unknown provider: %d", code)
	}
	if code := manage(t, h, tok, "POST", "/api/accounts", `{"provider":"glm"`, &raw); code != 400 {
		t.Errorf("bad JSON: %d", code)
	}
	var list []map[string]any
	manage(t, h, tok, "GET", "/api/accounts", "", &list)
	if len(list) != 1 || strings.Contains(strings.ToLower(toJSON(list)), "sk-secret") {
		t.Fatalf("accounts list leaks or misses: %v", list)
	}
	var node map[string]any
	if code := manage(t, h, tok, "POST", "/api/nodes", `{"prefix":"loc","format":"anthropic","baseUrl":"`+mock.URL+`/v1","apiKey":"k"}`, &node); code != 201 {
		t.Fatalf("add node: %d %v", code, node)
	}
	if code := manage(t, h, tok, "POST", "/api/nodes", `{"prefix":"glm","format":"openai","baseUrl":"http://x"}`, &raw); code != 409 {
		t.Errorf("node shadowing a provider: %d", code)
	}
	if code := manage(t, h, tok, "PUT", "/api/combos/c", `{"models":["glm/glm-4.6","loc/m"]}`, &raw); code != 200 {
		t.Fatalf("set combo: %d %v", code, raw)
	}
	if code := manage(t, h, tok, "PUT", "/api/combos/d", `{"entries":[{"model":"c"},{"model":"d"}]}`, &raw); code != 400 {
		t.Errorf("cyclic combo: %d %v", code, raw)
	}
	if code := manage(t, h, tok, "PUT", "/api/combos/active", `{"name":"c"}`, &raw); code != 200 || raw["active"] != "c" {
		t.Fatalf("activate: %d %v", code, raw)
	}
	if code := manage(t, h, tok, "PUT", "/api/combos/active", `{"name":"zz"}`, &raw); code != 404 {
		t.Errorf("activate unknown: %d", code)
	}
	var keyOut struct {
		Key string `json:"key"`
	}
	if code := manage(t, h, tok, "POST", "/api/keys", `{"name":"cli"}`, &keyOut); code != 201 || !strings.HasPrefix(keyOut.Key, "nr-") {
		t.Fatalf("create key: %d %v", code, keyOut)
	}

	// /v1/models lists the active virtual model, combos and account models in OpenAI's list format.
	req := httptest.NewRequest("GET", "http://127.0.0.1:20128/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+keyOut.Key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var models struct {
		Object string `json:"object"`
		Data   []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	json.Unmarshal(rec.Body.Bytes(), &models)
	ids := toJSON(models.Data)
	if models.Object != "list" || !strings.Contains(ids, `"ninerouter/active"`) || !strings.Contains(ids, `"c"`) || !strings.Contains(ids, `"glm/glm-4.6"`) {
		t.Errorf("/v1/models: %s", rec.Body.String())
	}

	// The active model serves combo c: glm (Anthropic wire at the mock) answers an Anthropic client.
	code, body, _ := model(t, h, keyOut.Key, "/v1/messages", `{"model":"ninerouter/active","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`)
	if code != 200 || !strings.Contains(body, "Hello from the mock") {
		t.Fatalf("active model: %d %s", code, body)
	}
	if got := mock.Requests()[0]; got.Path != "/v1/messages" || got.APIKey != "sk-secret-value-123456" || got.Model != "glm-4.6" {
		t.Errorf("upstream saw %s key %q model %q", got.Path, got.APIKey, got.Model)
	}

	var rep struct {
		Total struct {
			Requests int64 `json:"requests"`
		} `json:"total"`
	}
	svc.FlushUsage(context.Background())
	if code := manage(t, h, tok, "GET", "/api/usage?since=1h", "", &rep); code != 200 || rep.Total.Requests != 1 {
		t.Errorf("usage: %d %+v", code, rep)
	}
	if code := manage(t, h, tok, "GET", "/api/usage?since=yesterday", "", &raw); code != 400 {
		t.Errorf("bad since: %d", code)
	}
	var prices []map[string]any
	if code := manage(t, h, tok, "PUT", "/api/pricing", `{"model":"glm-4.6","input":1,"output":2}`, &raw); code != 200 {
		t.Errorf("set price: %d %v", code, raw)
	}
	manage(t, h, tok, "GET", "/api/pricing", "", &prices)
	if !strings.Contains(toJSON(prices), `"custom":true`) {
		t.Errorf("edited price not listed: %v", prices)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestModelAPIBadInput: errors come back in the caller's own format, naming what is known.
func TestModelAPIBadInput(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	key, _, err := svc.CreateKey(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, key, path, body string
		hdr                   []string
		code                  int
		contains              string
	}{
		{"no key (OpenAI shape)", "", "/v1/chat/completions", `{"model":"x"}`, nil, 401, `"type":"authentication_error"`},
		{"no key (Anthropic shape)", "", "/v1/messages", `{"model":"x"}`, nil, 401, `"type":"error"`},
		{"revoked-looking key", "nr-wrong", "/v1/chat/completions", `{"model":"x"}`, nil, 401, "invalid"},
		{"x-api-key accepted", "", "/v1/messages", `{"model":"nope/x","messages":[]}`, []string{"x-api-key", key}, 404, "usable prefixes"},
		{"x-goog-api-key accepted", "", "/v1/chat/completions", `{"model":"nope/x"}`, []string{"x-goog-api-key", key}, 404, "usable prefixes"},
		{"lowercase bearer scheme accepted", "", "/v1/chat/completions", `{"model":"nope/x"}`, []string{"Authorization", "bearer " + key}, 404, "usable prefixes"},
		{"unknown prefix names only usable prefixes", key, "/v1/chat/completions", `{"model":"nope/x"}`, nil, 404, "usable prefixes: none"},
		{"malformed JSON", key, "/v1/chat/completions", `{"model":`, nil, 400, "not valid JSON"},
		{"no model", key, "/v1/responses", `{"input":"hi"}`, nil, 400, "model"},
		{"unknown model, Anthropic shape", key, "/v1/messages", `{"model":"mystery","messages":[]}`, nil, 404, `"not_found_error"`},
		{"no account", key, "/v1/chat/completions", `{"model":"openai/gpt-4o"}`, nil, 503, "no account"},
		{"active without combo", key, "/v1/chat/completions", `{"model":"ninerouter/active"}`, nil, 404, "combo activate"},
		{"too large", key, "/v1/chat/completions", `{"model":"x","pad":"` + strings.Repeat("a", MaxModelBody) + `"}`, nil, 413, "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := model(t, h, tc.key, tc.path, tc.body, tc.hdr...)
			if code != tc.code || !strings.Contains(body, tc.contains) {
				t.Errorf("%d %s, want %d containing %q", code, truncateForLog(body), tc.code, tc.contains)
			}
		})
	}
	rows, _ := svc.UsageRecords(context.Background(), svc.Status(context.Background()).StartedAt.Add(-1), 10)
	if len(rows) != 0 {
		t.Errorf("bad input recorded %d usage rows", len(rows))
	}
}

func truncateForLog(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
