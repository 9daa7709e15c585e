package store

import (
	"context"
	"testing"

	"github.com/ninerouter/ninerouter/backend/store/storetest"
)

// eachDialect runs a test of the store suite on SQLite and, when scripts/ci/postgres.sh names a server, on
// PostgreSQL. open opens the test's one database; calling it again reopens the same database (restarts).
func eachDialect(t *testing.T, run func(t *testing.T, open func() (*DB, error))) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		run(t, func() (*DB, error) { return Open(context.Background(), dir) })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.FreshPostgres(t)
		run(t, func() (*DB, error) { return OpenPostgres(context.Background(), dsn) })
	})
}

// eachDB is eachDialect for tests that need one open database, closed when the test ends.
func eachDB(t *testing.T, run func(t *testing.T, db *DB)) {
	eachDialect(t, func(t *testing.T, open func() (*DB, error)) {
		db, err := open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		run(t, db)
	})
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		d        Dialect
		in, want string
	}{
		{SQLite, "a = ? AND b = ?", "a = ? AND b = ?"},
		{Postgres, "a = ? AND b = ?", "a = $1 AND b = $2"},
		{Postgres, "a = '?' AND b = ?", "a = '?' AND b = $1"},
		{Postgres, `"q?" = ?`, `"q?" = $1`},
	} {
		if got := tc.d.Rebind(tc.in); got != tc.want {
			t.Errorf("%s Rebind(%q) = %q, want %q", tc.d, tc.in, got, tc.want)
		}
	}
}

func TestDDLForPostgres(t *testing.T) {
	got := Postgres.DDL("CREATE TABLE x (a INTEGER NOT NULL, b REAL, c TEXT, PRIMARY KEY (a)) WITHOUT ROWID")
	if want := "CREATE TABLE x (a BIGINT NOT NULL, b DOUBLE PRECISION, c TEXT, PRIMARY KEY (a))"; got != want {
		t.Fatalf("DDL = %q, want %q", got, want)
	}
	if got := SQLite.DDL(UsageRollupsDDL); got != UsageRollupsDDL {
		t.Fatal("SQLite DDL changed")
	}
}

// TestPostgresBadStart: a wrong password or an unreachable server is a clear error at start naming the server
// (never the password), and nothing falls back to a local file.
func TestPostgresBadStart(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	for _, tc := range []struct{ name, dsn, want string }{
		{"wrong password", storetest.WithParam(dsn, "password", "wrong-pw-xyz"), "refused the login"},
		{"unreachable", "postgres://nr:secret-pw@127.0.0.1:1/nr?sslmode=disable&connect_timeout=2", "not reachable"},
		{"not a URL", "postgres://nr:secret-pw@[bad/x", "database URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := OpenPostgres(context.Background(), tc.dsn)
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			msg := err.Error()
			if !contains(msg, tc.want) || contains(msg, "wrong-pw-xyz") || contains(msg, "secret-pw") {
				t.Fatalf("error does not explain, or shows the password: %v", err)
			}
		})
	}
}
