package api

import (
	"io/fs"
	"net/http"
	"strings"
)

// dashboardRoutes serves the built web UI at /dashboard. The pages are public; every call they make to /api is
// authenticated, and the UI shows the login or first-run setup when /api/auth/state says so.
func (s *Server) dashboardRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/", Access: Public, Handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/dashboard/", http.StatusFound)
		}},
		{Method: http.MethodGet, Path: "/dashboard", Access: Public, Handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/dashboard/", http.StatusMovedPermanently)
		}},
		{Method: http.MethodGet, Path: "/dashboard/", Prefix: true, Access: Public, Handler: s.serveDashboard},
	}
}

func (s *Server) serveDashboard(w http.ResponseWriter, r *http.Request) {
	if s.assets == nil {
		http.Error(w, "this build has no web UI", http.StatusNotFound)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/dashboard/")
	if name == "" {
		name = "index.html"
	}
	if _, err := fs.Stat(s.assets, name); err != nil {
		name = "index.html" // hash-routed SPA: unknown paths get the app
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
	if name == "index.html" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, s.assets, name)
}
