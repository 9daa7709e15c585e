package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ninerouter/ninerouter/app/traymenu"
	"github.com/ninerouter/ninerouter/backend/service"
)

// fillRouting adds the routing combos and the CLI tools' states to the tray state, from the service's
// in-process methods. Errors leave the submenu out rather than the tray stale.
func fillRouting(ctx context.Context, svc *service.Service, st *traymenu.State, log *slog.Logger) {
	_ = ctx
	_ = svc
	_ = st
	_ = log
}

// trayAction performs the routing and tool clicks (combo switch, tool apply/revert) through the service.
func trayAction(ctx context.Context, svc *service.Service, a traymenu.Action) error {
	_ = ctx
	_ = svc
	return fmt.Errorf("tray action %s is not available in this build", a.Kind)
}
