// Package teamtest runs in-process NineRouter instances of a team server on one PostgreSQL database, for the
// two-instance tests (backend/team) and the team benchmark (bench/team).
package teamtest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
)

// Passphrase seals the test instances' secrets.
const Passphrase = "team passphrase for tests"

// Instance is one in-process NineRouter: the service and its HTTP handler.
type Instance struct {
	Svc *service.Service
	H   http.Handler
}

// Open starts an instance on the database dsn with a data dir of its own; it closes when tb ends.
func Open(tb testing.TB, dsn string) *Instance {
	tb.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: tb.TempDir(), SecretStore: "auto", Database: dsn, SecretKey: Passphrase}
	if err := cfg.Finish(); err != nil {
		tb.Fatal(err)
	}
	svc, err := service.Open(context.Background(), cfg,
		service.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	return &Instance{Svc: svc, H: api.New(svc, nil).Handler()}
}

// Chat sends one client chat request with key for model and returns its status.
func (in *Instance) Chat(key, model string) int {
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:20128/v1/chat/completions",
		strings.NewReader(`{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`))
	req.RemoteAddr = "127.0.0.1:5555"
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	in.H.ServeHTTP(rec, req)
	return rec.Code
}

// SetupRouter gives the team server one account on the mock upstream at mockURL and the combos "one" and "two"
// ("two" active).
func SetupRouter(tb testing.TB, in *Instance, mockURL string) {
	tb.Helper()
	ctx := context.Background()
	apiKey, base := "sk-upstream-key-123456", mockURL+"/v1"
	if _, err := in.Svc.AddAccount(ctx, service.AccountInput{Provider: "glm", APIKey: &apiKey, BaseURL: &base}); err != nil {
		tb.Fatal(err)
	}
	for _, c := range []route.Combo{
		{Name: "one", Strategy: "fallback", Entries: []route.ComboEntry{{Model: "glm/model-one"}}},
		{Name: "two", Strategy: "fallback", Entries: []route.ComboEntry{{Model: "glm/model-two"}}},
	} {
		if _, err := in.Svc.CreateCombo(ctx, c); err != nil {
			tb.Fatal(err)
		}
	}
	if err := in.Svc.ActivateCombo(ctx, "two"); err != nil {
		tb.Fatal(err)
	}
}

// RoundRobin adds a second glm account on the mock at mockURL and has glm's accounts picked round-robin with the
// given sticky limit: every request then takes a turn of the cluster's rotation.
func RoundRobin(tb testing.TB, in *Instance, mockURL string, sticky int) {
	tb.Helper()
	ctx := context.Background()
	apiKey, base := "sk-upstream-key-654321", mockURL+"/v1"
	if _, err := in.Svc.AddAccount(ctx, service.AccountInput{Provider: "glm", APIKey: &apiKey, BaseURL: &base}); err != nil {
		tb.Fatal(err)
	}
	if err := in.Svc.SetProviderStrategy(ctx, "glm", route.RoundRobin, sticky); err != nil {
		tb.Fatal(err)
	}
}
