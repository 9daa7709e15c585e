package store

import (
	"time"

	"gorm.io/gorm"
)

// SealedSecret is one secret of a team server (backend/secret.Database): the value sealed with AES-256-GCM under
// the instances' shared key, never in clear. The desktop keeps its secrets in the OS keychain and leaves this
// table empty.
type SealedSecret struct {
	Key       string `gorm:"primaryKey"`
	Nonce     []byte `gorm:"not null"`
	Sealed    []byte `gorm:"not null"`
	UpdatedAt time.Time
}

// teamMigrations: range 700–749 (team server: sealed secrets, member keys, shared routing state).
func teamMigrations() []Migration {
	return []Migration{
		{Version: 700, Name: "sealed secrets", Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&SealedSecret{}) }},
	}
}
