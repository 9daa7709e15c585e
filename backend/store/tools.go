package store

// toolMigrations belongs to the CLI tool auto-config (applied takeovers, backups index).
func toolMigrations() []Migration { return nil }
