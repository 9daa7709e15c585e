package service

import (
	"context"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
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
