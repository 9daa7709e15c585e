package store

import (
	"time"

	"gorm.io/gorm"
)

// ToolApply is one "apply" of NineRouter to a coding CLI's config: which files were edited, how (the per-key
// changes revert undoes, as JSON), the content we wrote (to recognise an untouched file) and the client key made
// for it. The file backups themselves live under <data dir>/backups/tools/.
type ToolApply struct {
	ID         int64  `gorm:"primaryKey"`
	Tool       string `gorm:"index;not null"`
	Home       string `gorm:"index"` // the home directory the paths were resolved in
	KeyID      int64  // client API key made for this tool (0: none)
	Model      string
	Origin     string // the NineRouter endpoint written, without /v1
	Files      string // how many files; the per-key changes are in <data dir>/backups/tools/apply-<ID>.json (0600), since replaced values may be secrets
	AppliedAt  time.Time
	RevertedAt *time.Time `gorm:"index"`
}

// toolMigrations belongs to the CLI tool auto-config (applied takeovers, backups index).
func toolMigrations() []Migration {
	return []Migration{
		{Version: 200, Name: "tool applies", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&ToolApply{}) }},
	}
}
