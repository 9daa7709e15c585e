// Package store owns NineRouter's SQLite database: opening it safely, versioned migrations with a backup before
// each run, and the gorm models. Secrets never live here (see backend/secret).
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// FileName is the database file inside the data dir.
const FileName = "ninerouter.db"

// ErrCorrupt is returned when the database failed its integrity check; the file has been moved aside.
var ErrCorrupt = errors.New("database is corrupt")

// DB wraps the gorm handle. Usage rows are written through one writer (backend/usage); everything else writes
// rarely, so SQLite's WAL with a busy timeout is enough.
type DB struct {
	*gorm.DB
	// Reads is a separate pool of read-only connections for reports (usage aggregates, record lists). WAL lets
	// them read while the writer commits, so a slow report never holds the connection the usage writer and the
	// request path need (issue #9 finding 2).
	Reads *gorm.DB
	// Path is the SQLite file; "" on PostgreSQL, where Where names the server instead.
	Path string
	// Where names the database in messages: the file, or the PostgreSQL host and database (never a password).
	Where string
	// pg is the PostgreSQL connection configuration (nil on SQLite), for dedicated connections (Dedicated).
	pg *pgx.ConnConfig
}

// readConns bounds the report readers; more would only compete for the CPU the requests need.
const readConns = 2

// Open opens (creating if needed) dataDir/ninerouter.db, checks its integrity, and applies pending migrations
// after backing the file up. A corrupt or unreadable database is moved aside and reported, never re-initialised.
func Open(ctx context.Context, dataDir string) (*DB, error) {
	path := filepath.Join(dataDir, FileName)
	existed := fileExists(path)
	// Before the first connection, which makes a WAL file.
	clean := existed && closedCleanly(path, takeCleanMark(path))
	if existed {
		if f, err := os.Open(path); err != nil {
			return nil, fmt.Errorf("database %s is not readable: %w", path, err)
		} else {
			f.Close()
		}
	}
	// WAL: readers never block the writer; busy_timeout: brief contention waits instead of failing;
	// synchronous=NORMAL: a commit is durable against a crash of the process as soon as it returns, without an
	// fsync on the request path; the usage writer fsyncs the WAL in the background so that an OS crash loses at
	// most a fraction of a second (backend/usage/writer.go).
	// _time_format=sqlite: times are written as SQLite's own sortable text (what the older driver wrote), so rows
	// compare and order by time the same across versions.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_time_format=sqlite"
	gdb, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard, TranslateError: true})
	if err != nil {
		if existed && looksCorrupt(err) {
			return nil, moveAside(path, err)
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// The database holds no secrets, but usage and settings are the user's own business.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Chmod(path+suffix, 0o600)
	}
	// One connection serialises writers in-process (SQLite allows one writer anyway) and keeps pragmas applied.
	sqlDB.SetMaxOpenConns(1)
	db := &DB{DB: gdb, Path: path, Where: path}

	// quick_check reads every page, so it grows with the usage history (bench/FINDINGS.md: most of a start with a
	// month of traffic). It runs unless the file is exactly as this program's last clean Close left it.
	if !clean {
		var result string
		if err := gdb.WithContext(ctx).Raw("PRAGMA quick_check").Scan(&result).Error; err != nil || result != "ok" {
			sqlDB.Close()
			if err == nil {
				err = fmt.Errorf("quick_check: %s", result)
			}
			if existed {
				return nil, moveAside(path, err)
			}
			return nil, fmt.Errorf("check database %s: %w", path, err)
		}
	}
	if err := db.migrate(ctx, existed); err != nil {
		sqlDB.Close()
		return nil, err
	}
	reads, err := gorm.Open(sqlite.Open("file:"+path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)&_time_format=sqlite"),
		&gorm.Config{Logger: logger.Discard, TranslateError: true})
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database %s for reading: %w", path, err)
	}
	if readDB, err := reads.DB(); err == nil {
		readDB.SetMaxOpenConns(readConns)
		readDB.SetMaxIdleConns(readConns)
	}
	db.Reads = reads
	return db, nil
}

// Reader is the read-only pool for reports (the main handle when Reads is not open, as in a bare DB value).
func (db *DB) Reader() *gorm.DB {
	if db.Reads != nil {
		return db.Reads
	}
	return db.DB
}

// Close checkpoints the WAL (SQLite) into the main file and closes the database. After a clean close it leaves
// a mark (cleanMarkSuffix) so that the next Open can skip the integrity check of a file nothing touched since.
func (db *DB) Close() error {
	if db.Reads != nil {
		if readDB, err := db.Reads.DB(); err == nil {
			readDB.Close()
		}
	}
	checkpointed := false
	if db.Dialect() == SQLite {
		checkpointed = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error == nil
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.Close(); err != nil {
		return err
	}
	if checkpointed && db.Path != "" {
		leaveCleanMark(db.Path)
	}
	return nil
}

// cleanMarkSuffix names the file a clean Close leaves beside the database: the database file's size and
// modification time then. Open removes it at once, so a run that crashes leaves none.
const cleanMarkSuffix = "-closed-cleanly"

// fileStamp is what the clean mark records of the database file.
func fileStamp(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano()), true
}

func leaveCleanMark(path string) {
	if fileExists(path+"-wal") || fileExists(path+"-journal") {
		return // not fully checkpointed: let the next start check
	}
	if stamp, ok := fileStamp(path); ok {
		_ = os.WriteFile(path+cleanMarkSuffix, []byte(stamp), 0o600)
	}
}

// takeCleanMark reads and removes the clean mark ("" when there is none).
func takeCleanMark(path string) string {
	b, err := os.ReadFile(path + cleanMarkSuffix)
	if err != nil {
		return ""
	}
	if err := os.Remove(path + cleanMarkSuffix); err != nil {
		return "" // a mark that cannot be removed would outlive a crash: check
	}
	return string(b)
}

// closedCleanly tells whether the database file is as the last clean Close left it (mark from takeCleanMark):
// same size and modification time, and no WAL or rollback journal beside it.
func closedCleanly(path, mark string) bool {
	if mark == "" || fileExists(path+"-wal") || fileExists(path+"-journal") {
		return false
	}
	stamp, ok := fileStamp(path)
	return ok && stamp == mark
}

func looksCorrupt(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "malformed") || strings.Contains(msg, "not a database") ||
		strings.Contains(msg, "corrupt")
}

// moveAside renames the database and its WAL/SHM files to *.corrupt-<time> and explains what happened.
func moveAside(path string, cause error) error {
	stamp := time.Now().UTC().Format("20060102T150405Z")
	dest := path + ".corrupt-" + stamp
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fileExists(path + suffix) {
			if err := os.Rename(path+suffix, dest+suffix); err != nil {
				return fmt.Errorf("%w: %s (%v); moving it aside also failed: %v", ErrCorrupt, path, cause, err)
			}
		}
	}
	return fmt.Errorf("%w: %s failed its check (%v); it was moved to %s and kept. Start again to begin with an "+
		"empty database%s", ErrCorrupt, path, cause, dest, restoreHint(path))
}

// restoreHint names the newest database backup, or says that none exists (issue #9 finding 8: the message sent
// users to a backups folder that is only made before the first schema migration).
func restoreHint(path string) string {
	backups, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "backups", "ninerouter-*.db"))
	if len(backups) == 0 {
		return " (no database backup exists yet: backups are made before schema upgrades)"
	}
	sort.Strings(backups) // names carry a UTC timestamp, so the last is the newest
	return fmt.Sprintf(", or copy the newest backup %s back to %s", backups[len(backups)-1], path)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
