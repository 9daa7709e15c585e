package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// TestNothingLostSilently walks issue 13's silent-loss cases through the API: a create under a taken name
// refuses with what is there, a delete of something in use names its users and removes them only on
// ?cascade=true, and a combo that refers to something missing is flagged in /api/combos and /v1/models.
func TestNothingLostSilently(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	mustManage := func(method, path, body string, want int) map[string]any {
		t.Helper()
		var out map[string]any
		if code := manage(t, h, tok, method, path, body, &out); code != want {
			t.Fatalf("%s %s: %d, want %d: %v", method, path, code, want, out)
		}
		return out
	}
	mustManage("POST", "/api/nodes", `{"prefix":"mock","format":"openai","baseUrl":"`+mock.URL+`/v1","apiKey":"k","models":["m1"]}`, 201)
	mustManage("POST", "/api/combos", `{"name":"main","entries":[{"model":"mock/m1"}]}`, 201)
	mustManage("POST", "/api/combos", `{"name":"outer","models":["main","mock/m2"]}`, 201)
	mustManage("POST", "/api/aliases", `{"name":"fast","target":"mock/m1"}`, 201)
	mustManage("PUT", "/api/combos/active", `{"name":"main"}`, 200)

	t.Run("create under a taken name refuses and shows what is there", func(t *testing.T) {
		e := mustManage("POST", "/api/combos", `{"name":"main","entries":[{"model":"mock/m2"}]}`, 409)["error"].(map[string]any)
		if e["code"] != "exists" || !strings.Contains(toJSON(e["existing"]), "mock/m1") {
			t.Fatalf("combo conflict: %v", e)
		}
		e = mustManage("POST", "/api/aliases", `{"name":"fast","target":"mock/m2"}`, 409)["error"].(map[string]any)
		if e["code"] != "exists" || !strings.Contains(toJSON(e["existing"]), `"target":"mock/m1"`) {
			t.Fatalf("alias conflict: %v", e)
		}
		e = mustManage("POST", "/api/aliases", `{"name":"main","target":"mock/m2"}`, 409)["error"].(map[string]any)
		if e["code"] != "exists" {
			t.Fatalf("alias over a combo: %v", e)
		}
		// Nothing was overwritten; PUT still replaces on purpose.
		var aliases map[string]string
		manage(t, h, tok, "GET", "/api/aliases", "", &aliases)
		if aliases["fast"] != "mock/m1" {
			t.Fatalf("alias overwritten: %v", aliases)
		}
		mustManage("PUT", "/api/aliases/fast", `{"target":"mock/m1"}`, 200)
	})

	t.Run("deleting what is used names the users; cascade removes them", func(t *testing.T) {
		e := mustManage("DELETE", "/api/combos/main", "", 409)["error"].(map[string]any)
		if e["code"] != "in_use" || !strings.Contains(toJSON(e["references"]), `"name":"outer"`) ||
			!strings.Contains(e["message"].(string), "active combo") || strings.HasPrefix(e["message"].(string), "conflict") {
			t.Fatalf("combo in use: %v", e)
		}
		var nodes []map[string]any
		manage(t, h, tok, "GET", "/api/nodes", "", &nodes)
		nodePath := "/api/nodes/" + toJSON(nodes[0]["id"])
		e = mustManage("DELETE", nodePath, "", 409)["error"].(map[string]any)
		refs := toJSON(e["references"])
		for _, want := range []string{`"name":"main"`, `"name":"outer"`, `"name":"fast"`, `"active":true`} {
			if !strings.Contains(refs, want) {
				t.Errorf("node references lack %s: %s", want, refs)
			}
		}
		var accts []map[string]any
		manage(t, h, tok, "GET", "/api/accounts", "", &accts)
		if e := mustManage("DELETE", "/api/accounts/"+toJSON(accts[0]["id"]), "", 409)["error"].(map[string]any); e["code"] != "in_use" {
			t.Fatalf("last account in use: %v", e)
		}
		mustManage("DELETE", nodePath+"?cascade=true", "", 200)
		var combos struct {
			Active string           `json:"active"`
			Combos []map[string]any `json:"combos"`
		}
		manage(t, h, tok, "GET", "/api/combos", "", &combos)
		var aliases map[string]string
		manage(t, h, tok, "GET", "/api/aliases", "", &aliases)
		if combos.Active != "" || len(combos.Combos) != 0 || len(aliases) != 0 {
			t.Fatalf("after cascade: active %q, combos %v, aliases %v", combos.Active, combos.Combos, aliases)
		}
	})
}

// TestMissingReferencesAreFlagged: a combo whose provider lost its last account says so on /api/combos and
// /v1/models instead of failing only at request time.
func TestMissingReferencesAreFlagged(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	var acct map[string]any
	manage(t, h, tok, "POST", "/api/accounts", `{"provider":"glm","apiKey":"k"}`, &acct)
	manage(t, h, tok, "POST", "/api/combos", `{"name":"c","entries":[{"model":"glm/glm-4.6"}]}`, nil)
	manage(t, h, tok, "PATCH", "/api/accounts/"+toJSON(acct["id"]), `{"enabled":false}`, nil)
	var combos struct {
		Combos []struct {
			Problems []map[string]string `json:"problems"`
		} `json:"combos"`
	}
	manage(t, h, tok, "GET", "/api/combos", "", &combos)
	if len(combos.Combos) != 1 || len(combos.Combos[0].Problems) != 1 || !strings.Contains(combos.Combos[0].Problems[0]["reason"], "no enabled account") {
		t.Fatalf("problems: %+v", combos)
	}
	manage(t, h, tok, "PUT", "/api/settings", `{"require_api_key":"false"}`, nil)
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:20128/v1/models", nil)
	req.RemoteAddr = "127.0.0.1:5555"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"id":"c"`) || !strings.Contains(rec.Body.String(), `"problems":[{"model":"glm/glm-4.6"`) {
		t.Fatalf("/v1/models: %d %s", rec.Code, rec.Body.String())
	}
}

// TestTestRequestAndServing: the test button's route answers through the real /v1 path with a key of its own
// (created once, reused), and /api/serving names the account the next request goes to.
func TestTestRequestAndServing(t *testing.T) {
	srv, svc := newTestServer(t)
	h := srv.Handler()
	tok := svc.WindowToken()
	mock := mockupstream.New(mockupstream.Options{Text: "pong"})
	defer mock.Close()
	var res map[string]any
	manage(t, h, tok, "POST", "/api/test-request", `{}`, &res)
	if res["ok"] != false || !strings.Contains(toJSON(res["message"]), "no combo is active") {
		t.Fatalf("with nothing set up: %v", res)
	}
	manage(t, h, tok, "POST", "/api/nodes", `{"prefix":"mock","format":"openai","baseUrl":"`+mock.URL+`/v1","apiKey":"k","name":"mine","models":["m1"]}`, nil)
	manage(t, h, tok, "POST", "/api/combos", `{"name":"main","models":["mock/m1"]}`, nil)
	manage(t, h, tok, "PUT", "/api/combos/active", `{"name":"main"}`, nil)
	var sv struct {
		Active   string `json:"active"`
		NextTier int    `json:"nextTier"`
		Tiers    []struct {
			Provider string `json:"provider"`
			State    string `json:"state"`
			Accounts []struct {
				Name string `json:"name"`
			} `json:"accounts"`
		} `json:"tiers"`
	}
	manage(t, h, tok, "GET", "/api/serving", "", &sv)
	if sv.Active != "main" || sv.NextTier != 0 || sv.Tiers[0].State != "ready" || sv.Tiers[0].Accounts[0].Name != "mine" {
		t.Fatalf("serving: %+v", sv)
	}
	for i := 0; i < 2; i++ {
		res = nil
		manage(t, h, tok, "POST", "/api/test-request", ``, &res)
		if res["ok"] != true || !strings.Contains(toJSON(res["answer"]), "pong") {
			t.Fatalf("test request %d: %v", i, res)
		}
	}
	var keys []map[string]any
	manage(t, h, tok, "GET", "/api/keys", "", &keys)
	if len(keys) != 1 || keys[0]["name"] != "NineRouter test button" {
		t.Fatalf("the test key is made once and reused: %v", keys)
	}
}
