package api

import (
	"net/http"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/service"
)

// desktopRoutes are the desktop life-cycle's management routes: start at login and the update check
// (backend/service/desktop.go), and uninstall (backend/service/uninstall.go).
func (s *Server) desktopRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/autostart", Access: Manage, Handler: s.getAutostart},
		{Method: http.MethodPut, Path: "/api/autostart", Access: Manage, Handler: s.putAutostart},
		{Method: http.MethodGet, Path: "/api/update", Access: Manage, Handler: s.getUpdate},
		{Method: http.MethodPost, Path: "/api/update/check", Access: Manage, Handler: s.checkUpdate},
		{Method: http.MethodPost, Path: "/api/uninstall", Access: Manage, Handler: s.uninstall},
		{Method: http.MethodPost, Path: "/api/secrets/unlock", Access: Manage, Handler: s.unlockSecrets},
	}
}

// getAutostart answers {enabled, where, command, current, supported}.
func (s *Server) getAutostart(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.Autostart()
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "autostart", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// putAutostart takes {"enabled": true|false}.
func (s *Server) putAutostart(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Enabled *bool `json:"enabled"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	if body.Enabled == nil {
		s.writeError(w, http.StatusBadRequest, "bad_request", `want {"enabled": true} or {"enabled": false}`)
		return
	}
	st, err := s.svc.SetAutostart(*body.Enabled)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "autostart", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// getUpdate answers the last update check (update.Status); it never fetches.
func (s *Server) getUpdate(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.UpdateStatus()
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "update", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// checkUpdate asks the feed now; a refused feed is a 200 whose "error" says why (the check itself worked).
func (s *Server) checkUpdate(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.CheckForUpdate(r.Context())
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "update", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// uninstall takes {"home": "", "purge": false} and answers the UninstallReport. With purge, a desktop app quits
// afterwards and deletes its data dir once the database is closed; a headless server keeps running, so the
// caller must stop it and delete the data dir (the CLI refuses that case before asking).
func (s *Server) uninstall(w http.ResponseWriter, r *http.Request) {
	var opt service.UninstallOptions
	if !s.decodeManage(w, r, &opt) {
		return
	}
	rep := s.svc.Uninstall(r.Context(), opt)
	writeJSON(w, http.StatusOK, rep)
	if opt.Purge && s.svc.Config().Desktop {
		s.svc.Publish(events.KindQuit, nil)
	}
}

// unlockSecrets asks a locked keychain again (the OS shows its password prompt) and answers {"waiting": reason}
// ("" once the keys are loaded).
func (s *Server) unlockSecrets(w http.ResponseWriter, r *http.Request) {
	s.svc.UnlockSecrets()
	writeJSON(w, http.StatusOK, map[string]string{"waiting": s.svc.SecretsWaiting()})
}
