package api

// Subscription sign-in (issue 11). Every route needs management access. A flow never returns a token.
//
//   GET    /api/signin/providers   → [{id,name,prefix,plans,status?,risk?,flows:["browser","import","paste"],importPath?}]
//   POST   /api/signin             {provider:"claude"|"cc"|…, flow?:"browser"|"paste"|"device"|"import", accountId?}
//                                  → 201 Flow {id,provider,providerName,flow,state,url?,userCode?,verificationUri?,
//                                    message?,importNote?,expiresAt,accountId?,email?,plan?}
//                                  (accountId signs that account in again; state: waiting|exchanging|done|failed|
//                                    expired|cancelled; every flow expires after 5 minutes)
//   GET    /api/signin/{id}        → Flow (poll until state is terminal)
//   POST   /api/signin/{id}/code   {code: the pasted redirect address, "code#state" or the code} → Flow
//                                  (a wrong code answers 400 and leaves the flow waiting for another paste)
//   DELETE /api/signin/{id}        → Flow (cancelled; its callback listener closes)
//
// NINEROUTER_ENDPOINTS (test URLs) is read from the environment only; no route sets it.

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/ninerouter/ninerouter/backend/oauth"
)

func (s *Server) signInRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/signin/providers", Handler: s.signInProviders},
		{Method: http.MethodPost, Path: "/api/signin", Handler: s.startSignIn},
		{Method: http.MethodGet, Path: "/api/signin/{id:[0-9a-f]+}", Handler: s.getSignIn},
		{Method: http.MethodPost, Path: "/api/signin/{id:[0-9a-f]+}/code", Handler: s.submitSignInCode},
		{Method: http.MethodDelete, Path: "/api/signin/{id:[0-9a-f]+}", Handler: s.cancelSignIn},
	}
}

func (s *Server) signInProviders(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.SignInProviders())
}

func (s *Server) startSignIn(w http.ResponseWriter, r *http.Request) {
	var req oauth.StartRequest
	if !s.decodeManage(w, r, &req) {
		return
	}
	v, err := s.svc.StartSignIn(r.Context(), req)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Server) getSignIn(w http.ResponseWriter, r *http.Request) {
	v, err := s.svc.SignInFlow(mux.Vars(r)["id"])
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) submitSignInCode(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Code string `json:"code"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	v, err := s.svc.SubmitSignInCode(mux.Vars(r)["id"], body.Code)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) cancelSignIn(w http.ResponseWriter, r *http.Request) {
	v, err := s.svc.CancelSignIn(mux.Vars(r)["id"])
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
