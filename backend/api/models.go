package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// modelRoutes is the client model API (/v1). The translation engineer's models_extra.go adds /v1beta (Gemini),
// Ollama, count_tokens and the /v1/v1 aliases on top of serveModel.
func (s *Server) modelRoutes() []Route {
	return append([]Route{
		{Method: http.MethodGet, Path: "/v1/models", Access: Client, Handler: s.listModels},
		{Method: http.MethodPost, Path: "/v1/chat/completions", Access: Client, Handler: s.modelHandler(wire.OpenAI)},
		{Method: http.MethodPost, Path: "/v1/messages", Access: Client, Handler: s.modelHandler(wire.Anthropic)},
		{Method: http.MethodPost, Path: "/v1/responses", Access: Client, Handler: s.modelHandler(wire.Responses)},
	}, s.extraModelRoutes()...)
}

// listModels answers /v1/models in OpenAI's list format: every enabled model, every combo and alias, and the
// active combo's virtual model.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": s.modelsWithProblems(r)})
}

// modelEntry is a /v1/models entry; a combo some of whose entries name something missing lists them under
// "problems" (OpenAI clients ignore the extra field), so the gap shows before a request fails.
type modelEntry struct {
	service.ModelInfo
	Problems []service.Problem `json:"problems,omitempty"`
}

func (s *Server) modelsWithProblems(r *http.Request) []modelEntry {
	models := s.svc.Models(r.Context())
	problems := s.svc.ComboProblems()
	out := make([]modelEntry, len(models))
	for i, m := range models {
		out[i] = modelEntry{ModelInfo: m, Problems: problems[m.ID]}
	}
	return out
}

// modelHandler reads a JSON request whose body names the model and says whether to stream (OpenAI Chat,
// Responses, Anthropic Messages), then hands it to serveModel.
func (s *Server) modelHandler(client wire.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.readModelBody(w, r, shapeOf(client))
		if !ok {
			return
		}
		model := gjson.GetBytes(body, "model")
		if model.Type != gjson.String || strings.TrimSpace(model.String()) == "" {
			s.writeClientError(w, r, shapeOf(client), http.StatusBadRequest, "invalid_request_error", "the request body needs a \"model\" string")
			return
		}
		s.serveModel(w, r, client, body, model.String(), gjson.GetBytes(body, "stream").Bool())
	}
}

// readModelBody reads a client body with the model-API size limit, answering 413/400 in the client's shape.
// Handlers in models_extra.go use it too. ok=false means it answered.
func (s *Server) readModelBody(w http.ResponseWriter, r *http.Request, client errorShape) ([]byte, bool) {
	body, err := readBody(w, r, MaxModelBody)
	if errors.Is(err, errBodyTooLarge) {
		s.writeClientError(w, r, client, http.StatusRequestEntityTooLarge, "request_too_large", err.Error())
		return nil, false
	}
	if err != nil {
		s.writeClientError(w, r, client, http.StatusBadRequest, "invalid_request_error", "could not read the request body: "+err.Error())
		return nil, false
	}
	// Depth and validity in one flat scan before anything parses: the translators recurse, and ten million '['
	// overflow the stack (issue #9 finding 1).
	if err := jsonguard.Valid(body); errors.Is(err, jsonguard.ErrInvalid) {
		s.writeClientError(w, r, client, http.StatusBadRequest, "invalid_request_error", "the request body is not valid JSON")
		return nil, false
	} else if err != nil {
		s.writeClientError(w, r, client, http.StatusBadRequest, "invalid_request_error", "the request body is refused: "+err.Error())
		return nil, false
	}
	return body, true
}

// serveModel is the one generic model handler: every client endpoint ends here once it knows the client's wire
// format, the raw JSON body (in that format), the requested model string and whether the client wants a stream.
// It counts the request, resolves the model (prefix/model, combo, alias or route.ActiveModel), walks the
// attempt loop (accounts, fallback, translation) and writes the answer or an error in the client's own format.
// Endpoints whose model is not in the body (Gemini's /v1beta/models/{model}:generateContent) pass it here.
func (s *Server) serveModel(w http.ResponseWriter, r *http.Request, client wire.Format, body []byte, model string, stream bool) {
	s.svc.CountRequest()
	if err := s.svc.CheckKeyAccess(r.Context(), clientKeyID(r.Context()), model); err != nil {
		status, typ := http.StatusForbidden, "permission_error"
		if errors.Is(err, service.ErrKeyBudget) {
			status, typ = http.StatusTooManyRequests, "rate_limit_error"
		}
		s.writeClientError(w, r, shapeOf(client), status, typ, err.Error())
		return
	}
	s.svc.ServeModel(r.Context(), w, proxy.Inbound{
		Client: client, Model: model, Body: body, Stream: stream, Header: r.Header,
		KeyID: clientKeyID(r.Context()), Endpoint: r.URL.Path,
	})
}

// bearerToken reads "Authorization: Bearer <token>"; the scheme is case-insensitive (RFC 9110 §11.1), so
// "bearer" from hand-written clients is accepted too (issue #9 finding 8).
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

type keyIDCtx struct{}

// clientKeyID is the id of the client API key that authenticated the request (0 when none was needed).
func clientKeyID(ctx context.Context) int64 {
	id, _ := ctx.Value(keyIDCtx{}).(int64)
	return id
}

// clientFormatForPath picks the error format of a model-API path before its handler runs.
func clientFormatForPath(p string) wire.Format {
	switch {
	case strings.Contains(p, "/messages"):
		return wire.Anthropic
	case strings.HasPrefix(p, "/v1beta"):
		return wire.Gemini
	case strings.Contains(p, "/responses"):
		return wire.Responses
	}
	return wire.OpenAI
}

// presentedKey finds a client key: Authorization: Bearer (OpenAI SDKs, Codex), x-api-key (Anthropic SDKs,
// Claude Code), x-goog-api-key or ?key= (Gemini SDKs and CLI).
func presentedKey(r *http.Request) string {
	if v, ok := bearerToken(r); ok {
		return v
	}
	for _, h := range []string{"x-api-key", "x-goog-api-key"} {
		if v := strings.TrimSpace(r.Header.Get(h)); v != "" {
			return v
		}
	}
	return r.URL.Query().Get("key")
}

// requireClient checks the client API key on the model API. A valid key's id rides in the context for usage
// rows. When keys are not required (loopback with the setting relaxed), a valid key is still recorded.
func (s *Server) requireClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := presentedKey(r)
		id, valid := s.svc.VerifyKey(key)
		if !valid && s.svc.RequireAPIKey(r.Context()) {
			msg := "missing API key: create one with `ninerouter key create` and send it as a Bearer token or x-api-key"
			if key != "" {
				msg = "invalid or revoked API key"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="ninerouter"`)
			s.writeClientError(w, r, shapeForPath(r.URL.Path), http.StatusUnauthorized, "authentication_error", msg)
			return
		}
		if valid {
			r = r.WithContext(context.WithValue(r.Context(), keyIDCtx{}, id))
		}
		next.ServeHTTP(w, r)
	})
}
