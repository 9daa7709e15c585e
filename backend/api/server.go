package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/mux"
)

// Limits on what a client may send (docs/security.md C12).
const (
	MaxManageBody  = 1 << 20  // 1 MiB for management calls
	MaxModelBody   = 64 << 20 // 64 MiB for model calls (images, PDFs)
	MaxHeaderBytes = 1 << 20
)

// Server is the HTTP front of the service.
type Server struct {
	svc    Backend
	log    *slog.Logger
	assets fs.FS // the built frontend (frontend/dist), may be nil
	http   *http.Server
	ln     net.Listener
}

// New builds the server. assets is the built web UI, served at /dashboard.
func New(svc Backend, assets fs.FS) *Server {
	return &Server{svc: svc, log: svc.Logger(), assets: assets}
}

// Handler is the network-facing handler: every request passes the Host allowlist and cross-origin checks.
func (s *Server) Handler() http.Handler {
	return s.hostGuard(s.originGuard(s.router()))
}

// WindowHandler serves the desktop window's API calls in-process (Wails' asset-server handler). Those requests
// never cross a socket, so the Host check does not apply; authentication still does.
func (s *Server) WindowHandler() http.Handler { return s.router() }

func (s *Server) router() http.Handler {
	r := mux.NewRouter()
	r.SkipClean(true) // keep /v1/v1/... intact; the model routes handle the doubled prefix themselves
	routes := s.routes()
	for _, rt := range routes {
		h := http.Handler(rt.Handler)
		switch rt.Access {
		case Manage:
			h = s.requireManage(h)
		case Client:
			h = s.requireClient(h)
		}
		var m *mux.Route
		if rt.Prefix {
			m = r.PathPrefix(rt.Path).Handler(h)
		} else {
			m = r.Path(rt.Path).Handler(h)
		}
		if rt.Method != "" {
			m.Methods(rt.Method)
		}
	}
	// Unknown /api paths answer 401 to the unauthenticated (no route discovery) and 404 to the authenticated.
	// The Ollama endpoints under /api are known to everyone: another method there is a 405 in Ollama's shape.
	unknownAPI := s.requireManage(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.writeError(w, http.StatusNotFound, "not_found", "no such management route")
	}))
	r.PathPrefix("/api/").Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isOllamaPath(r.URL.Path) {
			s.methodNotAllowed(w, r)
			return
		}
		unknownAPI.ServeHTTP(w, r)
	}))
	r.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	fixed := fixedRoutes(r, routes)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if h := fixed[req.Method][req.URL.Path]; h != nil {
			h.ServeHTTP(w, req)
			return
		}
		r.ServeHTTP(w, req)
	})
}

// fixedRoutes maps each route's own method and fixed path (every model API call a coding tool makes) to the handler
// gorilla/mux picks for exactly that request, so a model request skips mux's walk through every route's regular
// expression (the model routes come after the management ones: a measurable part of each request,
// bench/FINDINGS.md) and still gets mux's answer. A request mux answers with path variables stays with mux (the
// handler reads them from mux); so does anything not in the map (prefixes, variables, another method: a 405).
func fixedRoutes(r *mux.Router, routes []Route) map[string]map[string]http.Handler {
	fixed := map[string]map[string]http.Handler{}
	for _, rt := range routes {
		if rt.Prefix || rt.Method == "" || strings.Contains(rt.Path, "{") {
			continue
		}
		var got mux.RouteMatch
		if !r.Match(&http.Request{Method: rt.Method, URL: &url.URL{Path: rt.Path}}, &got) || len(got.Vars) > 0 {
			continue
		}
		if fixed[rt.Method] == nil {
			fixed[rt.Method] = map[string]http.Handler{}
		}
		fixed[rt.Method][rt.Path] = got.Handler
	}
	return fixed
}

// Listen binds addr. It runs before the data dir is touched, so a port in use leaves nothing half-created, and
// it explains the usual cause in one line.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("address %s is already in use: is NineRouter (or 9Router) already running? Quit it or choose another port with --addr", addr)
		}
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Attach prepares the server on a bound listener; Serve then runs it.
func (s *Server) Attach(ctx context.Context, ln net.Listener) {
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout/WriteTimeout: they would cut long model streams. Bodies get a read deadline in
		// readBody, and upstream streams have their own idle timeouts.
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.svc.SetListening(ln.Addr().String())
}

// Serve runs until Shutdown; it returns nil on a clean shutdown.
func (s *Server) Serve() error {
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting, waits for in-flight requests (streams included) until ctx ends, then closes.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	err := s.http.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.http.Close()
	}
	return err
}
