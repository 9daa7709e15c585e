package route

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/builtin"
	"github.com/ninerouter/ninerouter/backend/provider/compatible"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// testSnapshot has accounts on openai (2), glm and deepseek, a node "mine", combos and aliases.
func testSnapshot(t testing.TB) *Snapshot {
	t.Helper()
	specs := append(builtin.Specs(), compatible.Spec(compatible.Node{Prefix: "mine", Format: wire.OpenAI, BaseURL: "http://127.0.0.1:9/v1"}))
	reg, err := provider.NewRegistry(specs...)
	if err != nil {
		t.Fatal(err)
	}
	s := &Snapshot{Registry: reg, Accounts: map[string][]*Account{}, ByID: map[int64]*Account{},
		Combos: map[string]*Combo{}, Aliases: map[string]string{}, Strategies: map[string]Strategy{}, StickyLimit: 3}
	for i, p := range []string{"openai", "openai", "glm", "deepseek", "mine"} {
		a := &Account{ID: int64(i + 1), Provider: p, Enabled: true, Priority: i, Cred: provider.StaticKey("k")}
		s.Accounts[p] = append(s.Accounts[p], a)
		s.ByID[a.ID] = a
	}
	s.Combos["fast"] = &Combo{Name: "fast", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "glm/glm-4.6"}, {Model: "ds/deepseek-chat", DailyUSD: 1}}}
	s.Combos["all"] = &Combo{Name: "all", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "fast"}, {Model: "mine/llama"}}}
	s.Aliases["quick"] = "fast"
	s.Aliases["gpt"] = "openai/gpt-4.1"
	s.Active = "all"
	return s
}

func targets(p Plan) []string {
	var out []string
	for _, t := range p.Targets {
		out = append(out, t.Spec.ID+"/"+t.Model)
	}
	return out
}

func TestResolve(t *testing.T) {
	s := testSnapshot(t)
	cases := []struct {
		model   string
		want    string // joined targets
		combo   string
		wantErr string
	}{
		{model: "openai/gpt-4o", want: "openai/gpt-4o"},
		{model: "OpenAI/gpt-4o", want: "openai/gpt-4o"},
		{model: "ds/deepseek-chat", want: "deepseek/deepseek-chat"},
		{model: "openrouter/anthropic/claude-3.5", want: "openrouter/anthropic/claude-3.5"},
		{model: "mine/llama-3", want: "mine/llama-3"},
		{model: "fast", want: "glm/glm-4.6 deepseek/deepseek-chat", combo: "fast"},
		{model: "all", want: "glm/glm-4.6 deepseek/deepseek-chat mine/llama", combo: "all"},
		{model: ActiveModel, want: "glm/glm-4.6 deepseek/deepseek-chat mine/llama", combo: "all"},
		{model: "quick", want: "glm/glm-4.6 deepseek/deepseek-chat"},
		{model: "gpt", want: "openai/gpt-4.1"},
		{model: "gpt-4o-mini", want: "openai/gpt-4o-mini"},
		{model: "deepseek-reasoner", want: "deepseek/deepseek-reasoner"},
		{model: "claude-sonnet-4", wantErr: "not a combo"}, // no anthropic or openrouter account
		{model: "nope/x", wantErr: "usable prefixes"},
		{model: "openai/", wantErr: "no model"},
		{model: "", wantErr: "names no model"},
		{model: "llama-3", wantErr: "combos: all, fast"},
	}
	for _, tc := range cases {
		t.Run(tc.model, func(t *testing.T) {
			p, err := Resolve(s, tc.model, nil)
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, ErrUnknownModel) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want ErrUnknownModel mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(targets(p), " "); got != tc.want {
				t.Errorf("targets %q, want %q", got, tc.want)
			}
			if p.Combo != tc.combo && tc.combo != "" {
				t.Errorf("combo %q, want %q", p.Combo, tc.combo)
			}
		})
	}
}

func TestComboEntryCarriesBudget(t *testing.T) {
	p, err := Resolve(testSnapshot(t), "all", nil)
	if err != nil {
		t.Fatal(err)
	}
	ds := p.Targets[1]
	if ds.Combo != "fast" || ds.Entry != "ds/deepseek-chat" || ds.DailyUSD != 1 {
		t.Errorf("target %+v lacks its entry budget", ds)
	}
}

func TestRoundRobinComboRotates(t *testing.T) {
	s := testSnapshot(t)
	s.Combos["fast"].Strategy = ComboRoundRobin
	r := New(s, nil)
	var firsts []string
	for i := 0; i < 4; i++ {
		p, err := r.Plan(context.Background(), "fast")
		if err != nil {
			t.Fatal(err)
		}
		firsts = append(firsts, p.Targets[0].Spec.ID)
	}
	if strings.Join(firsts, ",") != "glm,deepseek,glm,deepseek" {
		t.Errorf("rotation %v", firsts)
	}
}

func TestCheckCombo(t *testing.T) {
	s := testSnapshot(t)
	cases := []struct {
		c       Combo
		wantErr string
	}{
		{Combo{Name: "ok", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "fast"}, {Model: "openai/gpt-4o"}}}, ""},
		{Combo{Name: "fast", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "all"}}}, "contain itself"},
		{Combo{Name: "self", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "self"}}}, "contain itself"},
		{Combo{Name: "a/b", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "fast"}}}, "no '/'"},
		{Combo{Name: "x", Strategy: "random", Entries: []ComboEntry{{Model: "fast"}}}, "strategy"},
		{Combo{Name: "x", Strategy: ComboFallback}, "at least one"},
		{Combo{Name: "x", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "nope/m"}}}, "usable prefixes"},
		{Combo{Name: "ninerouter", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "fast"}}}, "reserved"},
	}
	for _, tc := range cases {
		err := CheckCombo(s, tc.c)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: err %v, want %q", tc.c.Name, err, tc.wantErr)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name   string
		f      Failure
		action Action
		scope  Scope
	}{
		{"429", Failure{Status: 429}, NextAccount, ScopeModel},
		{"429 no credit", Failure{Status: 429, Type: "insufficient_quota"}, NextAccount, ScopeAccount},
		{"429 subscription plan limit with a reset", Failure{Status: 429, RetryAt: time.Now().Add(time.Hour), CredentialScoped: true}, NextAccount, ScopeAccount},
		{"429 subscription usage_limit_reached", Failure{Status: 429, Type: "usage_limit_reached", CredentialScoped: true}, NextAccount, ScopeAccount},
		{"429 subscription without a hint", Failure{Status: 429, CredentialScoped: true}, NextAccount, ScopeModel},
		{"401", Failure{Status: 401}, NextAccount, ScopeAccount},
		{"403", Failure{Status: 403}, NextAccount, ScopeAccount},
		{"402", Failure{Status: 402}, NextAccount, ScopeAccount},
		{"404", Failure{Status: 404}, NextModel, ScopeModel},
		{"400 model not found", Failure{Status: 400, Message: "The model `x` does not exist"}, NextModel, ScopeModel},
		{"400 context", Failure{Status: 400, Type: "context_length_exceeded"}, NextModel, ScopeNone},
		{"400 prompt too long", Failure{Status: 400, Message: "prompt is too long: 250000 tokens > 200000 maximum"}, NextModel, ScopeNone},
		{"400 malformed", Failure{Status: 400, Message: "messages.0.content: field required"}, Stop, ScopeNone},
		{"422", Failure{Status: 422}, Stop, ScopeNone},
		{"500", Failure{Status: 500}, NextAccount, ScopeModel},
		{"529", Failure{Status: 529}, NextAccount, ScopeModel},
		{"in-band overloaded", Failure{Status: 200, Type: "overloaded_error", InBand: true}, NextAccount, ScopeModel},
		{"connect", Failure{Net: NetConnect}, NextAccount, ScopeAccount},
		{"header timeout", Failure{Net: NetHeader}, NextAccount, ScopeModel},
		{"idle", Failure{Net: NetIdle}, NextAccount, ScopeModel},
		{"canceled", Failure{Canceled: true, Net: NetReset}, Stop, ScopeNone},
	}
	for _, tc := range cases {
		v := Classify(tc.f)
		if v.Action != tc.action || v.Scope != tc.scope {
			t.Errorf("%s: %v/%v, want %v/%v", tc.name, v.Action, v.Scope, tc.action, tc.scope)
		}
	}
}

func TestCooldowns(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := New(testSnapshot(t), nil)
	r.SetClock(func() time.Time { return now })
	// Retry-After wins over backoff.
	_, until := r.Fail(1, "m", Failure{Status: 429, RetryAt: now.Add(40 * time.Second)})
	if !until.Equal(now.Add(40 * time.Second)) {
		t.Errorf("until %v, want the hint", until)
	}
	// Exponential without a hint: 2 s, 4 s, 8 s…
	var got []time.Duration
	for i := 0; i < 3; i++ {
		_, u := r.Fail(2, "m", Failure{Status: 429})
		got = append(got, u.Sub(now))
	}
	if got[0] != 2*time.Second || got[1] != 4*time.Second || got[2] != 8*time.Second {
		t.Errorf("backoff %v", got)
	}
	// Cooling only blocks its model; an account-wide failure blocks all.
	snapT := Target{Spec: mustSpec(t, r, "openai"), Model: "m"}
	a, _ := r.Next(context.Background(), snapT, nil)
	if a != nil {
		t.Fatalf("both openai accounts cool for m, got %d", a.ID)
	}
	other, _ := r.Next(context.Background(), Target{Spec: snapT.Spec, Model: "other"}, nil)
	if other == nil || other.ID != 1 {
		t.Fatalf("model other should be free on account 1, got %v", other)
	}
	_, b := r.Next(context.Background(), snapT, nil)
	if b.Reason != "cooling" || !b.Soonest.Equal(now.Add(8*time.Second)) {
		t.Errorf("blocked %+v, want cooling until the soonest end", b)
	}
	// The window passes: usable again.
	now = now.Add(41 * time.Second)
	if a, _ := r.Next(context.Background(), snapT, nil); a == nil || a.ID != 1 {
		t.Errorf("cooldown did not clear when its window ended")
	}
	// Success resets the backoff level.
	r.Succeed(2, "m")
	_, u := r.Fail(2, "m", Failure{Status: 429})
	if u.Sub(now) != 2*time.Second {
		t.Errorf("backoff not reset by success: %v", u.Sub(now))
	}
	// A bogus far-future hint is capped.
	_, u = r.Fail(1, "z", Failure{Status: 429, RetryAt: now.Add(1000 * time.Hour)})
	if u.Sub(now) > maxHint {
		t.Errorf("hint not capped: %v", u.Sub(now))
	}
}

func mustSpec(t *testing.T, r *Router, id string) *provider.Spec {
	s, ok := r.Snapshot().Registry.ByID(id)
	if !ok {
		t.Fatal(id)
	}
	return s
}

func TestSelection(t *testing.T) {
	s := testSnapshot(t)
	for i := 3; i <= 4; i++ {
		a := &Account{ID: int64(10 + i), Provider: "openai", Enabled: true, Priority: 10 + i}
		s.Accounts["openai"] = append(s.Accounts["openai"], a)
	}
	r := New(s, nil)
	tg := Target{Spec: mustSpec(t, r, "openai"), Model: "m"}
	pick := func() int64 {
		a, _ := r.Next(context.Background(), tg, nil)
		return a.ID
	}
	for i := 0; i < 5; i++ {
		if id := pick(); id != 1 {
			t.Fatalf("fill-first picked %d", id)
		}
	}
	s.Strategies["openai"] = RoundRobin
	r = New(s, nil)
	var seq []int64
	for i := 0; i < 9; i++ {
		seq = append(seq, pick())
	}
	want := []int64{1, 1, 1, 2, 2, 2, 13, 13, 13}
	for i := range want {
		if seq[i] != want[i] {
			t.Fatalf("sticky round-robin %v, want %v", seq, want)
		}
	}
	// Tried and disabled accounts are skipped.
	s.Accounts["openai"][1].Enabled = false
	a, _ := r.Next(context.Background(), tg, map[int64]bool{14: true, 13: true})
	if a == nil || a.ID != 1 {
		t.Fatalf("got %v, want account 1", a)
	}
}

func TestSelectionConcurrent(t *testing.T) {
	s := testSnapshot(t)
	s.Strategies["openai"] = RoundRobin
	r := New(s, nil)
	tg := Target{Spec: mustSpec(t, r, "openai"), Model: "m"}
	var wg sync.WaitGroup
	counts := make([]map[int64]int, 8)
	for g := range counts {
		counts[g] = map[int64]int{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				a, _ := r.Next(context.Background(), tg, nil)
				counts[g][a.ID]++
				if i%7 == 0 {
					r.Fail(a.ID, "x", Failure{Status: 500})
				}
			}
		}()
	}
	wg.Wait()
	total := map[int64]int{}
	for _, c := range counts {
		for id, n := range c {
			total[id] += n
		}
	}
	if total[1] == 0 || total[2] == 0 || total[1]+total[2] != 2400 {
		t.Errorf("uneven or lost picks: %v", total)
	}
}

type fakeSpend struct{ acct, entry float64 }

func (f fakeSpend) AccountSpend(int64, time.Time) (float64, float64) { return f.acct, f.acct }
func (f fakeSpend) EntrySpend(string, string, time.Time) (float64, float64) {
	return f.entry, f.entry
}

func TestBudgets(t *testing.T) {
	s := testSnapshot(t)
	s.ByID[4].DailyUSD = 0.5
	r := New(s, fakeSpend{acct: 0.6})
	p, _ := Resolve(s, "fast", nil)
	a, b := r.Next(context.Background(), p.Targets[1], nil) // deepseek: account 4 over its own budget
	if a != nil || b.Reason != "budget" || b.Soonest.IsZero() {
		t.Fatalf("got %v %+v, want skipped for budget with a reset time", a, b)
	}
	s.ByID[4].DailyUSD = 0
	r = New(s, fakeSpend{entry: 2})
	if a, b := r.Next(context.Background(), p.Targets[1], nil); a != nil || b.Reason != "budget" {
		t.Fatalf("combo entry over its 1 USD daily cap was not skipped: %v %+v", a, b)
	}
	if a, _ := r.Next(context.Background(), p.Targets[0], nil); a == nil {
		t.Fatalf("an entry without a budget was skipped")
	}
}

// FuzzResolve: no model string crashes the resolver, and a success always yields runnable targets.
func FuzzResolve(f *testing.F) {
	for _, seed := range []string{"openai/gpt-4o", "fast", "all", ActiveModel, "quick", "ds/x", "a/b/c", "/", "//", "", " ",
		"gpt-4", "claude-x", "mine/", "OPENAI/x", "fast/x", "\x00", "ninerouter/", strings.Repeat("a/", 100)} {
		f.Add(seed)
	}
	s := testSnapshot(f)
	s.Combos["loop1"] = &Combo{Name: "loop1", Strategy: ComboFallback, Entries: []ComboEntry{{Model: "loop2"}}}
	s.Combos["loop2"] = &Combo{Name: "loop2", Strategy: ComboRoundRobin, Entries: []ComboEntry{{Model: "loop1"}, {Model: "fast"}}}
	s.Aliases["self"] = "self"
	r := New(s, nil)
	f.Fuzz(func(t *testing.T, model string) {
		p, err := r.Plan(context.Background(), model)
		if err != nil {
			if !errors.Is(err, ErrUnknownModel) {
				t.Fatalf("error %v is not ErrUnknownModel", err)
			}
			return
		}
		if len(p.Targets) == 0 {
			t.Fatalf("%q: success with no targets", model)
		}
		for _, tg := range p.Targets {
			if tg.Spec == nil || tg.Model == "" {
				t.Fatalf("%q: incomplete target %+v", model, tg)
			}
		}
	})
}
