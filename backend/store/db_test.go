package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenCreatesAndReopens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, "k", "v2"); err != nil {
		t.Fatal(err)
	}
	v, ok, err := db.GetSetting(ctx, "k")
	if err != nil || !ok || v != "v2" {
		t.Fatalf("GetSetting = %q %v %v", v, ok, err)
	}
	var mode string
	db.Raw("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode %q, want wal", mode)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("db mode %v, want 0600", info.Mode().Perm())
	}
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _, _ := db.GetSetting(ctx, "k"); v != "v2" {
		t.Fatalf("after reopen %q", v)
	}
	// No backup is taken when nothing is pending.
	if entries, _ := os.ReadDir(filepath.Join(dir, "backups")); len(entries) != 0 {
		t.Fatalf("unexpected backups: %v", entries)
	}
}

func TestCorruptDatabaseIsMovedAsideNotReinitialised(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	garbage := []byte(strings.Repeat("this is not a sqlite database ", 200))
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, dir)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(corrupt) = %v, want ErrCorrupt", err)
	}
	if _, statErr := os.Stat(path); !os.IsNotExist(statErr) {
		t.Fatal("corrupt file still in place")
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	if len(matches) != 1 {
		t.Fatalf("moved-aside files: %v", matches)
	}
	if kept, _ := os.ReadFile(matches[0]); string(kept) != string(garbage) {
		t.Fatal("moved-aside file was altered")
	}
	if !strings.Contains(err.Error(), matches[0]) {
		t.Fatalf("error does not say where the file went: %v", err)
	}
	// No backups/ folder exists here: the message must not send the user to one.
	if strings.Contains(err.Error(), "backups folder") || !strings.Contains(err.Error(), "no database backup exists yet") {
		t.Fatalf("error points at backups that do not exist: %v", err)
	}
	// With a backup, it names the newest one.
	if err := os.MkdirAll(filepath.Join(dir, "backups"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ninerouter-20260101T000000Z-v3.db", "ninerouter-20260301T000000Z-v4.db"} {
		if err := os.WriteFile(filepath.Join(dir, "backups", n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "ninerouter-20260301T000000Z-v4.db") {
		t.Fatalf("error does not name the newest backup: %v", err)
	}
}

func TestDamagedPagesFailQuickCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		db.SetSetting(ctx, "key-"+strings.Repeat("k", i%50)+string(rune('a'+i%26)), strings.Repeat("v", 200))
	}
	db.Close()
	path := filepath.Join(dir, FileName)
	raw, _ := os.ReadFile(path)
	if len(raw) < 3*4096 {
		t.Skip("database too small to damage a page")
	}
	// Overwrite the middle of the file (btree pages), keep the header intact.
	for i := 2 * 4096; i < len(raw)-4096; i++ {
		raw[i] = 0xA5
	}
	os.WriteFile(path, raw, 0o600)
	_, err = Open(ctx, dir)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(damaged) = %v, want ErrCorrupt", err)
	}
}

func TestMigrationTakesBackupFirst(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	db.SetSetting(ctx, "keep", "me")
	// Pretend the newest migration has not run yet.
	all := migrations()
	last := all[len(all)-1].Version
	if err := db.Exec("DELETE FROM schema_migrations WHERE version = ?", last).Error; err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	backups, _ := filepath.Glob(filepath.Join(dir, "backups", "ninerouter-*-pre-migrate-*.db"))
	if len(backups) != 1 {
		t.Fatalf("backups: %v", backups)
	}
	// The backup is a working database with the user's data.
	bdir := t.TempDir()
	raw, _ := os.ReadFile(backups[0])
	os.WriteFile(filepath.Join(bdir, FileName), raw, 0o600)
	bdb, err := Open(ctx, bdir)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if v, _, _ := bdb.GetSetting(ctx, "keep"); v != "me" {
		t.Fatalf("backup lost data: %q", v)
	}
	if v, _ := db.SchemaVersion(ctx); v != last {
		t.Fatalf("schema version %d, want %d", v, last)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) { eachDialect(t, testNewerSchemaIsRefused) }

func testNewerSchemaIsRefused(t *testing.T, open func() (*DB, error)) {
	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	db.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (99999, 'future', CURRENT_TIMESTAMP)")
	db.Exec("DELETE FROM schema_migrations WHERE version = 1")
	db.Close()
	if _, err := open(); err == nil || !strings.Contains(err.Error(), "newer NineRouter") {
		t.Fatalf("Open(newer schema) = %v", err)
	}
}

// TestSettingsSurviveReopen: the settings round trip of TestOpenCreatesAndReopens on both engines.
func TestSettingsSurviveReopen(t *testing.T) {
	eachDialect(t, func(t *testing.T, open func() (*DB, error)) {
		ctx := context.Background()
		db, err := open()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"v1", "v2"} {
			if err := db.SetSetting(ctx, "k", v); err != nil {
				t.Fatal(err)
			}
		}
		if v, ok, err := db.GetSetting(ctx, "k"); err != nil || !ok || v != "v2" {
			t.Fatalf("GetSetting = %q %v %v", v, ok, err)
		}
		if _, ok, _ := db.GetSetting(ctx, "missing"); ok {
			t.Fatal("a missing setting was found")
		}
		db.Close()
		if db, err = open(); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if v, _, _ := db.GetSetting(ctx, "k"); v != "v2" {
			t.Fatalf("after reopen %q", v)
		}
		if n, err := db.SchemaVersion(ctx); err != nil || n == 0 {
			t.Fatalf("schema version %d %v", n, err)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestQuickCheckAfterUncleanStop: a database closed cleanly and untouched since opens without the integrity check
// (it reads every page, a start's largest cost with a long history); one changed after the close, or left without
// a clean close (a crash), is checked again, and a damaged one is still caught.
func TestQuickCheckAfterUncleanStop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	db.SetSetting(ctx, "k", "v")
	db.Close()
	mark, err := os.ReadFile(path + cleanMarkSuffix)
	if err != nil {
		t.Fatalf("no clean mark after Close: %v", err)
	}
	if !closedCleanly(path, string(mark)) {
		t.Fatal("an untouched database does not count as closed cleanly")
	}
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if fileExists(path + cleanMarkSuffix) {
		t.Fatal("the clean mark outlives Open: a crash in this run would skip the next check")
	}
	// A crash: no Close, so no mark.
	sqlDB, _ := db.DB.DB()
	sqlDB.Close()
	if fileExists(path + cleanMarkSuffix) {
		t.Fatal("a mark without a clean close")
	}
	if closedCleanly(path, "") {
		t.Fatal("no mark counts as closed cleanly")
	}
	// Touched after a clean close: the stamp no longer matches.
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	mark, _ = os.ReadFile(path + cleanMarkSuffix)
	later := time.Now().Add(time.Minute)
	os.Chtimes(path, later, later)
	if closedCleanly(path, string(mark)) {
		t.Fatal("a database changed after its clean close counts as clean")
	}
}
