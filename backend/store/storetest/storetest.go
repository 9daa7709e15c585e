// Package storetest gives tests a PostgreSQL database of their own when one is configured: the CI step
// scripts/ci/postgres.sh starts a throwaway server and names it in NINEROUTER_TEST_POSTGRES. Without it the
// PostgreSQL half of a test is skipped, so `go test ./...` needs no server.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvPostgres names the test server's connection URL.
const EnvPostgres = "NINEROUTER_TEST_POSTGRES"

// PostgresURL returns the test server's URL, or skips t when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		t.Skip(EnvPostgres + " is not set (scripts/ci/postgres.sh sets it)")
	}
	return dsn
}

// FreshPostgres creates an empty schema on the test server for t alone and returns a URL whose search_path is
// that schema, so tests never see each other's tables; the schema is dropped when t ends. Every instance of a
// multi-instance test opens the same URL.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("test postgres: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("test postgres: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	return WithParam(base, "search_path", schema)
}

// WithParam adds a connection parameter to a postgres:// URL or a key=value DSN.
func WithParam(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + key + "=" + value
}
