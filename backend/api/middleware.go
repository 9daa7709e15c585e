package api

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// hostGuard refuses requests whose Host is not loopback or an IP literal: a DNS-rebinding page reaches us with
// its own domain in Host (docs/security.md C2). Names that resolve elsewhere (.local, .internal) are not accepted.
func (s *Server) hostGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !AllowedHost(r.Host) {
			s.refuse(w, r, http.StatusForbidden, "forbidden_host",
				"Host "+strings.TrimSpace(r.Host)+" is not allowed; use http://127.0.0.1 or http://localhost")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// AllowedHost reports whether a Host header value is one we answer: localhost, *.localhost, or an IP literal,
// with any port.
func AllowedHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" {
		return false
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	return net.ParseIP(h) != nil
}

// originGuard applies Go's cross-origin protection to state-changing requests (docs/security.md C4) and, on the
// model API, refuses any browser Origin that is not our own (C3): SDKs and CLIs send no Origin.
func (s *Server) originGuard(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.refuse(w, r, http.StatusForbidden, "cross_origin", "cross-origin request refused")
	}))
	guarded := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && isModelPath(r.URL.Path) && !sameOrigin(origin, r.Host) {
			s.refuse(w, r, http.StatusForbidden, "cross_origin", "browser requests from other sites are refused")
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

// refuse answers a guard's refusal: in the client's own error shape on the model API (an SDK shows its message),
// in the management API's shape elsewhere.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if isModelPath(r.URL.Path) {
		typ := "invalid_request_error"
		if status == http.StatusForbidden {
			typ = "permission_error"
		}
		s.writeClientError(w, r, shapeForPath(r.URL.Path), status, typ, msg)
		return
	}
	s.writeError(w, status, code, msg)
}

// methodNotAllowed is the routers' answer to a known path with another method.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.refuse(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "method "+r.Method+" is not allowed on "+r.URL.Path)
}

// notFound answers a path no route serves: in the client's shape under the model API, a plain 404 elsewhere.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if isModelPath(r.URL.Path) {
		s.writeClientError(w, r, shapeForPath(r.URL.Path), http.StatusNotFound, "not_found_error", "no such endpoint: "+r.URL.Path)
		return
	}
	http.NotFound(w, r)
}

func isModelPath(p string) bool {
	return strings.HasPrefix(p, "/v1") || strings.HasPrefix(p, "/api/chat") || strings.HasPrefix(p, "/api/tags") ||
		strings.HasPrefix(p, "/v1beta")
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

const sessionCookie = "nr_session"

// requireManage admits the window token, the CLI token (Authorization: Bearer) or a dashboard session cookie.
func (s *Server) requireManage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.isManager(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="ninerouter"`)
		s.writeError(w, http.StatusUnauthorized, "unauthorized", "sign in to the dashboard, or send the management token")
	})
}

func (s *Server) isManager(r *http.Request) bool {
	if s.hasToken(r) {
		return true
	}
	if c, err := r.Cookie(sessionCookie); err == nil && s.svc.CheckSession(c.Value) {
		return true
	}
	return false
}

// hasToken reports whether the request carries the window or CLI management token.
func (s *Server) hasToken(r *http.Request) bool {
	tok, ok := bearerToken(r)
	return ok && s.svc.CheckToken(tok)
}

// remoteIP is the socket's peer address; never a client-supplied header (9Router #3294).
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isLoopbackPeer reports whether the TCP peer is this machine.
func isLoopbackPeer(r *http.Request) bool {
	ip := net.ParseIP(remoteIP(r))
	return ip != nil && ip.IsLoopback()
}
