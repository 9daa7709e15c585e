package api

// The router core's management API. Every route needs management access (window token, CLI token or dashboard
// session); bodies and answers are JSON; errors are {"error":{"code","message"}} with codes bad_json,
// invalid (400), not_found (404), conflict (409), too_large (413), internal (500).
//
// Providers and accounts (the Providers page)
//   GET    /api/providers                      → [ProviderInfo]  {id,name,prefixes,auth,formats,defaultBaseUrl,
//                                                 models,notice,node,nodeId,strategy,accounts}
//   PUT    /api/providers/{id}/strategy        {strategy:"fill-first"|"round-robin", stickyLimit?} → {ok}
//   GET    /api/accounts                       → [AccountView] {id,provider,providerName,name,baseUrl,effectiveUrl,
//                                                 proxyUrl,priority,enabled,models,hasKey,dailyUsd,monthlyUsd,
//                                                 spentToday,spentMonth,overBudget,lastError,lastErrorAt,
//                                                 cooldowns:[{accountId,model,until,reason}],createdAt}
//   POST   /api/accounts                       {provider,apiKey,name?,baseUrl?,proxyUrl?,priority?,enabled?,models?,
//                                                 dailyUsd?,monthlyUsd?} → 201 AccountView
//   GET    /api/accounts/{id}                  → AccountView
//   PATCH  /api/accounts/{id}                  any AccountInput field (apiKey replaces the key) → AccountView
//   DELETE /api/accounts/{id}                  → {ok}
//   POST   /api/accounts/{id}/test             {model?} → {ok,status,latencyMs,model,message} (one tiny real request;
//                                                 model defaults to the account's first model, else the provider's)
//   POST   /api/accounts/{id}/reset-cooldown   → {ok}
//   GET    /api/cooldowns                      → [{accountId,model,until,reason}]
//   GET    /api/nodes                          → [{id,prefix,name,format,baseUrl,createdAt}]
//   POST   /api/nodes                          {prefix,format:"openai"|"openai-responses"|"anthropic",baseUrl,apiKey?,
//                                                 name?,proxyUrl?,models?} → 201 {node,account}
//   DELETE /api/nodes/{id}                     → {ok}   (its accounts go too; guard.go: 409 in_use, ?cascade=true)
//
// Combos, aliases, models (the Combos page, the tray)
//   GET    /api/combos                         → {active, virtualModel:"ninerouter/active", combos:[{name,strategy,
//                                                 entries:[{model,dailyUsd?,monthlyUsd?,overBudget?}],active}]}
//   PUT    /api/combos/{name}                  {strategy?:"fallback"|"round-robin", entries:[{model,...}]} → Combo
//                                                 (or {models:["a","b"]} as a shorthand); order = fallback order
//   DELETE /api/combos/{name}                  → {ok}
//   GET    /api/combos/active                  → {active, virtualModel}
//   PUT    /api/combos/active                  {name} ("" deactivates) → {active, virtualModel}
//   GET    /api/aliases                        → {name: target}
//   PUT    /api/aliases/{name}                 {target} → {ok}
//   DELETE /api/aliases/{name}                 → {ok}
//   GET    /api/models                         → {object:"list", data:[{id,object,created,owned_by}]} (as /v1/models)
//
// Client API keys
//   GET    /api/keys                           → [{id,name,hint,createdAt,revokedAt?}]
//   POST   /api/keys                           {name?,allowedCombos?,dailyUsd?,monthlyUsd?} → 201 {key:"nr-…" (shown once), info:{id,name,hint,createdAt}}
//   DELETE /api/keys/{id}                      → revoked key
//   PUT    /api/keys/{id}/limits               {allowedCombos?,dailyUsd?,monthlyUsd?} → key (a member's limits)
//
// Usage and pricing (the Usage page)
//   GET    /api/usage?since=24h|7d|RFC3339&until=&bucket=hour|day
//                                              → {since,until,bucket,total:Totals,buckets:[{start,...Totals}],
//                                                 by:{provider|model|account|key|combo:[{key,...Totals}]}}
//                                                 Totals = {requests,attempts,errors,input,output,cacheRead,
//                                                 cacheWrite,reasoning,costUsd}: requests = client requests,
//                                                 attempts = upstream tries, errors = failed attempts (docs/ui.md)
//   GET    /api/usage/records?since=24h&limit=200 → [UsageRecord] newest first (one per attempt)
//   GET    /api/pricing                        → [{provider,model,input,output,cacheRead,cacheWrite,custom}]
//                                                 (USD per million tokens; model may end in '*')
//   PUT    /api/pricing                        {provider?,model,input,output,cacheRead?,cacheWrite?} → {ok}
//   DELETE /api/pricing?provider=&model=       → {ok}  (a built-in default comes back)
//
// Changes publish events on /api/events: accounts, combos, keys, usage.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// routingRoutes is the management API of the router core: providers, accounts, combos, keys, usage.
func (s *Server) routingRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/providers", Handler: s.listProviders},
		{Method: http.MethodPut, Path: "/api/providers/{id}/strategy", Handler: s.setStrategy},
		{Method: http.MethodGet, Path: "/api/accounts", Handler: s.listAccounts},
		{Method: http.MethodPost, Path: "/api/accounts", Handler: s.addAccount},
		{Method: http.MethodGet, Path: "/api/accounts/{id:[0-9]+}", Handler: s.getAccount},
		{Method: http.MethodPatch, Path: "/api/accounts/{id:[0-9]+}", Handler: s.updateAccount},
		{Method: http.MethodDelete, Path: "/api/accounts/{id:[0-9]+}", Handler: s.deleteAccount},
		{Method: http.MethodPost, Path: "/api/accounts/{id:[0-9]+}/test", Handler: s.testAccount},
		{Method: http.MethodPost, Path: "/api/accounts/{id:[0-9]+}/reset-cooldown", Handler: s.resetCooldown},
		{Method: http.MethodGet, Path: "/api/cooldowns", Handler: s.listCooldowns},
		{Method: http.MethodGet, Path: "/api/nodes", Handler: s.listNodes},
		{Method: http.MethodPost, Path: "/api/nodes", Handler: s.addNode},
		{Method: http.MethodDelete, Path: "/api/nodes/{id:[0-9]+}", Handler: s.deleteNode},
		{Method: http.MethodGet, Path: "/api/combos", Handler: s.listCombos},
		{Method: http.MethodGet, Path: "/api/combos/active", Handler: s.getActive},
		{Method: http.MethodPut, Path: "/api/combos/active", Handler: s.setActive},
		{Method: http.MethodPut, Path: "/api/combos/{name}", Handler: s.setCombo},
		{Method: http.MethodDelete, Path: "/api/combos/{name}", Handler: s.deleteCombo},
		{Method: http.MethodGet, Path: "/api/aliases", Handler: s.listAliases},
		{Method: http.MethodPut, Path: "/api/aliases/{name}", Handler: s.setAlias},
		{Method: http.MethodDelete, Path: "/api/aliases/{name}", Handler: s.deleteAlias},
		{Method: http.MethodGet, Path: "/api/models", Handler: s.manageModels},
		{Method: http.MethodGet, Path: "/api/keys", Handler: s.listKeys},
		{Method: http.MethodPost, Path: "/api/keys", Handler: s.createKey},
		{Method: http.MethodDelete, Path: "/api/keys/{id:[0-9]+}", Handler: s.revokeKey},
		{Method: http.MethodPut, Path: "/api/keys/{id:[0-9]+}/limits", Handler: s.setKeyLimits},
		{Method: http.MethodGet, Path: "/api/usage", Handler: s.usageReport},
		{Method: http.MethodGet, Path: "/api/usage/records", Handler: s.usageRecords},
		{Method: http.MethodGet, Path: "/api/pricing", Handler: s.listPricing},
		{Method: http.MethodPut, Path: "/api/pricing", Handler: s.setPricing},
		{Method: http.MethodDelete, Path: "/api/pricing", Handler: s.deletePricing},
	}
}

// writeServiceError maps service errors to statuses.
// Messages lose the sentinel's "invalid: " / "conflict: " / "not found: " prefix: the code says that, and
// people read the message.
func (s *Server) writeServiceError(w http.ResponseWriter, err error) {
	if s.writeConflict(w, err) {
		return
	}
	switch {
	case errors.Is(err, service.ErrNotFound):
		s.writeError(w, http.StatusNotFound, "not_found", plainMessage(err, service.ErrNotFound))
	case errors.Is(err, service.ErrInvalid):
		s.writeError(w, http.StatusBadRequest, "invalid", plainMessage(err, service.ErrInvalid))
	case errors.Is(err, service.ErrConflict):
		s.writeError(w, http.StatusConflict, "conflict", plainMessage(err, service.ErrConflict))
	case errors.Is(err, context.Canceled):
		s.writeError(w, 499, "canceled", err.Error())
	default:
		s.writeError(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

// plainMessage drops the sentinel's own text from the front of a wrapped message and starts it with a capital.
func plainMessage(err, sentinel error) string {
	msg := strings.TrimPrefix(err.Error(), sentinel.Error()+": ")
	if msg == "" {
		return sentinel.Error()
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

func pathID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	return id
}

var okBody = map[string]any{"ok": true}

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Providers(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) setStrategy(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Strategy    string `json:"strategy"`
		StickyLimit int    `json:"stickyLimit"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	if err := s.svc.SetProviderStrategy(r.Context(), mux.Vars(r)["id"], route.Strategy(body.Strategy), body.StickyLimit); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Accounts(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.svc.Account(r.Context(), pathID(r))
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) addAccount(w http.ResponseWriter, r *http.Request) {
	var in service.AccountInput
	if !s.decodeManage(w, r, &in) {
		return
	}
	a, err := s.svc.AddAccount(r.Context(), in)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) {
	var in service.AccountInput
	if !s.decodeManage(w, r, &in) {
		return
	}
	a, err := s.svc.UpdateAccount(r.Context(), pathID(r), in)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) testAccount(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Model string `json:"model"`
	}
	if r.ContentLength > 0 && !s.decodeManage(w, r, &body) {
		return
	}
	res, err := s.svc.TestAccount(r.Context(), pathID(r), strings.TrimSpace(body.Model))
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) resetCooldown(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.ResetCooldowns(r.Context(), pathID(r)); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) listCooldowns(w http.ResponseWriter, r *http.Request) {
	list := s.svc.Cooldowns()
	if list == nil {
		list = []route.Cooldown{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) listNodes(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Nodes(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) addNode(w http.ResponseWriter, r *http.Request) {
	var in service.NodeInput
	if !s.decodeManage(w, r, &in) {
		return
	}
	n, a, err := s.svc.AddNode(r.Context(), in)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"node": n, "account": a})
}

func (s *Server) listCombos(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Combos(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	active, _ := s.svc.ActiveCombo(r.Context())
	// Each combo carries the entries that name something missing, so its card can say so.
	problems := s.svc.ComboProblems()
	out := make([]Combo, len(list))
	for i, c := range list {
		out[i] = Combo{ComboView: c, Problems: problems[c.Name]}
		if out[i].Problems == nil {
			out[i].Problems = []service.Problem{}
		}
	}
	writeJSON(w, http.StatusOK, CombosPage{Active: active, VirtualModel: route.ActiveModel, Combos: out})
}

func (s *Server) setCombo(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Strategy string             `json:"strategy"`
		Entries  []route.ComboEntry `json:"entries"`
		Models   []string           `json:"models"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	for _, m := range body.Models {
		body.Entries = append(body.Entries, route.ComboEntry{Model: m})
	}
	c, err := s.svc.SetCombo(r.Context(), route.Combo{Name: mux.Vars(r)["name"], Strategy: body.Strategy, Entries: body.Entries})
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) getActive(w http.ResponseWriter, r *http.Request) {
	active, _ := s.svc.ActiveCombo(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"active": active, "virtualModel": route.ActiveModel})
}

func (s *Server) setActive(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	if err := s.svc.ActivateCombo(r.Context(), body.Name); err != nil {
		s.writeServiceError(w, err)
		return
	}
	s.getActive(w, r)
}

func (s *Server) listAliases(w http.ResponseWriter, r *http.Request) {
	a, _ := s.svc.Aliases(r.Context())
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) setAlias(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Target string `json:"target"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	if err := s.svc.SetAlias(r.Context(), mux.Vars(r)["name"], body.Target); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) deleteAlias(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteAlias(r.Context(), mux.Vars(r)["name"]); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) manageModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": s.modelsWithProblems(r)})
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.ListKeys(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
		keys.Limits
	}
	if r.ContentLength != 0 && !s.decodeManage(w, r, &body) {
		return
	}
	limited := len(body.AllowedCombos) > 0 || body.DailyUSD != 0 || body.MonthlyUSD != 0
	if limited { // refuse bad limits before a key exists
		if err := s.svc.ValidKeyLimits(body.Limits); err != nil {
			s.writeServiceError(w, err)
			return
		}
	}
	key, info, err := s.svc.CreateKey(r.Context(), strings.TrimSpace(body.Name))
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	if limited {
		limitedInfo, err := s.svc.SetKeyLimits(r.Context(), info.ID, body.Limits)
		if err != nil {
			// Never hand out a key without the limits asked for.
			s.svc.RevokeKey(r.Context(), info.ID)
			s.writeServiceError(w, err)
			return
		}
		info = limitedInfo
	}
	writeJSON(w, http.StatusCreated, CreatedKey{Key: key, Info: info})
}

func (s *Server) setKeyLimits(w http.ResponseWriter, r *http.Request) {
	var body keys.Limits
	if !s.decodeManage(w, r, &body) {
		return
	}
	k, err := s.svc.SetKeyLimits(r.Context(), pathID(r), body)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.svc.RevokeKey(r.Context(), pathID(r))
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

// parseSince accepts a duration back from now ("24h", "7d", "30m") or an RFC 3339 time.
func parseSince(v string, def time.Duration) (time.Time, error) {
	if v == "" {
		return time.Now().Add(-def), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return time.Time{}, errors.New("since: want a duration like 24h or 7d, or an RFC 3339 time")
		}
		return time.Now().AddDate(0, 0, -n), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return time.Time{}, errors.New("since: want a duration like 24h or 7d, or an RFC 3339 time")
	}
	return time.Now().Add(-d), nil
}

func (s *Server) usageReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err := parseSince(q.Get("since"), 24*time.Hour)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	var until time.Time
	if v := q.Get("until"); v != "" {
		if until, err = time.Parse(time.RFC3339, v); err != nil {
			s.writeError(w, http.StatusBadRequest, "invalid", "until: want an RFC 3339 time")
			return
		}
	}
	rep, err := s.svc.Usage(r.Context(), usage.Query{Since: since, Until: until, Bucket: q.Get("bucket")})
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) usageRecords(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err := parseSince(q.Get("since"), 24*time.Hour)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	rows, err := s.svc.UsageRecords(r.Context(), since, limit)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rows)
}

func (s *Server) listPricing(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.PriceList())
}

func (s *Server) setPricing(w http.ResponseWriter, r *http.Request) {
	var p usage.Price
	if !s.decodeManage(w, r, &p) {
		return
	}
	if strings.TrimSpace(p.Model) == "" || p.Input < 0 || p.Output < 0 || p.CacheRead < 0 || p.CacheWrite < 0 {
		s.writeError(w, http.StatusBadRequest, "invalid", "a price needs a model and non-negative prices")
		return
	}
	if err := s.svc.SetPrice(r.Context(), p); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

func (s *Server) deletePricing(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := s.svc.DeletePrice(r.Context(), q.Get("provider"), q.Get("model")); err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}
