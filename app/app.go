// Package app is the desktop shell: the Wails v2 window and the fyne.io/systray tray around one running
// backend (backend/daemon). It holds no business logic: the tray and the window are views of the service.
//
// Threading and ordering (docs/desktop.md § Gotchas 1, § Tray threads): Wails' binding generation executes main,
// so nothing here starts before wails.Run. The backend, the tray (Linux, Windows) and the event forwarding start
// in OnStartup, which Wails runs on a goroutine; OnShutdown drains the server and closes the database. macOS
// creates its status item on the main thread after launch (tray_darwin.go).
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/windows"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/logging"
)

// Run starts the desktop app and blocks until Quit. It returns nil after a clean Quit, and the reason when the
// backend could not start (port in use, unusable data dir) or stopped on its own.
func Run(ctx context.Context, cfg config.Config, assets fs.FS) (err error) {
	if err := checkDisplay(); err != nil {
		return err
	}
	if _, err := fs.Stat(assets, "index.html"); err != nil {
		return errors.New("this binary has no web UI built in (frontend/dist was empty when it was built): build it with `make build`")
	}
	log := newLogger(cfg.Debug)
	s := newShell(ctx, cfg, assets, log)
	s.tray.beforeRun() // macOS only: schedules the status item on the main thread; AppKit-free until launch
	s.watchSignals()
	defer func() {
		s.end()
		<-s.sigDone
	}()

	defer recoverDisplayPanic(&err)
	err = wails.Run(&options.App{
		Title:     "NineRouter",
		Width:     1180,
		Height:    760,
		MinWidth:  820,
		MinHeight: 560,
		// Shown once the backend listens (startup), so a start-up failure quits without flashing a window.
		StartHidden: true,
		// macOS: closing hides the app and the Dock icon brings it back. Elsewhere beforeClose decides: hide to
		// the tray when a tray host shows the icon, quit for real when none does (docs/desktop.md § Tray threads, Linux).
		HideWindowOnClose: runtime.GOOS == "darwin",
		BackgroundColour:  &options.RGBA{R: 0xf8, G: 0xfa, B: 0xfc, A: 0xff},
		AssetServer: &assetserver.Options{
			Assets: assets,
			// The frontend's relative /api/... calls reach the management API in-process.
			Handler: s.apiHandler(),
		},
		OnStartup:          s.startup,
		OnDomReady:         s.domReady,
		OnBeforeClose:      s.beforeClose,
		OnShutdown:         s.shutdown,
		Bind:               []any{&App{shell: s}},
		Logger:             wailsLogger{log: log},
		LogLevel:           wailsLevel(cfg.Debug),
		LogLevelProduction: wailsLevel(cfg.Debug),
		Linux:              &linux.Options{Icon: iconWindowPNG, ProgramName: "ninerouter"},
		Windows:            &windows.Options{WebviewUserDataPath: webviewDataDir(cfg)},
	})
	if err != nil {
		return fmt.Errorf("desktop window: %w", err)
	}
	return s.exitErr()
}

// recoverDisplayPanic turns Wails' "failed to init GTK" panic (DISPLAY set but unreachable) into one clear
// line; any other panic goes on.
func recoverDisplayPanic(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if e, ok := r.(error); ok && strings.Contains(e.Error(), "failed to init GTK") {
		*err = fmt.Errorf("could not open the display %q (GTK failed to initialise): "+
			"run `ninerouter serve` for the router without a window", os.Getenv("DISPLAY"))
		return
	}
	panic(r)
}

// newLogger is the desktop process logger: text on stderr through the one redaction path.
func newLogger(debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(logging.NewHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
}

// webviewDataDir keeps WebView2's profile inside the data dir on Windows, beside everything else NineRouter
// owns, instead of next to the exe (which may sit in Program Files).
func webviewDataDir(cfg config.Config) string {
	if runtime.GOOS != "windows" {
		return ""
	}
	return cfg.DataDir + string(os.PathSeparator) + "webview"
}

func wailsLevel(debug bool) logger.LogLevel {
	if debug {
		return logger.DEBUG
	}
	return logger.WARNING
}

// wailsLogger routes Wails' own log lines into slog.
type wailsLogger struct{ log *slog.Logger }

func (l wailsLogger) Print(m string)   { l.log.Info(m, "from", "wails") }
func (l wailsLogger) Trace(m string)   { l.log.Debug(m, "from", "wails") }
func (l wailsLogger) Debug(m string)   { l.log.Debug(m, "from", "wails") }
func (l wailsLogger) Info(m string)    { l.log.Info(m, "from", "wails") }
func (l wailsLogger) Warning(m string) { l.log.Warn(m, "from", "wails") }
func (l wailsLogger) Error(m string)   { l.log.Error(m, "from", "wails") }
func (l wailsLogger) Fatal(m string)   { l.log.Error(m, "from", "wails") }
