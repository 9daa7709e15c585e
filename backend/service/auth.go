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
	maxFailures         = 5
	lockout             = 15 * time.Minute
)

// ErrBadPassword is returned by Login for a wrong password; ErrLockedOut after too many failures.
var (
	ErrBadPassword = errors.New("wrong password")
	ErrLockedOut   = errors.New("too many failed attempts; try again later")
	ErrNoPassword  = errors.New("no dashboard password is set yet")
)

// Auth holds the three management credentials: the window's per-launch token, the CLI's token file, and the
// dashboard's password with its session cookies. Nothing here has a default value.
type Auth struct {
	svc         *Service
	windowToken [32]byte // sha256 of the per-launch token
	windowPlain string
	cliToken    [32]byte
	cliPlain    string // kept only to register it with the value redactor

	mu       sync.Mutex
	sessions map[[32]byte]time.Time // sha256(session id) -> expiry
	failures map[string]*failure    // per remote IP
}

type failure struct {
	count int
	until time.Time
}

func newAuth(ctx context.Context, s *Service) (*Auth, error) {
	a := &Auth{svc: s, sessions: map[[32]byte]time.Time{}, failures: map[string]*failure{}}
	a.windowPlain = randomToken("nrw_")
	a.windowToken = sha256.Sum256([]byte(a.windowPlain))
	tok, err := loadOrCreateCLIToken(s.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a.cliToken, a.cliPlain = sha256.Sum256([]byte(tok)), tok
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
	a.mu.Unlock()
	return nil
}

// CheckPassword reports whether password is the current dashboard password, without counting as a login.
func (a *Auth) CheckPassword(ctx context.Context, password string) bool {
	hash, ok, err := a.svc.db.GetSetting(ctx, settingPasswordHash)
	return err == nil && ok && bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// Login checks the password for a client (keyed by remote IP for throttling) and returns a new session id.
func (a *Auth) Login(ctx context.Context, clientIP, password string) (string, error) {
	a.mu.Lock()
	if f := a.failures[clientIP]; f != nil && time.Now().Before(f.until) {
		a.mu.Unlock()
		return "", ErrLockedOut
	}
	a.mu.Unlock()
	hash, ok, err := a.svc.db.GetSetting(ctx, settingPasswordHash)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrNoPassword
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		a.mu.Lock()
		f := a.failures[clientIP]
		if f == nil {
			f = &failure{}
			a.failures[clientIP] = f
		}
		f.count++
		if f.count >= maxFailures {
			f.count, f.until = 0, time.Now().Add(lockout)
		}
		a.mu.Unlock()
		return "", ErrBadPassword
	}
	id := randomToken("")
	a.mu.Lock()
	delete(a.failures, clientIP)
	a.sessions[sha256.Sum256([]byte(id))] = time.Now().Add(sessionTTL)
	a.mu.Unlock()
	return id, nil
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
