package secret

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Database keeps secrets in a shared PostgreSQL database (a team server has no OS keychain, and several
// instances must see the same tokens): one row per key in sealed_secrets (store migration 700), each value sealed
// with AES-256-GCM under a key derived by scrypt from NINEROUTER_SECRET_KEY (or the file NINEROUTER_SECRET_KEY_FILE
// names), with the secret's key name as additional data so that a row cannot be moved to another name. The salt
// and a check value live in the same table, so every instance derives the same key and a wrong key is refused at
// start. Values are never cached: a token another instance rotated is read fresh.
type Database struct {
	db     *sql.DB
	key    []byte
	where  string // the server, for messages (no password)
	source string // where the passphrase came from
}

// Reserved rows of sealed_secrets; secret keys are namespaced ("account/12/api_key"), so they never collide.
const (
	saltRow  = "~salt"
	checkRow = "~check"
	checkVal = "ninerouter sealed secrets v1"
)

// dbTimeout bounds one secret read or write.
const dbTimeout = 10 * time.Second

// PassphraseFrom returns the passphrase given directly, or read from keyFile, and says which it was. Neither is
// an error that names both variables: a team server refuses to keep secrets in clear.
func PassphraseFrom(direct, keyFile string) (pass, source string, err error) {
	if direct != "" {
		return direct, "NINEROUTER_SECRET_KEY", nil
	}
	if keyFile == "" {
		return "", "", errors.New("a shared database keeps account secrets encrypted: set NINEROUTER_SECRET_KEY " +
			"or NINEROUTER_SECRET_KEY_FILE (the same on every instance)")
	}
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return "", "", fmt.Errorf("NINEROUTER_SECRET_KEY_FILE: %w", err)
	}
	pass = strings.TrimSpace(string(raw))
	if pass == "" {
		return "", "", fmt.Errorf("NINEROUTER_SECRET_KEY_FILE %s is empty", keyFile)
	}
	return pass, "NINEROUTER_SECRET_KEY_FILE", nil
}

// OpenDatabase opens the sealed store over db (a PostgreSQL pool whose sealed_secrets table exists). The first
// instance makes the salt and the check value; later ones must derive a key that opens the check value.
func OpenDatabase(ctx context.Context, db *sql.DB, where, passphrase, source string) (*Database, error) {
	if passphrase == "" {
		return nil, errors.New("sealed secret store: empty key")
	}
	d := &Database{db: db, where: where, source: source}
	fresh := make([]byte, 16)
	rand.Read(fresh)
	// Concurrent first starts: one salt wins, everyone reads it back.
	if _, err := db.ExecContext(ctx, `INSERT INTO sealed_secrets (key, nonce, sealed, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO NOTHING`, saltRow, []byte{}, fresh, time.Now().UTC()); err != nil {
		return nil, fmt.Errorf("secrets in database %s: %w", where, err)
	}
	var salt []byte
	if err := db.QueryRowContext(ctx, `SELECT sealed FROM sealed_secrets WHERE key = $1`, saltRow).Scan(&salt); err != nil {
		return nil, fmt.Errorf("secrets in database %s: %w", where, err)
	}
	key, err := deriveKey(passphrase, salt)
	if err != nil {
		return nil, err
	}
	d.key = key
	if err := d.setIfAbsent(ctx, checkRow, checkVal); err != nil {
		return nil, err
	}
	got, err := d.get(ctx, checkRow)
	if err != nil || got != checkVal {
		return nil, fmt.Errorf("%s does not open the secrets kept in database %s (they were sealed with another "+
			"key; every instance needs the same one)", source, where)
	}
	return d, nil
}

// Kind says where secrets are.
func (d *Database) Kind() string { return "database-encrypted" }

// Describe is the status line.
func (d *Database) Describe() string {
	return "encrypted in the shared database " + d.where + " (AES-256-GCM, key from " + d.source + ")"
}

// Get reads and opens one value.
func (d *Database) Get(key string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	return d.get(ctx, key)
}

func (d *Database) get(ctx context.Context, key string) (string, error) {
	var nonce, sealed []byte
	err := d.db.QueryRowContext(ctx, `SELECT nonce, sealed FROM sealed_secrets WHERE key = $1`, key).Scan(&nonce, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("secret %s in database %s: %w", key, d.where, err)
	}
	plain, err := openSealedFor(d.key, nonce, sealed, key)
	if err != nil {
		return "", fmt.Errorf("secret %s in database %s does not open with %s: %w", key, d.where, d.source, err)
	}
	return string(plain), nil
}

// Set seals and stores one value.
func (d *Database) Set(key, value string) error {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	return d.put(ctx, key, value, `ON CONFLICT (key) DO UPDATE SET nonce = excluded.nonce, sealed = excluded.sealed,
		updated_at = excluded.updated_at`)
}

func (d *Database) setIfAbsent(ctx context.Context, key, value string) error {
	return d.put(ctx, key, value, `ON CONFLICT (key) DO NOTHING`)
}

func (d *Database) put(ctx context.Context, key, value, onConflict string) error {
	nonce, sealed, err := sealFor(d.key, []byte(value), key)
	if err != nil {
		return err
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO sealed_secrets (key, nonce, sealed, updated_at) VALUES ($1, $2, $3, $4) `+
		onConflict, key, nonce, sealed, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("secret %s in database %s: %w", key, d.where, err)
	}
	return nil
}

// Delete removes one value; a missing one is not an error.
func (d *Database) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sealed_secrets WHERE key = $1`, key); err != nil {
		return fmt.Errorf("secret %s in database %s: %w", key, d.where, err)
	}
	return nil
}
