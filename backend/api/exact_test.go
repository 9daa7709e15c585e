package api

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gorilla/mux"
)

// The model API's routes take the map, and every route in the map is the one gorilla/mux would have picked for
// its method and path (a route shadowed by an earlier one keeps going through mux).
func TestExactRoutesAreMuxFirstMatches(t *testing.T) {
	s, _ := newTestServer(t)
	r := mux.NewRouter()
	r.SkipClean(true)
	exact := exactRoutes{}
	handlers := map[*mux.Route]string{}
	for _, rt := range s.routes() {
		var m *mux.Route
		if rt.Prefix {
			m = r.PathPrefix(rt.Path).Handler(rt.Handler)
		} else {
			m = r.Path(rt.Path).Handler(rt.Handler)
		}
		if rt.Method != "" {
			m.Methods(rt.Method)
		}
		handlers[m] = rt.Method + " " + rt.Path
		exact.add(rt, m, rt.Handler)
	}
	exact.keepFirstMatches(r)
	for _, want := range []string{"/v1/chat/completions", "/v1/messages", "/v1/responses"} {
		if exact.handler(http.MethodPost, want) == nil {
			t.Errorf("POST %s is not looked up directly", want)
		}
	}
	for method, paths := range exact {
		for path, x := range paths {
			var got mux.RouteMatch
			if !r.Match(&http.Request{Method: method, URL: &url.URL{Path: path}}, &got) || got.Route != x.route {
				t.Errorf("%s %s: the map has %q, mux picks another route", method, path, handlers[x.route])
			}
		}
	}
}
