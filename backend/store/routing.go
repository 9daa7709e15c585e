package store

import (
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Account is one credential for one provider (an API key of OpenAI, a Z.ai coding-plan key, a custom node's
// key). The key itself lives in the secret store under AccountSecretKey(ID), never here.
type Account struct {
	ID          int64  `gorm:"primaryKey"`
	Provider    string `gorm:"index;not null"` // provider id ("openai", "glm") or a node's prefix
	Name        string
	BaseURL     string // overrides the provider's default (corporate gateways, tests); "" = default
	Priority    int    `gorm:"index"` // lower first
	Enabled     bool
	ProxyURL    string // per-account outbound proxy; "direct" bypasses the environment's proxy
	Models      string // JSON array of model ids this account exposes in /v1/models; "" = provider default
	DailyUSD    float64
	MonthlyUSD  float64
	LastError   string
	LastErrorAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AccountSecretKey is where an account's API key is kept in the secret store.
func AccountSecretKey(id int64) string { return "account/" + strconv.FormatInt(id, 10) + "/api_key" }

// Node is a user-defined provider: an OpenAI-compatible (chat or responses) or Anthropic-compatible endpoint
// with its own model prefix and base URL.
type Node struct {
	ID        int64  `gorm:"primaryKey"`
	Prefix    string `gorm:"uniqueIndex;not null"`
	Name      string
	Format    string `gorm:"not null"` // wire format: openai | openai-responses | anthropic
	BaseURL   string `gorm:"not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Combo is a named ordered chain of models (or other combos). Entries is a JSON array of ComboEntry-shaped
// objects, kept as one column because a combo is always read and written whole.
type Combo struct {
	ID        int64  `gorm:"primaryKey"`
	Name      string `gorm:"uniqueIndex;not null"`
	Strategy  string `gorm:"not null"` // fallback | round-robin
	Entries   string `gorm:"not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ModelAlias maps a bare user name to a model string ("fast" → "glm/glm-4.6").
type ModelAlias struct {
	Name      string `gorm:"primaryKey"`
	Target    string `gorm:"not null"`
	UpdatedAt time.Time
}

// ClientKey is a client API key for /v1. Only the SHA-256 of the key is stored; the key is shown once.
type ClientKey struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	Hint      string // the key's first characters, to recognise it in lists
	Hash      string `gorm:"uniqueIndex;not null"`
	CreatedAt time.Time
	RevokedAt *time.Time
	// A team member's limits (migration 701): AllowedCombos is a JSON array of combo names the key may use ("" =
	// any model); DailyUSD/MonthlyUSD cap its spend (0 = no cap).
	AllowedCombos string
	DailyUSD      float64
	MonthlyUSD    float64
}

// UsageRecord is one upstream attempt. It is inserted "in_flight" when the attempt starts and finalised when it
// ends, so a crash leaves evidence (docs/security.md § Data safety, rule 3). Tokens are exactly what the upstream reported.
type UsageRecord struct {
	ID         string `gorm:"primaryKey"`
	RequestID  string `gorm:"index"`
	Attempt    int
	Time       time.Time `gorm:"index"`
	Provider   string    `gorm:"index"`
	AccountID  int64     `gorm:"index"`
	Model      string    `gorm:"index"` // upstream model id
	Requested  string    // the model string the client asked for
	Combo      string
	Entry      string // the combo entry that led here, for per-entry budgets
	KeyID      int64
	Endpoint   string
	Outcome    string // in_flight | ok | error | interrupted
	Status     int
	Error      string
	LatencyMs  int64
	TTFBMs     int64
	Input      int64
	Output     int64
	CacheRead  int64
	CacheWrite int64
	Reasoning  int64
	Reported   bool
	CostUSD    float64
}

// Price is one editable row of the pricing table, in USD per million tokens. Model may end in '*' to match a
// prefix; Provider "" matches every provider.
type Price struct {
	ID         int64  `gorm:"primaryKey"`
	Provider   string `gorm:"uniqueIndex:idx_price_key"`
	Model      string `gorm:"uniqueIndex:idx_price_key;not null"`
	Input      float64
	Output     float64
	CacheRead  float64
	CacheWrite float64
	UpdatedAt  time.Time
}

// routingMigrations belongs to the router core (providers, accounts, combos, keys, usage).
func routingMigrations() []Migration {
	return []Migration{
		{Version: 100, Name: "routing tables", Up: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&Account{}, &Node{}, &Combo{}, &ModelAlias{}, &ClientKey{}, &UsageRecord{}, &Price{})
		}},
		// Start-up finds the rows a crash left in flight; without an index that is a scan of the whole ledger,
		// which grows with every request ever served.
		{Version: 101, Name: "usage outcome index", Up: func(tx *gorm.DB) error {
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_usage_records_outcome ON usage_records(outcome)").Error
		}},
	}
}
