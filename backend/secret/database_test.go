package secret

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ninerouter/ninerouter/backend/store/storetest"
)

// openSealedTable opens the test schema with the table store migration 700 makes (this package may not import
// the store).
func openSealedTable(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", storetest.FreshPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE sealed_secrets (key TEXT PRIMARY KEY, nonce BYTEA NOT NULL, sealed BYTEA NOT NULL,
		updated_at TIMESTAMPTZ)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestPostgresSealedStore: values round-trip, are never in clear in the table, are shared by a second instance
// with the same key, are refused with another key, and cannot be moved to another name.
func TestPostgresSealedStore(t *testing.T) {
	ctx := context.Background()
	db := openSealedTable(t)
	a, err := OpenDatabase(ctx, db, "test", "team passphrase", "NINEROUTER_SECRET_KEY")
	if err != nil {
		t.Fatal(err)
	}
	const token = "sk-ant-oat01-very-secret-token"
	if err := a.Set("account/1/api_key", token); err != nil {
		t.Fatal(err)
	}
	if err := a.Set("account/2/api_key", "other"); err != nil {
		t.Fatal(err)
	}
	var raw strings.Builder
	rows, err := db.Query("SELECT key, nonce, sealed FROM sealed_secrets")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n, s []byte
		rows.Scan(&k, &n, &s)
		raw.Write(n)
		raw.Write(s)
	}
	rows.Close()
	if strings.Contains(raw.String(), "very-secret") {
		t.Fatal("a secret is in clear in the database")
	}
	b, err := OpenDatabase(ctx, db, "test", "team passphrase", "NINEROUTER_SECRET_KEY_FILE")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get("account/1/api_key"); err != nil || got != token {
		t.Fatalf("second instance Get = %q %v", got, err)
	}
	if _, err := b.Get("account/9/api_key"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing Get err = %v", err)
	}
	if err := b.Delete("account/2/api_key"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get("account/2/api_key"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted on b, still on a: %v", err)
	}
	if _, err := OpenDatabase(ctx, db, "test", "another passphrase", "NINEROUTER_SECRET_KEY"); err == nil ||
		!strings.Contains(err.Error(), "another key") {
		t.Fatalf("a wrong key was accepted or not explained: %v", err)
	}
	// A row copied under another name does not open (the name is GCM's additional data).
	if _, err := db.Exec(`INSERT INTO sealed_secrets (key, nonce, sealed) SELECT 'account/3/api_key', nonce, sealed
		FROM sealed_secrets WHERE key = 'account/1/api_key'`); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Get("account/3/api_key"); err == nil {
		t.Fatalf("a moved row opened: %q", got)
	} else if strings.Contains(err.Error(), "very-secret") {
		t.Fatalf("error shows the secret: %v", err)
	}
	if a.Kind() != "database-encrypted" || !strings.Contains(a.Describe(), "AES-256-GCM") {
		t.Fatalf("kind %q, describe %q", a.Kind(), a.Describe())
	}
}

func TestSealedPassphraseFrom(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	os.WriteFile(file, []byte("  from file \n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tc := range []struct {
		direct, file, want, source, err string
	}{
		{"direct", file, "direct", "NINEROUTER_SECRET_KEY", ""},
		{"", file, "from file", "NINEROUTER_SECRET_KEY_FILE", ""},
		{"", "", "", "", "NINEROUTER_SECRET_KEY or NINEROUTER_SECRET_KEY_FILE"},
		{"", empty, "", "", "is empty"},
		{"", filepath.Join(dir, "missing"), "", "", "no such file"},
	} {
		pass, source, err := PassphraseFrom(tc.direct, tc.file)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("PassphraseFrom(%q, %q) err = %v, want %q", tc.direct, tc.file, err, tc.err)
			}
			continue
		}
		if err != nil || pass != tc.want || source != tc.source {
			t.Errorf("PassphraseFrom(%q, %q) = %q %q %v", tc.direct, tc.file, pass, source, err)
		}
	}
}
