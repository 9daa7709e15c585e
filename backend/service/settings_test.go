package service

import (
	"context"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/usage"
)

func openTest(t *testing.T, cfg config.Config) *Service {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	svc, err := Open(context.Background(), cfg, Options{Secrets: secret.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

func TestSettingsValidateAllOrNothing(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t, config.Config{Addr: "127.0.0.1:0"})
	if !svc.RequireAPIKey(ctx) {
		t.Fatal("API keys must be required by default")
	}
	err := svc.UpdateSettings(ctx, map[string]string{SettingRequireAPIKey: "false", SettingHTTPSProxy: "not a url"})
	if err == nil || !strings.Contains(err.Error(), SettingHTTPSProxy) {
		t.Fatalf("bad proxy accepted: %v", err)
	}
	if !svc.RequireAPIKey(ctx) {
		t.Fatal("a refused update changed a setting")
	}
	if err := svc.UpdateSettings(ctx, map[string]string{"colour": "blue"}); err == nil {
		t.Fatal("unknown setting accepted")
	}
	if err := svc.UpdateSettings(ctx, map[string]string{SettingRequireAPIKey: "0", SettingHTTPSProxy: "http://proxy.test:3128"}); err != nil {
		t.Fatal(err)
	}
	if svc.RequireAPIKey(ctx) {
		t.Fatal("require_api_key=false not applied on loopback")
	}
	if _, https, _ := svc.OutboundProxy(ctx); https != "http://proxy.test:3128" {
		t.Fatalf("https proxy %q", https)
	}
}

func TestEnvironmentWinsOverSettings(t *testing.T) {
	ctx := context.Background()
	on := true
	svc := openTest(t, config.Config{Addr: "127.0.0.1:0", RequireAPIKey: &on, HTTPSProxy: "http://env.proxy:1"})
	svc.UpdateSettings(ctx, map[string]string{SettingRequireAPIKey: "false", SettingHTTPSProxy: "http://table.proxy:2"})
	if !svc.RequireAPIKey(ctx) {
		t.Fatal("REQUIRE_API_KEY=true lost to the settings table")
	}
	if _, https, _ := svc.OutboundProxy(ctx); https != "http://env.proxy:1" {
		t.Fatalf("env proxy lost: %q", https)
	}
	views, _ := svc.Settings(ctx)
	for _, v := range views {
		if v.Key == SettingRequireAPIKey && v.Overridden != "REQUIRE_API_KEY" {
			t.Fatalf("overriddenBy = %q", v.Overridden)
		}
	}
}

// A settings change must be in effect for the very next request even when the event bus drops events: a
// stalled view (a subscriber that never reads) has a full buffer, and the proxy must not depend on the bus.
func TestSettingsAppliedWithoutTheBus(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t, config.Config{Addr: "127.0.0.1:0"})
	stalled, stop := context.WithCancel(ctx)
	defer stop()
	_ = svc.Events().Subscribe(stalled) // never read
	for i := 0; i < 200; i++ {          // more than any subscriber buffer
		svc.Publish(events.KindStatus, nil)
	}
	upstream, _ := url.Parse("https://api.example.test/v1/chat/completions")
	for _, proxyURL := range []string{"http://proxy.test:3128", "http://other.test:8080", ""} {
		on := proxyURL != ""
		if err := svc.UpdateSettings(ctx, map[string]string{SettingHTTPSProxy: proxyURL, SettingDebug: strconv.FormatBool(on)}); err != nil {
			t.Fatal(err)
		}
		// What the proxy consults on its next upstream request:
		got, err := (*svc.routing.envProxy.Load())(upstream)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil && proxyURL != "") || (got != nil && got.String() != proxyURL) {
			t.Fatalf("outbound proxy for the next request = %v, want %q", got, proxyURL)
		}
		if svc.routing.reqLog.Enabled() != on {
			t.Fatalf("request log enabled = %v right after setting it to %v", !on, on)
		}
	}
}

// A multi-key update with one bad value changes nothing, whichever key is bad.
func TestSettingsBadValueChangesNothing(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t, config.Config{Addr: "127.0.0.1:0"})
	values := func() map[string]string {
		views, err := svc.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, v := range views {
			out[v.Key] = v.Value
		}
		return out
	}
	before := values()
	for _, bad := range []map[string]string{
		{SettingRequireAPIKey: "false", SettingDebug: "true", SettingHTTPSProxy: "not a url"},
		{SettingHTTPProxy: "http://ok.test:1", SettingRequireAPIKey: "maybe"},
		{SettingNoProxy: "localhost", SettingListenAddr: "nonsense"},
		{SettingDebug: "true", "colour": "blue"},
	} {
		if err := svc.UpdateSettings(ctx, bad); err == nil {
			t.Fatalf("accepted %v", bad)
		}
		after := values()
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("refused update %v changed settings:\n%v\n->\n%v", bad, before, after)
		}
		if !svc.RequireAPIKey(ctx) || svc.routing.reqLog.Enabled() {
			t.Fatalf("refused update %v changed the live state", bad)
		}
	}
}

// TestRetentionSetting: the usage retention is a setting with its default shown, whole days from 0 to the bound
// accepted, anything else refused with the reason, and the usage writer prunes by what was saved.
func TestRetentionSetting(t *testing.T) {
	ctx := context.Background()
	svc := openTest(t, config.Config{Addr: "127.0.0.1:0"})
	view := func() SettingView {
		list, err := svc.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if s.Key == usage.RetentionSetting {
				return s
			}
		}
		t.Fatal("no retention setting")
		return SettingView{}
	}
	if v := view(); v.Value != "90" || v.Default != "90" {
		t.Fatalf("retention %+v, want the default 90 days", v)
	}
	for _, bad := range []string{"", "-1", "1.5", "ninety", "36501"} {
		if err := svc.UpdateSettings(ctx, map[string]string{usage.RetentionSetting: bad}); err == nil || !strings.Contains(err.Error(), "whole number of days") {
			t.Errorf("retention %q: %v", bad, err)
		}
	}
	for _, good := range []string{"0", " 30 ", "36500"} {
		if err := svc.UpdateSettings(ctx, map[string]string{usage.RetentionSetting: good}); err != nil {
			t.Fatalf("retention %q refused: %v", good, err)
		}
	}
	if err := svc.UpdateSettings(ctx, map[string]string{usage.RetentionSetting: "30"}); err != nil {
		t.Fatal(err)
	}
	if days, err := svc.routing.usage.RetentionDays(ctx); err != nil || days != 30 {
		t.Fatalf("the writer reads %d days (%v), want 30", days, err)
	}
}
