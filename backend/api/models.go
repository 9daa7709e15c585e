package api

import "net/http"

// modelRoutes is the client model API (/v1, /v1beta, Ollama). The router core and translation fill it.
func (s *Server) modelRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/v1/models", Access: Client, Handler: s.listModels},
	}
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{}})
}

// requireClient checks the client API key on the model API. The router core owns key checking.
func (s *Server) requireClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.svc.RequireAPIKey(r.Context()) {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
				"message": "missing or invalid API key", "type": "invalid_request_error", "code": "invalid_api_key"}})
			return
		}
		next.ServeHTTP(w, r)
	})
}
