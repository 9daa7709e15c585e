package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Migration is one versioned schema step. Versions are grouped by domain so that parallel work does not collide:
// 1–99 foundation, 100–199 routing (providers, accounts, combos, keys, usage), 200–299 CLI tools, 300–399 OAuth
// and quota. Each runs once, in version order, inside a transaction.
type Migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

// schemaMigration records applied versions.
type schemaMigration struct {
	Version   int `gorm:"primaryKey"`
	Name      string
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// migrations is the full ordered list; each domain file adds its own via its init-free list function.
func migrations() []Migration {
	var all []Migration
	all = append(all, foundationMigrations()...)
	all = append(all, routingMigrations()...)
	all = append(all, toolMigrations()...)
	all = append(all, usageMigrations()...)
	all = append(all, oauthMigrations()...)
	all = append(all, syncMigrations()...)
	all = append(all, teamMigrations()...)
	all = append(all, quotaMigrations()...)
	sort.Slice(all, func(i, j int) bool { return all[i].Version < all[j].Version })
	return all
}

func (db *DB) migrate(ctx context.Context, existed bool) error {
	tx := db.WithContext(ctx)
	// A database that has the table is read straight away: gorm's migrator (schema reflection, the table's
	// columns and indexes read back) would run at every start for a table that never changes (idle RSS,
	// docs/benchmark.md).
	var applied []schemaMigration
	if err := tx.Find(&applied).Error; err != nil {
		if err := tx.AutoMigrate(&schemaMigration{}); err != nil {
			return fmt.Errorf("migrations table: %w", err)
		}
		if err := tx.Find(&applied).Error; err != nil {
			return fmt.Errorf("read migrations: %w", err)
		}
	}
	done := make(map[int]bool, len(applied))
	latest := 0
	for _, m := range applied {
		done[m.Version] = true
		latest = max(latest, m.Version)
	}
	all := migrations()
	var pending []Migration
	for _, m := range all {
		if !done[m.Version] {
			pending = append(pending, m)
		}
	}
	if len(all) > 0 && latest > all[len(all)-1].Version {
		return fmt.Errorf("database %s was written by a newer NineRouter (schema %d); update NineRouter", db.Where, latest)
	}
	if len(pending) == 0 {
		return nil
	}
	// PostgreSQL runs DDL inside the migration's transaction, so a failed step leaves the schema as it was; its
	// backups are the operator's (pg_dump), not a file beside the data dir.
	if existed && len(applied) > 0 && db.Dialect() == SQLite {
		if _, err := db.Backup(ctx, fmt.Sprintf("pre-migrate-v%d", latest)); err != nil {
			return fmt.Errorf("backup before migration: %w", err)
		}
	}
	for _, m := range pending {
		err := tx.Transaction(func(tx *gorm.DB) error {
			if err := m.Up(tx); err != nil {
				return err
			}
			return tx.Create(&schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// Backup writes a consistent copy of the database to dataDir/backups/ninerouter-<time>-<label>.db with
// VACUUM INTO, which is safe while the database is open.
func (db *DB) Backup(ctx context.Context, label string) (string, error) {
	dir := filepath.Join(filepath.Dir(db.Path), "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	dest := filepath.Join(dir, fmt.Sprintf("ninerouter-%s-%s.db", time.Now().UTC().Format("20060102T150405.000Z"), label))
	if err := db.WithContext(ctx).Exec("VACUUM INTO ?", dest).Error; err != nil {
		return "", err
	}
	return dest, os.Chmod(dest, 0o600)
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.WithContext(ctx).Raw("SELECT COALESCE(MAX(version),0) FROM schema_migrations").Scan(&v).Error
	return v, err
}
