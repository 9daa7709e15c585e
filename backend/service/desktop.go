package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/autostart"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/update"
	"github.com/ninerouter/ninerouter/backend/version"
)

// This file is the desktop life-cycle's face on the service: start at login (backend/autostart) and the
// signed update check (backend/update). The tray calls these in-process; the window and the CLI go through
// the management API (backend/api/desktop.go).

// SettingUpdateFeed is the update feed's URL; empty turns update checks off.
const SettingUpdateFeed = "update_feed_url"

// settingUpdateState keeps the last update check (time and answer) so "at most daily" survives restarts. It is
// internal: not in settingSpecs, so the Settings page neither lists nor accepts it.
const settingUpdateState = "update_state"

// Autostart reads the start-at-login entry.
func (s *Service) Autostart() (autostart.Status, error) {
	m, err := autostart.New()
	if err != nil {
		return autostart.Status{}, err
	}
	return m.Status()
}

// SetAutostart turns start at login on (for the binary running now) or off, and tells the views.
func (s *Service) SetAutostart(on bool) (autostart.Status, error) {
	m, err := autostart.New()
	if err != nil {
		return autostart.Status{}, err
	}
	if on {
		err = m.Enable()
	} else {
		err = m.Disable()
	}
	if err != nil {
		return autostart.Status{}, err
	}
	s.log.Info("start at login changed", "enabled", on)
	s.Publish(events.KindSettings, map[string]any{"autostart": on})
	return m.Status()
}

// updates is the service's one update checker, made on first use.
type updates struct {
	once sync.Once
	c    *update.Checker
	err  error
}

// Updates returns the update checker. Its background loop (Run) is started by the desktop app, which owns it;
// the headless server and the CLI only check on demand.
func (s *Service) Updates() (*update.Checker, error) {
	s.upd.once.Do(func() {
		s.upd.c, s.upd.err = update.NewChecker(update.Options{
			FeedURL: func() string {
				v, _, _ := s.db.GetSetting(context.Background(), SettingUpdateFeed)
				return v
			},
			Current: version.Get().Version,
			Log:     s.log,
			Load: func() (update.Status, bool) {
				v, ok, err := s.db.GetSetting(context.Background(), settingUpdateState)
				var st update.Status
				if err != nil || !ok || json.Unmarshal([]byte(v), &st) != nil {
					return update.Status{}, false
				}
				return st, true
			},
			Save: func(st update.Status) {
				b, _ := json.Marshal(st)
				if err := s.db.SetSetting(context.Background(), settingUpdateState, string(b)); err != nil {
					s.log.Warn("saving the update check", "err", err)
				}
			},
			Changed: func(st update.Status) { s.Publish(events.KindUpdate, st) },
		})
	})
	return s.upd.c, s.upd.err
}

// UpdateStatus is the last update check's answer.
func (s *Service) UpdateStatus() (update.Status, error) {
	c, err := s.Updates()
	if err != nil {
		return update.Status{}, err
	}
	return c.Status(), nil
}

// CheckForUpdate asks the feed now (the window's and the tray's "Check for updates").
func (s *Service) CheckForUpdate(ctx context.Context) (update.Status, error) {
	c, err := s.Updates()
	if err != nil {
		return update.Status{}, fmt.Errorf("update check: %w", err)
	}
	return c.Check(ctx), nil
}

// secretsPatience is how long the desktop app waits for the keychain before starting without it.
const secretsPatience = 2 * time.Second

// openSecrets opens the secret store. The desktop app never waits on a locked keychain's password prompt:
// after secretsPatience it starts without account keys and loads them once the keychain opens. The headless
// server and the CLI keep waiting (or failing) as before, since nobody would see a window saying why.
func openSecrets(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) (secret.Store, error) {
	if cfg.Database != "" {
		return openSealedSecrets(ctx, cfg, db)
	}
	opts := secret.Options{Mode: cfg.SecretStore, DataDir: cfg.DataDir, FileKey: cfg.SecretKey}
	if !cfg.Desktop {
		return secret.Open(opts, log)
	}
	return secret.OpenPatient(opts, log, secretsPatience)
}

// reloadWhenSecretsOpen rebuilds the router's snapshot once a waiting keychain opens, so the accounts skipped
// while it was locked are served, and tells the views.
func (s *Service) reloadWhenSecretsOpen(ctx context.Context) {
	p, ok := secret.PatientOf(s.secrets)
	if !ok {
		return
	}
	ctx = context.WithoutCancel(ctx)
	p.OnReady(func() {
		s.sweepSecrets(ctx)
		s.moveProxyCredentials(ctx)
		if err := s.reload(ctx, events.KindAccounts, events.KindStatus); err != nil {
			s.log.Error("loading account keys after the keychain opened", "err", err)
		}
	})
	// A try that failed (the prompt dismissed) changes what the window's banner says.
	p.OnFailure(func() { s.Publish(events.KindStatus, nil) })
}

// SecretsWaiting says why account keys are not loaded ("" when they are): the window and the tray show it and
// offer UnlockSecrets.
func (s *Service) SecretsWaiting() string {
	if p, ok := secret.PatientOf(s.secrets); ok {
		return p.Waiting()
	}
	return ""
}

// UnlockSecrets asks the keychain again (the OS shows its password prompt) when the last try failed.
func (s *Service) UnlockSecrets() {
	if p, ok := secret.PatientOf(s.secrets); ok {
		p.Retry()
	}
}
