package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"google.golang.org/genai"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
)

const mockText = "Hello from the mock upstream."

// extraServer is a real NineRouter in front of the mock upstream with one node per upstream format.
func extraServer(t *testing.T) (srv *httptest.Server, key string) {
	t.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), SecretStore: "auto"}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc, err := service.Open(ctx, cfg, service.Options{Secrets: secret.NewMemory(),
		Routing: service.RoutingOptions{AttemptBudget: 5 * time.Second, HeaderTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second, TotalTimeout: 10 * time.Second},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mock := mockupstream.New(mockupstream.Options{})
	srv = httptest.NewServer(api.New(svc, nil).Handler())
	t.Cleanup(func() { srv.Close(); mock.Close(); svc.Close() })
	key, _, err = svc.CreateKey(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []struct{ prefix, format string }{{"mock", "openai"}, {"mocka", "anthropic"}, {"mockr", "openai-responses"}} {
		if _, _, err := svc.AddNode(ctx, service.NodeInput{Prefix: n.prefix, Format: n.format, BaseURL: mock.URL + "/v1", APIKey: "k-" + n.prefix, Models: []string{"m"}}); err != nil {
			t.Fatal(err)
		}
	}
	return srv, key
}

func do(t *testing.T, srv *httptest.Server, method, path, key, body string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestGeminiEndpoints(t *testing.T) {
	srv, key := extraServer(t)
	body := `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"temperature":1}}`
	// Every upstream format behind the Gemini client endpoint, streaming and not.
	for _, model := range []string{"mock/m", "mocka/m", "mockr/m"} {
		t.Run(model, func(t *testing.T) {
			resp := do(t, srv, "POST", "/v1beta/models/"+model+":generateContent", key, body)
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("generateContent: %d %s", resp.StatusCode, raw)
			}
			var r genai.GenerateContentResponse
			if err := json.Unmarshal(raw, &r); err != nil || r.Text() != mockText {
				t.Fatalf("generateContent: %v %q %s", err, r.Text(), raw)
			}
			resp = do(t, srv, "POST", "/v1beta/models/"+model+":streamGenerateContent?alt=sse", key, body)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				raw, _ := io.ReadAll(resp.Body)
				t.Fatalf("stream: %d %s", resp.StatusCode, raw)
			}
			rd := sse.NewReader(resp.Body, 0)
			var text strings.Builder
			for {
				ev, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				var c genai.GenerateContentResponse
				if err := json.Unmarshal(ev.Data, &c); err != nil {
					t.Fatalf("chunk %s: %v", ev.Data, err)
				}
				text.WriteString(c.Text())
			}
			if text.String() != mockText {
				t.Fatalf("streamed text %q", text.String())
			}
		})
	}
	resp := do(t, srv, "GET", "/v1beta/models", key, "")
	var list struct{ Models []struct{ Name string } }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Models) == 0 || !strings.HasPrefix(list.Models[0].Name, "models/") {
		t.Fatalf("models: %v %+v", err, list)
	}
	resp = do(t, srv, "POST", "/v1beta/models/mock/m:countTokens", key, body)
	var ct struct{ TotalTokens int }
	if err := json.NewDecoder(resp.Body).Decode(&ct); err != nil || ct.TotalTokens <= 0 {
		t.Fatalf("countTokens: %v %+v", err, ct)
	}
	if resp := do(t, srv, "POST", "/v1beta/models/mock/m:generateContent", "", body); resp.StatusCode != 401 {
		t.Fatalf("no key: %d", resp.StatusCode)
	}
}

// TestGeminiThroughGenaiSDK drives the Gemini endpoint with Google's own SDK.
func TestGeminiThroughGenaiSDK(t *testing.T) {
	srv, key := extraServer(t)
	ctx := context.Background()
	c, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: key, Backend: genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL + "/"}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	// "mocka-m" is not a routable model: the SDK must surface the error answer as an error.
	res, err := c.Models.GenerateContent(ctx, "mocka-m", genai.Text("hi"), nil)
	if err == nil {
		t.Fatalf("unknown model answered: %+v", res)
	}
	whole, err := c.Models.GenerateContent(ctx, "mock/m", genai.Text("hi"), nil)
	if err != nil || whole.Text() != mockText {
		t.Fatalf("genai generateContent: %v", err)
	}
	var text strings.Builder
	for chunk, err := range c.Models.GenerateContentStream(ctx, "mocka/m", genai.Text("hi"), nil) {
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(chunk.Text())
	}
	if text.String() != mockText {
		t.Fatalf("genai stream text %q", text.String())
	}
}

func TestCountTokensEndpoint(t *testing.T) {
	srv, key := extraServer(t)
	resp := do(t, srv, "POST", "/v1/messages/count_tokens?beta=true", key,
		`{"model":"mocka/m","system":"You are terse.","messages":[{"role":"user","content":"Count these tokens please"}],"tools":[{"name":"t","input_schema":{"type":"object"}}]}`)
	var ct struct {
		InputTokens int `json:"input_tokens"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ct); err != nil || resp.StatusCode != 200 || ct.InputTokens < 8 {
		t.Fatalf("count_tokens: %d %v %+v", resp.StatusCode, err, ct)
	}
	// mocka is an Anthropic-wire node: its own count endpoint answers. mock speaks OpenAI Chat, which has none:
	// the offline tokenizer counts.
	if ct.InputTokens != mockupstream.NativeCount {
		t.Fatalf("Anthropic upstream: count %d, want the upstream's own %d", ct.InputTokens, mockupstream.NativeCount)
	}
	resp = do(t, srv, "POST", "/v1/messages/count_tokens", key,
		`{"model":"mock/m","messages":[{"role":"user","content":"Count these tokens please"}]}`)
	ct.InputTokens = 0
	if err := json.NewDecoder(resp.Body).Decode(&ct); err != nil || resp.StatusCode != 200 || ct.InputTokens < 3 || ct.InputTokens == mockupstream.NativeCount {
		t.Fatalf("offline count: %d %v %+v", resp.StatusCode, err, ct)
	}
	resp = do(t, srv, "POST", "/v1/messages/count_tokens", key, `{"messages":"nope"}`)
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !bytes.Contains(raw, []byte(`"type":"error"`)) {
		t.Fatalf("bad body: %d %s", resp.StatusCode, raw)
	}
}

func TestOllamaEndpoints(t *testing.T) {
	srv, key := extraServer(t)
	for _, path := range []string{"/api/chat", "/v1/api/chat"} {
		for _, model := range []string{"mock/m", "mocka/m"} {
			// streaming is Ollama's default
			resp := do(t, srv, "POST", path, key, `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
				raw, _ := io.ReadAll(resp.Body)
				t.Fatalf("%s %s: %d %s", path, model, resp.StatusCode, raw)
			}
			sc := bufio.NewScanner(resp.Body)
			var text strings.Builder
			done := false
			for sc.Scan() {
				var line struct {
					Message struct{ Content string }
					Done    bool
					Eval    int `json:"eval_count"`
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("line %s: %v", sc.Bytes(), err)
				}
				text.WriteString(line.Message.Content)
				done = done || line.Done
			}
			if text.String() != mockText || !done {
				t.Fatalf("%s %s: text %q done %v", path, model, text.String(), done)
			}
			resp = do(t, srv, "POST", path, key, `{"model":"`+model+`","stream":false,"messages":[{"role":"user","content":"hi"}]}`)
			var whole struct {
				Message struct{ Content string }
				Done    bool
			}
			if err := json.NewDecoder(resp.Body).Decode(&whole); err != nil || whole.Message.Content != mockText || !whole.Done {
				t.Fatalf("%s %s non-stream: %v %+v", path, model, err, whole)
			}
		}
	}
	resp := do(t, srv, "GET", "/api/tags", key, "")
	var tags struct{ Models []struct{ Name string } }
	if err := json.NewDecoder(resp.Body).Decode(&tags); err != nil || len(tags.Models) == 0 {
		t.Fatalf("tags: %v %+v", err, tags)
	}
	resp = do(t, srv, "POST", "/api/chat", key, `{"model":"nobody/none","stream":false,"messages":[{"role":"user","content":"hi"}]}`)
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 400 || !bytes.HasPrefix(raw, []byte(`{"error":"`)) {
		t.Fatalf("unknown model: %d %s", resp.StatusCode, raw)
	}
	// /api stays default-deny around the three opened paths
	if resp := do(t, srv, "GET", "/api/status", key, ""); resp.StatusCode != 401 {
		t.Fatalf("/api/status with a client key: %d", resp.StatusCode)
	}
}

func TestProbesAnswerAtOnce(t *testing.T) {
	srv, _ := extraServer(t)
	if resp := do(t, srv, "HEAD", "/api/hello", "", ""); resp.StatusCode != 200 {
		t.Fatalf("HEAD /api/hello: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/responses", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("openai-beta", "responses_websockets=2026-02-06")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 && resp.StatusCode != 426 {
		t.Fatalf("websocket probe: %d", resp.StatusCode)
	}
}

// TestCrossFormatThroughServer sends each client SDK through the real server to each upstream format,
// streaming and not, including through the doubled /v1/v1 prefix.
func TestCrossFormatThroughServer(t *testing.T) {
	srv, key := extraServer(t)
	ctx := context.Background()
	oc := openai.NewClient(option.WithBaseURL(srv.URL+"/v1/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	ac := anthropic.NewClient(aoption.WithBaseURL(srv.URL), aoption.WithAPIKey(key), aoption.WithMaxRetries(0))
	for _, model := range []string{"mock/m", "mocka/m", "mockr/m"} {
		t.Run(model, func(t *testing.T) {
			cc, err := oc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
			if err != nil || cc.Choices[0].Message.Content != mockText {
				t.Fatalf("chat: %v %+v", err, cc)
			}
			st := oc.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
				StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}})
			var acc openai.ChatCompletionAccumulator
			for st.Next() {
				acc.AddChunk(st.Current())
			}
			if st.Err() != nil || acc.Choices[0].Message.Content != mockText {
				t.Fatalf("chat stream: %v %q", st.Err(), acc.Choices[0].Message.Content)
			}
			msg, err := ac.Messages.New(ctx, anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: 100,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}})
			if err != nil || len(msg.Content) == 0 || msg.Content[0].Text != mockText {
				t.Fatalf("messages: %v %+v", err, msg)
			}
			ms := ac.Messages.NewStreaming(ctx, anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: 100,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}})
			var m anthropic.Message
			for ms.Next() {
				if err := m.Accumulate(ms.Current()); err != nil {
					t.Fatal(err)
				}
			}
			if ms.Err() != nil || len(m.Content) == 0 || m.Content[0].Text != mockText {
				t.Fatalf("messages stream: %v %+v", ms.Err(), m.Content)
			}
			rs, err := oc.Responses.New(ctx, responses.ResponseNewParams{Model: model, Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")}})
			if err != nil || rs.OutputText() != mockText {
				t.Fatalf("responses: %v", err)
			}
		})
	}
}
