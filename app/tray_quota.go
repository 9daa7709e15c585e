package app

import (
	"context"
	"time"

	"github.com/ninerouter/ninerouter/app/traymenu"
	"github.com/ninerouter/ninerouter/backend/service"
)

// trayQuota reads the quota rows (one per subscription account, soonest reset first) and the metric setting.
// It reads the tracker's memory and the router's cooldowns: no fetch, no database write.
func trayQuota(ctx context.Context, svc *service.Service) ([]traymenu.QuotaRow, string) {
	v := svc.Quotas(ctx)
	cooling := map[int64]time.Time{}
	for _, c := range svc.Cooldowns() {
		if c.Model == "*" && c.Until.After(cooling[c.AccountID]) {
			cooling[c.AccountID] = c.Until
		}
	}
	rows := make([]traymenu.QuotaRow, 0, len(v.Accounts))
	for _, a := range v.Accounts {
		name := a.ProviderName
		if name == "" {
			name = a.Provider
		}
		r := traymenu.QuotaRow{AccountID: a.AccountID, Label: name + " · " + a.Name, State: a.State, Windows: a.Windows,
			CoolingUntil: cooling[a.AccountID], Error: a.Error, Stale: a.Stale}
		if a.UpdatedAt != nil {
			r.UpdatedAt = *a.UpdatedAt
		}
		rows = append(rows, r)
	}
	return rows, v.TrayMetric
}
