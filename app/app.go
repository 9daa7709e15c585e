// Package app is the desktop shell: the Wails v2 window and the fyne.io/systray tray around one running
// backend (backend/daemon). It holds no business logic.
package app

import (
	"context"
	"io/fs"

	"github.com/ninerouter/ninerouter/backend/config"
)

// Run starts the desktop app and blocks until Quit.
func Run(ctx context.Context, cfg config.Config, assets fs.FS) error {
	_ = ctx
	_ = cfg
	_ = assets
	return nil
}
