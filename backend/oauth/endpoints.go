package oauth

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
)

// EnvEndpoints names the JSON file that replaces provider URLs (tests, mock vendors). It is read from the
// environment only: no management API or UI can set it, so a web page cannot redirect tokens elsewhere.
const EnvEndpoints = "NINEROUTER_ENDPOINTS"

// Endpoints are per-provider URL overrides: provider id → endpoint name → URL, e.g.
// {"claude": {"authorize": "...", "token": "...", "api": "..."}}. docs/subscriptions.md lists every name.
type Endpoints map[string]map[string]string

// LoadEndpoints reads the file named by NINEROUTER_ENDPOINTS (none: no overrides). Every value must be an
// http(s) URL, or a file path for names ending in "_path".
func LoadEndpoints(getenv func(string) (string, bool)) (Endpoints, string, error) {
	path, ok := getenv(EnvEndpoints)
	if !ok || strings.TrimSpace(path) == "" {
		return nil, "", nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, path, fmt.Errorf("%s=%s: %w", EnvEndpoints, path, err)
	}
	var e Endpoints
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, path, fmt.Errorf("%s=%s is not a JSON object of provider → endpoint name → URL: %w", EnvEndpoints, path, err)
	}
	for p, m := range e {
		for name, v := range m {
			if strings.HasSuffix(name, "_path") {
				continue
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, path, fmt.Errorf("%s=%s: %s.%s = %q is not an http(s) URL", EnvEndpoints, path, p, name, v)
			}
		}
	}
	return e, path, nil
}

// URL is the override for (provider, name), else def.
func (e Endpoints) URL(provider, name, def string) string {
	if v := e[provider][name]; v != "" {
		return v
	}
	return def
}

// Summary lists what is overridden ("claude: api, authorize, token; codex: ..."), for the one start-up log line.
func (e Endpoints) Summary() string {
	var parts []string
	for _, p := range sortedKeys(e) {
		parts = append(parts, p+": "+strings.Join(sortedKeys(e[p]), ", "))
	}
	return strings.Join(parts, "; ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
