package route

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// sharedCounters is a Cluster whose counters two routers share, as instances of a team server share the
// database's (backend/team); down makes Turn fail like a lost database.
type sharedCounters struct {
	mu      sync.Mutex
	n       map[string]uint64
	down    bool
	calls   int
	cleared []string
}

func (c *sharedCounters) Turn(_ context.Context, key string, n int) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return 0, errors.New("database away")
	}
	c.calls++
	c.n[key] += uint64(n)
	return c.n[key], nil
}

func (c *sharedCounters) CooldownCleared(account int64, model string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cleared = append(c.cleared, string(rune('0'+account))+"/"+model)
}

func TestClusterRoundRobinIsShared(t *testing.T) {
	s := testSnapshot(t)
	s.Accounts["openai"] = append(s.Accounts["openai"], &Account{ID: 13, Provider: "openai", Enabled: true, Priority: 13})
	s.Strategies["openai"] = RoundRobin
	s.Combos["fast"].Strategy = ComboRoundRobin
	pair := func() (*sharedCounters, *Router, *Router) {
		shared := &sharedCounters{n: map[string]uint64{}}
		a, b := New(s, nil), New(s, nil)
		a.SetCluster(shared)
		b.SetCluster(shared)
		return shared, a, b
	}
	tg := Target{Spec: mustSpec(t, New(s, nil), "openai"), Model: "m"}

	cases := []struct {
		name  string
		tried map[int64]bool
		want  []int64 // picks alternating a, b, a, b, …
		runs  int     // sticky runs leased from the shared counter
	}{
		// Each router leases a sticky run of 3 turns at a time (one database round trip), so the cluster gives
		// every account 3 turns in rotation: a holds 1's run, b 2's, a 13's, b 1's again.
		{"sticky runs across instances", nil, []int64{1, 2, 1, 2, 1, 2, 13, 1, 13, 1}, 4},
		// A tried account's turns go to the next available one.
		{"tried skipped", map[int64]bool{1: true}, []int64{2, 2, 2, 2, 2, 2, 13, 2}, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			shared, a, b := pair()
			var got []int64
			for i := range c.want {
				r := a
				if i%2 == 1 {
					r = b
				}
				acct, _ := r.Next(context.Background(), tg, c.tried)
				got = append(got, acct.ID)
			}
			for i := range c.want {
				if got[i] != c.want[i] {
					t.Fatalf("picks %v, want %v", got, c.want)
				}
			}
			if shared.calls != c.runs {
				t.Errorf("%d round trips to the shared counter, want %d (one per sticky run)", shared.calls, c.runs)
			}
		})
	}

	shared, a, b := pair()
	var firsts []string
	for i := 0; i < 4; i++ {
		r := []*Router{a, b}[i%2]
		p, err := r.Plan(context.Background(), "fast")
		if err != nil {
			t.Fatal(err)
		}
		firsts = append(firsts, p.Targets[0].Spec.ID)
	}
	if strings.Join(firsts, ",") != "glm,deepseek,glm,deepseek" {
		t.Errorf("combo rotation across instances %v", firsts)
	}

	// The database away: each router rotates on its own and still serves.
	shared.down = true
	if acct, _ := a.Next(context.Background(), tg, nil); acct == nil {
		t.Fatal("no pick while the shared counters are away")
	}
	if _, err := b.Plan(context.Background(), "fast"); err != nil {
		t.Fatal(err)
	}
}

func TestClusterHearsEarlyCooldownEnds(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	shared := &sharedCounters{n: map[string]uint64{}}
	r := New(testSnapshot(t), nil)
	r.SetClock(func() time.Time { return now })
	r.SetCluster(shared)

	r.Succeed(1, "m") // nothing was cooling: nothing to tell
	r.Fail(1, "m", Failure{Status: 429, RetryAt: now.Add(time.Minute)})
	r.Succeed(1, "m") // a probe or a request got through before the minute ended
	r.Fail(2, "m", Failure{Status: 429, RetryAt: now.Add(time.Second)})
	now = now.Add(2 * time.Second)
	r.Succeed(2, "m") // the cooldown had ended by itself: nothing early to tell
	r.ResetCooldowns(3)

	if got := strings.Join(shared.cleared, " "); got != "1/m 3/" {
		t.Errorf("announced %q, want the early end on 1 and the reset of 3", got)
	}

	// Another instance's announcement clears here without being announced again.
	r.Fail(4, "m", Failure{Status: 429, RetryAt: now.Add(time.Minute)})
	r.Fail(5, "x", Failure{Status: 401})
	r.ForgetCooldown(4, "m")
	r.ForgetCooldown(5, "")
	if cd := r.Cooldowns(); len(cd) != 0 {
		t.Errorf("cooldowns left %v", cd)
	}
	if len(shared.cleared) != 2 {
		t.Errorf("a forgotten cooldown was announced again: %v", shared.cleared)
	}
}
