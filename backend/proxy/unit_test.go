package proxy_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
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

// sorted is the rows by attempt.
func (m *memRecorder) sorted() []usage.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]usage.Record, 0, len(m.rows))
	for _, r := range m.rows {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b usage.Record) int { return a.Attempt - b.Attempt })
	return out
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

// htmlUpstream answers 200 with an HTML page to key "html" (a captive portal, a vendor's broken gateway) and a
// proper Chat Completions answer to any other key.
func htmlUpstream(t *testing.T) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer html" {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>gateway</body></html>"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"fine"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`))
	}))
	t.Cleanup(up.Close)
	return up
}

// newKeyProxy is a proxy with one OpenAI-format node ("n") whose accounts use the given API keys, in order.
func newKeyProxy(t *testing.T, baseURL string, keys ...string) (*proxy.Proxy, *route.Router, *memRecorder) {
	rec := &memRecorder{rows: map[string]usage.Record{}}
	p, rt := newKeyProxyTo(t, rec, baseURL, keys...)
	return p, rt, rec
}

// newKeyProxyTo is newKeyProxy recording usage to rec.
func newKeyProxyTo(t *testing.T, rec proxy.Recorder, baseURL string, keys ...string) (*proxy.Proxy, *route.Router) {
	spec := compatible.Spec(compatible.Node{Prefix: "n", Format: wire.OpenAI, BaseURL: baseURL + "/v1"})
	reg, err := provider.NewRegistry(spec)
	if err != nil {
		t.Fatal(err)
	}
	snap := &route.Snapshot{Registry: reg, Accounts: map[string][]*route.Account{}, ByID: map[int64]*route.Account{}}
	for i, k := range keys {
		a := &route.Account{ID: int64(i + 1), Provider: "n", BaseURL: spec.DefaultBaseURL, Enabled: true, Cred: provider.StaticKey(k)}
		snap.Accounts["n"] = append(snap.Accounts["n"], a)
		snap.ByID[a.ID] = a
	}
	rt := route.New(snap, nil)
	p := proxy.New(proxy.Options{Router: rt, Usage: rec})
	t.Cleanup(p.Close)
	return p, rt
}

// TestNonJSONAnswerIsUpstreamFailure (issue 9 finding 6): a same-format, non-stream 200 whose body is not JSON
// is the upstream's failure, as on the stream and translated paths: the next account answers, the broken one
// cools, and with no other account the client gets a 502 in its own format, not the page as a 200.
func TestNonJSONAnswerIsUpstreamFailure(t *testing.T) {
	up := htmlUpstream(t)
	body := []byte(`{"model":"x","messages":[{"role":"user","content":"hi"}]}`)

	p, rt, rec := newKeyProxy(t, up.URL, "html", "good")
	w := httptest.NewRecorder()
	p.Serve(context.Background(), w, proxy.Inbound{Client: wire.OpenAI, Model: "n/m", Body: body})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "fine") {
		t.Fatalf("want the second account's answer, got %d %s", w.Code, w.Body.String())
	}
	rows := rec.sorted()
	if len(rows) != 2 || rows[0].Outcome != "error" || rows[0].Status != http.StatusBadGateway || rows[1].Outcome != "ok" {
		t.Fatalf("rows %+v, want a 502 error then ok", rows)
	}
	if cs := rt.Cooldowns(); len(cs) != 1 || cs[0].AccountID != 1 {
		t.Errorf("cooldowns %+v, want the html account cooling", cs)
	}

	p, _, _ = newKeyProxy(t, up.URL, "html")
	w = httptest.NewRecorder()
	p.Serve(context.Background(), w, proxy.Inbound{Client: wire.OpenAI, Model: "n/m", Body: body})
	if w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), `"error"`) || strings.Contains(w.Body.String(), "<html>") {
		t.Fatalf("want a 502 in the client's format, got %d %s", w.Code, w.Body.String())
	}
}
