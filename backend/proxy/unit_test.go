package proxy_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/compatible"
	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/route"
	M "github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// memRecorder keeps usage rows in memory.
type memRecorder struct {
	mu   sync.Mutex
	rows map[string]usage.Record
}

func (m *memRecorder) Begin(r usage.Record)  { m.put(r) }
func (m *memRecorder) Finish(r usage.Record) { m.put(r) }
func (m *memRecorder) put(r usage.Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows[r.ID] = r
}

// oauthCred is an expiring token that refreshes to "fresh".
type oauthCred struct {
	mu        sync.Mutex
	token     string
	refreshes int
}

func (c *oauthCred) Credential(context.Context) (provider.Credential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return provider.Credential{AccessToken: c.token}, nil
}

func (c *oauthCred) Refresh(context.Context) (provider.Credential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshes++
	c.token = "fresh"
	return provider.Credential{AccessToken: c.token}, nil
}

// TestOAuthRefreshedOnce: a 401 on an OAuth account refreshes the credential once and retries the same account
// within the same attempt; the usage ledger still has one row for it.
func TestOAuthRefreshedOnce(t *testing.T) {
	mock := M.New(M.Options{})
	defer mock.Close()
	mock.AddRule(M.Rule{APIKey: "stale", Fault: M.Fault{Kind: M.Status, Status: 401}})
	spec := compatible.Spec(compatible.Node{Prefix: "sub", Format: wire.OpenAI, BaseURL: mock.URL + "/v1"})
	reg, err := provider.NewRegistry(spec)
	if err != nil {
		t.Fatal(err)
	}
	cred := &oauthCred{token: "stale"}
	acct := &route.Account{ID: 1, Provider: "sub", BaseURL: spec.DefaultBaseURL, Enabled: true, Cred: cred}
	snap := &route.Snapshot{Registry: reg, Accounts: map[string][]*route.Account{"sub": {acct}}, ByID: map[int64]*route.Account{1: acct}}
	rec := &memRecorder{rows: map[string]usage.Record{}}
	p := proxy.New(proxy.Options{Router: route.New(snap, nil), Usage: rec})
	defer p.Close()

	w := httptest.NewRecorder()
	p.Serve(context.Background(), w, proxy.Inbound{Client: wire.OpenAI, Model: "sub/m", Body: []byte(`{"model":"x","messages":[]}`)})
	if w.Code != 200 || !strings.Contains(w.Body.String(), mockText) {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
	if cred.refreshes != 1 {
		t.Errorf("%d refreshes, want 1", cred.refreshes)
	}
	got := mock.Requests()
	if len(got) != 2 || got[0].APIKey != "stale" || got[1].APIKey != "fresh" {
		t.Errorf("upstream saw %d requests", len(got))
	}
	if len(rec.rows) != 1 {
		t.Errorf("%d usage rows, want 1", len(rec.rows))
	}
	for _, r := range rec.rows {
		if r.Outcome != "ok" || r.Input != 11 || !r.Reported {
			t.Errorf("row %+v", r)
		}
	}
}
