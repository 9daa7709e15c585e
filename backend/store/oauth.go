package store

import (
	"time"

	"gorm.io/gorm"
)

// SignIn is the non-secret side of a subscription account's sign-in: who it is, when its token expires and
// whether it needs signing in again. The tokens themselves live only in the secret store (backend/oauth.Vault).
type SignIn struct {
	AccountID  int64 `gorm:"primaryKey"` // accounts.id
	Provider   string
	Email      string
	Plan       string
	ExternalID string     // the vendor's account id
	Meta       string     // JSON object of non-secret extras (Google project id, AWS region)
	ExpiresAt  *time.Time // the access token's expiry
	State      string     // ok | needs_sign_in | error
	Message    string     // the vendor's own words when State is not ok
	SignedInAt time.Time
	UpdatedAt  time.Time
}

// oauthMigrations belongs to subscription sign-in (range 300–349; quota uses 350–399).
func oauthMigrations() []Migration {
	return []Migration{
		{Version: 300, Name: "subscription sign-ins", Up: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&SignIn{})
		}},
	}
}
