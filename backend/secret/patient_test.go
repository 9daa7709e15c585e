package secret

import (
	"errors"
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
