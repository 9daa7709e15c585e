// Package cliproxyapi reads a CLIProxyAPI configuration: its config.yaml (client keys, provider API keys,
// OpenAI-compatible providers, model aliases, proxy) and its auth dir (one JSON file per OAuth login). The
// formats are described in docs/import.md. YAML is parsed with go.yaml.in/yaml/v3, the maintained YAML v3 line,
// entry by entry, so that one bad entry is skipped and the rest imports.
package cliproxyapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/oauth"
)

// maxFile bounds a config or auth file read into memory.
const maxFile = 8 << 20

// DefaultConfig is where CLIProxyAPI's config is looked for: ~/.cli-proxy-api/config.yaml (its default auth dir's
// folder), then ~/cli-proxy-api/config.yaml.
func DefaultConfig(home string) (string, bool) {
	for _, p := range []string{filepath.Join(home, ".cli-proxy-api", "config.yaml"), filepath.Join(home, "cli-proxy-api", "config.yaml")} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return filepath.Join(home, ".cli-proxy-api", "config.yaml"), false
}

type model struct {
	Name  string `yaml:"name"`
	Alias string `yaml:"alias"`
}

type keyEntry struct {
	APIKey         string            `yaml:"api-key"`
	Prefix         string            `yaml:"prefix"`
	BaseURL        string            `yaml:"base-url"`
	ProxyURL       string            `yaml:"proxy-url"`
	Headers        map[string]string `yaml:"headers"`
	Models         []model           `yaml:"models"`
	ExcludedModels []string          `yaml:"excluded-models"`
}

type compat struct {
	Name     string `yaml:"name"`
	Prefix   string `yaml:"prefix"`
	BaseURL  string `yaml:"base-url"`
	Disabled bool   `yaml:"disabled"`
	Keys     []struct {
		APIKey   string `yaml:"api-key"`
		ProxyURL string `yaml:"proxy-url"`
	} `yaml:"api-key-entries"`
	Headers map[string]string `yaml:"headers"`
	Models  []model           `yaml:"models"`
}

// keyProviders maps the config's key lists to NineRouter providers; a provider this build lacks is skipped by
// the import with the reason.
var keyProviders = []struct{ key, provider, label string }{
	{"gemini-api-key", "gemini", "Gemini"},
	{"claude-api-key", "anthropic", "Claude"},
	{"codex-api-key", "openai", "Codex"},
	{"xai-api-key", "xai", "xAI"},
	{"vertex-api-key", "vertex", "Vertex"},
	{"interactions-api-key", "interactions", "Interactions"},
}

// oauthChannels maps oauth-model-alias channels and auth-file types to NineRouter provider ids or prefixes.
var oauthChannels = map[string]string{
	"claude": "claude", "codex": "codex", "gemini": "gemini-cli", "gemini-cli": "gemini-cli",
	"antigravity": "antigravity", "kimi": "kimi-coding", "qwen": "qwen", "iflow": "iflow", "kiro": "kiro",
	"github-copilot": "github", "copilot": "github", "xai": "xai", "vertex": "vertex",
}

// Read reads config.yaml (or the folder holding it) and the auth dir it names.
func Read(ctx context.Context, path string) (*importer.Bundle, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("CLIProxyAPI config at %s: %w", path, err)
	}
	if st.IsDir() {
		path = filepath.Join(path, "config.yaml")
	}
	raw, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("CLIProxyAPI config: %w", err)
	}
	home, _ := os.UserHomeDir()
	b, authDir, err := ParseConfig(raw, path, home)
	if err != nil {
		return nil, err
	}
	readAuthDir(ctx, b, authDir)
	return b, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxFile {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, maxFile>>20)
	}
	return raw, nil
}

// ParseConfig reads config.yaml; authDir is its auth-dir resolved against the config's folder ("" when none).
func ParseConfig(raw []byte, origin, home string) (b *importer.Bundle, authDir string, err error) {
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(raw, &top); err != nil {
		return nil, "", fmt.Errorf("%s is not a CLIProxyAPI config (YAML: %v)", origin, err)
	}
	if top == nil {
		return nil, "", fmt.Errorf("%s is empty", origin)
	}
	known := 0
	for _, k := range []string{"api-keys", "auth-dir", "port", "gemini-api-key", "claude-api-key", "codex-api-key", "openai-compatibility"} {
		if _, ok := top[k]; ok {
			known++
		}
	}
	if known == 0 {
		return nil, "", fmt.Errorf("%s is not a CLIProxyAPI config (none of its keys is there)", origin)
	}
	b = &importer.Bundle{Source: importer.SourceCLIProxyAPI, Origin: origin, Format: "CLIProxyAPI config.yaml"}
	str := func(key string) string {
		n, ok := top[key]
		if !ok {
			return ""
		}
		var s string
		if n.Decode(&s) != nil {
			b.Skip("setting", key, "is not a string")
		}
		return strings.TrimSpace(s)
	}
	// list decodes the sequence under key item by item: a bad item is skipped, the others are kept.
	list := func(key string, each func(i int, n *yaml.Node) error) {
		n, ok := top[key]
		if !ok || n.Kind == 0 || n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.SequenceNode {
			b.Skip("file", key, "is not a list")
			return
		}
		for i, item := range n.Content {
			if err := each(i, item); err != nil {
				b.Skip("account", fmt.Sprintf("%s[%d]", key, i), "cannot be read: "+err.Error())
			}
		}
	}

	list("api-keys", func(i int, n *yaml.Node) error {
		var k string
		if err := n.Decode(&k); err != nil || strings.TrimSpace(k) == "" {
			return errors.New("not a key")
		}
		k = strings.TrimSpace(k)
		b.ClientKeys = append(b.ClientKeys, importer.ClientKey{Name: fmt.Sprintf("CLIProxyAPI key %d", i+1), Key: k, Hint: importer.Hint(k)})
		return nil
	})
	if p := str("proxy-url"); p != "" && p != "direct" && p != "none" {
		b.SetSetting("http_proxy", p)
		b.SetSetting("https_proxy", p)
	}
	if n, ok := top["remote-management"]; ok && n.Kind == yaml.MappingNode {
		var rm struct {
			SecretKey string `yaml:"secret-key"`
		}
		if n.Decode(&rm) == nil && rm.SecretKey != "" {
			b.Note("setting", "remote-management.secret-key", "kept by CLIProxyAPI as a hash: set a dashboard password with `ninerouter password`")
		}
	}

	for _, kp := range keyProviders {
		list(kp.key, func(i int, n *yaml.Node) error {
			var e keyEntry
			if err := n.Decode(&e); err != nil {
				return err
			}
			key := strings.TrimSpace(e.APIKey)
			if key == "" {
				return errors.New("no api-key")
			}
			name := fmt.Sprintf("%s key %d", kp.label, i+1)
			a := importer.Account{Ref: fmt.Sprintf("%s[%d]", kp.key, i), Provider: kp.provider, Name: name, Enabled: true,
				APIKey: key, ProxyURL: proxyURL(e.ProxyURL), BaseURL: keyBaseURL(kp.provider, e.BaseURL)}
			for _, m := range e.Models {
				a.Models = append(a.Models, m.Name)
				if m.Alias != "" && m.Alias != m.Name {
					b.Aliases = append(b.Aliases, importer.Alias{Name: m.Alias, Target: kp.provider + "/" + m.Name})
				}
			}
			if e.Prefix != "" {
				b.Note("account", name, fmt.Sprintf("its prefix %q is not kept: call its models as %s/MODEL", e.Prefix, kp.provider))
			}
			if len(e.ExcludedModels) > 0 {
				b.Note("account", name, "excluded-models are not kept: "+strings.Join(e.ExcludedModels, ", "))
			}
			if len(e.Headers) > 0 {
				b.Note("account", name, "custom headers are not kept")
			}
			b.Accounts = append(b.Accounts, a)
			return nil
		})
	}

	list("openai-compatibility", func(i int, n *yaml.Node) error {
		var c compat
		if err := n.Decode(&c); err != nil {
			return err
		}
		prefix := nodePrefix(c.Prefix, c.Name)
		if prefix == "" {
			return errors.New("no name or prefix")
		}
		name := c.Name
		if name == "" {
			name = prefix
		}
		b.Nodes = append(b.Nodes, importer.Node{Prefix: prefix, Name: name, Format: "openai", BaseURL: strings.TrimSpace(c.BaseURL)})
		var models []string
		for _, m := range c.Models {
			models = append(models, m.Name)
			if m.Alias != "" && m.Alias != m.Name {
				b.Aliases = append(b.Aliases, importer.Alias{Name: m.Alias, Target: prefix + "/" + m.Name})
			}
		}
		if c.Prefix != "" && len(c.Models) > 0 {
			b.Note("node", name, fmt.Sprintf("clients called %s/ALIAS there; here the aliases are bare names and %s/MODEL is the node's own", c.Prefix, prefix))
		}
		if len(c.Headers) > 0 {
			b.Note("node", name, "custom headers are not kept")
		}
		for k, e := range c.Keys {
			key := strings.TrimSpace(e.APIKey)
			if key == "" {
				b.Skip("account", fmt.Sprintf("%s key %d", name, k+1), "no api-key")
				continue
			}
			b.Accounts = append(b.Accounts, importer.Account{Ref: fmt.Sprintf("openai-compatibility[%d]", i), Provider: prefix,
				Name: fmt.Sprintf("%s key %d", name, k+1), Enabled: !c.Disabled, APIKey: key, ProxyURL: proxyURL(e.ProxyURL), Models: models})
		}
		return nil
	})

	// oauth-model-alias: channel → [{name, alias}], for the subscription logins.
	if n, ok := top["oauth-model-alias"]; ok && n.Kind == yaml.MappingNode {
		var m map[string][]struct {
			Name  string `yaml:"name"`
			Alias string `yaml:"alias"`
		}
		if err := n.Decode(&m); err != nil {
			b.Skip("alias", "oauth-model-alias", "cannot be read: "+err.Error())
		}
		for _, ch := range importer.SortedKeys(m) {
			prov := oauthChannels[ch]
			if prov == "" {
				prov = ch
			}
			for _, a := range m[ch] {
				if a.Alias != "" && a.Name != "" && a.Alias != a.Name {
					b.Aliases = append(b.Aliases, importer.Alias{Name: a.Alias, Target: prov + "/" + a.Name})
				}
			}
		}
	}
	if n, ok := top["oauth-excluded-models"]; ok && n.Kind == yaml.MappingNode && len(n.Content) > 0 {
		b.Note("account", "oauth-excluded-models", "excluded models of subscription logins are not kept")
	}

	if d := str("auth-dir"); d != "" {
		authDir = resolveDir(d, filepath.Dir(origin), home)
	}
	return b, authDir, nil
}

// resolveDir resolves auth-dir: "~" is the home directory, a relative path is relative to the config's folder
// (CLIProxyAPI resolves it against its working directory, which is where its config usually is).
func resolveDir(d, base, home string) string {
	if d == "~" || strings.HasPrefix(d, "~/") || strings.HasPrefix(d, `~\`) {
		return filepath.Join(home, d[1:])
	}
	if filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(base, d)
}

// proxyURL maps an entry's proxy-url: "direct" and "none" bypass the global proxy.
func proxyURL(p string) string {
	p = strings.TrimSpace(p)
	if p == "none" {
		return "direct"
	}
	return p
}

// keyBaseURL turns a key entry's base-url into the account's base URL: CLIProxyAPI appends /v1/messages to a
// Claude base and /v1beta/... to a Gemini one, where NineRouter's base URLs end in the version.
func keyBaseURL(provider, base string) string {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	if base == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	switch provider {
	case "gemini":
		if u.Host == "generativelanguage.googleapis.com" {
			return "" // the default
		}
		if u.Path == "" {
			return base + "/v1beta"
		}
	case "anthropic":
		if u.Path == "" {
			return base + "/v1"
		}
	}
	return base
}

var notPrefix = regexp.MustCompile(`[^a-z0-9._-]+`)

// nodePrefix is the node's prefix: the entry's own prefix, else its name, lower-cased and stripped to the
// characters a prefix may hold.
func nodePrefix(prefix, name string) string {
	p := strings.TrimSpace(prefix)
	if p == "" {
		p = name
	}
	p = notPrefix.ReplaceAllString(strings.ToLower(strings.TrimSpace(p)), "-")
	return strings.Trim(p, "-")
}

// authFile is the union of the auth files' fields.
type authFile struct {
	Type         string `json:"type"`
	Email        string `json:"email"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	Expired      string `json:"expired"`
	AccountUUID  string `json:"account_uuid"`
	AccountID    string `json:"account_id"`
	ProjectID    string `json:"project_id"`
	Disabled     bool   `json:"disabled"`
	ProxyURL     string `json:"proxy_url"`
	Prefix       string `json:"prefix"`
	Label        string `json:"label"`
	Token        *struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Expiry       string `json:"expiry"`
	} `json:"token"`
}

// readAuthDir reads every *.json in dir as one OAuth login; a file that cannot be read is listed as skipped.
func readAuthDir(ctx context.Context, b *importer.Bundle, dir string) {
	if dir == "" {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		if _, serr := os.Stat(dir); serr != nil {
			b.Skip("file", dir, "the auth dir cannot be read: "+serr.Error())
		}
		return
	}
	sort.Strings(files)
	for _, f := range files {
		if ctx.Err() != nil {
			b.Skip("file", dir, "stopped: "+ctx.Err().Error())
			return
		}
		raw, err := readLimited(f)
		if err != nil {
			b.Skip("account", filepath.Base(f), "cannot be read: "+err.Error())
			continue
		}
		ParseAuth(b, raw, filepath.Base(f))
	}
}

// ParseAuth reads one auth file into b (an account, or a skipped entry with the reason).
func ParseAuth(b *importer.Bundle, raw []byte, name string) {
	var f authFile
	if err := json.Unmarshal(raw, &f); err != nil {
		b.Skip("account", name, "not an auth file: "+err.Error())
		return
	}
	prov, known := oauthChannels[f.Type]
	if !known {
		b.Skip("account", name, fmt.Sprintf("unknown auth type %q", f.Type))
		return
	}
	o := &importer.OAuth{AccessToken: f.AccessToken, RefreshToken: f.RefreshToken, IDToken: f.IDToken, Email: f.Email, Expiry: parseTime(f.Expired)}
	switch f.Type {
	case "claude":
		o.ExternalID = f.AccountUUID
	case "codex":
		o.ExternalID = f.AccountID
		if c, err := oauth.JWTClaims(f.IDToken); err == nil {
			o.Plan = oauth.Str(c, "https://api.openai.com/auth", "chatgpt_plan_type")
			if o.ExternalID == "" {
				o.ExternalID = oauth.Str(c, "https://api.openai.com/auth", "chatgpt_account_id")
			}
			if o.Email == "" {
				o.Email = oauth.Str(c, "email")
			}
		}
		if o.ExternalID != "" {
			o.Meta = map[string]string{"account_id": o.ExternalID}
		}
	case "gemini":
		if f.Token != nil {
			o.AccessToken, o.RefreshToken, o.Expiry = f.Token.AccessToken, f.Token.RefreshToken, parseTime(f.Token.Expiry)
		}
		if f.ProjectID != "" {
			o.Meta = map[string]string{"project": f.ProjectID}
		}
	}
	if o.AccessToken == "" && o.RefreshToken == "" {
		b.Skip("account", name, "the file holds no token")
		return
	}
	acct := importer.Account{Ref: "auth file " + name, Provider: prov, Name: f.Label, Enabled: !f.Disabled, ProxyURL: proxyURL(f.ProxyURL), OAuth: o}
	if acct.Name == "" {
		acct.Name = f.Email
	}
	if acct.Name == "" {
		acct.Name = strings.TrimSuffix(name, ".json")
	}
	if f.Prefix != "" {
		b.Note("account", acct.Name, fmt.Sprintf("its prefix %q is not kept", f.Prefix))
	}
	b.Accounts = append(b.Accounts, acct)
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
