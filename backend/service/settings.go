package service

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/update"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// SettingSpec describes one user setting stored in the settings table. Flags and the environment win over the
// table at start-up; the spec says so through Overridden.
type SettingSpec struct {
	Key         string `json:"key"`
	Kind        string `json:"kind"` // "bool" or "string"
	Default     string `json:"default"`
	Description string `json:"description"`
	Restart     bool   `json:"restartRequired"`
	validate    func(string) error
}

// settingSpecs is the table of known settings; anything else is refused.
func settingSpecs() []SettingSpec {
	return append([]SettingSpec{
		{Key: SettingRequireAPIKey, Kind: "bool", Default: "true",
			Description: "Require a client API key on the model API (/v1). Always on when listening beyond this machine."},
		{Key: SettingDebug, Kind: "bool", Default: "false",
			Description: "Keep request logs (headers and bodies, secrets removed) in the data dir's logs/ folder."},
		{Key: SettingListenAddr, Kind: "string", Default: "", Restart: true,
			Description: "Address to listen on (HOST:PORT) when no flag or environment variable says; empty means 127.0.0.1:20128.",
			validate: func(v string) error {
				if v == "" {
					return nil
				}
				_, port, err := net.SplitHostPort(v)
				if _, perr := strconv.Atoi(port); err != nil || perr != nil {
					return fmt.Errorf("want HOST:PORT")
				}
				return nil
			}},
		{Key: SettingHTTPProxy, Kind: "string", Description: "Outbound proxy for http:// upstreams, when HTTP_PROXY is not set.", validate: validProxy},
		{Key: SettingHTTPSProxy, Kind: "string", Description: "Outbound proxy for https:// upstreams, when HTTPS_PROXY is not set.", validate: validProxy},
		{Key: SettingNoProxy, Kind: "string", Description: "Hosts that bypass the outbound proxy, when NO_PROXY is not set."},
		{Key: usage.RetentionSetting, Kind: "string", Default: strconv.Itoa(usage.DefaultRetentionDays),
			Description: "Days of per-attempt usage rows (Logs, exports) to keep; 0 keeps them all. Hourly totals are kept whatever it says, so Usage reports over older ranges stay whole.",
			validate:    validRetentionDays},
		{Key: SettingUpdateFeed, Kind: "string", Description: "Signed release feed checked for updates at most daily (empty: never check). Nothing is downloaded or installed.",
			validate: func(v string) error {
				if v == "" {
					return nil
				}
				return update.CheckFeedURL(v)
			}},
	}, quotaSettingSpecs()...)
}

// More setting keys.
const (
	SettingListenAddr = "listen_addr"
	SettingHTTPProxy  = "http_proxy"
	SettingHTTPSProxy = "https_proxy"
	SettingNoProxy    = "no_proxy"
)

// maxRetentionDays bounds the retention setting: a typo of a few zeros should not read as "forever".
const maxRetentionDays = 36500

func validRetentionDays(v string) error {
	days, err := strconv.Atoi(v)
	if err != nil || days < 0 || days > maxRetentionDays {
		return fmt.Errorf("want a whole number of days from 0 (keep every row) to %d", maxRetentionDays)
	}
	return nil
}

// validProxy checks an outbound proxy setting (http_proxy, https_proxy): like an account's proxy, but without
// user info, since settings are kept in the database as they are (an account's go to the secret store, proxycred.go).
func validProxy(p string) error {
	if err := checkProxyURL(p); err != nil {
		return err
	}
	if u, _ := url.Parse(p); u != nil && u.User != nil {
		return fmt.Errorf("%s://…@%s holds a user name or password, which a setting would keep in the database: "+
			"give the proxy on the accounts that use it (its credentials go to the secret store), or in the HTTPS_PROXY environment variable",
			u.Scheme, u.Host)
	}
	return nil
}

// SettingView is one setting with its effective value.
type SettingView struct {
	SettingSpec
	Value      string `json:"value"`
	Overridden string `json:"overriddenBy,omitempty"` // the flag/env that wins over the stored value
}

// Settings lists every setting with its stored (or default) value.
func (s *Service) Settings(ctx context.Context) ([]SettingView, error) {
	stored, err := s.db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var out []SettingView
	for _, spec := range settingSpecs() {
		v := SettingView{SettingSpec: spec, Value: spec.Default}
		if sv, ok := stored[spec.Key]; ok {
			v.Value = sv
		}
		if spec.Key == SettingHTTPProxy || spec.Key == SettingHTTPSProxy {
			v.Value = shownProxyURL(v.Value)
		}
		v.Overridden = s.overriddenBy(spec.Key)
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *Service) overriddenBy(key string) string {
	switch key {
	case SettingRequireAPIKey:
		if !s.cfg.IsLoopback() {
			return "non-loopback listen address"
		}
		if s.cfg.RequireAPIKey != nil {
			return "REQUIRE_API_KEY"
		}
	case SettingListenAddr:
		if s.cfg.AddrSource != "default" && s.cfg.AddrSource != "settings" {
			return s.cfg.AddrSource
		}
	case SettingHTTPProxy:
		if s.cfg.HTTPProxy != "" {
			return "HTTP_PROXY"
		}
	case SettingHTTPSProxy:
		if s.cfg.HTTPSProxy != "" {
			return "HTTPS_PROXY"
		}
	case SettingNoProxy:
		if s.cfg.NoProxy != "" {
			return "NO_PROXY"
		}
	}
	return ""
}

// UpdateSettings validates and stores changes; unknown keys and bad values are refused whole (nothing is
// written unless everything is valid).
func (s *Service) UpdateSettings(ctx context.Context, changes map[string]string) error {
	specs := map[string]SettingSpec{}
	for _, sp := range settingSpecs() {
		specs[sp.Key] = sp
	}
	for k, v := range changes {
		sp, ok := specs[k]
		if !ok {
			return fmt.Errorf("unknown setting %q", k)
		}
		if sp.Kind == "bool" {
			if _, err := strconv.ParseBool(v); err != nil {
				return fmt.Errorf("setting %s: want true or false", k)
			}
		}
		if sp.validate != nil {
			if err := sp.validate(strings.TrimSpace(v)); err != nil {
				return fmt.Errorf("setting %s: %w", k, err)
			}
		}
	}
	clean := make(map[string]string, len(changes))
	for k, v := range changes {
		if specs[k].Kind == "bool" {
			b, _ := strconv.ParseBool(v)
			v = strconv.FormatBool(b)
		}
		clean[k] = strings.TrimSpace(v)
	}
	// One writer at a time, so two updates cannot apply their reads of the table in the wrong order.
	s.settingsMu.Lock()
	defer s.settingsMu.Unlock()
	if err := s.db.SetSettings(ctx, clean); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	// Applied here, synchronously: the bus drops events for a full subscriber, so it only tells the views.
	s.loadRequireAPIKey(ctx)
	s.refreshSettings(ctx)
	s.applyQuotaSettings(ctx)
	s.Publish(events.KindSettings, nil)
	return nil
}

// OutboundProxy returns the effective proxy settings for upstream requests: environment first, then settings.
func (s *Service) OutboundProxy(ctx context.Context) (httpProxy, httpsProxy, noProxy string) {
	httpProxy, httpsProxy, noProxy = s.cfg.HTTPProxy, s.cfg.HTTPSProxy, s.cfg.NoProxy
	stored, _ := s.db.Settings(ctx)
	if httpProxy == "" {
		httpProxy = stored[SettingHTTPProxy]
	}
	if httpsProxy == "" {
		httpsProxy = stored[SettingHTTPSProxy]
	}
	if noProxy == "" {
		noProxy = stored[SettingNoProxy]
	}
	return
}

// DebugRequestLog reports whether request logs are on (flag/env or setting).
func (s *Service) DebugRequestLog(ctx context.Context) bool {
	if s.cfg.Debug {
		return true
	}
	v, _, _ := s.db.GetSetting(ctx, SettingDebug)
	return v == "true"
}
