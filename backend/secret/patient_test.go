package secret

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatedBackend blocks every call until open is closed, as a locked keychain does while it shows its prompt.
type gatedBackend struct {
	open chan struct{}
	mu   sync.Mutex
	m    map[string]string
}

func (g *gatedBackend) wait() { <-g.open }
func (g *gatedBackend) Get(s, u string) (string, error) {
	g.wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	v, ok := g.m[u]
	if !ok {
		return "", errors.New("not found")
	}
	return v, nil
}
func (g *gatedBackend) Set(s, u, p string) error {
	g.wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.m[u] = p
	return nil
}
func (g *gatedBackend) Delete(s, u string) error {
	g.wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.m, u)
	return nil
}

func TestOpenPatientLockedKeychain(t *testing.T) {
	b := &gatedBackend{open: make(chan struct{}), m: map[string]string{"account/1/api_key": "sk-1"}}
	s, err := OpenPatient(Options{Mode: "keychain", Backend: b}, nil, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := s.(*Patient)
	if !ok {
		t.Fatalf("a keychain that does not answer should give a *Patient, got %T", s)
	}
	if _, err := p.Get("account/1/api_key"); !errors.Is(err, ErrWaiting) {
		t.Fatalf("Get while locked: %v", err)
	}
	if err := p.Set("k", "v"); !errors.Is(err, ErrWaiting) {
		t.Fatalf("Set while locked: %v", err)
	}
	if p.Kind() != "keychain-waiting" || p.Waiting() == "" {
		t.Fatalf("kind %q waiting %q", p.Kind(), p.Waiting())
	}
	ready := make(chan struct{})
	p.OnReady(func() { close(ready) })
	close(b.open) // the user typed the password
	<-ready
	if v, err := p.Get("account/1/api_key"); err != nil || v != "sk-1" {
		t.Fatalf("Get after unlock: %q, %v", v, err)
	}
	if p.Kind() != "keychain" || p.Waiting() != "" {
		t.Fatalf("after unlock: kind %q waiting %q", p.Kind(), p.Waiting())
	}
	called := false
	p.OnReady(func() { called = true })
	if !called {
		t.Fatal("OnReady after the keychain opened should run at once")
	}
}

func TestOpenPatientAnsweringKeychain(t *testing.T) {
	b := &gatedBackend{open: make(chan struct{}), m: map[string]string{}}
	close(b.open)
	s, err := OpenPatient(Options{Mode: "keychain", Backend: b}, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*Keychain); !ok {
		t.Fatalf("an answering keychain should be returned as is, got %T", s)
	}
}

// hungFirstBackend hangs the first call for good (a prompt that never shows or never answers) and answers every
// later one, as a keychain unlocked by other means while that first prompt is stale.
type hungFirstBackend struct {
	mu    sync.Mutex
	calls int
	hang  chan struct{}
	m     map[string]string
}

func (h *hungFirstBackend) enter() {
	h.mu.Lock()
	h.calls++
	first := h.calls == 1
	h.mu.Unlock()
	if first {
		<-h.hang
	}
}
func (h *hungFirstBackend) Get(s, u string) (string, error) {
	h.enter()
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.m[u]
	if !ok {
		return "", errors.New("not found")
	}
	return v, nil
}
func (h *hungFirstBackend) Set(s, u, p string) error {
	h.enter()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m[u] = p
	return nil
}
func (h *hungFirstBackend) Delete(s, u string) error {
	h.enter()
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, u)
	return nil
}

// refusingBackend refuses every call until accept is closed, as a locked keychain whose prompt was dismissed.
type refusingBackend struct {
	gatedBackend
	accept chan struct{}
}

func (r *refusingBackend) refused() bool {
	select {
	case <-r.accept:
		return false
	default:
		return true
	}
}
func (r *refusingBackend) Set(s, u, p string) error {
	r.wait()
	if r.refused() {
		return errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")
	}
	return r.gatedBackend.Set(s, u, p)
}

// TestPatientUnlockButton is the window's and the tray's Unlock (issue #9 finding 10): Retry must open the
// keychain even while the first try still hangs on a prompt that never answers, and a keychain that made us
// wait and then refused its prompt is reported (and retried), not swapped for the file store as auto mode does
// when no keychain exists.
func TestPatientUnlockButton(t *testing.T) {
	t.Run("retry while the first prompt hangs", func(t *testing.T) {
		b := &hungFirstBackend{hang: make(chan struct{}), m: map[string]string{"account/1/api_key": "sk-1"}}
		defer close(b.hang)
		s, err := OpenPatient(Options{Mode: "auto", Backend: b, DataDir: t.TempDir()}, nil, 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := s.(*Patient)
		if !ok {
			t.Fatalf("got %T, want a waiting *Patient", s)
		}
		p.spacing = 0
		ready := make(chan struct{})
		p.OnReady(func() { close(ready) })
		p.Retry()
		<-ready
		if v, err := p.Get("account/1/api_key"); err != nil || v != "sk-1" || p.Kind() != "keychain" {
			t.Fatalf("after Unlock: %q %v kind %q", v, err, p.Kind())
		}
	})
	t.Run("a dismissed prompt is reported, not replaced by the file store", func(t *testing.T) {
		b := &refusingBackend{gatedBackend: gatedBackend{open: make(chan struct{}), m: map[string]string{}}, accept: make(chan struct{})}
		dir := t.TempDir()
		s, err := OpenPatient(Options{Mode: "auto", Backend: b, DataDir: dir}, nil, 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		p := s.(*Patient)
		p.spacing = 0
		close(b.open) // the prompt is answered: dismissed
		for p.Waiting() == ErrWaiting.Error() {
			time.Sleep(5 * time.Millisecond)
		}
		if w := p.Waiting(); !strings.Contains(w, "did not unlock") || p.Kind() != "keychain-waiting" {
			t.Fatalf("after a dismissed prompt: waiting %q kind %q", w, p.Kind())
		}
		if _, err := p.Get("x"); !errors.Is(err, ErrWaiting) {
			t.Fatalf("Get after a dismissed prompt: %v (the file store must not stand in)", err)
		}
		ready := make(chan struct{})
		p.OnReady(func() { close(ready) })
		close(b.accept) // the user clicks Unlock and types the password this time
		p.Retry()
		<-ready
		if p.Kind() != "keychain" || p.Waiting() != "" {
			t.Fatalf("after Unlock: kind %q waiting %q", p.Kind(), p.Waiting())
		}
	})
}

// TestPatientAbsentOrRefusingKeychain: in auto mode only a keychain that is not there falls back to the file
// store; one that answers with a refusal at once gives a Patient that says so.
func TestPatientAbsentOrRefusingKeychain(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		wantKind string
	}{
		{"no keychain at all", keychainMissingError(), "file"},
		{"a keychain that refuses", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), "keychain-waiting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenPatient(Options{Mode: "auto", Backend: &failingBackend{tc.err}, DataDir: t.TempDir()}, nil, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind() != tc.wantKind {
				t.Fatalf("kind %q (%s), want %q", s.Kind(), s.Describe(), tc.wantKind)
			}
			if p, ok := s.(*Patient); ok && !strings.Contains(p.Waiting(), "did not unlock") {
				t.Fatalf("waiting %q", p.Waiting())
			}
		})
	}
}
