// Package importer brings configuration into NineRouter from elsewhere: a peer's data (9Router, CLIProxyAPI), an
// encrypted backup, or a sync folder. Each source has its own sub-package that reads its format into a Bundle, the
// neutral description of a configuration defined here; the service (backend/service/imports.go) compares a
// Bundle with what is already configured, shows the plan (added, merged, skipped) and applies it in one
// transaction with the secrets going straight into the secret store.
//
// A Bundle holds secrets (API keys, OAuth tokens, client keys). It is never logged, never sent to a view and
// never written anywhere except encrypted (backend/importer/backup).
package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// Source names.
const (
	Source9Router     = "9router"
	SourceCLIProxyAPI = "cliproxyapi"
	SourceBackup      = "backup"
	SourceSync        = "sync"
)

// Bundle is a whole configuration as read from one source.
type Bundle struct {
	Source string `json:"source"`
	Origin string `json:"origin"` // the file or folder read
	Format string `json:"format"` // what was found there ("9Router SQLite database, app 0.5.69")

	Nodes      []Node      `json:"nodes,omitempty"`
	Accounts   []Account   `json:"accounts,omitempty"`
	Combos     []Combo     `json:"combos,omitempty"`
	Aliases    []Alias     `json:"aliases,omitempty"`
	ClientKeys []ClientKey `json:"clientKeys,omitempty"`
	Prices     []Price     `json:"prices,omitempty"`
	// Settings are NineRouter settings keys (backend/service/settings.go) with their values.
	Settings map[string]string `json:"settings,omitempty"`
	// Skipped lists what the reader found but could not bring along, with the reason.
	Skipped []Skip `json:"skipped,omitempty"`
	// Notes are things said about entries that were brought along with a loss ("no-proxy list not kept").
	Notes []Skip `json:"notes,omitempty"`
}

// Node is a user-defined provider: a prefix, a wire format and a base URL.
type Node struct {
	Prefix  string `json:"prefix"`
	Name    string `json:"name"`
	Format  string `json:"format"` // openai | openai-responses | anthropic
	BaseURL string `json:"baseUrl"`
	Sync    Stamp  `json:"sync,omitzero"`
}

// Account is one credential. Provider is a NineRouter provider id, one of its prefixes ("cc"), a peer's id the
// service maps ("gemini-cli"), or a node's prefix. Exactly one of APIKey and OAuth is set.
type Account struct {
	Ref        string   `json:"ref"` // where it was found, for the preview ("providerConnections: OpenAI main A")
	Provider   string   `json:"provider"`
	Name       string   `json:"name"`
	BaseURL    string   `json:"baseUrl,omitempty"`
	ProxyURL   string   `json:"proxyUrl,omitempty"`
	Priority   int      `json:"priority,omitempty"`
	Enabled    bool     `json:"enabled"`
	Models     []string `json:"models,omitempty"`
	DailyUSD   float64  `json:"dailyUsd,omitempty"`
	MonthlyUSD float64  `json:"monthlyUsd,omitempty"`
	APIKey     string   `json:"apiKey,omitempty"`
	OAuth      *OAuth   `json:"oauth,omitempty"`
	Sync       Stamp    `json:"sync,omitzero"`
}

// OAuth is a subscription sign-in: the tokens (secret) and the identity (not).
type OAuth struct {
	AccessToken  string            `json:"accessToken"`
	RefreshToken string            `json:"refreshToken,omitempty"`
	IDToken      string            `json:"idToken,omitempty"`
	Expiry       time.Time         `json:"expiry,omitzero"`
	Extra        map[string]string `json:"extra,omitempty"` // secret extras
	Email        string            `json:"email,omitempty"`
	Plan         string            `json:"plan,omitempty"`
	ExternalID   string            `json:"externalId,omitempty"`
	Meta         map[string]string `json:"meta,omitempty"` // non-secret extras (Google project id)
}

// Combo is a named chain of model strings.
type Combo struct {
	Name     string       `json:"name"`
	Strategy string       `json:"strategy"` // fallback | round-robin
	Entries  []ComboEntry `json:"entries"`
	Sync     Stamp        `json:"sync,omitzero"`
}

// ComboEntry is one model string of a combo, with its optional budgets.
type ComboEntry struct {
	Model      string  `json:"model"`
	DailyUSD   float64 `json:"dailyUsd,omitempty"`
	MonthlyUSD float64 `json:"monthlyUsd,omitempty"`
}

// Alias maps a bare name to a model string.
type Alias struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Sync   Stamp  `json:"sync,omitzero"`
}

// ClientKey is a client API key for /v1. Peers keep their keys in clear, so Key is set and the key keeps working
// for the CLIs configured with it; a NineRouter backup has only the hash.
type ClientKey struct {
	Name      string     `json:"name"`
	Key       string     `json:"key,omitempty"`
	Hash      string     `json:"hash,omitempty"` // hex SHA-256 of the key
	Hint      string     `json:"hint,omitempty"`
	CreatedAt time.Time  `json:"createdAt,omitzero"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	Sync      Stamp      `json:"sync,omitzero"`
}

// Price is a pricing override in USD per million tokens.
type Price struct {
	Provider   string  `json:"provider"`
	Model      string  `json:"model"`
	Input      float64 `json:"input"`
	Output     float64 `json:"output"`
	CacheRead  float64 `json:"cacheRead,omitempty"`
	CacheWrite float64 `json:"cacheWrite,omitempty"`
}

// Stamp is what the sync folder's last-writer-wins rule compares: when an object last changed and on which
// machine. Imports from peers leave it empty.
type Stamp struct {
	ID        string    `json:"id,omitempty"` // stable across machines
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	Origin    string    `json:"origin,omitempty"` // machine id
	Deleted   bool      `json:"deleted,omitempty"`
}

// Skip is one entry not brought along (or brought along with a loss), and why.
type Skip struct {
	Kind   string `json:"kind"` // account, node, combo, alias, key, price, setting, file
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Skip records an entry the reader could not bring along.
func (b *Bundle) Skip(kind, name, reason string) {
	b.Skipped = append(b.Skipped, Skip{Kind: kind, Name: name, Reason: reason})
}

// Note records a loss on an entry that is brought along.
func (b *Bundle) Note(kind, name, reason string) {
	b.Notes = append(b.Notes, Skip{Kind: kind, Name: name, Reason: reason})
}

// SetSetting records a NineRouter setting.
func (b *Bundle) SetSetting(key, value string) {
	if b.Settings == nil {
		b.Settings = map[string]string{}
	}
	b.Settings[key] = value
}

// Fingerprint identifies a secret without revealing it (duplicates are found by it): the hex SHA-256.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}

// Action says what an import does with an entry.
type Action string

const (
	ActionAdd   Action = "add"
	ActionMerge Action = "merge" // an existing entry is updated (a sign-in's tokens replaced)
	ActionSkip  Action = "skip"
)

// Item is one line of a preview or report.
type Item struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Action Action `json:"action"`
	Detail string `json:"detail,omitempty"` // what lands ("openai key …a1b2, proxy socks5://…")
	Reason string `json:"reason,omitempty"` // why skipped or merged
}

// Preview is what an import will do (or, as a report, did).
type Preview struct {
	Source  string         `json:"source"`
	Origin  string         `json:"origin"`
	Format  string         `json:"format"`
	Items   []Item         `json:"items"`
	Notes   []Skip         `json:"notes,omitempty"`
	Counts  map[Action]int `json:"counts"`
	Applied bool           `json:"applied"`
}

// Count fills Counts from Items and orders the items by kind (in apply order), then name.
func (p *Preview) Count() {
	p.Counts = map[Action]int{ActionAdd: 0, ActionMerge: 0, ActionSkip: 0}
	for _, it := range p.Items {
		p.Counts[it.Action]++
	}
	order := map[string]int{"node": 0, "account": 1, "combo": 2, "alias": 3, "key": 4, "price": 5, "setting": 6, "file": 7}
	sort.SliceStable(p.Items, func(i, j int) bool {
		a, b := p.Items[i], p.Items[j]
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		return a.Name < b.Name
	})
}

// Hint is the recognisable start of a secret for lists: its first characters, never enough to use it.
func Hint(secret string) string {
	r := []rune(secret)
	if len(r) <= 8 {
		return "…"
	}
	n := min(8, len(r)/4)
	return string(r[:n]) + "…"
}

// SortedKeys lists a map's keys in order, so that what a reader builds from a map is the same on every run.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
