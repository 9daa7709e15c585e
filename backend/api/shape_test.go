package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// errorShapeOf names the error shape of a model-API answer body: "openai" ({"error":{"message","type"}}, also
// the Responses API's), "anthropic" ({"type":"error","error":{...}}), "gemini" ({"error":{"code","message",
// "status"}}), "ollama" ({"error":"message"}), or what is wrong with it.
func errorShapeOf(body []byte) string {
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		return "not JSON: " + truncateForLog(string(body))
	}
	switch e := v["error"].(type) {
	case string:
		if e != "" && len(v) == 1 {
			return "ollama"
		}
	case map[string]any:
		msg, _ := e["message"].(string)
		if msg == "" {
			break
		}
		if v["type"] == "error" {
			if _, ok := e["type"].(string); ok {
				return "anthropic"
			}
			break
		}
		if _, ok := e["status"].(string); ok {
			if _, ok := e["code"].(float64); ok {
				return "gemini"
			}
		}
		if _, ok := e["type"].(string); ok {
			return "openai"
		}
	}
	return "unknown shape: " + truncateForLog(string(body))
}

// TestModelEndpointsAnswerBadInputInTheirOwnShape walks every client endpoint with every kind of bad input
// (issue #9 finding 1 and the Ollama follow-up): each refusal comes back in that client's own error shape, so
// an SDK or CLI shows the message instead of failing to parse it. A client route missing from the table fails.
func TestModelEndpointsAnswerBadInputInTheirOwnShape(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	key, _, err := svc.CreateKey(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	endpoints := []struct {
		method, path, shape string
		body                bool // reads a JSON body
		model               bool // the model is named in the body
	}{
		{"GET", "/v1/models", "openai", false, false},
		{"POST", "/v1/chat/completions", "openai", true, true},
		{"POST", "/v1/responses", "openai", true, true},
		{"POST", "/v1/messages", "anthropic", true, true},
		{"POST", "/v1/messages/count_tokens", "anthropic", true, false},
		{"GET", "/v1beta/models", "gemini", false, false},
		{"POST", "/v1beta/models/gemini-2.5-pro:generateContent", "gemini", true, false},
		{"POST", "/v1beta/models/gemini-2.5-pro:streamGenerateContent", "gemini", true, false},
		{"POST", "/v1beta/models/gemini-2.5-pro:countTokens", "gemini", true, false},
		{"POST", "/api/chat", "ollama", true, true},
		{"POST", "/v1/api/chat", "ollama", true, true},
		{"GET", "/api/tags", "ollama", false, false},
		{"POST", "/v1/v1/chat/completions", "openai", true, true},
		{"POST", "/v1/v1/messages", "anthropic", true, true},
		{"POST", "/v1/v1/api/chat", "ollama", true, true},
	}
	for _, rt := range srv.Routes() {
		if rt.Access != Client || rt.Prefix {
			continue
		}
		// {name:pattern} matches pattern, {name} one segment.
		re := regexp.MustCompile("^" + pathVar.ReplaceAllStringFunc(rt.Path, func(v string) string {
			if _, pat, ok := strings.Cut(strings.Trim(v, "{}"), ":"); ok {
				return pat
			}
			return "[^/]+"
		}) + "$")
		found := false
		for _, ep := range endpoints {
			found = found || (ep.method == rt.Method && re.MatchString(ep.path))
		}
		if !found {
			t.Errorf("client route %s %s has no row in this table", rt.Method, rt.Path)
		}
	}

	deep := bytes.Repeat([]byte("["), 100_000)
	type badInput struct {
		name    string
		status  int
		applies func(body, model bool) bool
		prepare func(req *http.Request)
		body    []byte
	}
	always := func(bool, bool) bool { return true }
	withBody := func(body, _ bool) bool { return body }
	cases := []badInput{
		{name: "no key", status: 401, applies: always, prepare: func(r *http.Request) { r.Header.Del("Authorization") }},
		{name: "revoked key", status: 401, applies: always, prepare: func(r *http.Request) { r.Header.Set("Authorization", "Bearer nr-not-a-key") }},
		{name: "foreign Host", status: 403, applies: always, prepare: func(r *http.Request) { r.Host = "evil.example" }},
		{name: "cross-site Origin", status: 403, applies: always, prepare: func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }},
		{name: "nesting deeper than the limit", status: 400, applies: withBody, body: deep},
		{name: "not JSON", status: 400, applies: withBody, body: []byte(`{"model":`)},
		{name: "no model", status: 400, applies: func(body, model bool) bool { return model }, body: []byte(`{"messages":[]}`)},
		{name: "wrong method", status: 405, applies: withBody, prepare: func(r *http.Request) { r.Method = http.MethodPut }},
	}
	for _, ep := range endpoints {
		for _, tc := range cases {
			if !tc.applies(ep.body, ep.model) {
				continue
			}
			t.Run(fmt.Sprintf("%s %s/%s", ep.method, ep.path, tc.name), func(t *testing.T) {
				body := tc.body
				if body == nil {
					body = []byte(`{"model":"x","messages":[]}`)
				}
				req := httptest.NewRequest(ep.method, "http://127.0.0.1:20128"+ep.path, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				if tc.prepare != nil {
					tc.prepare(req)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != tc.status {
					t.Fatalf("%d %s, want %d", rec.Code, truncateForLog(rec.Body.String()), tc.status)
				}
				if got := errorShapeOf(rec.Body.Bytes()); got != ep.shape {
					t.Fatalf("answered in shape %q, want %q: %s", got, ep.shape, truncateForLog(rec.Body.String()))
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
			})
		}
	}
	// Ollama's too-large answer too (once: the body is the 64 MiB limit).
	req := httptest.NewRequest("POST", "http://127.0.0.1:20128/api/chat",
		strings.NewReader(`{"model":"x","pad":"`+strings.Repeat("a", MaxModelBody)+`"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || errorShapeOf(rec.Body.Bytes()) != "ollama" {
		t.Errorf("too large on /api/chat: %d %s", rec.Code, truncateForLog(rec.Body.String()))
	}
}
