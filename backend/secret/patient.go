package secret

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrWaiting is returned by a Patient store while the keychain has not answered yet (a locked login keyring
// showing its unlock prompt): the caller goes on without the secret and is told again when it is ready.
var ErrWaiting = errors.New("the OS keychain is locked (or still answering): unlock it and NineRouter loads your keys")

// Patient is a Store that never blocks its caller on the keychain. Opening a locked keychain makes the OS ask
// for the password and waits until it is typed; the desktop app must not wait with it (no window, no router).
// OpenPatient gives the keychain a short while, then returns a Patient that answers ErrWaiting until the
// keychain has opened in the background, and calls the ready callback then.
type Patient struct {
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	inner   Store  // set once the background open succeeded
	failure string // why the last background open failed ("" while waiting or once ready)
	opening bool
	onReady func()
}

// OpenPatient opens the store like Open, but returns within patience. When the keychain answers in time the
// store itself is returned; otherwise a *Patient that finishes opening on its own goroutine. That goroutine
// lives as long as the keychain's prompt (it ends when the user answers it, or when the D-Bus connection
// closes at exit); nothing waits for it.
func OpenPatient(opts Options, log *slog.Logger, patience time.Duration) (Store, error) {
	if log == nil {
		log = slog.Default()
	}
	p := &Patient{opts: opts, log: log}
	type result struct {
		s   Store
		err error
	}
	first := make(chan result, 1)
	p.opening = true
	go func() {
		s, err := Open(opts, log)
		first <- result{s, err}
		p.finish(s, err)
	}()
	select {
	case r := <-first:
		return r.s, r.err
	case <-time.After(patience):
		log.Warn("the OS keychain has not answered (locked? it may be asking for its password); starting without account keys until it does")
		return p, nil
	}
}

func (p *Patient) finish(s Store, err error) {
	p.mu.Lock()
	p.opening = false
	if err != nil {
		p.failure = err.Error()
		p.mu.Unlock()
		p.log.Warn("the OS keychain did not open", "err", err)
		return
	}
	p.inner, p.failure = s, ""
	ready := p.onReady
	p.mu.Unlock()
	p.log.Info("the OS keychain is open; account keys loaded", "store", s.Describe())
	if ready != nil {
		ready()
	}
}

// OnReady sets the callback run (on the opening goroutine) once the keychain is open. Set it before anything
// else can happen: if the keychain is already open it runs now.
func (p *Patient) OnReady(fn func()) {
	p.mu.Lock()
	p.onReady = fn
	ready := p.inner != nil
	p.mu.Unlock()
	if ready && fn != nil {
		fn()
	}
}

// Retry opens the keychain again (which makes the OS ask for its password again) when the last try failed.
// It does nothing while a try is in flight or once the keychain is open.
func (p *Patient) Retry() {
	p.mu.Lock()
	if p.opening || p.inner != nil {
		p.mu.Unlock()
		return
	}
	p.opening, p.failure = true, ""
	p.mu.Unlock()
	go func() {
		s, err := Open(p.opts, p.log)
		p.finish(s, err)
	}()
}

// Waiting says why secrets are unavailable now, "" once the keychain is open.
func (p *Patient) Waiting() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.inner != nil:
		return ""
	case p.failure != "":
		return "the OS keychain did not open: " + p.failure
	}
	return ErrWaiting.Error()
}

func (p *Patient) store() (Store, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inner == nil {
		if p.failure != "" {
			return nil, fmt.Errorf("%w (last try: %s)", ErrWaiting, p.failure)
		}
		return nil, ErrWaiting
	}
	return p.inner, nil
}

func (p *Patient) Get(key string) (string, error) {
	s, err := p.store()
	if err != nil {
		return "", err
	}
	return s.Get(key)
}

func (p *Patient) Set(key, value string) error {
	s, err := p.store()
	if err != nil {
		return err
	}
	return s.Set(key, value)
}

func (p *Patient) Delete(key string) error {
	s, err := p.store()
	if err != nil {
		return err
	}
	return s.Delete(key)
}

// DeleteAll passes through to the opened keychain (uninstall --purge).
func (p *Patient) DeleteAll() error {
	s, err := p.store()
	if err != nil {
		return err
	}
	if all, ok := s.(interface{ DeleteAll() error }); ok {
		return all.DeleteAll()
	}
	return nil
}

func (p *Patient) Kind() string {
	if s, err := p.store(); err == nil {
		return s.Kind()
	}
	return "keychain-waiting"
}

func (p *Patient) Describe() string {
	if s, err := p.store(); err == nil {
		return s.Describe()
	}
	return p.Waiting()
}
