// Package keys manages client API keys for /v1: 32 random bytes from crypto/rand, shown once, stored as a
// SHA-256 hash, compared in constant time, revocable. Verification reads an in-memory copy of the active hashes,
// so checking a key costs no database read.
package keys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
)

// Prefix starts every NineRouter client key, so leaked keys are recognisable (and redacted by backend/logging).
const Prefix = "nr-"

// ErrNotFound is returned for an unknown key id.
var ErrNotFound = errors.New("no such API key")

// ErrBadLimits is returned for limits that cannot hold (a negative budget).
var ErrBadLimits = errors.New("invalid API key limits")

// Key is a key's public description.
type Key struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Hint      string     `json:"hint"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	Limits
}

// Limits are a team member's key limits: the combos it may use (none listed: any model) and its spend caps in
// USD per UTC day and month (0: none).
type Limits struct {
	AllowedCombos []string `json:"allowedCombos,omitempty"`
	DailyUSD      float64  `json:"dailyUsd,omitempty"`
	MonthlyUSD    float64  `json:"monthlyUsd,omitempty"`
}

type active struct {
	id     int64
	hash   [sha256.Size]byte
	limits Limits
}

// Keys is the key manager.
type Keys struct {
	db     *store.DB
	active atomic.Pointer[[]active]
}

// Open loads the active key hashes.
func Open(ctx context.Context, db *store.DB) (*Keys, error) {
	k := &Keys{db: db}
	return k, k.reload(ctx)
}

// Reload re-reads the active hashes (after an import wrote keys in its own transaction).
func (k *Keys) Reload(ctx context.Context) error { return k.reload(ctx) }

func (k *Keys) reload(ctx context.Context) error {
	var rows []store.ClientKey
	if err := k.db.WithContext(ctx).Where("revoked_at IS NULL").Find(&rows).Error; err != nil {
		return fmt.Errorf("load API keys: %w", err)
	}
	list := make([]active, 0, len(rows))
	for _, r := range rows {
		var a active
		b, err := hex.DecodeString(r.Hash)
		if err != nil || len(b) != sha256.Size {
			continue
		}
		a.id, a.limits = r.ID, limitsOf(r)
		copy(a.hash[:], b)
		list = append(list, a)
	}
	k.active.Store(&list)
	return nil
}

// Create makes a new key and returns it in clear, once.
func (k *Keys) Create(ctx context.Context, name string) (string, Key, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Key{}, err
	}
	secret := Prefix + base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(secret))
	row := store.ClientKey{Name: name, Hint: secret[:len(Prefix)+4] + "…", Hash: hex.EncodeToString(sum[:]), CreatedAt: time.Now().UTC()}
	if err := k.db.WithContext(ctx).Create(&row).Error; err != nil {
		return "", Key{}, fmt.Errorf("save API key: %w", err)
	}
	if err := k.reload(ctx); err != nil {
		return "", Key{}, err
	}
	return secret, toKey(row), nil
}

// List returns every key, revoked ones included.
func (k *Keys) List(ctx context.Context) ([]Key, error) {
	var rows []store.ClientKey
	if err := k.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Key, len(rows))
	for i, r := range rows {
		out[i] = toKey(r)
	}
	return out, nil
}

// Revoke disables a key at once.
func (k *Keys) Revoke(ctx context.Context, id int64) (Key, error) {
	var row store.ClientKey
	if err := k.db.WithContext(ctx).First(&row, id).Error; err != nil {
		return Key{}, ErrNotFound
	}
	if row.RevokedAt == nil {
		now := time.Now().UTC()
		row.RevokedAt = &now
		if err := k.db.WithContext(ctx).Save(&row).Error; err != nil {
			return Key{}, err
		}
	}
	return toKey(row), k.reload(ctx)
}

// Verify returns the id of the active key matching secret. Every active hash is compared in constant time, so
// the answer's timing does not depend on which key (if any) matched.
func (k *Keys) Verify(secret string) (int64, bool) {
	if secret == "" {
		return 0, false
	}
	sum := sha256.Sum256([]byte(secret))
	var found int64
	for _, a := range *k.active.Load() {
		if subtle.ConstantTimeCompare(sum[:], a.hash[:]) == 1 {
			found = a.id
		}
	}
	return found, found != 0
}

// LimitsOf returns an active key's limits, from memory (no database read on the request path).
func (k *Keys) LimitsOf(id int64) (Limits, bool) {
	for _, a := range *k.active.Load() {
		if a.id == id {
			return a.limits, true
		}
	}
	return Limits{}, false
}

// SetLimits replaces a key's limits.
func (k *Keys) SetLimits(ctx context.Context, id int64, l Limits) (Key, error) {
	if l.DailyUSD < 0 || l.MonthlyUSD < 0 {
		return Key{}, fmt.Errorf("%w: a budget cannot be negative", ErrBadLimits)
	}
	var row store.ClientKey
	if err := k.db.WithContext(ctx).First(&row, id).Error; err != nil {
		return Key{}, ErrNotFound
	}
	row.AllowedCombos, row.DailyUSD, row.MonthlyUSD = "", l.DailyUSD, l.MonthlyUSD
	if len(l.AllowedCombos) > 0 {
		b, _ := json.Marshal(l.AllowedCombos)
		row.AllowedCombos = string(b)
	}
	if err := k.db.WithContext(ctx).Save(&row).Error; err != nil {
		return Key{}, fmt.Errorf("save API key limits: %w", err)
	}
	return toKey(row), k.reload(ctx)
}

func limitsOf(r store.ClientKey) Limits {
	l := Limits{DailyUSD: r.DailyUSD, MonthlyUSD: r.MonthlyUSD}
	if r.AllowedCombos != "" {
		_ = json.Unmarshal([]byte(r.AllowedCombos), &l.AllowedCombos)
	}
	return l
}

func toKey(r store.ClientKey) Key {
	return Key{ID: r.ID, Name: r.Name, Hint: r.Hint, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt, Limits: limitsOf(r)}
}
