package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/testkit/logbuf"
	"github.com/ninerouter/ninerouter/backend/testkit/sweep"
)

// echoingUpstream is a vendor that quotes the key it was given in its errors, as OpenAI does ("Incorrect API
// key provided: ..."): as a 400, as an in-band stream error after a 200, and finally as a 401.
func echoingUpstream(t *testing.T) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if key == "" {
			key = r.Header.Get("x-api-key")
		}
		body, _ := io.ReadAll(r.Body)
		msg := fmt.Sprintf(`{"error":{"message":"Incorrect API key provided: %s. You can find your API key at https://example.invalid.","type":"invalid_request_error"}}`, key)
		switch {
		case bytes.Contains(body, []byte(`"stream":true`)):
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "data: %s\n\n", msg)
		case n.Add(1) > 6:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, msg)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, msg)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCanaryKeyAppearsNowhere is issue #9 finding 3: a provider key of no recognisable shape, echoed by the
// upstream in its errors, must appear in no answer, no management view, no log line, no request-log entry and
// nowhere in the data dir (SQLite file and WAL included), with the encrypted secret file in use.
func TestCanaryKeyAppearsNowhere(t *testing.T) {
	const canary = "Zq81canaryVendorKey0042xyz" // no sk-/AIza/JWT shape: only redaction by value catches it
	up := echoingUpstream(t)
	dir := t.TempDir()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: dir, SecretStore: "file", SecretKey: "canary-test-passphrase", Debug: true}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	var logs logbuf.Buffer
	ctx := context.Background()
	svc, err := service.Open(ctx, cfg, service.Options{Logger: logs.Logger(),
		Routing: service.RoutingOptions{AttemptBudget: 5 * time.Second, HeaderTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second, TotalTimeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			svc.Close()
		}
	}()
	h := New(svc, nil).Handler()
	tok := svc.WindowToken()
	for _, n := range []struct{ prefix, format string }{{"echo", "openai"}, {"echoa", "anthropic"}} {
		var raw map[string]any
		body := fmt.Sprintf(`{"prefix":%q,"format":%q,"baseUrl":%q,"apiKey":%q,"models":["m"]}`, n.prefix, n.format, up.URL+"/v1", canary)
		if code := manage(t, h, tok, "POST", "/api/nodes", body, &raw); code != 201 {
			t.Fatalf("add node: %d %v", code, raw)
		}
	}
	clientKey, _, err := svc.CreateKey(ctx, "canary")
	if err != nil {
		t.Fatal(err)
	}

	var seen strings.Builder // every byte a client or a view received
	requests := []struct{ path, body string }{
		{"/v1/chat/completions", `{"model":"echo/m","messages":[{"role":"user","content":"hi"}]}`},
		{"/v1/chat/completions", `{"model":"echo/m","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
		{"/v1/messages", `{"model":"echo/m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`},
		{"/v1/messages", `{"model":"echoa/m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`},
		{"/v1/responses", `{"model":"echo/m","input":"hi"}`},
		{"/v1beta/models/echo/m:generateContent", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`},
		{"/v1/chat/completions", `{"model":"echo/m","messages":[{"role":"user","content":"hi"}]}`},
		{"/v1/chat/completions", `{"model":"echo/m","messages":[{"role":"user","content":"hi"}]}`},
		{"/v1/chat/completions", `{"model":"echo/m","messages":[{"role":"user","content":"hi"}]}`},
	}
	for _, rq := range requests {
		code, body, _ := model(t, h, clientKey, rq.path, rq.body)
		if code == 200 && !strings.Contains(body, "error") {
			t.Errorf("%s: the echoing upstream was answered as a success: %s", rq.path, body)
		}
		seen.WriteString(body)
	}
	// The usage writer commits in the background: wait until every attempt has its final row.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var rows []map[string]any
		manage(t, h, tok, "GET", "/api/usage/records?limit=100", "", &rows)
		final := 0
		for _, r := range rows {
			if r["outcome"] != "in_flight" {
				final++
			}
		}
		if final >= len(requests) || time.Now().After(deadline) {
			seen.WriteString(toJSON(rows))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, path := range []string{"/api/accounts", "/api/usage", "/api/logs?limit=100", "/api/status", "/api/nodes"} {
		var v any
		manage(t, h, tok, "GET", path, "", &v)
		seen.WriteString(toJSON(v))
	}
	if !strings.Contains(seen.String(), "Incorrect API key provided: [REDACTED]") {
		t.Errorf("the upstream's error did not reach the client masked; saw: %s", truncateForLog(seen.String()))
	}
	if strings.Contains(seen.String(), canary) {
		all := seen.String()
		t.Errorf("the key reached a client or a view: %s", truncateForLog(all[max(strings.Index(all, canary)-200, 0):]))
	}
	sweepFiles := func(when string) {
		for _, f := range sweep.Holding(t, dir, canary) {
			t.Errorf("%s: the key is in %s", when, f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ninerouter.db-wal")); err != nil {
		t.Logf("no WAL file while open: %v", err)
	}
	sweepFiles("while running")
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	sweepFiles("after close")
	if strings.Contains(logs.String(), canary) {
		t.Errorf("the key is in the log output:\n%s", logs.String())
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "logs")); len(entries) == 0 {
		t.Errorf("no request log was written, so the sweep proved nothing about it")
	}
}
