package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/pkg/browser"

	"github.com/ninerouter/ninerouter/app/traymenu"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/service"
)

// traySignIns lists the subscription accounts the tray offers to sign in again.
func traySignIns(ctx context.Context, svc *service.Service) []traymenu.SignIn {
	var out []traymenu.SignIn
	for _, n := range svc.AccountsNeedingSignIn(ctx) {
		out = append(out, traymenu.SignIn{AccountID: n.AccountID, Label: n.Name + " (" + n.Provider + ")", Reason: n.Message})
	}
	return out
}

// traySignIn starts the account's own sign-in flow again. A browser flow opens the vendor's page (the loopback
// listener finishes it); a device flow needs its code shown, so the window opens on the Providers page instead.
// It reports whether the window should open.
func traySignIn(ctx context.Context, svc *service.Service, arg string) (showWindow bool, err error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return false, fmt.Errorf("account id %q", arg)
	}
	v, err := svc.StartSignIn(ctx, oauth.StartRequest{Relogin: id})
	if err != nil {
		return true, err
	}
	if v.Flow != oauth.FlowBrowser {
		_, _ = svc.CancelSignIn(v.ID)
		return true, nil
	}
	return false, browser.OpenURL(v.URL)
}
