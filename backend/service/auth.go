package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// CLITokenFile is the 0600 file the `ninerouter` CLI reads to talk to the running instance.
const CLITokenFile = "cli-token"

const (
	settingPasswordHash = "dashboard_password_bcrypt"
	sessionTTL          = 7 * 24 * time.Hour
	// Login throttling (issue #9 finding 4). Attempts are counted before the password is checked, so
	// concurrent guesses cannot all slip through before the first failure is recorded.
	maxFailures      = 5                // per source address within lockout
	maxGlobalFailure = 10               // all addresses together within lockout: 50 loopback addresses are not 50×5 guesses
	lockout          = 15 * time.Minute // how long a lock holds, and the window failures are counted in
	maxChecks        = 2                // bcrypt comparisons running at once; more are refused, not queued
	maxTrackedIPs    = 4096             // per-address entries kept before expired ones are dropped
)

// ErrBadPassword is returned by Login for a wrong password; ErrLockedOut after too many failures; ErrBusy when
// other sign-ins are being checked at this moment.
var (
	ErrBadPassword = errors.New("wrong password")
	ErrLockedOut   = errors.New("too many failed sign-in attempts; try again later (the desktop window and the `ninerouter` CLI still work, and `ninerouter password` sets a new password)")
	ErrNoPassword  = errors.New("no dashboard password is set yet")
	ErrBusy        = errors.New("another sign-in is being checked; try again in a moment")
)

// Auth holds the three management credentials: the window's per-launch token, the CLI's token file, and the
// dashboard's password with its session cookies. Nothing here has a default value. The window and CLI tokens
// never pass the login throttle, so a locked dashboard login cannot lock the owner out of the app.
type Auth struct {
	svc         *Service
	windowToken [32]byte // sha256 of the per-launch token
	windowPlain string
	cliToken    [32]byte
	cliPlain    string // kept only to register it with the value redactor

	checks  chan struct{}                     // semaphore of maxChecks password comparisons
	compare func(hash, password []byte) error // bcrypt.CompareHashAndPassword; tests count calls

	mu       sync.Mutex
	sessions map[[32]byte]time.Time // sha256(session id) -> expiry; kept across restarts (sessions.go)
	failures map[string]*failure    // per remote IP
	global   failure                // every address together

	saveMu sync.Mutex // orders saveSessions' writes
}

// authenticator is Auth under an unexported name, so that embedding it in Service adds its methods, not a field
// anyone outside the package could reach.
type authenticator = Auth

// failure counts attempts within a window that starts at the first one; until is set once the limit is hit.
type failure struct {
	count int
	since time.Time
	until time.Time
}

// take counts one attempt at now against limit and reports whether it may be checked.
func (f *failure) take(now time.Time, limit int) bool {
	if now.Before(f.until) {
		return false
	}
	if now.Sub(f.since) > lockout {
		f.count, f.since = 0, now
	}
	f.count++
	if f.count >= limit {
		f.until = now.Add(lockout)
	}
	return true
}

// refund gives back an attempt that turned out to be the right password.
func (f *failure) refund() {
	if f.count > 0 {
		f.count--
	}
	f.until = time.Time{}
}

func newAuth(ctx context.Context, s *Service) (*Auth, error) {
	a := &Auth{svc: s, sessions: map[[32]byte]time.Time{}, failures: map[string]*failure{},
		checks: make(chan struct{}, maxChecks), compare: bcrypt.CompareHashAndPassword}
	a.windowPlain = randomToken("nrw_")
	a.windowToken = sha256.Sum256([]byte(a.windowPlain))
	tok, err := loadOrCreateCLIToken(s.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a.cliToken, a.cliPlain = sha256.Sum256([]byte(tok)), tok
	a.loadSessions()
	if p := s.cfg.InitialPassword; p != "" && !a.PasswordSet(ctx) {
		if err := a.SetPassword(ctx, p); err != nil {
			return nil, fmt.Errorf("NINEROUTER_PASSWORD: %w", err)
		}
	}
	return a, nil
}

// WindowToken is handed to the desktop window through a Wails binding; it changes every launch.
func (a *Auth) WindowToken() string { return a.windowPlain }

// CheckToken reports whether tok is the window token or the CLI token, in constant time.
func (a *Auth) CheckToken(tok string) bool {
	if tok == "" {
		return false
	}
	h := sha256.Sum256([]byte(tok))
	w := subtle.ConstantTimeCompare(h[:], a.windowToken[:])
	c := subtle.ConstantTimeCompare(h[:], a.cliToken[:])
	return w|c == 1
}

// PasswordSet reports whether the dashboard has a password.
func (a *Auth) PasswordSet(ctx context.Context) bool {
	_, ok, _ := a.svc.db.GetSetting(ctx, settingPasswordHash)
	return ok
}

// SetPassword sets or replaces the dashboard password and ends every session.
func (a *Auth) SetPassword(ctx context.Context, password string) error {
	if len(password) < 8 {
		return errors.New("password must be at least 8 characters")
	}
	if len(password) > 72 {
		return errors.New("password must be at most 72 bytes")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	if err := a.svc.db.SetSetting(ctx, settingPasswordHash, string(hash)); err != nil {
		return err
	}
	a.mu.Lock()
	clear(a.sessions)
	clear(a.failures) // the owner just proved local access: a lock an attacker caused ends with the new password
	a.global = failure{}
	a.mu.Unlock()
	a.saveSessions()
	return nil
}

// CheckPassword reports whether password is the current dashboard password, without starting a session. It is
// throttled like Login (a dashboard session changing the password must not become a guessing oracle).
func (a *Auth) CheckPassword(ctx context.Context, clientIP, password string) error {
	return a.check(ctx, clientIP, password)
}

// Login checks the password for a client (keyed by remote IP for throttling) and returns a new session id.
func (a *Auth) Login(ctx context.Context, clientIP, password string) (string, error) {
	if err := a.check(ctx, clientIP, password); err != nil {
		return "", err
	}
	id := randomToken("")
	a.mu.Lock()
	a.sessions[sha256.Sum256([]byte(id))] = time.Now().Add(sessionTTL)
	a.mu.Unlock()
	a.saveSessions()
	return id, nil
}

// check is the one throttled password comparison: at most maxChecks at once (others are refused at once), and
// the attempt is counted against the address and the global limit before bcrypt runs.
func (a *Auth) check(ctx context.Context, clientIP, password string) error {
	hash, ok, err := a.svc.db.GetSetting(ctx, settingPasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoPassword
	}
	select {
	case a.checks <- struct{}{}:
		defer func() { <-a.checks }()
	default:
		return ErrBusy
	}
	now := time.Now()
	a.mu.Lock()
	f := a.failures[clientIP]
	if f == nil {
		if len(a.failures) >= maxTrackedIPs {
			a.pruneFailures(now)
		}
		f = &failure{since: now}
		a.failures[clientIP] = f
	}
	if now.Before(f.until) || now.Before(a.global.until) {
		a.mu.Unlock()
		return ErrLockedOut
	}
	f.take(now, maxFailures)
	a.global.take(now, maxGlobalFailure)
	a.mu.Unlock()

	if a.compare([]byte(hash), []byte(password)) != nil {
		return ErrBadPassword
	}
	a.mu.Lock()
	delete(a.failures, clientIP)
	a.global.refund()
	a.mu.Unlock()
	return nil
}

// pruneFailures drops entries whose window and lock are over; a.mu is held.
func (a *Auth) pruneFailures(now time.Time) {
	for ip, f := range a.failures {
		if now.After(f.until) && now.Sub(f.since) > lockout {
			delete(a.failures, ip)
		}
	}
}

// CheckSession reports whether a session cookie value is live.
func (a *Auth) CheckSession(id string) bool {
	if id == "" {
		return false
	}
	h := sha256.Sum256([]byte(id))
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, ok := a.sessions[h]
	if ok && time.Now().After(exp) {
		delete(a.sessions, h)
		return false
	}
	return ok
}

// Logout ends a session.
func (a *Auth) Logout(id string) {
	a.mu.Lock()
	delete(a.sessions, sha256.Sum256([]byte(id)))
	a.mu.Unlock()
	a.saveSessions()
}

// randomToken returns prefix + 32 random bytes in hex.
func randomToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + hex.EncodeToString(b)
}

// loadOrCreateCLIToken reads dataDir/cli-token, creating it (0600) on first run. A token file with looser
// permissions is tightened.
func loadOrCreateCLIToken(dataDir string) (string, error) {
	path := filepath.Join(dataDir, CLITokenFile)
	if b, err := os.ReadFile(path); err == nil {
		tok := strings.TrimSpace(string(b))
		if len(tok) >= 32 {
			_ = os.Chmod(path, 0o600)
			return tok, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("cli token %s: %w", path, err)
	}
	tok := randomToken("nrc_")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("cli token %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("cli token %s: %w", path, err)
	}
	return tok, nil
}

// ReadCLIToken is what the CLI uses to authenticate to a running instance.
func ReadCLIToken(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, CLITokenFile))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
