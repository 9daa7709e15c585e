package api

// Routes of the window's first-run path and its guards against silent loss (issue 13):
//
//   POST   /api/combos                  {name,strategy?,entries|models} → 201 Combo; 409 {error:{code:"exists",
//                                          message, existing}} when the name is taken (PUT /api/combos/{name} replaces)
//   POST   /api/aliases                 {name,target} → 201 {name,target}; 409 exists as above (PUT replaces)
//   DELETE /api/combos/{name}, /api/accounts/{id}, /api/nodes/{id}
//                                        → 409 {error:{code:"in_use", message, references:[{kind,name,model,active}]}}
//                                          when combos or aliases use it; ?cascade=true removes those references too
//   GET    /api/serving                 → {active, tiers:[{entry,provider,providerName,model,state,accounts:[{id,
//                                          name,state,until,reason}]}], nextTier, nextAccount, problem}
//   POST   /api/test-request            {model?} → {ok,status,model,answer,latencyMs,message}: one small chat
//                                          request through the router's own /v1 path, sent with the dashboard's
//                                          own client key (created and kept in the secret store on first use)

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
)

func (s *Server) guardRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/api/combos", Handler: s.createCombo},
		{Method: http.MethodPost, Path: "/api/aliases", Handler: s.createAlias},
		{Method: http.MethodGet, Path: "/api/serving", Handler: s.serving},
		{Method: http.MethodPost, Path: "/api/test-request", Handler: s.testRequest},
	}
}

// conflictBody is a 409 with what the user needs to decide: what exists, or who uses it.
type conflictBody struct {
	Error struct {
		Code       string              `json:"code"`
		Message    string              `json:"message"`
		Existing   any                 `json:"existing,omitempty"`
		References []service.Reference `json:"references,omitempty"`
	} `json:"error"`
}

// writeConflict answers the typed conflicts with their details; false when err is neither.
func (s *Server) writeConflict(w http.ResponseWriter, err error) bool {
	var b conflictBody
	if e, ok := service.IsExists(err); ok {
		b.Error.Code, b.Error.Message, b.Error.Existing = "exists", e.Error(), e.Existing
	} else if e, ok := service.IsInUse(err); ok {
		b.Error.Code, b.Error.Message, b.Error.References = "in_use", e.Error(), e.Refs
		if b.Error.References == nil {
			b.Error.References = []service.Reference{}
		}
	} else {
		return false
	}
	b.Error.Message = s.redact(b.Error.Message)
	writeJSON(w, http.StatusConflict, b)
	return true
}

type comboBody struct {
	Name     string             `json:"name"`
	Strategy string             `json:"strategy"`
	Entries  []route.ComboEntry `json:"entries"`
	Models   []string           `json:"models"`
}

func (b comboBody) combo(name string) route.Combo {
	for _, m := range b.Models {
		b.Entries = append(b.Entries, route.ComboEntry{Model: m})
	}
	return route.Combo{Name: strings.TrimSpace(name), Strategy: b.Strategy, Entries: b.Entries}
}

func (s *Server) createCombo(w http.ResponseWriter, r *http.Request) {
	var body comboBody
	if !s.decodeManage(w, r, &body) {
		return
	}
	c, err := s.svc.CreateCombo(r.Context(), body.combo(body.Name))
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) createAlias(w http.ResponseWriter, r *http.Request) {
	var body service.AliasView
	if !s.decodeManage(w, r, &body) {
		return
	}
	if err := s.svc.CreateAlias(r.Context(), body.Name, body.Target); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, service.AliasView{Name: strings.TrimSpace(body.Name), Target: strings.TrimSpace(body.Target)})
}

// cascade reads ?cascade=true: remove the references along with the thing deleted.
func cascade(r *http.Request) bool { return r.URL.Query().Get("cascade") == "true" }

func (s *Server) deleteCombo(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RemoveCombo(r.Context(), mux.Vars(r)["name"], cascade(r)); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RemoveAccount(r.Context(), pathID(r), cascade(r)); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) deleteNode(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.RemoveNode(r.Context(), pathID(r), cascade(r)); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) serving(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.Serving(r.Context()))
}

// testRequestPrompt asks for a short, recognisable answer; max_tokens keeps it cheap on a paid account.
const testRequestPrompt = "Reply with one short sentence to confirm you can hear me."

// testRequest sends one small OpenAI chat request through the same handler chain a coding tool reaches (client
// key check, routing, fallback, translation, usage), in-process, so it proves the whole path end to end.
func (s *Server) testRequest(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Model string `json:"model"`
	}
	if r.ContentLength != 0 && !s.decodeManage(w, r, &body) {
		return
	}
	model := strings.TrimSpace(body.Model)
	if model == "" {
		model = route.ActiveModel
	}
	key, err := s.svc.TestClientKey(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	payload, _ := json.Marshal(map[string]any{
		"model": model, "max_tokens": 64, "stream": false,
		"messages": []map[string]string{{"role": "user", "content": testRequestPrompt}},
	})
	req := httptest.NewRequestWithContext(r.Context(), http.MethodPost, "/v1/chat/completions", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("User-Agent", "NineRouter test button")
	rec := httptest.NewRecorder()
	began := time.Now()
	s.router().ServeHTTP(rec, req)
	res := TestRequestResult{Status: rec.Code, Model: model, LatencyMs: time.Since(began).Milliseconds()}
	out := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		res.OK = true
		res.Served = gjson.GetBytes(out, "model").String()
		res.Answer = gjson.GetBytes(out, "choices.0.message.content").String()
	} else {
		res.Message = gjson.GetBytes(out, "error.message").String()
		if res.Message == "" {
			res.Message = strings.TrimSpace(string(out))
		}
	}
	writeJSON(w, http.StatusOK, res)
}
