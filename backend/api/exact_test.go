package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
)

// fixedRoutes answers each fixed method and path with the handler gorilla/mux itself picks for it: a route an
// earlier prefix shadows gets the earlier handler, a route an earlier path variable shadows stays with mux (its
// handler reads the variables), and routes with variables or prefixes are not in the map.
func TestFixedRoutesAnswerAsMux(t *testing.T) {
	say := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(name)) }
	}
	routes := []Route{
		{Method: http.MethodGet, Path: "/v1/", Prefix: true, Handler: say("prefix")},
		{Method: http.MethodGet, Path: "/v1/models", Handler: say("models")}, // shadowed by the prefix
		{Method: http.MethodPost, Path: "/v1/chat", Handler: say("chat")},
		{Method: http.MethodPost, Path: "/v2/{name}", Handler: say("var")},
		{Method: http.MethodPost, Path: "/v2/fixed", Handler: say("fixed")}, // shadowed by the variable
	}
	r := mux.NewRouter()
	for _, rt := range routes {
		m := r.Path(rt.Path)
		if rt.Prefix {
			m = r.PathPrefix(rt.Path)
		}
		m.Methods(rt.Method).Handler(rt.Handler)
	}
	fixed := fixedRoutes(r, routes)
	for _, tc := range []struct{ method, path, want string }{
		{http.MethodGet, "/v1/models", "prefix"},
		{http.MethodPost, "/v1/chat", "chat"},
		{http.MethodPost, "/v2/fixed", ""},
		{http.MethodPost, "/v2/{name}", ""},
		{http.MethodGet, "/v1/", ""},
	} {
		h := fixed[tc.method][tc.path]
		got := ""
		if h != nil {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			got = rec.Body.String()
		}
		if got != tc.want {
			t.Errorf("%s %s: the map answers %q, want %q (\"\": left to mux)", tc.method, tc.path, got, tc.want)
		}
	}
}
