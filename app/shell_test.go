package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/daemon"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/testkit/wait"
)

// recorder is a window that notes what the shell asked of it.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	events []events.Event
	clip   string
	quit   chan struct{}
	once   sync.Once
}

func newRecorder() *recorder { return &recorder{quit: make(chan struct{})} }

func (r *recorder) note(c string) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}
func (r *recorder) Show()            { r.note("show") }
func (r *recorder) Hide()            { r.note("hide") }
func (r *recorder) Quit()            { r.note("quit"); r.once.Do(func() { close(r.quit) }) }
func (r *recorder) OpenURL(u string) { r.note("open " + u) }
func (r *recorder) SetClipboard(t string) error {
	r.mu.Lock()
	r.clip = t
	r.mu.Unlock()
	return nil
}
func (r *recorder) Emit(name string, data any) {
	if ev, ok := data.(events.Event); ok && name == EventName {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	}
}
func (r *recorder) has(c string) bool { return r.count(c) > 0 }

// count is how many times the shell asked for c.
func (r *recorder) count(c string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, x := range r.calls {
		if x == c {
			n++
		}
	}
	return n
}

func testShell(t *testing.T) (*shell, *recorder) {
	t.Helper()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "") // no tray host in unit tests: the tray stays down
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), SecretStore: "file"}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	assets := fstest.MapFS{"index.html": {Data: []byte("<html></html>")}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := newShell(context.Background(), cfg, assets, log)
	rec := newRecorder()
	s.newWindow = func(context.Context) window { return rec }
	s.pageLoaded() // no WebKit here: the first show need not wait for a page
	return s, rec
}

func TestShellLifecycle(t *testing.T) {
	s, rec := testShell(t)
	s.startup(context.Background())
	if err := s.exitErr(); err != nil {
		t.Fatalf("startup: %v", err)
	}
	if !rec.has("show") {
		t.Error("the window was not shown once the backend listened")
	}
	inst, err := s.instance(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// The window's API handler reaches the management API in-process with the binding's token.
	tok, err := (&App{shell: s}).ManagementToken()
	if err != nil || tok == "" {
		t.Fatalf("ManagementToken = %q, %v", tok, err)
	}
	for _, tc := range []struct {
		auth string
		want int
	}{{"Bearer " + tok, http.StatusOK}, {"", http.StatusUnauthorized}, {"Bearer nope", http.StatusUnauthorized}} {
		req := httptest.NewRequest(http.MethodGet, "wails://wails/api/status", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		s.apiHandler().ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Errorf("auth %q: status %d, want %d", tc.auth, w.Code, tc.want)
		}
	}

	// Service events reach the window; a show-window event (a second launch) shows it. The window subscribes on
	// a goroutine of its own, so an event published before it has subscribed is not seen: publish until one is.
	wait.For(t, "a show-window event reaching the window", func() bool {
		inst.Svc.Publish(events.KindShowWindow, nil)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, ev := range rec.events {
			if ev.Kind == events.KindShowWindow {
				return true
			}
		}
		return false
	})

	// No tray host: closing the window quits for real instead of stranding an invisible app.
	if rec.has("quit") {
		t.Fatal("quit before the window was closed")
	}
	if !closeQuits(s, rec) {
		t.Error("closing the window did not quit with no tray to come back from")
	}

	addr := inst.API.Addr()
	s.shutdown(context.Background())
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func TestShellStartFailureQuits(t *testing.T) {
	s, rec := testShell(t)
	boom := errors.New("address 127.0.0.1:1 is already in use")
	s.startBackend = func(context.Context, config.Config, fs.FS, *slog.Logger) (*daemon.Instance, error) {
		return nil, boom
	}
	s.startup(context.Background())
	wait.For(t, "quit after a failed start", func() bool { return rec.has("quit") })
	if rec.has("show") {
		t.Error("a failed start showed the window")
	}
	if err := s.exitErr(); !errors.Is(err, boom) {
		t.Errorf("exitErr = %v, want %v", err, boom)
	}
	if _, err := (&App{shell: s}).ManagementToken(); !errors.Is(err, boom) {
		t.Errorf("ManagementToken error = %v, want the start error", err)
	}
	w := httptest.NewRecorder()
	s.apiHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "wails://wails/api/status", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("API while not running: %d, want 503", w.Code)
	}
	if !closeQuits(s, rec) {
		t.Error("the quit after a failed start was held")
	}
	s.shutdown(context.Background())
}

// closeQuits passes a close through beforeClose, as Wails does, and reports whether it ends the app: Wails'
// own quit let through, or (quitsOnLoop) held and asked of the loop through the window by this very close.
func closeQuits(s *shell, rec *recorder) bool {
	before := rec.count("quit")
	prevent := s.beforeClose(context.Background())
	if quitsOnLoop {
		return prevent && rec.count("quit") > before
	}
	return !prevent
}

func TestShutdownBeforeStartup(t *testing.T) {
	s, rec := testShell(t)
	s.shutdown(context.Background())
	s.startup(context.Background()) // a late OnStartup must not start the backend
	if rec.has("show") {
		t.Error("startup after shutdown showed the window")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst != nil {
		t.Error("startup after shutdown started the backend")
	}
}

func TestOpenURLOnlyWeb(t *testing.T) {
	s, rec := testShell(t)
	s.startup(context.Background())
	defer s.shutdown(context.Background())
	a := &App{shell: s}
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://github.com/ninerouter", true},
		{"http://127.0.0.1:20128/dashboard", true},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"https://", false},
	}
	for _, tt := range tests {
		err := a.OpenURL(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("OpenURL(%q) err = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if tt.ok && !rec.has("open "+tt.url) {
			t.Errorf("OpenURL(%q) did not open it", tt.url)
		}
	}
}

// TestQuitAgain: where Wails carries out the quit (Windows, macOS), every quit goes through until the page has
// loaded, then exactly one.
func TestQuitAgain(t *testing.T) {
	s := newShell(context.Background(), config.Config{}, fstest.MapFS{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i, want := range []bool{false, false} {
		if got := s.quitAgain(); got != want {
			t.Errorf("before the page loaded, quit %d: prevent=%v, want %v", i, got, want)
		}
	}
	s.pageLoaded()
	for i, want := range []bool{false, true, true} {
		if got := s.quitAgain(); got != want {
			t.Errorf("after the page loaded, quit %d: prevent=%v, want %v", i, got, want)
		}
	}
}
