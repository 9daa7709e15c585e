package store

import (
	"regexp"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Dialect names the SQL engine under a DB: SQLite for the desktop's data dir, PostgreSQL for a team server
// (docs/team-server.md). Queries are written once in the common subset; Dialect spells the few things that differ
// (placeholders, time arithmetic, column types of hand-written DDL) so that no caller branches on the engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DialectOf names the engine behind a gorm handle (a migration's transaction, a bare DB value).
func DialectOf(tx *gorm.DB) Dialect {
	if tx != nil && tx.Dialector != nil && tx.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

// Dialect of this database.
func (db *DB) Dialect() Dialect { return DialectOf(db.DB) }

// Rebind turns the '?' placeholders of a query written for database/sql into the engine's own ($1, $2… on
// PostgreSQL). gorm does this itself; only statements run on the raw *sql.DB/*sql.Tx need it. Question marks
// inside quoted literals are left alone.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quote := 0, byte(0)
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// UnixSeconds is the SQL for a timestamp column's whole Unix seconds (truncated, never rounded, so a row at
// 14:59:59.9 stays in the 14:00 hour).
func (d Dialect) UnixSeconds(col string) string {
	if d == Postgres {
		return "CAST(FLOOR(EXTRACT(EPOCH FROM " + col + ")) AS BIGINT)"
	}
	return "CAST(strftime('%s', " + col + ") AS INTEGER)"
}

// UTCDay is the SQL for a timestamp column's UTC calendar day as text, YYYY-MM-DD.
func (d Dialect) UTCDay(col string) string {
	if d == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "strftime('%Y-%m-%d', " + col + ")"
}

var (
	ddlInteger = regexp.MustCompile(`\bINTEGER\b`)
	ddlReal    = regexp.MustCompile(`\bREAL\b`)
	ddlNoRowID = regexp.MustCompile(`\)\s*WITHOUT ROWID\s*$`)
)

// DDL adapts a CREATE TABLE written for SQLite to the engine: on PostgreSQL, INTEGER becomes BIGINT (SQLite's
// INTEGER is 64-bit, PostgreSQL's is 32), REAL becomes DOUBLE PRECISION (PostgreSQL's REAL is 32-bit, too coarse
// for money) and WITHOUT ROWID (a SQLite storage choice) goes. Hand-written tables keep one definition this way.
func (d Dialect) DDL(ddl string) string {
	if d != Postgres {
		return ddl
	}
	ddl = ddlInteger.ReplaceAllString(ddl, "BIGINT")
	ddl = ddlReal.ReplaceAllString(ddl, "DOUBLE PRECISION")
	return ddlNoRowID.ReplaceAllString(ddl, ")")
}

// ErrorsSQL counts the attempts that are errors (FailedSQL) in an aggregate; PostgreSQL cannot SUM a boolean.
const ErrorsSQL = "SUM(CASE WHEN " + FailedSQL + " THEN 1 ELSE 0 END)"
