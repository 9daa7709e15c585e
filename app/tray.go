package app

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/systray"

	"github.com/ninerouter/ninerouter/app/traymenu"
	"github.com/ninerouter/ninerouter/backend/events"
)

// redrawDelay coalesces bursts of service events (a busy router publishes per request) into one redraw.
const redrawDelay = 250 * time.Millisecond

// quotaVisible is how long after the menu opened its quota countdowns keep being redrawn each minute.
const quotaVisible = 5 * time.Minute

// hostWatchdog is how long the tray may take to come up before we say so in the log (macOS schedules it
// after launch; Linux needs a session bus).
const hostWatchdog = 30 * time.Second

// tray is the notification-area icon and menu, in the Tailscale client/systray style: state lives in the
// service, traymenu.Build turns it into a menu, one event loop owns every redraw and every click, and redraws
// happen on service events (and when the menu opens), never by polling.
type tray struct {
	shell *shell
	log   *slog.Logger
	host  trayHost // per-OS start/stop (tray_linux.go, tray_windows.go, tray_darwin.go)

	hostReady     chan struct{} // closed once systray setters may be called
	hostReadyOnce sync.Once
	backendUp     chan struct{} // closed once startup knows whether the backend runs
	backendOnce   sync.Once
	clicks        chan traymenu.Action
	stopping      atomic.Bool

	// Owned by the loop goroutine: the last CLI tool states (detecting them is slow, so they are re-read only
	// on tools events) and whether a re-read is running.
	tools        []traymenu.Tool
	toolsResult  chan []traymenu.Tool
	toolsRunning bool
	toolsDirty   bool

	mu       sync.Mutex // guards the rendered menu below (the loop and showStopping both render)
	rendered bool
	current  traymenu.Menu
	items    map[string]*systray.MenuItem // by traymenu.Item.Key
}

func newTray(s *shell, log *slog.Logger) *tray {
	return &tray{
		shell: s, log: log.With("component", "tray"),
		hostReady:   make(chan struct{}),
		backendUp:   make(chan struct{}),
		clicks:      make(chan traymenu.Action, 8),
		toolsResult: make(chan []traymenu.Tool, 1),
	}
}

func (t *tray) markHostReady() { t.hostReadyOnce.Do(func() { close(t.hostReady) }) }

// backendReady tells the loop that startup has finished (the backend runs, or failed to).
func (t *tray) backendReady() { t.backendOnce.Do(func() { close(t.backendUp) }) }

// start brings the tray up (Linux, Windows; macOS scheduled it in beforeRun) and starts its event loop, owned
// by wg and ended by ctx.
func (t *tray) start(ctx context.Context, wg *sync.WaitGroup) {
	t.startHost()
	wg.Add(2)
	go func() {
		defer wg.Done()
		t.loop(ctx, wg)
	}()
	go func() {
		defer wg.Done()
		select {
		case <-t.hostReady:
			t.log.Info("tray icon ready")
		case <-ctx.Done():
		case <-time.After(hostWatchdog):
			t.log.Warn("the tray icon did not come up; use the window (closing it quits NineRouter)")
		}
	}()
}

// openFromTray is the icon's left click (Windows, and Linux hosts that send Activate). It may run on the
// tray's OS thread, so it only hands the click to the loop.
func (t *tray) openFromTray() {
	select {
	case t.clicks <- traymenu.Action{Kind: traymenu.ActOpen}:
	default:
	}
}

func (t *tray) loop(ctx context.Context, wg *sync.WaitGroup) {
	select {
	case <-t.hostReady:
	case <-ctx.Done():
		return
	}
	t.redraw(ctx, wg)
	backendUp := t.backendUp
	var evs <-chan events.Event
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	armed := false
	minute := time.NewTicker(time.Minute)
	defer minute.Stop()
	var lookedAt time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-backendUp:
			backendUp = nil
			if inst, err := t.shell.instance(ctx); err == nil {
				evs = inst.Svc.Events().Subscribe(ctx)
				t.refreshTools(ctx, wg)
			}
			t.redraw(ctx, wg)
		case tools := <-t.toolsResult:
			t.tools, t.toolsRunning = tools, false
			if t.toolsDirty {
				t.refreshTools(ctx, wg)
			}
			t.redraw(ctx, wg)
		case ev, ok := <-evs:
			if !ok {
				evs = nil
				continue
			}
			if ev.Kind == events.KindTools {
				t.refreshTools(ctx, wg)
			}
			if !armed {
				timer.Reset(redrawDelay)
				armed = true
			}
		case <-timer.C:
			armed = false
			t.redraw(ctx, wg)
		case <-systray.TrayOpenedCh:
			lookedAt = time.Now()
			if inst, err := t.shell.instance(ctx); err == nil {
				inst.Svc.LookAtQuota() // quota is fetched every minute while the user looks
			}
			t.redraw(ctx, wg) // fresh counters whenever the user looks
		case <-minute.C:
			// Quota countdowns move each minute; redraw while the menu may be open (no close signal exists).
			if time.Since(lookedAt) < quotaVisible {
				t.redraw(ctx, wg)
			}
		case a := <-t.clicks:
			t.handle(ctx, a)
			if a.Kind == traymenu.ActApplyTool || a.Kind == traymenu.ActRevertTool {
				t.refreshTools(ctx, wg)
			}
			t.redraw(ctx, wg)
		}
	}
}

// refreshTools re-reads the CLI tools' states on a goroutine (detection runs each tool's --version); the result
// comes back to the loop on toolsResult. One read at a time; a request during a read runs once it ends.
func (t *tray) refreshTools(ctx context.Context, wg *sync.WaitGroup) {
	if t.toolsRunning {
		t.toolsDirty = true
		return
	}
	inst, err := t.shell.instance(ctx)
	if err != nil {
		return
	}
	t.toolsRunning, t.toolsDirty = true, false
	wg.Add(1)
	go func() {
		defer wg.Done()
		tools := trayTools(ctx, inst.Svc)
		select {
		case t.toolsResult <- tools:
		case <-ctx.Done():
		}
	}()
}

// handle performs a click. Backend calls run here, on the loop, so clicks are processed in order.
func (t *tray) handle(ctx context.Context, a traymenu.Action) {
	switch a.Kind {
	case traymenu.ActOpen, traymenu.ActOpenQuota:
		t.shell.showWindow()
	case traymenu.ActQuit:
		t.log.Info("Quit chosen in the tray")
		t.shell.quit()
	case traymenu.ActSignIn:
		inst, err := t.shell.instance(ctx)
		if err != nil {
			return
		}
		show, err := traySignIn(ctx, inst.Svc, a.Arg)
		if err != nil {
			t.log.Warn("tray: sign in again", "account", a.Arg, "err", err)
		}
		if show {
			t.shell.showWindow()
		}
	case traymenu.ActOpenUpdate:
		if err := (&App{shell: t.shell}).OpenURL(a.Arg); err != nil {
			t.log.Warn("open the update link", "err", err)
		}
	case traymenu.ActUnlock:
		t.shell.unlockSecrets()
	case traymenu.ActCopyURL:
		st := t.state(ctx)
		if st.Endpoint == "" {
			return
		}
		if err := t.shell.window().SetClipboard(st.Endpoint); err != nil {
			t.log.Warn("copy endpoint URL", "err", err)
		}
	default:
		inst, err := t.shell.instance(ctx)
		if err != nil {
			return
		}
		if err := trayAction(ctx, inst.Svc, a); err != nil {
			t.log.Warn("tray action failed", "action", string(a.Kind), "arg", a.Arg, "err", err)
		}
	}
}

// state reads what the tray shows from the shell and the service.
func (t *tray) state(ctx context.Context) traymenu.State {
	s := t.shell
	s.mu.Lock()
	inst, startErr := s.inst, s.startErr
	s.mu.Unlock()
	switch {
	case t.stopping.Load():
		return traymenu.State{Phase: traymenu.Stopping}
	case startErr != nil:
		return traymenu.State{Phase: traymenu.Failed, Err: startErr.Error()}
	case inst == nil:
		return traymenu.State{Phase: traymenu.Starting}
	}
	st := inst.Svc.Status(ctx)
	state := traymenu.State{
		Phase: traymenu.Running, Addr: st.Addr, Endpoint: st.Endpoint, Requests: st.Requests,
		SecretStore: st.SecretStore,
	}
	combos, err := trayCombos(ctx, inst.Svc)
	if err != nil {
		t.log.Warn("tray: reading combos", "err", err)
	}
	state.Combos, state.Tools = combos, t.tools
	state.SignIn = traySignIns(ctx, inst.Svc)
	state.Quota, state.QuotaMetric = trayQuota(ctx, inst.Svc)
	state.Now = time.Now()
	if as, err := inst.Svc.Autostart(); err == nil && as.Supported {
		on := as.Enabled
		state.Autostart = &on
	}
	if up, err := inst.Svc.UpdateStatus(); err == nil && up.Available {
		state.UpdateVersion, state.UpdateURL = up.Latest, up.URL
	}
	state.SecretsWaiting = t.shell.secretsWaiting()
	return state
}

func (t *tray) redraw(ctx context.Context, wg *sync.WaitGroup) {
	t.apply(ctx, wg, traymenu.Build(t.state(ctx)))
}

// showStopping redraws once for shutdown, before the loop ends.
func (t *tray) showStopping() {
	t.stopping.Store(true)
	select {
	case <-t.hostReady:
	default:
		return
	}
	t.apply(context.Background(), nil, traymenu.Build(traymenu.State{Phase: traymenu.Stopping}))
}

// stop takes the icon off the tray. Called last in shutdown.
func (t *tray) stop() { t.stopHost() }

// hostAvailable reports whether a tray icon is visible now, so closing the window can hide to it.
func (t *tray) hostAvailable() bool {
	select {
	case <-t.hostReady:
	default:
		return false
	}
	return t.hostShowsIcon()
}

// apply renders a menu model: titles, marks and tooltips change in place when the menu keeps its shape (so an
// open menu does not flicker), anything else rebuilds it. Click forwarders belong to ctx and to the items: a
// rebuild closes the old items' channels, which ends their forwarders.
func (t *tray) apply(ctx context.Context, wg *sync.WaitGroup, m traymenu.Menu) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hostLost() {
		return
	}
	defer t.recoverHostLost()
	if !t.rendered || m.Icon != t.current.Icon {
		t.setIcon(m.Icon)
	}
	if !t.rendered || m.Tooltip != t.current.Tooltip {
		systray.SetTooltip(m.Tooltip)
	}
	if m.Title != t.current.Title {
		t.setBarTitle(m.Title)
	}
	if t.rendered && traymenu.SameShape(t.current.Items, m.Items) {
		t.updateInPlace(t.current.Items, m.Items)
	} else {
		systray.ResetMenu()
		t.items = map[string]*systray.MenuItem{}
		t.addItems(ctx, wg, nil, m.Items)
	}
	t.current, t.rendered = m, true
}

func (t *tray) updateInPlace(old, items []traymenu.Item) {
	for i, it := range items {
		mi := t.items[it.Key]
		if mi == nil {
			continue
		}
		was := old[i]
		if it.Title != was.Title {
			mi.SetTitle(it.Title)
		}
		if it.Tooltip != was.Tooltip {
			mi.SetTooltip(it.Tooltip)
		}
		if it.Disabled != was.Disabled {
			if it.Disabled {
				mi.Disable()
			} else {
				mi.Enable()
			}
		}
		if it.Checked != was.Checked {
			if it.Checked {
				mi.Check()
			} else {
				mi.Uncheck()
			}
		}
		t.updateInPlace(was.Children, it.Children)
	}
}

func (t *tray) addItems(ctx context.Context, wg *sync.WaitGroup, parent *systray.MenuItem, items []traymenu.Item) {
	for _, it := range items {
		if it.Separator {
			if parent == nil {
				systray.AddSeparator()
			} else {
				parent.AddSeparator()
			}
			continue
		}
		var mi *systray.MenuItem
		switch {
		case parent == nil && it.Checkable:
			mi = systray.AddMenuItemCheckbox(it.Title, it.Tooltip, it.Checked)
		case parent == nil:
			mi = systray.AddMenuItem(it.Title, it.Tooltip)
		case it.Checkable:
			mi = parent.AddSubMenuItemCheckbox(it.Title, it.Tooltip, it.Checked)
		default:
			mi = parent.AddSubMenuItem(it.Title, it.Tooltip)
		}
		if it.Disabled {
			mi.Disable()
		}
		t.items[it.Key] = mi
		t.addItems(ctx, wg, mi, it.Children)
		if it.Action.Kind != traymenu.ActNone && wg != nil {
			t.forwardClicks(ctx, wg, mi.ClickedCh, it.Action)
		}
	}
}

// forwardClicks turns one item's clicks into Actions on the loop's channel. It ends when the item is removed
// (systray closes ClickedCh) or ctx ends.
func (t *tray) forwardClicks(ctx context.Context, wg *sync.WaitGroup, ch <-chan struct{}, a traymenu.Action) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-ch:
				if !ok {
					return
				}
				select {
				case t.clicks <- a:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
}
