package api

import (
	"net/http"
	"strings"

	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// errorShape is how a client endpoint words its errors: the error object of one of the four wire formats, or
// Ollama's {"error":"message"} on the Ollama endpoints (whose requests are served as Chat Completions, so their
// wire format alone would answer in OpenAI's shape).
type errorShape struct {
	format wire.Format
	ollama bool
}

// shapeOf is the error shape of a wire format's own endpoints.
func shapeOf(f wire.Format) errorShape { return errorShape{format: f} }

// ollamaShape is the Ollama endpoints' error shape.
var ollamaShape = errorShape{ollama: true}

// write answers an error in this shape.
func (e errorShape) write(w http.ResponseWriter, status int, typ, msg string) {
	if e.ollama {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	proxy.WriteClientError(w, e.format, status, typ, msg)
}

// isOllamaPath reports the Ollama endpoints, with or without a /v1 (or the doubled /v1/v1) in front.
func isOllamaPath(p string) bool {
	for strings.HasPrefix(p, "/v1/") {
		p = strings.TrimPrefix(p, "/v1")
	}
	return p == "/api/chat" || p == "/api/tags"
}

// shapeForPath picks the error shape of a model-API path before its handler runs (authentication, origin
// and Host refusals).
func shapeForPath(p string) errorShape {
	if isOllamaPath(p) {
		return ollamaShape
	}
	return shapeOf(clientFormatForPath(p))
}
