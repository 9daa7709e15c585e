package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// postgresConns bounds one instance's connections: the usage writer, the management API and the notify listener
// need few; several instances share the server's max_connections (100 by default).
const postgresConns = 8

// connectTimeout bounds the first contact with the server, so an unreachable host is a clear error at start
// instead of a hang (issue #16, bad input).
const connectTimeout = 10 * time.Second

// migrationLock is the pg_advisory_lock key that serialises migrations when several instances start at once.
const migrationLock = 0x4e52_4d49_4752 // "NRMIGR"

// IsPostgresURL says whether a --database value names a PostgreSQL server (postgres:// or postgresql://).
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenPostgres opens a shared PostgreSQL database (a team server, docs/team-server.md) and applies pending
// migrations under an advisory lock, so instances starting together migrate once. An unreachable server or a
// refused login is an error naming the server and the cause, never a fallback to a local SQLite file.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err) // pgx's message masks the password
	}
	where := DescribePostgres(cfg)
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	open := func(readOnly bool) (*gorm.DB, *sql.DB, error) {
		c := cfg.Copy()
		if readOnly {
			c.RuntimeParams["default_transaction_read_only"] = "on"
		}
		sqlDB := stdlib.OpenDB(*c)
		sqlDB.SetMaxOpenConns(postgresConns)
		sqlDB.SetMaxIdleConns(postgresConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}),
			&gorm.Config{Logger: logger.Discard, TranslateError: true, DisableAutomaticPing: true})
		if err != nil {
			sqlDB.Close()
			return nil, nil, err
		}
		return gdb, sqlDB, nil
	}
	gdb, sqlDB, err := open(false)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", where, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, connectTimeout+time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("database %s is not reachable or refused the login: %w", where, err)
	}
	db := &DB{DB: gdb, Where: where, pg: cfg}
	if err := db.migrateLocked(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	reads, _, err := open(true)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("database %s for reading: %w", where, err)
	}
	db.Reads = reads
	return db, nil
}

// migrateLocked runs the migrations while holding a session advisory lock on one pinned connection.
func (db *DB) migrateLocked(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("database %s: %w", db.Where, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("database %s: migration lock: %w", db.Where, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	var existing bool
	if err := conn.QueryRowContext(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&existing); err != nil {
		return fmt.Errorf("database %s: %w", db.Where, err)
	}
	return db.migrate(ctx, existing)
}

// DescribePostgres names a server for messages: user@host:port/database, without the password.
func DescribePostgres(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "socket " + host
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", url.User(cfg.User).String(), host, cfg.Port, cfg.Database)
}

// IsConnectionLost says whether err means the database could not be reached (as opposed to a bad query): the
// caller keeps serving from memory and retries (issue #16: a database lost while running).
func IsConnectionLost(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"connection refused", "failed to connect", "connection reset", "broken pipe",
		"unexpected eof", "conn closed", "terminating connection", "the database system is shutting down",
		"no connection to the server", "i/o timeout"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Dedicated opens a connection of its own outside the pool, for a session that must stay on one connection
// (LISTEN). PostgreSQL only; the caller closes it.
func (db *DB) Dedicated(ctx context.Context) (*pgx.Conn, error) {
	if db.pg == nil {
		return nil, errors.New("dedicated connections need PostgreSQL")
	}
	conn, err := pgx.ConnectConfig(ctx, db.pg.Copy())
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", db.Where, err)
	}
	return conn, nil
}
