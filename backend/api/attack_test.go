package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
		{"/api/settings", svc.Auth().WindowToken(), manageDeep, `"code":"bad_json"`},
		{"/api/keys", svc.Auth().WindowToken(), manageDeep, `"code":"bad_json"`},
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
