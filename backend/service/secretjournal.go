package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// An account's secrets (its API key, or its sign-in token's two slots) are written through a journal
// (secret.Journal) so that a crash between the keychain and the database leaves a mark the start-up sweep
// settles (issue #9 finding 5):
//   - a new row's secrets (AddAccount, AddNode, a sign-in that creates an account, an import) are written inside
//     the row's transaction; the sweep removes them when the row never committed;
//   - a new secret for a row that exists (UpdateAccount, signing in again, an import merging a sign-in) waits
//     under a staging key while the row's change commits, and only then replaces the old one; the sweep moves
//     it over when the change committed and drops it otherwise, so the account keeps either its old secret and
//     row or its new ones, and never points at a missing or half-written secret;
//   - a deleted row's secrets are journaled before the row goes and deleted after; the sweep finishes the job.

// Owner kinds: whose change decides a replace (the account row, or its sign-in row).
const (
	ownerAccount = "account"
	ownerSignIn  = "signin"
)

// owner names an account in the journal: the kind of row whose save marks a replace as committed, the
// account's id and its creation second, so a later row that reuses the id is not taken for it.
func owner(kind string, a store.Account) string {
	return kind + ":" + strconv.FormatInt(a.ID, 10) + ":" + strconv.FormatInt(a.CreatedAt.Unix(), 10)
}

func accountOwner(a store.Account) string { return owner(ownerAccount, a) }

// parseOwner splits an owner name; ok is false for a name this service did not write.
func parseOwner(o string) (kind string, id, created int64, ok bool) {
	parts := strings.Split(o, ":")
	if len(parts) != 3 || (parts[0] != ownerAccount && parts[0] != ownerSignIn) {
		return "", 0, 0, false
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	created, err2 := strconv.ParseInt(parts[2], 10, 64)
	return parts[0], id, created, err1 == nil && err2 == nil
}

// ownerLive reports whether the row change a journal entry belongs to committed (secret.Journal.Sweep): the
// account exists, and for a replace, the row its kind names was saved at or after the entry began (the
// database keeps microseconds at best, hence the truncation).
func (s *Service) ownerLive(ctx context.Context, w secret.PendingWrite) (bool, error) {
	kind, id, created, ok := parseOwner(w.Owner)
	if !ok {
		return true, nil // not ours to judge: keep the key
	}
	row, err := s.db.Account(ctx, id)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if row.CreatedAt.Unix() != created {
		return false, nil
	}
	if w.Op != secret.OpReplace {
		return true, nil
	}
	saved := row.UpdatedAt
	if kind == ownerSignIn {
		var si store.SignIn
		err := s.db.WithContext(ctx).First(&si, id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		saved = si.UpdatedAt
	}
	return !saved.Before(w.Since.Truncate(time.Microsecond)), nil
}

// accountSecretKeys are all the keys an account may hold in the secret store: its API key, its token's two
// slots, its proxy's credentials (proxycred.go), and the staging keys of all three.
func accountSecretKeys(id int64) []string {
	keys := append([]string{store.AccountSecretKey(id)}, oauth.TokenSlots(id)...)
	return append(keys, proxyAuthKey(id), stagingKey(store.AccountSecretKey(id)), stagingKey(oauth.TokenKey(id)),
		stagingKey(proxyAuthKey(id)))
}

// beginSecretSet journals the first write of a new row's secrets; keys[0] is the one the row needs, the rest
// are written with it. Called inside the transaction that creates the row, so a crash leaves a journal entry
// whose row never committed.
func (s *Service) beginSecretSet(a store.Account, keys []string) error {
	if err := s.journal.Begin(secret.PendingWrite{Key: keys[0], Also: keys[1:], Op: secret.OpSet, Owner: accountOwner(a)}); err != nil {
		return fmt.Errorf("save the secret of account %d: %w", a.ID, err)
	}
	return nil
}

// endSecretSet ends a journaled first write once the row's transaction has ended: committed, the entry goes;
// rolled back, the keys go first (the row they belonged to does not exist).
func (s *Service) endSecretSet(id int64, keys []string, committed bool) {
	if committed {
		s.journalDone(keys[0])
		return
	}
	s.deleteJournaled(id, keys, "a secret whose account was not saved stays until the next start")
}

// deleteJournaled deletes keys, then ends their journal entry (named by keys[0]); when the store cannot delete
// one now (a locked keychain), it says so and the entry stays for the sweep.
func (s *Service) deleteJournaled(id int64, keys []string, warning string) {
	for _, k := range keys {
		if err := s.secrets.Delete(k); err != nil && !errors.Is(err, secret.ErrNotFound) {
			s.log.Warn(warning, "account", id, "err", err)
			return
		}
	}
	s.journalDone(keys[0])
}

func (s *Service) journalDone(key string) {
	if err := s.journal.Done(key); err != nil {
		s.log.Warn("secret journal", "err", err)
	}
}

// setAccountKey journals, then stores a new account's API key and, when its proxy has them, the proxy's
// credentials (proxyAuth: the whole address, proxycred.go), inside the row's transaction.
func (s *Service) setAccountKey(a store.Account, key, proxyAuth string) error {
	if err := s.beginSecretSet(a, newAccountKeys(a.ID)); err != nil {
		return err
	}
	if err := s.secrets.Set(store.AccountSecretKey(a.ID), key); err != nil {
		return err
	}
	if proxyAuth != "" {
		return s.setProxyAuth(a, proxyAuth)
	}
	return nil
}

// newAccountKeys are the keys setAccountKey may write.
func newAccountKeys(id int64) []string { return []string{store.AccountSecretKey(id), proxyAuthKey(id)} }

// settleAccountKey ends setAccountKey's entry once the row's transaction has ended.
func (s *Service) settleAccountKey(id int64, committed bool) {
	s.endSecretSet(id, newAccountKeys(id), committed)
}

// stagingKey is where a new value of key waits for its row's change to commit.
func stagingKey(key string) string { return key + ".staged" }

// stagedSecret is a new value for an existing account's secret, written under its staging key.
type stagedSecret struct {
	target, value string
}

// stageSecret journals, then writes value under target's staging key. since must be taken before the row's
// save (the sweep takes a row saved at or after it as committed).
func (s *Service) stageSecret(ownerName, target, value string, since time.Time) (*stagedSecret, error) {
	st := &stagedSecret{target: target, value: value}
	w := secret.PendingWrite{Key: stagingKey(target), Op: secret.OpReplace, Target: target, Owner: ownerName, Since: since}
	if err := s.journal.Begin(w); err != nil {
		return nil, fmt.Errorf("save the new secret: %w", err)
	}
	if err := s.secrets.Set(stagingKey(target), value); err != nil {
		s.endStaged(st, false)
		return nil, fmt.Errorf("save the new secret: %w", err)
	}
	return st, nil
}

// endStaged settles a staged secret once its row's change has ended: committed, the value replaces the old
// one, then the staging key goes; rolled back, only the staging key goes. Whatever the store cannot do now stays
// journaled for the sweep, which finishes it the same way; the error says a committed change's secret waits.
func (s *Service) endStaged(st *stagedSecret, committed bool) error {
	if committed {
		if err := s.secrets.Set(st.target, st.value); err != nil {
			s.log.Warn("a new secret waits in the secret store's staging key until the next start", "err", err)
			return fmt.Errorf("the change is saved, but its new secret could not be stored yet (it is at the next start): %w", err)
		}
	}
	if err := s.secrets.Delete(stagingKey(st.target)); err != nil && !errors.Is(err, secret.ErrNotFound) {
		s.log.Warn("a staged secret stays until the next start", "err", err)
		return nil
	}
	s.journalDone(stagingKey(st.target))
	return nil
}

// stageToken stages a sign-in token for an existing account (signing in again, an import's merged sign-in),
// numbered newer than any stored one so the vault reads it first once it replaces the primary slot. since must
// be taken before the sign-in row's save.
func (s *Service) stageToken(vault oauth.Vault, a store.Account, tok oauth.Token, since time.Time) (*stagedSecret, error) {
	if cur, err := vault.Load(a.ID); err == nil && tok.Seq <= cur.Seq {
		tok.Seq = cur.Seq + 1
	}
	raw, err := json.Marshal(tok)
	if err != nil {
		return nil, err
	}
	return s.stageSecret(owner(ownerSignIn, a), oauth.TokenKey(a.ID), string(raw), since)
}

// beginKeyDelete journals the deletion of an account's secrets before its row goes.
func (s *Service) beginKeyDelete(a store.Account) error {
	keys := accountSecretKeys(a.ID)
	err := s.journal.Begin(secret.PendingWrite{Key: keys[0], Also: keys[1:], Op: secret.OpDelete, Owner: accountOwner(a)})
	if err != nil {
		return fmt.Errorf("delete account %d: %w", a.ID, err)
	}
	return nil
}

// deleteAccountKey deletes a deleted account's secrets and ends its journal entry; secrets the store cannot
// delete now stay journaled for the sweep.
func (s *Service) deleteAccountKey(id int64) {
	s.deleteJournaled(id, accountSecretKeys(id), "could not delete an account's secret from the secret store; it goes at the next start")
}

// sweepSecrets settles the journal (secret.Journal.Sweep): at start, and when a locked keychain opens. Accounts
// whose staged secret it moved into place are read again.
func (s *Service) sweepSecrets(ctx context.Context) {
	if _, waiting := secret.PatientOf(s.secrets); waiting && s.SecretsWaiting() != "" {
		return // the keychain is locked: the sweep runs when it opens
	}
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	rep, err := s.journal.Sweep(s.secrets, func(w secret.PendingWrite) (bool, error) { return s.ownerLive(ctx, w) })
	if err != nil {
		s.log.Warn("secret journal sweep", "err", err)
		return
	}
	for _, k := range rep.Removed {
		s.log.Info("removed a secret whose account change was never saved or whose account was deleted (an interrupted write)", "key", k)
	}
	for _, w := range rep.Promoted {
		s.log.Info("an account's new secret was put in place (its change was saved before an interruption)", "key", w.Target)
		if _, id, _, ok := parseOwner(w.Owner); ok && s.subs != nil {
			s.subs.mgr.Forget(id)
		}
	}
	for _, o := range rep.Unfinished {
		s.log.Warn("an account's key was never stored (an interrupted write): enter it again", "account", o)
	}
	if rep.Left > 0 {
		s.log.Warn("secret journal: entries left for the next start", "count", rep.Left)
	}
	if len(rep.Promoted) > 0 {
		if err := s.reload(ctx); err != nil {
			s.log.Warn("reading the accounts again after the secret journal sweep", "err", err)
		}
	}
}
