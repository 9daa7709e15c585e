package team_test

import (
	"context"
	"testing"

	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/store/storetest"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// addGLM adds a glm account on the mock with its own upstream key (so the mock tells which account served).
func addGLM(t *testing.T, in *instance, mockURL, apiKey string, daily float64) int64 {
	t.Helper()
	base := mockURL + "/v1"
	in2 := service.AccountInput{Provider: "glm", APIKey: &apiKey, BaseURL: &base}
	if daily > 0 {
		in2.DailyUSD = &daily
	}
	v, err := in.Svc.AddAccount(context.Background(), in2)
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// last is the mock's last request.
func last(mock *mockupstream.Server) mockupstream.Received {
	got := mock.Requests()
	if len(got) == 0 {
		return mockupstream.Received{}
	}
	return got[len(got)-1]
}

// spentOn is what instance in reports spent today on account id.
func spentOn(t *testing.T, in *instance, id int64) float64 {
	t.Helper()
	views, err := in.Svc.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		if v.ID == id {
			return v.SpentToday
		}
	}
	t.Fatalf("no account %d", id)
	return 0
}

// entrySpentOn is what instance in reports spent today on a combo's i-th entry.
func entrySpentOn(t *testing.T, in *instance, combo string, i int) float64 {
	t.Helper()
	views, err := in.Svc.Combos(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		if v.Name == combo {
			return v.Entries[i].SpentToday
		}
	}
	t.Fatalf("no combo %s", combo)
	return 0
}

// TestPostgresSharedRoundRobin: requests alternating between A and B rotate as one router: the combo's entries
// and the provider's accounts (sticky limit 1) take turns across the cluster, never twice in a row because two
// instances each started their own rotation.
func TestPostgresSharedRoundRobin(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshPostgres(t)
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	a, b := openInstance(t, dsn), openInstance(t, dsn)
	addGLM(t, a, mock.URL, "sk-upstream-first-111111", 0)
	addGLM(t, a, mock.URL, "sk-upstream-second-22222", 0)
	if err := a.Svc.SetProviderStrategy(ctx, "glm", route.RoundRobin, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Svc.CreateCombo(ctx, route.Combo{Name: "rr", Strategy: route.ComboRoundRobin,
		Entries: []route.ComboEntry{{Model: "glm/model-one"}, {Model: "glm/model-two"}}}); err != nil {
		t.Fatal(err)
	}
	key, _, err := a.Svc.CreateKey(ctx, "grace")
	if err != nil {
		t.Fatal(err)
	}
	// The combo was made after the strategy was set, so B serving it has both.
	eventually(t, "B has the combo and the strategy", func() bool { return b.Chat(key, "rr") == 200 })

	mock.Reset()
	const n = 12
	for i := range n {
		if code := []*instance{a, b}[i%2].Chat(key, "rr"); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	got := mock.Requests()
	if len(got) != n {
		t.Fatalf("the mock saw %d requests, want %d", len(got), n)
	}
	for i := 1; i < n; i++ {
		if got[i].Model == got[i-1].Model || got[i].APIKey == got[i-1].APIKey {
			t.Fatalf("request %d repeated the previous one's entry or account (%s %s after %s %s): the instances rotate apart",
				i, got[i].Model, got[i].APIKey[:12], got[i-1].Model, got[i-1].APIKey[:12])
		}
	}
}

// TestPostgresSharedCaps: an account's daily cap and a combo entry's daily cap are held against what the whole
// cluster spent: once A has spent them, B routes past them (to the next account, the next entry).
func TestPostgresSharedCaps(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshPostgres(t)
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	a, b := openInstance(t, dsn), openInstance(t, dsn)
	const capped, spare = "sk-upstream-capped-33333", "sk-upstream-spare-444444"
	cappedID := addGLM(t, a, mock.URL, capped, 2)
	addGLM(t, a, mock.URL, spare, 0)
	// 11 input tokens per request at $100,000 per million: $1.10 a request.
	for _, m := range []string{"model-one", "model-two"} {
		if err := a.Svc.SetPrice(ctx, usage.Price{Provider: "glm", Model: m, Input: 100_000}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Svc.CreateCombo(ctx, route.Combo{Name: "capped", Strategy: route.ComboFallback,
		Entries: []route.ComboEntry{{Model: "glm/model-one", DailyUSD: 3}, {Model: "glm/model-two"}}}); err != nil {
		t.Fatal(err)
	}
	key, _, err := a.Svc.CreateKey(ctx, "heidi")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "B serves the combo", func() bool { return b.Chat(key, "capped") == 200 })
	if got := last(mock); got.APIKey != capped || got.Model != "model-one" {
		t.Fatalf("first request went to %s/%s, want the first account and entry", got.APIKey, got.Model)
	}

	// B spent $1.10 of the first account's $2; A spends $1.10 more: the cap is reached on the cluster's sum, and
	// B (which itself spent only $1.10) sees it without spending anything more.
	if code := a.Chat(key, "capped"); code != 200 || last(mock).APIKey != capped {
		t.Fatalf("A: %d via %s, want the first account", code, last(mock).APIKey)
	}
	eventually(t, "the account's cap spent on A and B shows on B", func() bool {
		return spentOn(t, b, cappedID) >= 2.2
	})
	if code := b.Chat(key, "capped"); code != 200 || last(mock).APIKey != spare {
		t.Fatalf("B: %d via %s, want the spare account past the cluster's spent cap", code, last(mock).APIKey)
	}
	// The entry has now seen $3.30 across both instances, $2.20 of it on B: past its $3 cap, A falls back to the
	// next entry.
	eventually(t, "the entry's cap spent on A and B shows on A", func() bool { return entrySpentOn(t, a, "capped", 0) >= 3.3 })
	if code := a.Chat(key, "capped"); code != 200 || last(mock).Model != "model-two" {
		t.Fatalf("A: %d via %s, want the next entry past the cluster's spent entry cap", code, last(mock).Model)
	}
}
