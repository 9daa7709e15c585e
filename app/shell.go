package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/cli"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/service"
)

// EventName is the Wails event every service event is forwarded on. The frontend listens with
// window.runtime.EventsOn("ninerouter:event", ev => …); ev is {kind, data} exactly as /api/events sends it.
const EventName = "ninerouter:event"

// drainGrace is how long Quit waits for in-flight client streams before closing them.
const drainGrace = 10 * time.Second

// shell owns one desktop run: the backend instance, the window handle, the tray and the goroutines that join
// them. Wails calls startup, beforeClose and shutdown; the tray and the bindings call the rest.
type shell struct {
	parent context.Context
	cfg    config.Config
	assets fs.FS
	log    *slog.Logger
	tray   *tray

	// newWindow turns Wails' context into window operations; tests substitute a recorder.
	newWindow func(ctx context.Context) window
	// startBackend is daemon.Start; tests substitute failures.
	startBackend func(ctx context.Context, cfg config.Config, assets fs.FS, log *slog.Logger) (*daemon.Instance, error)

	ready    chan struct{} // closed when startup has finished, successfully or not
	loaded   chan struct{} // closed when the page has loaded (domReady): Wails' own start-hidden step is done
	loadOnce sync.Once
	quitting atomic.Bool // set by every deliberate quit path, so beforeClose lets it through
	// quitPassed: a quit went through beforeClose once the page had loaded (quitAgain).
	quitPassed atomic.Bool

	// Signals are caught from before the window exists until shutdown begins (watchSignals), so a SIGTERM at
	// any moment of start-up ends the app cleanly instead of being lost or killing it mid-write.
	signalled atomic.Bool
	ending    chan struct{} // closed when shutdown begins or Wails returns
	endOnce   sync.Once
	sigDone   chan struct{} // closed when the signal watcher has returned

	mu       sync.Mutex
	began    bool // startup has run (under mu: shutdown must wait for it)
	closed   bool // shutdown has run (under mu: a late startup must not start the backend)
	win      window
	inst     *daemon.Instance
	api      http.Handler
	startErr error // why the backend did not start
	runErr   error // why the backend stopped on its own

	cancel context.CancelFunc // ends the goroutines below
	wg     sync.WaitGroup
}

func newShell(ctx context.Context, cfg config.Config, assets fs.FS, log *slog.Logger) *shell {
	s := &shell{
		parent: ctx, cfg: cfg, assets: assets, log: log,
		newWindow:    newWailsWindow,
		startBackend: daemon.Start,
		ready:        make(chan struct{}),
		loaded:       make(chan struct{}),
		ending:       make(chan struct{}),
		sigDone:      make(chan struct{}),
	}
	s.tray = newTray(s, log)
	return s
}

// startup is Wails' OnStartup (a goroutine, never the main thread): start the backend, then the views.
func (s *shell) startup(wctx context.Context) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.began = true
	s.win = s.newWindow(wctx)
	loopCtx, cancel := context.WithCancel(s.parent)
	s.cancel = cancel
	s.mu.Unlock()
	defer close(s.ready)
	if s.signalled.Load() {
		// A signal came before the window did: quit without starting anything (watchSignals keeps asking).
		s.tray.backendReady()
		return
	}

	// JavaScriptCore installs its signal handlers when the page's JavaScript first runs, after Wails' own
	// one-shot repair: keep repairing them through the first seconds (domReady does once more).
	s.goFunc(func() { s.guardSignalStack(loopCtx, signalGuardWindow) })

	// The tray comes up first so it can say "starting" while the database opens.
	s.tray.start(loopCtx, &s.wg)

	inst, err := s.startBackend(loopCtx, s.cfg, s.assets, s.log)
	if err != nil {
		s.mu.Lock()
		s.startErr = err
		s.mu.Unlock()
		s.log.Error("NineRouter could not start", "err", err)
		s.tray.backendReady()
		s.goFunc(func() { s.quitUntilDone(loopCtx) })
		return
	}
	s.mu.Lock()
	s.inst, s.api = inst, inst.API.WindowHandler()
	s.mu.Unlock()
	s.tray.backendReady()

	notes := newNotifications()
	inst.Svc.SetNotifier(notes.send)
	s.goFunc(func() {
		notes.run(loopCtx, func(err error) { s.log.Info("a notification could not be shown", "err", err) })
	})
	s.goFunc(func() { s.forwardEvents(loopCtx, inst) })
	s.goFunc(func() { s.watchServer(loopCtx, inst) })
	if c, err := inst.Svc.Updates(); err != nil {
		s.log.Warn("update checks are off", "err", err)
	} else {
		s.goFunc(func() { c.Run(loopCtx) }) // at most daily; does nothing while no feed is set
	}
	// Started at login: stay in the tray when a tray host shows the icon; otherwise the window is the only way in.
	if !s.cfg.StartInTray || !s.tray.hostAvailable() {
		s.showWhenLoaded(loopCtx)
	}
}

// firstShowWait bounds how long the first show waits for the page to load: long enough that Wails' start-hidden
// step has long been done, short enough that a page that never reports in still gets a window.
const firstShowWait = 3 * time.Second

// showWhenLoaded shows the window for the first time once the page has loaded. Wails runs startup concurrently
// with its window setup, which queues a Hide on the GTK main loop (StartHidden): a Show queued before it — a
// backend that starts fast, as with a locked keychain that is not waited for — was undone, leaving the window
// unmapped. domReady comes after that Hide.
func (s *shell) showWhenLoaded(ctx context.Context) {
	select {
	case <-s.loaded:
	case <-time.After(firstShowWait):
		s.log.Debug("the page has not loaded yet; showing the window anyway")
	case <-ctx.Done():
		return
	}
	s.log.Debug("showing the window")
	s.showWindow()
}

// pageLoaded records that the page has loaded (once; Wails calls domReady again on a reload).
func (s *shell) pageLoaded() { s.loadOnce.Do(func() { close(s.loaded) }) }

// goFunc runs fn as a goroutine the shell owns: shutdown cancels its context and waits for it.
func (s *shell) goFunc(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// forwardEvents relays every service event to the window and acts on the ones meant for the shell.
func (s *shell) forwardEvents(ctx context.Context, inst *daemon.Instance) {
	for ev := range inst.Svc.Events().Subscribe(ctx) {
		s.win.Emit(EventName, ev)
		switch ev.Kind {
		case events.KindShowWindow:
			s.showWindow()
		case events.KindQuit:
			s.log.Info("quitting: asked by an uninstall")
			s.quit()
		}
	}
}

// watchServer quits the app when the HTTP server stops on its own (not through shutdown).
func (s *shell) watchServer(ctx context.Context, inst *daemon.Instance) {
	select {
	case <-ctx.Done():
	case <-inst.Done():
		err := inst.Err()
		if err == nil {
			err = errors.New("the HTTP server stopped")
		}
		s.mu.Lock()
		s.runErr = fmt.Errorf("server stopped: %w", err)
		s.mu.Unlock()
		s.log.Error("NineRouter's server stopped; quitting", "err", err)
		s.quit()
	}
}

// watchSignals turns a stop signal (cli.StopSignals) into a clean Quit (drain, close), as the tray's Quit does,
// at any moment from before wails.Run until shutdown begins. Run starts it before the window exists. A Quit
// before OnStartup has no window to go to, and Wails' Quit on Windows and macOS may come before their loop
// runs: so it asks again until shutdown begins (a repeated Quit adds nothing: window.go).
func (s *shell) watchSignals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, cli.StopSignals()...)
	early := cli.EarlySignals(s.parent)
	go func() {
		defer close(s.sigDone)
		defer signal.Stop(ch)
		var sig os.Signal
		select {
		case <-s.ending:
			return
		case sig = <-ch:
		case sig = <-early:
		}
		s.log.Info("quitting on signal", "signal", sig.String())
		s.signalled.Store(true)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			s.quit()
			select {
			case <-s.ending:
				return
			case <-ch: // a second signal while quitting: the first one is in hand
			case <-tick.C:
			}
		}
	}()
}

// end marks the start of shutdown (or Wails' return) for the signal watcher.
func (s *shell) end() { s.endOnce.Do(func() { close(s.ending) }) }

// beforeClose is Wails' OnBeforeClose: every close and quit path of Wails passes here (the close button,
// runtime.Quit, Wails' own SIGTERM handler). Deliberate quits go through; the window's close button hides to
// the tray when a tray host shows the icon, and quits when none does, so the user is never left with an
// invisible app. Where the shell ends the loop itself (quitsOnLoop: Linux) every quit is held here and asked of
// the loop instead, so Wails never calls gtk_main_quit from a goroutine.
func (s *shell) beforeClose(context.Context) (prevent bool) {
	if !s.quitting.Load() {
		if s.tray.hostAvailable() {
			s.log.Info("window closed; NineRouter keeps running in the tray")
			s.window().Hide()
			return true
		}
		s.quitting.Store(true)
	}
	if quitsOnLoop {
		s.window().Quit()
		return true
	}
	return s.quitAgain()
}

// quitAgain reports whether a quit Wails would carry out must stop here (Windows, macOS). Before the page has
// loaded the loop may not run yet, so every quit goes through (watchSignals retries until shutdown); once it
// has, one quit is enough, and Wails' own SIGTERM handler and the watcher's retries are held rather than
// reaching the UI thread again while it tears the window down (on Linux that was a SIGSEGV: window.go).
func (s *shell) quitAgain() (prevent bool) {
	select {
	case <-s.loaded:
		return !s.quitPassed.CompareAndSwap(false, true)
	default:
		return false
	}
}

// shutdown is Wails' OnShutdown, after the window's loop has ended: stop the views, drain the server, close
// the database, then take the tray off the bus (last: it closes the shared D-Bus connection the keychain uses).
func (s *shell) shutdown(context.Context) {
	s.end()
	s.mu.Lock()
	s.closed = true
	began := s.began
	s.mu.Unlock()
	if !began {
		s.tray.stop()
		return
	}
	<-s.ready
	s.restoreSignalStack() // the stop below must not meet a handler a C library installed since
	s.tray.showStopping()
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	inst := s.inst
	s.mu.Unlock()
	if inst != nil {
		if err := inst.Stop(drainGrace); err != nil {
			s.log.Error("stopping NineRouter", "err", err)
		} else {
			s.log.Info("NineRouter stopped: server drained, database closed")
		}
		if inst.Svc.PurgeRequested() {
			if err := service.PurgeDataDir(inst.Svc.Config().DataDir); err != nil {
				s.log.Error("uninstall: deleting the data dir", "err", err)
			} else {
				s.log.Info("uninstall: data dir deleted", "dir", inst.Svc.Config().DataDir)
			}
		}
	}
	s.tray.stop()
}

// domReady is Wails' OnDomReady: the page's JavaScript has run, so JavaScriptCore's handlers are in place.
func (s *shell) domReady(context.Context) {
	s.restoreSignalStack()
	s.pageLoaded()
}

// signalGuardWindow and signalGuardEvery bound how long and how often startup re-applies SA_ONSTACK: the window
// covers WebKit's start and the first page load on a loaded machine.
const (
	signalGuardWindow = 15 * time.Second
	signalGuardEvery  = 100 * time.Millisecond
)

// guardSignalStack re-applies SA_ONSTACK (restoreSignalStack) every signalGuardEvery for window, or until ctx ends.
func (s *shell) guardSignalStack(ctx context.Context, window time.Duration) {
	tick := time.NewTicker(signalGuardEvery)
	defer tick.Stop()
	end := time.After(window)
	for {
		s.restoreSignalStack()
		select {
		case <-ctx.Done():
			return
		case <-end:
			return
		case <-tick.C:
		}
	}
}

// restoreSignalStack puts SA_ONSTACK back on signal handlers C libraries installed without it
// (signals_linux.go), and says which it fixed.
func (s *shell) restoreSignalStack() {
	fixed, err := restoreSignalStack()
	if err != nil {
		s.log.Warn("could not check the signal handlers", "err", err)
		return
	}
	if len(fixed) > 0 {
		s.log.Debug("signal handlers installed without SA_ONSTACK repaired", "signals", fmt.Sprint(fixed))
	}
}

// secretsWaiting says why account keys are not loaded yet ("" when they are or no backend runs).
func (s *shell) secretsWaiting() string {
	s.mu.Lock()
	inst := s.inst
	s.mu.Unlock()
	if inst == nil {
		return ""
	}
	return inst.Svc.SecretsWaiting()
}

// unlockSecrets asks the keychain again (the tray's "Unlock keychain…").
func (s *shell) unlockSecrets() {
	s.mu.Lock()
	inst := s.inst
	s.mu.Unlock()
	if inst != nil {
		inst.Svc.UnlockSecrets()
	}
}

// exitErr is what Run returns once Wails has returned.
func (s *shell) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.startErr != nil {
		return s.startErr
	}
	return s.runErr
}

// quitUntilDone quits, and asks again until shutdown begins: a start can fail before the window's loop runs
// (watchSignals says why that needs asking again).
func (s *shell) quitUntilDone(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		s.quit()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// quit ends the app through Wails, which then runs shutdown.
func (s *shell) quit() {
	s.quitting.Store(true)
	s.window().Quit()
}

// showWindow brings the window to the front (unhiding the app on macOS).
func (s *shell) showWindow() { s.window().Show() }

func (s *shell) window() window {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.win == nil {
		return noWindow{}
	}
	return s.win
}

// instance waits for startup and returns the running backend, or why there is none.
func (s *shell) instance(ctx context.Context) (*daemon.Instance, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("NineRouter is still starting: %w", ctx.Err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst == nil {
		if s.startErr != nil {
			return nil, s.startErr
		}
		return nil, errors.New("NineRouter is not running")
	}
	return s.inst, nil
}

// apiHandler is the Wails asset server's fallback handler: requests the built UI has no file for (the
// frontend's /api/... calls) go to the management API in-process, once the backend is up.
func (s *shell) apiHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.instance(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		h := s.api
		s.mu.Unlock()
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		s.log.Debug("window request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"auth", r.Header.Get("Authorization") != "")
	})
}

// statusRecorder notes the status code for the debug log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
