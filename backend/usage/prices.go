package usage

import (
	"context"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm/clause"

	"github.com/ninerouter/ninerouter/backend/store"
)

// Price is USD per million tokens. Model may end in '*' to match a prefix; Provider "" matches any provider.
type Price struct {
	Provider   string  `json:"provider"`
	Model      string  `json:"model"`
	Input      float64 `json:"input"`
	Output     float64 `json:"output"`
	CacheRead  float64 `json:"cacheRead"`
	CacheWrite float64 `json:"cacheWrite"`
	Custom     bool    `json:"custom"` // edited by the user (stored), as opposed to a built-in default
}

// defaultPrices are list prices (USD per million tokens) at the time of writing; users edit them in the UI or
// with PUT /api/pricing. Unknown models cost 0 and say so in the UI rather than guess.
var defaultPrices = []Price{
	{Model: "gpt-5*", Input: 1.25, Output: 10, CacheRead: 0.125},
	{Model: "gpt-5-mini*", Input: 0.25, Output: 2, CacheRead: 0.025},
	{Model: "gpt-4.1*", Input: 2, Output: 8, CacheRead: 0.5},
	{Model: "gpt-4.1-mini*", Input: 0.4, Output: 1.6, CacheRead: 0.1},
	{Model: "gpt-4o*", Input: 2.5, Output: 10, CacheRead: 1.25},
	{Model: "gpt-4o-mini*", Input: 0.15, Output: 0.6, CacheRead: 0.075},
	{Model: "o3*", Input: 2, Output: 8, CacheRead: 0.5},
	{Model: "o4-mini*", Input: 1.1, Output: 4.4, CacheRead: 0.275},
	{Model: "claude-opus-4*", Input: 15, Output: 75, CacheRead: 1.5, CacheWrite: 18.75},
	{Model: "claude-sonnet-4*", Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75},
	{Model: "claude-haiku-4*", Input: 1, Output: 5, CacheRead: 0.1, CacheWrite: 1.25},
	{Model: "gemini-2.5-pro*", Input: 1.25, Output: 10, CacheRead: 0.31},
	{Model: "gemini-2.5-flash*", Input: 0.3, Output: 2.5, CacheRead: 0.075},
	{Model: "gemini-2.5-flash-lite*", Input: 0.1, Output: 0.4, CacheRead: 0.025},
	{Model: "deepseek-chat*", Input: 0.27, Output: 1.1, CacheRead: 0.07},
	{Model: "deepseek-reasoner*", Input: 0.55, Output: 2.19, CacheRead: 0.14},
	{Model: "glm-4.6*", Input: 0.6, Output: 2.2, CacheRead: 0.11},
	{Model: "glm-4.5*", Input: 0.6, Output: 2.2, CacheRead: 0.11},
	{Model: "kimi-k2*", Input: 0.6, Output: 2.5, CacheRead: 0.15},
	{Model: "MiniMax-M2*", Input: 0.3, Output: 1.2, CacheRead: 0.03},
}

// Prices is the pricing table: defaults overlaid with the user's rows. Lookups are lock-free.
type Prices struct {
	db   *store.DB
	rows atomic.Pointer[priceTable]
}

// priceTable is the table in use, most specific first, with each row's model pattern lower-cased once (Lookup
// runs for every attempt).
type priceTable struct {
	rows  []Price
	match []priceMatch
}

// priceMatch is a lower-cased model pattern: the whole name, or a prefix (a pattern ending in *).
type priceMatch struct {
	pattern string
	prefix  bool
}

// LoadPrices reads the user's rows.
func LoadPrices(ctx context.Context, db *store.DB) (*Prices, error) {
	p := &Prices{db: db}
	return p, p.reload(ctx)
}

// Reload re-reads the stored rows (after an import wrote them in its own transaction).
func (p *Prices) Reload(ctx context.Context) error { return p.reload(ctx) }

func (p *Prices) reload(ctx context.Context) error {
	var stored []store.Price
	if p.db != nil {
		if err := p.db.WithContext(ctx).Find(&stored).Error; err != nil {
			return err
		}
	}
	byKey := map[[2]string]Price{}
	for _, d := range defaultPrices {
		byKey[[2]string{d.Provider, d.Model}] = d
	}
	for _, s := range stored {
		byKey[[2]string{s.Provider, s.Model}] = Price{Provider: s.Provider, Model: s.Model, Input: s.Input,
			Output: s.Output, CacheRead: s.CacheRead, CacheWrite: s.CacheWrite, Custom: true}
	}
	rows := make([]Price, 0, len(byKey))
	for _, r := range byKey {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return specificity(rows[i]) > specificity(rows[j]) })
	t := &priceTable{rows: rows, match: make([]priceMatch, len(rows))}
	for i, r := range rows {
		pat := strings.ToLower(r.Model)
		base, prefix := strings.CutSuffix(pat, "*")
		t.match[i] = priceMatch{pattern: base, prefix: prefix}
	}
	p.rows.Store(t)
	return nil
}

// specificity orders matches: exact beats prefix, longer prefix beats shorter, a provider beats any provider.
func specificity(p Price) int {
	s := len(p.Model) * 4
	if !strings.HasSuffix(p.Model, "*") {
		s += 1000
	}
	if p.Provider != "" {
		s += 2
	}
	return s
}

// Lookup finds the price of a model on a provider.
func (p *Prices) Lookup(providerID, model string) (Price, bool) {
	m := strings.ToLower(model)
	t := p.rows.Load()
	for i, r := range t.rows {
		if r.Provider != "" && r.Provider != providerID {
			continue
		}
		if x := t.match[i]; x.prefix && strings.HasPrefix(m, x.pattern) || !x.prefix && m == x.pattern {
			return r, true
		}
	}
	return Price{}, false
}

// Cost prices one attempt's tokens. Reasoning tokens are part of Output and are not counted twice.
func (p *Prices) Cost(providerID, model string, r Record) float64 {
	pr, ok := p.Lookup(providerID, model)
	if !ok {
		return 0
	}
	return (float64(r.Input)*pr.Input + float64(r.Output)*pr.Output +
		float64(r.CacheRead)*pr.CacheRead + float64(r.CacheWrite)*pr.CacheWrite) / 1e6
}

// List is the whole table.
func (p *Prices) List() []Price {
	rows := append([]Price(nil), p.rows.Load().rows...)
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Model != rows[j].Model {
			return rows[i].Model < rows[j].Model
		}
		return rows[i].Provider < rows[j].Provider
	})
	return rows
}

// Set stores a user row (replacing a default with the same key) and reloads.
func (p *Prices) Set(ctx context.Context, pr Price) error {
	row := store.Price{Provider: pr.Provider, Model: pr.Model, Input: pr.Input, Output: pr.Output,
		CacheRead: pr.CacheRead, CacheWrite: pr.CacheWrite, UpdatedAt: time.Now().UTC()}
	err := p.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "provider"}, {Name: "model"}},
		DoUpdates: clause.AssignmentColumns([]string{"input", "output", "cache_read", "cache_write", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return err
	}
	return p.reload(ctx)
}

// Delete removes a user row (a default comes back) and reloads.
func (p *Prices) Delete(ctx context.Context, providerID, model string) error {
	if err := p.db.WithContext(ctx).Where("provider = ? AND model = ?", providerID, model).Delete(&store.Price{}).Error; err != nil {
		return err
	}
	return p.reload(ctx)
}
