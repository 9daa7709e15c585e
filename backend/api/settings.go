package api

import "net/http"

func (s *Server) settingsRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/settings", Access: Manage, Handler: s.getSettings},
		{Method: http.MethodPut, Path: "/api/settings", Access: Manage, Handler: s.putSettings},
	}
}

// getSettings answers [{key, kind, default, description, restartRequired, value, overriddenBy}].
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Settings(r.Context())
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "settings", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// putSettings takes {"key": "value", ...}; all or nothing.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	var changes map[string]string
	if !s.decodeManage(w, r, &changes) {
		return
	}
	if err := s.svc.UpdateSettings(r.Context(), changes); err != nil {
		s.writeError(w, http.StatusBadRequest, "bad_setting", err.Error())
		return
	}
	s.getSettings(w, r)
}
