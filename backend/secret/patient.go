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

	mu          sync.Mutex
	inner       Store     // set once a background open succeeded
	failure     string    // why the last background open failed ("" while waiting or once ready)
	opening     int       // background opens in flight
	lastAttempt time.Time // when the last open started (Retry spaces them)
	spacing     time.Duration
	onReady     func()
	onFailure   func()
}

// retrySpacing keeps a burst of Unlock clicks from stacking up keychain prompts.
const retrySpacing = 2 * time.Second

// OpenPatient opens the store like Open, but returns within patience. When the keychain answers in time the
// store itself is returned; otherwise a *Patient that finishes opening on its own goroutine. That goroutine
// lives as long as the keychain's prompt (it ends when the user answers it, or when the process exits); nothing
// waits for it.
//
// In auto mode the keychain is asked alone first: a keychain that exists but refuses (locked, its password
// prompt dismissed or impossible to show) gives a Patient that says so and waits for Retry (the Unlock
// button), instead of the file store Open's auto mode falls back to, which would hide every key kept in the
// keychain and file new ones elsewhere. Only a keychain that is absent falls back to the file.
func OpenPatient(opts Options, log *slog.Logger, patience time.Duration) (Store, error) {
	if log == nil {
		log = slog.Default()
	}
	p := &Patient{opts: opts, log: log, spacing: retrySpacing}
	type result struct {
		s   Store
		err error
	}
	first := make(chan result, 1)
	p.opening, p.lastAttempt = 1, time.Now()
	go func() {
		s, err := p.open()
		first <- result{s, err}
	}()
	select {
	case r := <-first:
		var refused *refusedError
		if errors.As(r.err, &refused) {
			p.finish(nil, r.err) // says why; Retry asks again
			return p, nil
		}
		return r.s, r.err
	case <-time.After(patience):
		log.Warn("the OS keychain has not answered (locked? it may be asking for its password); starting without account keys until it does")
		go func() {
			r := <-first
			p.finish(r.s, r.err)
		}()
		return p, nil
	}
}

// refusedError is a keychain that is there but did not open: locked, or its prompt dismissed or not shown.
type refusedError struct{ err error }

func (e *refusedError) Error() string {
	return "the keychain did not unlock (locked, or its password prompt was dismissed or could not be shown): " + e.err.Error()
}
func (e *refusedError) Unwrap() error { return e.err }

// open is one try: in auto mode the keychain alone first (a refusal is a refusedError), the file store only
// when no keychain is there at all.
func (p *Patient) open() (Store, error) {
	o := p.opts
	if o.Mode != "" && o.Mode != "auto" {
		s, err := Open(o, p.log)
		if err != nil && o.Mode == "keychain" {
			return nil, &refusedError{err}
		}
		return s, err
	}
	if keychainUnavailable() != "" && o.Backend == nil {
		return Open(o, p.log) // no session bus: the file, as auto does
	}
	o.Mode = "keychain"
	s, err := Open(o, p.log)
	if err == nil {
		return s, nil
	}
	if keychainAbsent(err) {
		o.Mode = p.opts.Mode
		return Open(o, p.log)
	}
	return nil, &refusedError{err}
}

// finish records a try's outcome.
func (p *Patient) finish(s Store, err error) {
	p.mu.Lock()
	p.opening--
	if p.inner != nil { // another try already opened it
		p.mu.Unlock()
		return
	}
	if err != nil {
		p.failure = err.Error()
		failed := p.onFailure
		p.mu.Unlock()
		p.log.Warn("the OS keychain did not open", "err", err)
		if failed != nil {
			failed()
		}
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

// PatientOf finds the Patient store inside s, looking through wrappers that expose Unwrap() Store (the
// service's redaction watcher): a plain type assertion on the wrapper misses it, and the app would never learn
// that the keychain opened.
func PatientOf(s Store) (*Patient, bool) {
	for s != nil {
		if p, ok := s.(*Patient); ok {
			return p, true
		}
		u, ok := s.(interface{ Unwrap() Store })
		if !ok {
			return nil, false
		}
		s = u.Unwrap()
	}
	return nil, false
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

// OnFailure sets the callback run (on the opening goroutine) each time a try fails, so views can say why.
func (p *Patient) OnFailure(fn func()) {
	p.mu.Lock()
	p.onFailure = fn
	p.mu.Unlock()
}

// Retry opens the keychain again, which makes the OS ask for its password again: the window's and the tray's
// "Unlock". It also starts a new try while an earlier one still waits (its prompt may never have shown, or the
// keychain was unlocked by other means and the old prompt is stale), at most one per retrySpacing. It does
// nothing once the keychain is open.
func (p *Patient) Retry() {
	p.mu.Lock()
	if p.inner != nil || (p.opening > 0 && time.Since(p.lastAttempt) < p.spacing) {
		p.mu.Unlock()
		return
	}
	p.opening++
	p.lastAttempt, p.failure = time.Now(), ""
	p.mu.Unlock()
	go func() {
		s, err := p.open()
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
