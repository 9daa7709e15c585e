package service

// Dashboard sessions outlive a restart (issue 13: an update or restart must not sign the dashboard out). Only
// the SHA-256 of each session id and its expiry are kept, in the secret store (the OS keychain where there is
// one) rather than SQLite, so neither the database nor a backup of it can be turned into a live session.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/ninerouter/ninerouter/backend/secret"
)

// sessionsSecret names the secret-store entry with the live sessions.
const sessionsSecret = "dashboard/sessions"

// perDataDir scopes a secret-store name to this data dir: the OS keychain is shared by every data dir of the
// user, and a session or key of one instance must not open another.
func (s *Service) perDataDir(name string) string {
	h := sha256.Sum256([]byte(s.cfg.DataDir))
	return name + "/" + hex.EncodeToString(h[:6])
}

// loadSessions reads the sessions kept by the last run, dropping expired ones. A missing or unreadable entry
// means no sessions (the user signs in again), never a failed start.
func (a *Auth) loadSessions() {
	raw, err := a.svc.secrets.Get(a.svc.perDataDir(sessionsSecret))
	if err != nil {
		if !errors.Is(err, secret.ErrNotFound) {
			a.svc.log.Warn("could not read the dashboard sessions; signing in again is needed", "err", err)
		}
		return
	}
	var kept map[string]time.Time
	if err := json.Unmarshal([]byte(raw), &kept); err != nil {
		a.svc.log.Warn("the kept dashboard sessions are damaged; signing in again is needed", "err", err)
		return
	}
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, exp := range kept {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 || !exp.After(now) {
			continue
		}
		a.sessions[[32]byte(b)] = exp
	}
}

// saveSessions writes the live sessions after a sign-in, sign-out or password change. saveMu keeps the
// writes in the order of the changes they record.
func (a *Auth) saveSessions() {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	now := time.Now()
	kept := map[string]time.Time{}
	a.mu.Lock()
	for h, exp := range a.sessions {
		if exp.After(now) {
			kept[hex.EncodeToString(h[:])] = exp.UTC()
		}
	}
	a.mu.Unlock()
	b, _ := json.Marshal(kept)
	if err := a.svc.secrets.Set(a.svc.perDataDir(sessionsSecret), string(b)); err != nil {
		a.svc.log.Warn("could not keep the dashboard sessions; a restart will ask to sign in again", "err", err)
	}
}
