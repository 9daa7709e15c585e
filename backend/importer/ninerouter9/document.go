// Package ninerouter9 reads a 9Router configuration: its data dir (the SQLite database db/data.sqlite of current
// releases, or the db.json of older ones) and the JSON file of its Settings → "Backup database", which has the
// db.json shape. The formats are described in docs/import.md.
package ninerouter9

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/oauth"
)

// document is the db.json / backup shape: records are flat (a SQLite row's JSON data spread into it). Every
// record stays raw until it is read, so one damaged record is skipped without losing the others.
type document struct {
	Settings            json.RawMessage            `json:"settings"`
	ProviderConnections []json.RawMessage          `json:"providerConnections"`
	ProviderNodes       []json.RawMessage          `json:"providerNodes"`
	ProxyPools          []json.RawMessage          `json:"proxyPools"`
	APIKeys             []json.RawMessage          `json:"apiKeys"`
	Combos              []json.RawMessage          `json:"combos"`
	ModelAliases        map[string]json.RawMessage `json:"modelAliases"`
	CustomModels        []json.RawMessage          `json:"customModels"`
	MitmAlias           map[string]json.RawMessage `json:"mitmAlias"`
	Pricing             map[string]json.RawMessage `json:"pricing"`
	DisabledModels      json.RawMessage            `json:"disabledModels"`
}

type settings struct {
	OutboundProxyEnabled bool              `json:"outboundProxyEnabled"`
	OutboundProxyURL     string            `json:"outboundProxyUrl"`
	OutboundNoProxy      string            `json:"outboundNoProxy"`
	ComboStrategy        string            `json:"comboStrategy"`
	ComboStrategies      map[string]any    `json:"comboStrategies"`
	Extra                map[string]string `json:"-"`
}

type connection struct {
	ID                   string         `json:"id"`
	Provider             string         `json:"provider"`
	AuthType             string         `json:"authType"`
	Name                 string         `json:"name"`
	Email                *string        `json:"email"`
	Priority             int            `json:"priority"`
	IsActive             *flexBool      `json:"isActive"`
	APIKey               string         `json:"apiKey"`
	AccessToken          string         `json:"accessToken"`
	RefreshToken         string         `json:"refreshToken"`
	IDToken              string         `json:"idToken"`
	ExpiresAt            flexTime       `json:"expiresAt"`
	DisplayName          string         `json:"displayName"`
	ProviderSpecificData map[string]any `json:"providerSpecificData"`
}

type node struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Prefix  string `json:"prefix"`
	BaseURL string `json:"baseUrl"`
	APIType string `json:"apiType"`
}

type pool struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	ProxyURL string    `json:"proxyUrl"`
	NoProxy  string    `json:"noProxy"`
	IsActive *flexBool `json:"isActive"`
}

type apiKey struct {
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	IsActive  *flexBool `json:"isActive"`
	CreatedAt flexTime  `json:"createdAt"`
}

type combo struct {
	Name   string   `json:"name"`
	Kind   *string  `json:"kind"`
	Models []string `json:"models"`
}

type customModel struct {
	ProviderAlias string `json:"providerAlias"`
	ID            string `json:"id"`
	Type          string `json:"type"`
}

type priceRow struct {
	Input         float64 `json:"input"`
	Output        float64 `json:"output"`
	Cached        float64 `json:"cached"`
	CacheCreation float64 `json:"cache_creation"`
}

// flexBool reads true/false and SQLite's 1/0.
type flexBool bool

func (b *flexBool) UnmarshalJSON(raw []byte) error {
	switch strings.TrimSpace(string(raw)) {
	case "true", "1":
		*b = true
	case "false", "0", "null":
		*b = false
	default:
		return fmt.Errorf("want a boolean, got %s", raw)
	}
	return nil
}

func active(b *flexBool) bool { return b == nil || bool(*b) }

// flexTime reads an ISO time string or a Unix time in seconds or milliseconds; anything else is zero.
type flexTime time.Time

func (t *flexTime) UnmarshalJSON(raw []byte) error {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
			*t = flexTime(v)
		}
		return nil
	}
	var n float64
	if json.Unmarshal(raw, &n) == nil && n > 0 {
		if n > 1e12 {
			n /= 1000
		}
		*t = flexTime(time.Unix(int64(n), 0).UTC())
	}
	return nil
}

// nodeFormat maps a 9Router node to NineRouter's wire format name.
func nodeFormat(n node) (string, bool) {
	switch {
	case n.Type == "anthropic-compatible":
		return "anthropic", true
	case n.Type == "openai-compatible" && n.APIType == "responses":
		return "openai-responses", true
	case n.Type == "openai-compatible":
		return "openai", true
	}
	return "", false
}

// convert turns a document into a Bundle. format says what was read; it goes into the bundle.
func convert(doc document, origin, format string) *importer.Bundle {
	b := &importer.Bundle{Source: importer.Source9Router, Origin: origin, Format: format}

	// Settings: the global outbound proxy and the combo strategies.
	var st settings
	if len(doc.Settings) > 0 && string(doc.Settings) != "null" {
		if err := json.Unmarshal(doc.Settings, &st); err != nil {
			b.Skip("setting", "settings", "cannot be read: "+err.Error())
		}
	}
	if st.OutboundProxyEnabled && strings.TrimSpace(st.OutboundProxyURL) != "" {
		b.SetSetting("http_proxy", strings.TrimSpace(st.OutboundProxyURL))
		b.SetSetting("https_proxy", strings.TrimSpace(st.OutboundProxyURL))
		if np := strings.TrimSpace(st.OutboundNoProxy); np != "" {
			b.SetSetting("no_proxy", np)
		}
	}

	// Nodes: their ids become prefixes (connections and custom models name the node by id).
	nodeByID := map[string]node{}
	for i, raw := range doc.ProviderNodes {
		var n node
		if err := json.Unmarshal(raw, &n); err != nil {
			b.Skip("node", fmt.Sprintf("providerNodes[%d]", i), "cannot be read: "+err.Error())
			continue
		}
		f, ok := nodeFormat(n)
		if !ok {
			b.Skip("node", n.Name, fmt.Sprintf("node type %q is not supported (only openai-compatible and anthropic-compatible chat nodes)", n.Type))
			continue
		}
		if n.Prefix == "" {
			b.Skip("node", n.Name, "the node has no prefix")
			continue
		}
		nodeByID[n.ID] = n
		b.Nodes = append(b.Nodes, importer.Node{Prefix: n.Prefix, Name: n.Name, Format: f, BaseURL: n.BaseURL})
	}
	providerOf := func(id string) string {
		if n, ok := nodeByID[id]; ok {
			return n.Prefix
		}
		return id
	}

	pools := map[string]pool{}
	for _, raw := range doc.ProxyPools {
		var p pool
		if json.Unmarshal(raw, &p) == nil && p.ID != "" {
			pools[p.ID] = p
		}
	}

	// Custom models, per provider (node prefix or provider id).
	models := map[string][]string{}
	for i, raw := range doc.CustomModels {
		var m customModel
		if err := json.Unmarshal(raw, &m); err != nil {
			b.Skip("model", fmt.Sprintf("customModels[%d]", i), "cannot be read: "+err.Error())
			continue
		}
		if m.Type != "" && m.Type != "llm" {
			b.Skip("model", m.ID, fmt.Sprintf("custom %s models are not routed by NineRouter", m.Type))
			continue
		}
		p := providerOf(m.ProviderAlias)
		models[p] = append(models[p], m.ID)
	}

	for i, raw := range doc.ProviderConnections {
		var c connection
		if err := json.Unmarshal(raw, &c); err != nil {
			b.Skip("account", fmt.Sprintf("providerConnections[%d]", i), "cannot be read: "+err.Error())
			continue
		}
		if strings.HasPrefix(c.Provider, "openai-compatible-") || strings.HasPrefix(c.Provider, "anthropic-compatible-") {
			if _, ok := nodeByID[c.Provider]; !ok {
				b.Skip("account", c.Name, "its custom node was not imported")
				continue
			}
		}
		a, ok := connectionAccount(b, c, providerOf(c.Provider), pools)
		if !ok {
			continue
		}
		a.Models = models[a.Provider]
		b.Accounts = append(b.Accounts, a)
	}

	// Combos keep their model strings: 9Router's prefixes are NineRouter's.
	for i, raw := range doc.Combos {
		var c combo
		if err := json.Unmarshal(raw, &c); err != nil {
			b.Skip("combo", fmt.Sprintf("combos[%d]", i), "cannot be read: "+err.Error())
			continue
		}
		if c.Kind != nil && *c.Kind != "" && *c.Kind != "llm" {
			b.Skip("combo", c.Name, fmt.Sprintf("%s combos are not routed by NineRouter", *c.Kind))
			continue
		}
		out := importer.Combo{Name: c.Name, Strategy: comboStrategy(b, st, c.Name)}
		for _, m := range c.Models {
			out.Entries = append(out.Entries, importer.ComboEntry{Model: m})
		}
		b.Combos = append(b.Combos, out)
	}

	for _, name := range importer.SortedKeys(doc.ModelAliases) {
		var target string
		if err := json.Unmarshal(doc.ModelAliases[name], &target); err != nil {
			b.Skip("alias", name, "cannot be read: "+err.Error())
			continue
		}
		b.Aliases = append(b.Aliases, importer.Alias{Name: name, Target: target})
	}
	if len(doc.MitmAlias) > 0 {
		b.Skip("alias", "mitmAlias", "9Router's MITM aliases have no NineRouter counterpart")
	}

	for i, raw := range doc.APIKeys {
		var k apiKey
		if err := json.Unmarshal(raw, &k); err != nil || k.Key == "" {
			b.Skip("key", fmt.Sprintf("apiKeys[%d]", i), "cannot be read")
			continue
		}
		ck := importer.ClientKey{Name: k.Name, Key: k.Key, Hint: importer.Hint(k.Key), CreatedAt: time.Time(k.CreatedAt)}
		if !active(k.IsActive) {
			now := time.Now().UTC()
			ck.RevokedAt = &now
		}
		b.ClientKeys = append(b.ClientKeys, ck)
	}

	for _, prov := range importer.SortedKeys(doc.Pricing) {
		var rows map[string]priceRow
		if err := json.Unmarshal(doc.Pricing[prov], &rows); err != nil {
			b.Skip("price", prov, "cannot be read: "+err.Error())
			continue
		}
		for _, model := range importer.SortedKeys(rows) {
			r := rows[model]
			b.Prices = append(b.Prices, importer.Price{Provider: providerOf(prov), Model: model, Input: r.Input,
				Output: r.Output, CacheRead: r.Cached, CacheWrite: r.CacheCreation})
		}
	}
	if s := strings.TrimSpace(string(doc.DisabledModels)); s != "" && s != "null" && s != "{}" && s != "[]" {
		b.Skip("model", "disabledModels", "9Router's disabled-model list has no NineRouter counterpart")
	}
	return b
}

// connectionAccount turns one provider connection into an account; ok is false when it was skipped.
func connectionAccount(b *importer.Bundle, c connection, prov string, pools map[string]pool) (importer.Account, bool) {
	a := importer.Account{Ref: "providerConnections: " + c.Name, Provider: prov, Name: c.Name, Priority: c.Priority,
		Enabled: active(c.IsActive)}
	psd := c.ProviderSpecificData
	str := func(k string) string { s, _ := psd[k].(string); return strings.TrimSpace(s) }
	switch c.AuthType {
	case "apikey", "":
		if strings.TrimSpace(c.APIKey) == "" {
			b.Skip("account", c.Name, "the connection has no API key")
			return a, false
		}
		a.APIKey = strings.TrimSpace(c.APIKey)
	case "oauth", "access_token":
		if c.AccessToken == "" && c.RefreshToken == "" {
			b.Skip("account", c.Name, "the connection has no token")
			return a, false
		}
		o := &importer.OAuth{AccessToken: c.AccessToken, RefreshToken: c.RefreshToken, IDToken: c.IDToken,
			Expiry: time.Time(c.ExpiresAt)}
		if c.Email != nil {
			o.Email = *c.Email
		}
		fillIdentity(o, c.Provider, psd)
		if c.AuthType == "access_token" || o.RefreshToken == "" && c.Provider != "github" {
			b.Note("account", c.Name, "no refresh token: sign in again when the access token expires")
		}
		a.OAuth = o
	default:
		b.Skip("account", c.Name, fmt.Sprintf("%s sign-ins cannot be imported", c.AuthType))
		return a, false
	}
	if enabled, _ := psd["connectionProxyEnabled"].(bool); enabled && str("connectionProxyUrl") != "" {
		a.ProxyURL = str("connectionProxyUrl")
		if str("connectionNoProxy") != "" {
			b.Note("account", c.Name, "its no-proxy list is not kept (NineRouter has one global list)")
		}
	} else if id := str("proxyPoolId"); id != "" {
		p, ok := pools[id]
		switch {
		case !ok:
			b.Note("account", c.Name, "its proxy pool no longer exists; no proxy is set")
		case !active(p.IsActive):
			b.Note("account", c.Name, fmt.Sprintf("its proxy pool %q is inactive; no proxy is set", p.Name))
		default:
			a.ProxyURL = strings.TrimSpace(p.ProxyURL)
			if strings.TrimSpace(p.NoProxy) != "" {
				b.Note("account", c.Name, fmt.Sprintf("proxy pool %q: its no-proxy list is not kept", p.Name))
			}
		}
	}
	return a, true
}

// fillIdentity reads the vendor identity 9Router keeps beside a sign-in's tokens.
func fillIdentity(o *importer.OAuth, provider string, psd map[string]any) {
	str := func(k string) string { s, _ := psd[k].(string); return s }
	switch provider {
	case "codex":
		o.ExternalID, o.Plan = str("chatgptAccountId"), str("chatgptPlanType")
		if o.IDToken != "" {
			if c, err := oauth.JWTClaims(o.IDToken); err == nil {
				if o.Email == "" {
					o.Email = oauth.Str(c, "email")
				}
				if o.ExternalID == "" {
					o.ExternalID = oauth.Str(c, "https://api.openai.com/auth", "chatgpt_account_id")
				}
				if o.Plan == "" {
					o.Plan = oauth.Str(c, "https://api.openai.com/auth", "chatgpt_plan_type")
				}
			}
		}
		if o.ExternalID != "" {
			o.Meta = map[string]string{"account_id": o.ExternalID}
		}
	case "github":
		o.ExternalID = str("githubLogin")
		if o.Email == "" {
			o.Email = str("githubEmail")
		}
		if o.Email == "" {
			o.Email = o.ExternalID
		}
	default:
		if p := str("projectId"); p != "" {
			o.Meta = map[string]string{"project": p}
		}
	}
}

// comboStrategy is the combo's own strategy, else the global one, else fallback.
func comboStrategy(b *importer.Bundle, st settings, name string) string {
	s := st.ComboStrategy
	switch v := st.ComboStrategies[name].(type) {
	case string:
		s = v
	case map[string]any:
		if x, ok := v["strategy"].(string); ok {
			s = x
		}
	}
	switch s {
	case "", "fallback":
		return "fallback"
	case "round-robin":
		return "round-robin"
	}
	b.Note("combo", name, fmt.Sprintf("strategy %q is not known here; fallback is used", s))
	return "fallback"
}
