package api

import (
	"encoding/json"
	"net/http"
	"strconv"
)

func (s *Server) logRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/logs", Access: Manage, Handler: s.getLogs},
	}
}

// getLogs answers {"enabled": bool, "entries": [...]} with up to ?limit= (default 100, at most 1000) of the newest
// debug request-log entries, newest first: {time, requestId, attempt, provider, model, url, status,
// requestHeader, requestBody, responseBody}, secrets removed.
func (s *Server) getLogs(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, http.StatusBadRequest, "bad_limit", "limit must be a positive number")
			return
		}
		limit = min(n, 1000)
	}
	entries, on, err := s.svc.RequestLogTail(r.Context(), limit)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "logs", err.Error())
		return
	}
	if entries == nil {
		entries = []json.RawMessage{}
	}
	writeJSON(w, http.StatusOK, RequestLogPage{Enabled: on, Entries: entries})
}
