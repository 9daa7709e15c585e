// Package handlers holds lane E's testing.B benchmarks of NineRouter's model handler and translators: CPU and
// allocations per request on a noisy machine, where wall-clock lanes swing. The handler runs in-process
// (api.Server's handler, called with an httptest recorder: no client socket), in front of the in-repo mock
// upstream on loopback; the translators run on bodies and streams captured from that mock.
package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// router is a configured NineRouter handler in front of the mock.
type router struct {
	h   http.Handler
	key string
}

func newRouter(tb testing.TB, mock *mockupstream.Server) *router {
	tb.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: tb.TempDir(), SecretStore: "auto"}
	if err := cfg.Finish(); err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	svc, err := service.Open(ctx, cfg, service.Options{Secrets: secret.NewMemory(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	key, _, err := svc.CreateKey(ctx, "bench")
	if err != nil {
		tb.Fatal(err)
	}
	for _, n := range []struct{ prefix, format string }{{"mock", "openai"}, {"mocka", "anthropic"}} {
		if _, _, err := svc.AddNode(ctx, service.NodeInput{Prefix: n.prefix, Format: n.format, BaseURL: mock.URL + "/v1", APIKey: "sk-up"}); err != nil {
			tb.Fatal(err)
		}
	}
	return &router{h: api.New(svc, nil).Handler(), key: key}
}

// call is one client request to the handler.
type call struct {
	name, path, body string
	header           map[string]string
}

func calls(stream bool) []call {
	s := fmt.Sprint(stream)
	return []call{
		{"passthrough_openai-openai", "/v1/chat/completions", `{"model":"mock/gpt-bench","messages":[{"role":"user","content":"Say hello."}],"max_tokens":64,"stream":` + s + `}`, nil},
		{"anthropic-openai", "/v1/messages", `{"model":"mock/gpt-bench","max_tokens":64,"messages":[{"role":"user","content":"Say hello."}],"stream":` + s + `}`, map[string]string{"anthropic-version": "2023-06-01"}},
		{"responses-openai", "/v1/responses", `{"model":"mock/gpt-bench","input":"Say hello.","max_output_tokens":64,"stream":` + s + `}`, nil},
		{"openai-anthropic", "/v1/chat/completions", `{"model":"mocka/claude-bench","messages":[{"role":"user","content":"Say hello."}],"max_tokens":64,"stream":` + s + `}`, nil},
	}
}

func (r *router) serve(tb testing.TB, c call) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:20128"+c.path, strings.NewReader(c.body))
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.key)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("%s: HTTP %d: %.300s", c.name, rec.Code, rec.Body.String())
	}
	return rec
}

// BenchmarkHandler is one request through the whole model handler: auth, routing, the upstream call over
// loopback, translation, usage accounting.
func BenchmarkHandler(b *testing.B) {
	mock := mockupstream.New(mockupstream.Options{DisableRecording: true})
	defer mock.Close()
	r := newRouter(b, mock)
	for _, stream := range []bool{false, true} {
		for _, c := range calls(stream) {
			name := c.name
			if stream {
				name = "stream_" + name
			}
			b.Run(name, func(b *testing.B) {
				r.serve(b, c) // warm the connection pool
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					r.serve(b, c)
				}
			})
		}
	}
}

// TestHandlerCalls keeps the benchmark's calls working under plain `go test`.
func TestHandlerCalls(t *testing.T) {
	mock := mockupstream.New(mockupstream.Options{DisableRecording: true})
	defer mock.Close()
	r := newRouter(t, mock)
	for _, stream := range []bool{false, true} {
		for _, c := range calls(stream) {
			rec := r.serve(t, c)
			if rec.Body.Len() == 0 {
				t.Errorf("%s stream=%v: empty answer", c.name, stream)
			}
		}
	}
}

// upstreamCapture is what the mock answers in one format, JSON and SSE.
type upstreamCapture struct {
	json   []byte
	events []sse.Event
}

func capture(tb testing.TB, mock *mockupstream.Server, f wire.Format) upstreamCapture {
	tb.Helper()
	req := map[wire.Format][2]string{
		wire.OpenAI:    {"/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]%s}`},
		wire.Anthropic: {"/v1/messages", `{"model":"m","max_tokens":64,"messages":[{"role":"user","content":"hi"}]%s}`},
		wire.Responses: {"/v1/responses", `{"model":"m","input":"hi"%s}`},
	}[f]
	path, body := req[0], req[1]
	get := func(extra string) []byte {
		resp, err := http.Post(mock.URL+path, "application/json", strings.NewReader(fmt.Sprintf(body, extra)))
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			tb.Fatalf("mock %s: %d %v %s", f, resp.StatusCode, err, raw)
		}
		return raw
	}
	c := upstreamCapture{json: get("")}
	rd := sse.NewReader(bytes.NewReader(get(`,"stream":true,"stream_options":{"include_usage":true}`)), 1<<20)
	for {
		ev, err := rd.Next()
		if err != nil {
			break
		}
		ev.Data = append([]byte(nil), ev.Data...)
		c.events = append(c.events, ev)
	}
	if len(c.events) == 0 {
		tb.Fatalf("mock %s: no stream events", f)
	}
	return c
}

// pairs are the translator pairs of the benchmark issue, plus passthrough for scale.
var pairs = []struct{ client, upstream wire.Format }{
	{wire.OpenAI, wire.OpenAI},
	{wire.Anthropic, wire.OpenAI},
	{wire.Responses, wire.OpenAI},
	{wire.Gemini, wire.OpenAI},
	{wire.OpenAI, wire.Anthropic},
}

var clientBodies = map[wire.Format]string{
	wire.OpenAI:    `{"model":"x","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello."}],"max_tokens":64}`,
	wire.Anthropic: `{"model":"x","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"Say hello."}]}`,
	wire.Responses: `{"model":"x","instructions":"Be brief.","input":"Say hello.","max_output_tokens":64}`,
	wire.Gemini:    `{"systemInstruction":{"parts":[{"text":"Be brief."}]},"contents":[{"role":"user","parts":[{"text":"Say hello."}]}],"generationConfig":{"maxOutputTokens":64}}`,
}

// BenchmarkTranslate measures each pair's request conversion, JSON answer conversion and whole-stream
// conversion (every event of one mock stream, per op), with allocations.
func BenchmarkTranslate(b *testing.B) {
	mock := mockupstream.New(mockupstream.Options{DisableRecording: true, Chunks: 16})
	defer mock.Close()
	caps := map[wire.Format]upstreamCapture{}
	for _, p := range pairs {
		if _, ok := caps[p.upstream]; !ok {
			caps[p.upstream] = capture(b, mock, p.upstream)
		}
	}
	for _, p := range pairs {
		name := string(p.client) + "-" + string(p.upstream)
		body := []byte(clientBodies[p.client])
		c := caps[p.upstream]
		b.Run("request/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := translate.Request(p.client, p.upstream, "up-model", body, false); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("response/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := translate.Response(p.upstream, p.client, "x", c.json); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("stream%d/%s", len(c.events), name), func(b *testing.B) {
			b.ReportAllocs()
			var dst []byte
			for i := 0; i < b.N; i++ {
				st := translate.NewStream(p.upstream, p.client, "x")
				for _, ev := range c.events {
					var err error
					if dst, err = st.Event(dst[:0], ev); err != nil {
						b.Fatal(err)
					}
				}
				dst = st.Finish(dst[:0])
			}
		})
	}
}

// TestTranslatePairs keeps the translator benchmark's inputs valid under plain `go test`.
func TestTranslatePairs(t *testing.T) {
	mock := mockupstream.New(mockupstream.Options{DisableRecording: true, Chunks: 4})
	defer mock.Close()
	for _, p := range pairs {
		c := capture(t, mock, p.upstream)
		if _, err := translate.Request(p.client, p.upstream, "up", []byte(clientBodies[p.client]), false); err != nil {
			t.Errorf("%s→%s request: %v", p.client, p.upstream, err)
		}
		if out, _, err := translate.Response(p.upstream, p.client, "x", c.json); err != nil || len(out) == 0 {
			t.Errorf("%s→%s response: %v", p.upstream, p.client, err)
		}
		st := translate.NewStream(p.upstream, p.client, "x")
		var out []byte
		for _, ev := range c.events {
			var err error
			if out, err = st.Event(out, ev); err != nil {
				t.Fatalf("%s→%s stream: %v", p.upstream, p.client, err)
			}
		}
		if out = st.Finish(out); len(out) == 0 {
			t.Errorf("%s→%s stream: nothing out", p.upstream, p.client)
		}
	}
}
