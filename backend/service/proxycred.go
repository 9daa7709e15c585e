package service

// Authenticating per-account proxies. An account's proxy address is kept in its row without user info
// ("http://host:3128"); when the address carried a user name or password, the whole address WITH them is kept in
// the secret store under proxyAuthKey(id), written through the secret journal like the account's API key
// (secretjournal.go). The snapshot (snapshot.go) puts the whole address back on the route.Account, so the
// transports (backend/proxy/transport.go), probes and quota polling dial the proxy with its credentials while no
// view, log line or row ever holds them.
//
// The secret holds the whole address, not only "user:password", so the credentials stay bound to the proxy they
// were given for: a secret whose address differs from the row's (a crash between a row's save and the deletion
// of the credentials it no longer uses) is never sent to another proxy.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// proxyAuthKey is where the address of account id's proxy WITH its credentials is kept in the secret store.
func proxyAuthKey(id int64) string {
	return secretNamespaceAccounts + fmt.Sprint(id) + "/proxy_auth"
}

// splitProxyURL splits a checked proxy address (checkProxyURL) into what the row keeps and what the secret
// store keeps: addr has no user info; withAuth is the whole address when it has user info, "" otherwise.
// "", "direct", "none" and addresses without user info come back unchanged.
func splitProxyURL(p string) (addr, withAuth string) {
	u, err := url.Parse(p)
	if err != nil || u.User == nil {
		return p, ""
	}
	return proxyAddress(u), p
}

// proxyAddress is u without its user info, as the row keeps it.
func proxyAddress(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// hasProxyAuth reports whether a proxy address carries a user name or password.
func hasProxyAuth(p string) bool {
	_, withAuth := splitProxyURL(p)
	return withAuth != ""
}

// watchProxyURL registers the credentials of a proxy address with the value redactor, in every form an error
// could echo them (the user info as written in a URL, the password alone, decoded and escaped), before the
// address is used or stored.
func (s *Service) watchProxyURL(p string) {
	u, err := url.Parse(p)
	if err != nil || u.User == nil {
		return
	}
	forms := []string{p, u.User.String()} // not the user name alone: it is often an ordinary word
	if pw, ok := u.User.Password(); ok {
		forms = append(forms, pw, url.QueryEscape(pw), url.PathEscape(pw))
	}
	s.redact.Add(forms...)
}

// accountProxyURL is the proxy address requests of account a use: the row's, with the credentials the secret
// store keeps for it. An address an older version stored with its credentials (not yet moved by
// moveProxyCredentials) is used as it is. A stored secret for another address is ignored.
func (s *Service) accountProxyURL(a store.Account) (string, error) {
	p := a.ProxyURL
	switch p {
	case "", "direct", "none":
		return p, nil
	}
	if hasProxyAuth(p) {
		s.watchProxyURL(p)
		return p, nil
	}
	v, err := s.secrets.Get(proxyAuthKey(a.ID))
	if errors.Is(err, secret.ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return "", err
	}
	if addr, withAuth := splitProxyURL(v); withAuth == "" || addr != p {
		return p, nil // left by an interrupted change of the proxy: not this address's credentials
	}
	s.watchProxyURL(v)
	return v, nil
}

// inputProxyAuth is the proxy address of an account input when it carries credentials (for the secret store),
// "" otherwise.
func inputProxyAuth(in AccountInput) string {
	if in.ProxyURL == nil {
		return ""
	}
	_, withAuth := splitProxyURL(strings.TrimSpace(*in.ProxyURL))
	return withAuth
}

// setProxyAuth stores a new account's proxy credentials; the caller has journaled proxyAuthKey with the row's
// other secrets (setAccountKey, an import), inside the row's transaction.
func (s *Service) setProxyAuth(a store.Account, withAuth string) error {
	s.watchProxyURL(withAuth)
	if err := s.secrets.Set(proxyAuthKey(a.ID), withAuth); err != nil {
		return fmt.Errorf("store the proxy credentials of %s: %w", a.Name, err)
	}
	return nil
}

// proxyAuthChange is what an edit does to an account's proxy credentials: replace them (staged until the row's
// save commits) or drop them (after it commits).
type proxyAuthChange struct {
	staged *stagedSecret
	drop   bool
}

// beginProxyAuthChange stages the credentials of an edited proxy address (in.ProxyURL non-nil); since is the
// row's save time (stageSecret).
func (s *Service) beginProxyAuthChange(row store.Account, in AccountInput, since time.Time) (proxyAuthChange, error) {
	if in.ProxyURL == nil {
		return proxyAuthChange{}, nil
	}
	withAuth := inputProxyAuth(in)
	if withAuth == "" {
		return proxyAuthChange{drop: true}, nil
	}
	s.watchProxyURL(withAuth)
	st, err := s.stageSecret(accountOwner(row), proxyAuthKey(row.ID), withAuth, since)
	if err != nil {
		return proxyAuthChange{}, fmt.Errorf("the proxy credentials: %w", err)
	}
	return proxyAuthChange{staged: st}, nil
}

// end settles the change once the row's save has ended. Credentials left behind by a failed drop are harmless
// (accountProxyURL uses them only with the address they were given for) and are removed with the account.
func (c proxyAuthChange) end(s *Service, id int64, committed bool) error {
	switch {
	case c.staged != nil:
		return s.endStaged(c.staged, committed)
	case c.drop && committed:
		if err := s.secrets.Delete(proxyAuthKey(id)); err != nil && !errors.Is(err, secret.ErrNotFound) {
			s.log.Warn("could not delete an account's former proxy credentials from the secret store", "account", id, "err", err)
		}
	}
	return nil
}

// moveProxyCredentials moves the credentials an older version kept inside accounts' proxy addresses in the
// database to the secret store: per account, the secret is written first and the row rewritten after, so a
// kill between the two leaves the row as it was and the next start (which finds the secret already there) only
// rewrites the row. Run at start and when a locked keychain opens, after the journal's sweep.
func (s *Service) moveProxyCredentials(ctx context.Context) {
	if _, waiting := secret.PatientOf(s.secrets); waiting && s.SecretsWaiting() != "" {
		return // the keychain is locked: moved when it opens
	}
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	rows, err := s.db.Accounts(ctx)
	if err != nil {
		s.log.Warn("moving proxy credentials to the secret store", "err", err)
		return
	}
	moved := 0
	for _, a := range rows {
		addr, withAuth := splitProxyURL(a.ProxyURL)
		if withAuth == "" {
			continue
		}
		s.watchProxyURL(withAuth)
		if cur, err := s.secrets.Get(proxyAuthKey(a.ID)); err != nil || cur != withAuth {
			if err != nil && !errors.Is(err, secret.ErrNotFound) {
				s.log.Warn("could not move an account's proxy credentials to the secret store", "account", a.ID, "err", err)
				continue
			}
			if err := s.secrets.Set(proxyAuthKey(a.ID), withAuth); err != nil {
				s.log.Warn("could not move an account's proxy credentials to the secret store", "account", a.ID, "err", err)
				continue
			}
		}
		if err := s.stripProxyCredentials(ctx, a, addr); err != nil {
			s.log.Warn("could not remove an account's proxy credentials from the database", "account", a.ID, "err", err)
			continue
		}
		moved++
		s.log.Info("moved the credentials of an account's proxy from the database to the secret store", "account", a.ID, "proxy", addr)
	}
	if moved > 0 && s.db.Dialect() == store.SQLite {
		// The old row's pages leave the write-ahead log for the database file, which secure_delete rewrote.
		if err := s.db.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
			s.log.Warn("could not checkpoint the database after moving proxy credentials out of it", "err", err)
		}
	}
}

// stripProxyCredentials rewrites a's proxy address to addr (without its credentials). On SQLite the update runs
// with secure_delete, so the old value is overwritten in the page rather than left in its free space.
// UpdateColumn: the row's updated_at stays, so a journaled replace's sweep is not misled (ownerLive).
func (s *Service) stripProxyCredentials(ctx context.Context, a store.Account, addr string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sqlite := store.DialectOf(tx) == store.SQLite
		if sqlite {
			if err := tx.Exec("PRAGMA secure_delete = ON").Error; err != nil {
				return err
			}
		}
		err := tx.Model(&store.Account{}).Where("id = ? AND proxy_url = ?", a.ID, a.ProxyURL).UpdateColumn("proxy_url", addr).Error
		if sqlite {
			err = errors.Join(err, tx.Exec("PRAGMA secure_delete = OFF").Error)
		}
		return err
	})
}

// retainProxyTransports lets the proxy forget the transports (and the credentials in their addresses) of
// proxies that no account of snap uses.
func (s *Service) retainProxyTransports(snap *route.Snapshot) {
	used := map[string]bool{}
	for _, a := range snap.ByID {
		used[a.ProxyURL] = true
	}
	if s.routing.proxy != nil {
		s.routing.proxy.RetainTransports(used)
	}
}
