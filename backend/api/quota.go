package api

// Subscription quotas (issue 12). Every route needs management access.
//
//   GET  /api/quota                      → {accounts:[{accountId,provider,name,plan?,state,windows:[{id,label,
//                                           seconds?,usedPercent?,resetsAt?,state,used?,limit?}],updatedAt?,stale,
//                                           source?,error?,nextReset?,lowest?,reservePercent?,supported,
//                                           blockedUntil?,blockedWhy?}], lowPercent, trayMetric, now}
//                                         (soonest reset first; reading it makes the poller look every minute)
//   POST /api/quota/refresh              {accountId?} → the same, after fetching (every account when none named)
//   PUT  /api/quota/{id}/reserve         {percent: 0–99} → 204 (routing keeps that much of the longest window)

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/ninerouter/ninerouter/backend/service"
)

// QuotaAdmin is the quota side of the service.
type QuotaAdmin interface {
	Quotas(ctx context.Context) service.QuotaView
	LookAtQuota()
	RefreshQuota(ctx context.Context, id int64) (service.QuotaView, error)
	SetQuotaReserve(ctx context.Context, id int64, percent float64) error
}

func (s *Server) quotaRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/quota", Handler: s.getQuota},
		{Method: http.MethodPost, Path: "/api/quota/refresh", Handler: s.refreshQuota},
		{Method: http.MethodPut, Path: "/api/quota/{id:[0-9]+}/reserve", Handler: s.setQuotaReserve},
	}
}

func (s *Server) getQuota(w http.ResponseWriter, r *http.Request) {
	s.svc.LookAtQuota() // someone reads it: poll every minute for a while
	writeJSON(w, http.StatusOK, s.svc.Quotas(r.Context()))
}

func (s *Server) refreshQuota(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AccountID int64 `json:"accountId"`
	}
	if r.ContentLength != 0 && !s.decodeManage(w, r, &body) {
		return
	}
	v, err := s.svc.RefreshQuota(r.Context(), body.AccountID)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) setQuotaReserve(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	var body struct {
		Percent float64 `json:"percent"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	if err := s.svc.SetQuotaReserve(r.Context(), id, body.Percent); err != nil {
		s.writeServiceError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
