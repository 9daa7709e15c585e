package team

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/store"
)

// KindCooldownClear carries a CooldownClear: an account's cooldown on one model ended early on the sender (a
// success, a probe), so every instance routes to it again.
const KindCooldownClear = "cooldown-clear"

// CooldownClear is the payload of KindCooldownClear.
type CooldownClear struct {
	AccountID int64  `json:"accountId"`
	Model     string `json:"model"`
}

// turnTimeout bounds one rotation round trip; past it (or while the database is away) the router rotates on its
// own, so a slow database never holds a request.
const turnTimeout = 500 * time.Millisecond

// turnPause is how long the cluster's counters are left alone after one failed: requests in that time rotate
// locally instead of each waiting for the database.
const turnPause = time.Second

// Cluster is route.Cluster on a team server: round-robin turns come from one counter row per combo or provider
// in the shared database (store.DB.Turn, one UPDATE … RETURNING; a provider's sticky run of turns at once), and
// early cooldown ends travel on the bus.
type Cluster struct {
	db        *store.DB
	bus       *Bus
	pausedTil atomic.Int64 // unix nanoseconds; Turn fails fast before it
}

var _ route.Cluster = (*Cluster)(nil)

// errPaused is Turn's answer while the database recently failed.
var errPaused = errors.New("shared rotation paused after a database error")

// NewCluster shares rotation through db and announces on bus.
func NewCluster(db *store.DB, bus *Bus) *Cluster { return &Cluster{db: db, bus: bus} }

// Turn advances the cluster-wide counter key by n.
func (c *Cluster) Turn(ctx context.Context, key string, n int) (uint64, error) {
	if time.Now().UnixNano() < c.pausedTil.Load() {
		return 0, errPaused
	}
	// The request's context ends the round trip when the client leaves; the bound keeps a slow database inside
	// any request's budget (the router then rotates on its own).
	ctx, cancel := context.WithTimeout(ctx, turnTimeout)
	defer cancel()
	v, err := c.db.Turn(ctx, key, n)
	if err != nil {
		c.pausedTil.Store(time.Now().Add(turnPause).UnixNano())
	}
	return v, err
}

// CooldownCleared announces an early cooldown end; model "" is the user's reset of every model.
func (c *Cluster) CooldownCleared(account int64, model string) {
	if model == "" {
		c.bus.Announce(KindCooldownReset, account)
		return
	}
	c.bus.Announce(KindCooldownClear, CooldownClear{AccountID: account, Model: model})
}
