package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/service"
)

func (s *Server) coreRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/healthz", Access: Public, Handler: s.healthz},
		{Method: http.MethodHead, Path: "/healthz", Access: Public, Handler: s.healthz},
		{Method: http.MethodGet, Path: "/api/auth/state", Access: Public, Handler: s.authState},
		{Method: http.MethodPost, Path: "/api/auth/login", Access: Public, Handler: s.login},
		{Method: http.MethodPost, Path: "/api/auth/setup", Access: Public, Handler: s.setup},
		{Method: http.MethodPost, Path: "/api/auth/logout", Access: Manage, Handler: s.logout},
		{Method: http.MethodPost, Path: "/api/auth/password", Access: Manage, Handler: s.changePassword},
		{Method: http.MethodGet, Path: "/api/status", Access: Manage, Handler: s.status},
		{Method: http.MethodGet, Path: "/api/events", Access: Manage, Handler: s.events},
		{Method: http.MethodPost, Path: "/api/app/show", Access: Manage, Handler: s.showWindow},
	}
}

// healthz is public and says only that this is NineRouter and which data dir it serves, so a second launch can
// recognise its own running instance.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "service": "ninerouter"})
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.Status(r.Context()))
}

func (s *Server) authState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, AuthState{
		PasswordSet:  s.svc.PasswordSet(r.Context()),
		SignedIn:     s.isManager(r),
		SetupAllowed: !s.svc.PasswordSet(r.Context()) && isLoopbackPeer(r),
	})
}

type passwordBody struct {
	Password string `json:"password"`
	Current  string `json:"current,omitempty"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var body passwordBody
	if !s.decodeManage(w, r, &body) {
		return
	}
	id, err := s.svc.Login(r.Context(), remoteIP(r), body.Password)
	switch {
	case errors.Is(err, service.ErrLockedOut):
		s.writeError(w, http.StatusTooManyRequests, "locked_out", err.Error())
		return
	case errors.Is(err, service.ErrBusy):
		w.Header().Set("Retry-After", "1")
		s.writeError(w, http.StatusTooManyRequests, "busy", err.Error())
		return
	case errors.Is(err, service.ErrNoPassword):
		s.writeError(w, http.StatusConflict, "no_password", "choose a password first")
		return
	case err != nil:
		s.writeError(w, http.StatusUnauthorized, "bad_password", "wrong password")
		return
	}
	s.setSession(w, r, id)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// setup chooses the first password. Allowed once, from this machine only.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if s.svc.PasswordSet(r.Context()) {
		s.writeError(w, http.StatusConflict, "already_set", "a password is already set; sign in")
		return
	}
	if !isLoopbackPeer(r) {
		s.writeError(w, http.StatusForbidden, "setup_local_only", "choose the first password from this machine, or with `ninerouter password`")
		return
	}
	var body passwordBody
	if !s.decodeManage(w, r, &body) {
		return
	}
	if err := s.svc.SetPassword(r.Context(), body.Password); err != nil {
		s.writeError(w, http.StatusBadRequest, "weak_password", err.Error())
		return
	}
	id, err := s.svc.Login(r.Context(), remoteIP(r), body.Password)
	if err != nil {
		s.writeError(w, http.StatusInternalServerError, "login_failed", err.Error())
		return
	}
	s.setSession(w, r, id)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// changePassword sets a new dashboard password. A dashboard session must also give the current one (a stolen
// or forgotten-open session must not be enough to lock the owner out); the window and CLI tokens prove local
// access to the data dir already.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var body passwordBody
	if !s.decodeManage(w, r, &body) {
		return
	}
	if !s.hasToken(r) && s.svc.PasswordSet(r.Context()) {
		switch err := s.svc.CheckPassword(r.Context(), remoteIP(r), body.Current); {
		case errors.Is(err, service.ErrLockedOut), errors.Is(err, service.ErrBusy):
			s.writeError(w, http.StatusTooManyRequests, "locked_out", err.Error())
			return
		case err != nil:
			s.writeError(w, http.StatusForbidden, "bad_current_password", "the current password is wrong")
			return
		}
	}
	if err := s.svc.SetPassword(r.Context(), body.Password); err != nil {
		s.writeError(w, http.StatusBadRequest, "weak_password", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.svc.Logout(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int((7 * 24 * time.Hour).Seconds()),
	})
}

func (s *Server) showWindow(w http.ResponseWriter, r *http.Request) {
	s.svc.Publish(events.KindShowWindow, nil)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "desktop": s.svc.Config().Desktop})
}

// events streams the bus as Server-Sent Events so the dashboard redraws on change without polling.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	_ = rc.Flush()
	ch := s.svc.Subscribe(r.Context())
	tick := time.NewTicker(25 * time.Second)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Kind, b)
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-r.Context().Done():
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
