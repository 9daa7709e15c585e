package team_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/store/storetest"
	"github.com/ninerouter/ninerouter/backend/team/teamtest"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/testkit/wait"
	"github.com/ninerouter/ninerouter/backend/usage"
)

type instance = teamtest.Instance

func openInstance(t *testing.T, dsn string) *instance { return teamtest.Open(t, dsn) }

// eventually waits for cond (testkit/wait); docs/team-server.md reports the times it logs.
func eventually(t *testing.T, what string, cond func() bool) { t.Helper(); wait.For(t, what, cond) }

// TestPostgresTwoInstances: two instances on one database behave as one router. An account, a key and a combo
// made on A serve on B; a combo switch on A is served by B; a key revoked on A stops working on B; usage from
// both adds up exactly in either's report.
func TestPostgresTwoInstances(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshPostgres(t)
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	a, b := openInstance(t, dsn), openInstance(t, dsn)

	apiKey, base := "sk-upstream-key-123456", mock.URL+"/v1"
	if _, err := a.Svc.AddAccount(ctx, service.AccountInput{Provider: "glm", APIKey: &apiKey, BaseURL: &base}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []route.Combo{
		{Name: "one", Strategy: "fallback", Entries: []route.ComboEntry{{Model: "glm/model-one"}}},
		{Name: "two", Strategy: "fallback", Entries: []route.ComboEntry{{Model: "glm/model-two"}}},
	} {
		if _, err := a.Svc.CreateCombo(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Svc.ActivateCombo(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	key, k, err := a.Svc.CreateKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	lastModel := func() string {
		got := mock.Requests()
		if len(got) == 0 {
			return ""
		}
		return got[len(got)-1].Model
	}
	served := func(in *instance, model string) func() bool {
		return func() bool { return in.Chat(key, "ninerouter/active") == 200 && lastModel() == model }
	}
	eventually(t, "key, account and combo made on A serve on B", served(b, "model-one"))

	if err := a.Svc.ActivateCombo(ctx, "two"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "combo switch on A served by B", served(b, "model-two"))

	// Usage from both instances at once adds up exactly.
	before, err := a.Svc.Usage(ctx, usage.Query{Since: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	const each = 20
	var wg sync.WaitGroup
	for _, in := range []*instance{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if code := in.Chat(key, "ninerouter/active"); code != 200 {
					t.Errorf("status %d", code)
				}
			}
		}()
	}
	wg.Wait()
	for _, in := range []*instance{a, b} {
		if err := in.Svc.FlushUsage(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for name, in := range map[string]*instance{"A": a, "B": b} {
		rep, err := in.Svc.Usage(ctx, usage.Query{Since: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Total.Requests - before.Total.Requests; got != 2*each {
			t.Errorf("usage on %s counts %d new attempts, want %d", name, got, 2*each)
		}
		byKey := map[string]int64{}
		for _, g := range rep.By["key"] {
			byKey[g.Key] = g.Requests
		}
		if byKey[fmt.Sprint(k.ID)] != rep.Total.Requests {
			t.Errorf("usage on %s by key %v, want all %d under key %d", name, byKey, rep.Total.Requests, k.ID)
		}
	}

	if _, err := a.Svc.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "key revoked on A refused by B", func() bool { return b.Chat(key, "ninerouter/active") == 401 })
}

// TestPostgresMemberKeys: a member's key limited to one combo and a daily budget is held to both on every
// instance, and the budget counts the spend made through all of them.
func TestPostgresMemberKeys(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshPostgres(t)
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	a, b := openInstance(t, dsn), openInstance(t, dsn)
	teamtest.SetupRouter(t, a, mock.URL)
	// 11 input tokens per request at $100,000 per million: $1.10 a request.
	if err := a.Svc.SetPrice(ctx, usage.Price{Provider: "glm", Model: "model-two", Input: 100_000}); err != nil {
		t.Fatal(err)
	}
	key, k, err := a.Svc.CreateKey(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Svc.SetKeyLimits(ctx, k.ID, keys.Limits{AllowedCombos: []string{"nope"}}); err == nil {
		t.Fatal("a limit naming a missing combo was accepted")
	}
	if _, err := a.Svc.SetKeyLimits(ctx, k.ID, keys.Limits{AllowedCombos: []string{"two"}, DailyUSD: 2}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a key's limits set on A hold on B", func() bool { return b.Chat(key, "one") == 403 })
	for _, m := range []string{"glm/model-two", "one"} {
		if code := b.Chat(key, m); code != 403 {
			t.Errorf("%s through a key limited to combo two: %d, want 403", m, code)
		}
	}
	// Two requests on A spend $2.20 (model-one, tried while the limits travelled, costs nothing), past the $2
	// budget; B refuses the next one.
	for range 2 {
		if code := a.Chat(key, "ninerouter/active"); code != 200 {
			t.Fatalf("request within the budget: %d", code)
		}
	}
	if err := a.Svc.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "budget spent on A refused on B", func() bool { return b.Chat(key, "two") == 429 })
	rep, err := b.Svc.Usage(ctx, usage.Query{Since: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if g := rep.By["key"]; len(g) != 1 || g[0].Key != fmt.Sprint(k.ID) || g[0].CostUSD < 2.19 || g[0].CostUSD > 2.21 {
		t.Fatalf("usage by key on B: %+v", g)
	}
	// Another key without limits is unaffected.
	free, _, err := b.Svc.CreateKey(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if code := b.Chat(free, "one"); code != 200 {
		t.Fatalf("unlimited key: %d", code)
	}
}

// TestPostgresSharedCooldowns: a cooldown learned on A (the upstream said 429) keeps B off the account too, and
// its early end on A, by the user's reset or by a successful probe, ends it on B: B routes to the account again.
func TestPostgresSharedCooldowns(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		end  func(a *instance, account int64) error
	}{
		{"reset", func(a *instance, account int64) error { return a.Svc.ResetCooldowns(ctx, account) }},
		{"probe", func(a *instance, account int64) error {
			res, err := a.Svc.TestAccount(ctx, account, "model-two")
			if err == nil && !res.OK {
				err = fmt.Errorf("probe failed: %+v", res)
			}
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dsn := storetest.FreshPostgres(t)
			mock := mockupstream.New(mockupstream.Options{})
			defer mock.Close()
			a, b := openInstance(t, dsn), openInstance(t, dsn)
			teamtest.SetupRouter(t, a, mock.URL)
			key, _, err := a.Svc.CreateKey(ctx, "frank")
			if err != nil {
				t.Fatal(err)
			}
			eventually(t, "B serves", func() bool { return b.Chat(key, "two") == 200 })
			mock.AddRule(mockupstream.Rule{Fault: mockupstream.Fault{Kind: mockupstream.Status, Status: 429, RetryAfter: "600"}, Times: 1})
			if code := a.Chat(key, "two"); code == 200 {
				t.Fatalf("A's request answered %d, want the mock's refusal", code)
			}
			if len(a.Svc.Cooldowns()) == 0 {
				t.Fatal("A learned no cooldown")
			}
			eventually(t, "A's cooldown adopted by B", func() bool { return len(b.Svc.Cooldowns()) > 0 })
			if code := b.Chat(key, "two"); code != 429 {
				t.Fatalf("B sent to a cooling account: %d", code)
			}
			if err := tc.end(a, a.Svc.Cooldowns()[0].AccountID); err != nil {
				t.Fatal(err)
			}
			if len(a.Svc.Cooldowns()) != 0 {
				t.Fatal("A's cooldown did not end")
			}
			eventually(t, "the early end on A reaches B", func() bool { return len(b.Svc.Cooldowns()) == 0 })
			if code := b.Chat(key, "two"); code != 200 {
				t.Fatalf("B after the early end: %d", code)
			}
		})
	}
}
