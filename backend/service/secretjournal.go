package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// The account keys' writes are journaled (secret.Journal) so that a crash between the keychain and the
// database leaves a mark: the start-up sweep then removes keys whose row never committed or was deleted first,
// and names accounts whose key never arrived, instead of leaving them indistinguishable from rows that are
// legally without a key (issue #9 finding 5).

// accountOwner names an account row in the journal: its id and creation second, so a later row that reuses
// the id is not taken for it.
func accountOwner(a store.Account) string {
	return "account:" + strconv.FormatInt(a.ID, 10) + ":" + strconv.FormatInt(a.CreatedAt.Unix(), 10)
}

// ownerLive reports whether the row a journal entry names exists now.
func (s *Service) ownerLive(ctx context.Context, w secret.PendingWrite) (bool, error) {
	parts := strings.Split(w.Owner, ":")
	if len(parts) != 3 || parts[0] != "account" {
		return true, nil // not ours to judge: keep the key
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	created, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return true, nil
	}
	row, err := s.db.Account(ctx, id)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return row.CreatedAt.Unix() == created, nil
}

// setAccountKey journals, then stores an account's key: called inside the transaction that creates the row, so
// a crash leaves a journal entry whose row never committed.
func (s *Service) setAccountKey(a store.Account, key string) error {
	k := store.AccountSecretKey(a.ID)
	if err := s.journal.Begin(secret.PendingWrite{Key: k, Op: secret.OpSet, Owner: accountOwner(a)}); err != nil {
		return fmt.Errorf("save account key: %w", err)
	}
	return s.secrets.Set(k, key)
}

// settleAccountKey ends a journaled key write once the row's transaction has ended: committed, the entry goes;
// rolled back, the key goes first (the row it belonged to does not exist). A key the store cannot delete now (a
// locked keychain) keeps its entry for the sweep.
func (s *Service) settleAccountKey(id int64, committed bool) {
	k := store.AccountSecretKey(id)
	if !committed {
		if err := s.secrets.Delete(k); err != nil && !errors.Is(err, secret.ErrNotFound) {
			s.log.Warn("a key whose account was not saved stays until the next start", "account", id, "err", err)
			return
		}
	}
	if err := s.journal.Done(k); err != nil {
		s.log.Warn("secret journal", "err", err)
	}
}

// beginKeyDelete journals the deletion of an account's key before its row goes.
func (s *Service) beginKeyDelete(a store.Account) error {
	err := s.journal.Begin(secret.PendingWrite{Key: store.AccountSecretKey(a.ID), Op: secret.OpDelete, Owner: accountOwner(a)})
	if err != nil {
		return fmt.Errorf("delete account %d: %w", a.ID, err)
	}
	return nil
}

// deleteAccountKey deletes a deleted account's key and ends its journal entry; a key the store cannot delete
// now stays journaled for the sweep.
func (s *Service) deleteAccountKey(id int64) {
	k := store.AccountSecretKey(id)
	if err := s.secrets.Delete(k); err != nil && !errors.Is(err, secret.ErrNotFound) {
		s.log.Warn("could not delete an account's key from the secret store; it goes at the next start", "account", id, "err", err)
		return
	}
	if err := s.journal.Done(k); err != nil {
		s.log.Warn("secret journal", "err", err)
	}
}

// sweepSecrets settles the journal (secret.Journal.Sweep): at start, and when a locked keychain opens.
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
		s.log.Info("removed a key whose account was never saved or was deleted (an interrupted write)", "key", k)
	}
	for _, o := range rep.Unfinished {
		s.log.Warn("an account's key was never stored (an interrupted write): enter it again", "account", o)
	}
	if rep.Left > 0 {
		s.log.Warn("secret journal: entries left for the next start", "count", rep.Left)
	}
}
