package api

// The extra client endpoints, on top of serveModel: Gemini (/v1beta), Anthropic count_tokens, Ollama chat and
// tags, the doubled /v1/v1 prefix, and the quick answers CLIs probe for (Codex's WebSocket GET /v1/responses,
// Claude Code's HEAD /api/hello).

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/ollama"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// doubledPrefix is what users get when they paste a base URL that already ends in /v1.
const doubledPrefix = "/v1/v1/"

func (s *Server) extraModelRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/v1beta/models", Access: Client, Handler: s.geminiModels},
		// {target} is "[provider/]model:action"; the model may contain slashes.
		{Method: http.MethodPost, Path: "/v1beta/models/{target:.+}", Access: Client, Handler: s.geminiCall},
		{Method: http.MethodPost, Path: "/v1/messages/count_tokens", Access: Client, Handler: s.countTokens},
		// Codex's built-in provider first tries a WebSocket on GET /v1/responses: refuse it at once so it falls
		// back to HTTPS instead of hanging. The refusal reveals nothing, so it needs no key (Codex sends none).
		{Method: http.MethodGet, Path: "/v1/responses", Access: Public, Handler: s.refuseWebSocket},
		{Method: http.MethodPost, Path: "/v1/api/chat", Access: Client, Handler: s.ollamaChat},
		{Path: doubledPrefix, Prefix: true, Access: Client, Handler: s.doubledPrefix},

		// Under /api, the management prefix (default-deny). These three are client endpoints that 9Router and
		// the CLIs expect there; each is listed here explicitly, and nothing else under /api is opened.
		{Method: http.MethodPost, Path: "/api/chat", Access: Client, Handler: s.ollamaChat}, // Ollama clients
		{Method: http.MethodGet, Path: "/api/tags", Access: Client, Handler: s.ollamaTags},  // Ollama model list
		{Method: http.MethodHead, Path: "/api/hello", Access: Public, Handler: s.hello},     // Claude Code's probe
	}
}

func (s *Server) hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (s *Server) refuseWebSocket(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	s.writeClientError(w, r, shapeOf(wire.Responses), http.StatusNotFound, "invalid_request_error",
		"NineRouter does not serve the Responses WebSocket transport; use POST /v1/responses")
}

// geminiModels answers GET /v1beta/models in Gemini's list shape.
func (s *Server) geminiModels(w http.ResponseWriter, r *http.Request) {
	var models []map[string]any
	for _, m := range s.svc.Models(r.Context()) {
		models = append(models, map[string]any{
			"name": "models/" + m.ID, "baseModelId": m.ID, "displayName": m.ID, "version": "1",
			"supportedGenerationMethods": []string{"generateContent", "streamGenerateContent", "countTokens"},
		})
	}
	if models == nil {
		models = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": models})
}

// geminiCall serves POST /v1beta/models/{model}:generateContent, :streamGenerateContent (SSE, as with alt=sse,
// which is what Gemini CLI and the genai SDKs ask for) and :countTokens.
func (s *Server) geminiCall(w http.ResponseWriter, r *http.Request) {
	target := mux.Vars(r)["target"]
	i := strings.LastIndexByte(target, ':')
	if i <= 0 {
		s.writeClientError(w, r, shapeOf(wire.Gemini), http.StatusNotFound, "not_found_error", "expected /v1beta/models/{model}:generateContent")
		return
	}
	model, action := strings.TrimPrefix(target[:i], "models/"), target[i+1:]
	body, ok := s.readModelBody(w, r, shapeOf(wire.Gemini))
	if !ok {
		return
	}
	switch action {
	case "generateContent":
		s.serveModel(w, r, wire.Gemini, body, model, false)
	case "streamGenerateContent":
		s.serveModel(w, r, wire.Gemini, body, model, true)
	case "countTokens":
		if inner := gjson.GetBytes(body, "generateContentRequest"); inner.IsObject() {
			body = []byte(inner.Raw)
		}
		n, err := translate.CountTokens(wire.Gemini, body)
		if err != nil {
			s.writeClientError(w, r, shapeOf(wire.Gemini), http.StatusBadRequest, "invalid_request_error", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"totalTokens": n})
	default:
		s.writeClientError(w, r, shapeOf(wire.Gemini), http.StatusNotFound, "not_found_error", "unsupported method :"+action)
	}
}

// countTokens serves Anthropic's POST /v1/messages/count_tokens: the upstream's own count when the model routes
// to an upstream whose wire has a count endpoint (Anthropic, Gemini), else the offline tokenizer, so Claude Code
// always gets a fast answer.
func (s *Server) countTokens(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readModelBody(w, r, shapeOf(wire.Anthropic))
	if !ok {
		return
	}
	n, native := 0, false
	if model := gjson.GetBytes(body, "model").String(); model != "" {
		n, native = s.svc.CountTokens(r.Context(), model, body, r.Header)
	}
	if !native {
		var err error
		if n, err = translate.CountTokens(wire.Anthropic, body); err != nil {
			s.writeClientError(w, r, shapeOf(wire.Anthropic), http.StatusBadRequest, "invalid_request_error", err.Error())
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(translate.CountTokensBody(n))
}

// ollamaTags answers GET /api/tags with the routable models in Ollama's list shape.
func (s *Server) ollamaTags(w http.ResponseWriter, r *http.Request) {
	var models []map[string]any
	stamp := time.Now().UTC().Format(time.RFC3339)
	for _, m := range s.svc.Models(r.Context()) {
		models = append(models, map[string]any{
			"name": m.ID, "model": m.ID, "modified_at": stamp, "size": 0, "digest": "",
			"details": map[string]any{"format": "", "family": m.OwnedBy, "parameter_size": "", "quantization_level": ""},
		})
	}
	if models == nil {
		models = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": models})
}

// ollamaChat serves Ollama's POST /api/chat: the request becomes Chat Completions, and the answer is rewritten
// on its way out by ollamaWriter.
func (s *Server) ollamaChat(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readModelBody(w, r, ollamaShape)
	if !ok {
		return
	}
	oa, model, stream, err := ollama.Request(body)
	if err != nil || model == "" {
		msg := "the request body needs a \"model\" string"
		if err != nil {
			msg = err.Error()
		}
		s.writeClientError(w, r, ollamaShape, http.StatusBadRequest, "invalid_request_error", msg)
		return
	}
	ow := &ollamaWriter{w: w, st: ollama.Stream{Model: model}}
	s.serveModel(ow, r, wire.OpenAI, oa, model, stream)
	ow.finish()
}

// ollamaWriter rewrites the Chat Completions answer serveModel writes: SSE becomes NDJSON as it streams; a JSON
// answer or an error is rewritten whole at the end.
type ollamaWriter struct {
	w      http.ResponseWriter
	st     ollama.Stream
	status int
	stream bool
	buf    []byte
	out    []byte
}

func (o *ollamaWriter) Header() http.Header { return o.w.Header() }

func (o *ollamaWriter) WriteHeader(code int) {
	if o.status != 0 {
		return
	}
	o.status = code
	if code == http.StatusOK && strings.HasPrefix(o.w.Header().Get("Content-Type"), "text/event-stream") {
		o.stream = true
		o.w.Header().Set("Content-Type", "application/x-ndjson")
		o.w.WriteHeader(code)
	}
}

func (o *ollamaWriter) Write(p []byte) (int, error) {
	if o.status == 0 {
		o.WriteHeader(http.StatusOK)
	}
	if !o.stream {
		o.buf = append(o.buf, p...)
		return len(p), nil
	}
	o.out = o.st.Feed(o.out[:0], p)
	if len(o.out) > 0 {
		if _, err := o.w.Write(o.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (o *ollamaWriter) Flush() {
	if f, ok := o.w.(http.Flusher); ok && o.stream {
		f.Flush()
	}
}

func (o *ollamaWriter) finish() {
	switch {
	case o.stream:
		if out := o.st.Close(nil); len(out) > 0 {
			_, _ = o.w.Write(out)
		}
	case o.status == 0:
	case o.status == http.StatusOK:
		o.w.Header().Set("Content-Type", "application/json")
		o.w.Header().Del("Content-Length")
		o.w.WriteHeader(http.StatusOK)
		_, _ = o.w.Write(ollama.Response(o.st.Model, o.buf))
	default:
		o.w.Header().Set("Content-Type", "application/json")
		o.w.Header().Del("Content-Length")
		o.w.WriteHeader(o.status)
		_, _ = o.w.Write(ollama.ErrorBody(o.buf))
	}
}

// doubledPrefix serves /v1/v1/... as /v1/...: the request (already authenticated by this route) is matched
// against the model routes again with one /v1 removed.
func (s *Server) doubledPrefix(w http.ResponseWriter, r *http.Request) {
	inner := mux.NewRouter()
	inner.SkipClean(true)
	inner.NotFoundHandler = http.HandlerFunc(s.notFound)
	inner.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)
	for _, rt := range s.modelRoutes() {
		if rt.Path == doubledPrefix || !strings.HasPrefix(rt.Path, "/v1") {
			continue
		}
		m := inner.Path(rt.Path).Handler(rt.Handler)
		if rt.Method != "" {
			m.Methods(rt.Method)
		}
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/v1")
	r2.URL.RawPath = ""
	inner.ServeHTTP(w, r2)
}
