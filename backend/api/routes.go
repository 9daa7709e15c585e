// Package api assembles NineRouter's HTTP surface: the client model API under /v1 (and its Gemini, Ollama and
// doubled-prefix aliases), the management API under /api, the web dashboard under /dashboard, and the security
// middleware in front of all of it (Host allowlist, cross-origin protection, size limits, default-deny auth).
package api

import (
	"net/http"
)

// Access says who may call a route. Management routes are the default: a route is public only when it says so,
// and the /api prefix as a whole is guarded, so a forgotten route is denied rather than exposed (9Router #431).
type Access int

const (
	Manage Access = iota // window token, CLI token or dashboard session
	Client               // a client API key (when required) on the model API
	Public               // anyone who passes the Host and Origin checks
)

// Route is one entry of the route table. Tests walk this table to prove default-deny.
type Route struct {
	Method  string // "" matches any method
	Path    string // gorilla/mux path template
	Prefix  bool   // match Path as a prefix
	Access  Access
	Handler http.HandlerFunc
}

// routes is the whole table. Each domain keeps its rows in its own file.
func (s *Server) routes() []Route {
	var all []Route
	all = append(all, s.coreRoutes()...)
	all = append(all, s.settingsRoutes()...)
	all = append(all, s.logRoutes()...)
	all = append(all, s.modelRoutes()...)
	all = append(all, s.routingRoutes()...)
	all = append(all, s.guardRoutes()...)
	all = append(all, s.toolRoutes()...)
	all = append(all, s.signInRoutes()...)
	all = append(all, s.quotaRoutes()...)
	all = append(all, s.desktopRoutes()...)
	all = append(all, s.importRoutes()...)
	all = append(all, s.dashboardRoutes()...)
	return all
}

// Routes exposes the table for tests and the route-walking security check.
func (s *Server) Routes() []Route { return s.routes() }
