package route

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
)

// Spend reports money spent, for budget caps. The usage package implements it from in-memory running totals.
type Spend interface {
	AccountSpend(account int64, now time.Time) (day, month float64)
	EntrySpend(combo, entry string, now time.Time) (day, month float64)
}

// Quota answers routing's questions about subscription quotas (backend/quota implements it from the vendors'
// numbers): until when an account is spent (or its user reserve reached), and when its earliest window resets.
type Quota interface {
	Blocked(account int64, now time.Time) (until time.Time, reason string)
	SoonestReset(account int64, now time.Time) time.Time
}

// Router is the routing state: the current snapshot plus hot in-memory state (cooldowns, rotation counters).
// It is safe for concurrent use; selection takes a per-provider lock for a few hundred nanoseconds.
type Router struct {
	snap  atomic.Pointer[Snapshot]
	cool  *Cooldowns
	spend Spend
	quota atomic.Pointer[Quota]
	now   func() time.Time

	selMu sync.Mutex
	sel   map[string]*rrState   // per provider
	lease map[string]*turnLease // per provider, on a team server

	rotMu sync.Mutex
	rot   map[string]int // per round-robin combo

	cluster atomic.Pointer[Cluster]
}

// Cluster is the state a team server shares between the instances on one database (backend/team implements
// it); the desktop has none and the router's own memory is the whole truth.
type Cluster interface {
	// Turn advances the cluster-wide counter named key by n and returns its new value (n on first use): the
	// caller owns the n turns up to it. An error (database away) makes the router fall back to its own rotation.
	Turn(ctx context.Context, key string, n int) (uint64, error)
	// CooldownCleared tells the other instances that an account's cooldown ended early here: model's on a
	// success, every model's (model "") on the user's reset.
	CooldownCleared(account int64, model string)
}

// SetCluster shares rotation and early cooldown ends with the other instances of a team server.
func (r *Router) SetCluster(c Cluster) { r.cluster.Store(&c) }

func (r *Router) clusterOf() Cluster {
	if c := r.cluster.Load(); c != nil {
		return *c
	}
	return nil
}

// New returns a router over snap. spend may be nil (no budgets enforced).
func New(snap *Snapshot, spend Spend) *Router {
	r := &Router{cool: newCooldowns(), spend: spend, now: time.Now, sel: map[string]*rrState{}, lease: map[string]*turnLease{},
		rot: map[string]int{}}
	r.snap.Store(snap)
	return r
}

// SetQuota installs the quota source; until then quotas block nothing.
func (r *Router) SetQuota(q Quota) { r.quota.Store(&q) }

func (r *Router) quotaGate() Quota {
	if q := r.quota.Load(); q != nil {
		return *q
	}
	return nil
}

// SetClock replaces the clock (tests).
func (r *Router) SetClock(now func() time.Time) { r.now = now }

// Snapshot is the configuration in force.
func (r *Router) Snapshot() *Snapshot { return r.snap.Load() }

// Swap installs a new configuration; requests already planned finish on the old one.
func (r *Router) Swap(s *Snapshot) {
	r.snap.Store(s)
	r.rotMu.Lock()
	r.rot = map[string]int{} // strategies may have changed (9Router resets its counter the same way)
	r.rotMu.Unlock()
}

// Plan resolves a model string against the current snapshot. A "soonest-reset" combo's entries are ordered
// by the earliest quota reset among their accounts (subscriptions first, soonest first; the rest after them in
// the combo's order), and each entry's accounts the same way.
func (r *Router) Plan(ctx context.Context, model string) (Plan, error) {
	p, err := Resolve(r.Snapshot(), model, func(combo string, n int) int { return r.rotate(ctx, combo, n) })
	if err != nil || !p.soonestReset {
		return p, err
	}
	if q := r.quotaGate(); q != nil {
		now, snap := r.now(), r.Snapshot()
		key := make([]time.Time, len(p.Targets))
		for i, t := range p.Targets {
			for _, a := range snap.Accounts[t.Spec.ID] {
				if until, _ := q.Blocked(a.ID, now); !a.Enabled || !until.IsZero() {
					continue
				}
				if s := q.SoonestReset(a.ID, now); !s.IsZero() && (key[i].IsZero() || s.Before(key[i])) {
					key[i] = s
				}
			}
		}
		idx := make([]int, len(p.Targets))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			x, y := key[idx[a]], key[idx[b]]
			if x.IsZero() != y.IsZero() {
				return !x.IsZero()
			}
			return x.Before(y)
		})
		sorted := make([]Target, len(idx))
		for i, j := range idx {
			sorted[i] = p.Targets[j]
		}
		p.Targets = sorted
	}
	return p, nil
}

func (r *Router) rotate(ctx context.Context, combo string, n int) int {
	if c := r.clusterOf(); c != nil {
		if v, err := c.Turn(ctx, "combo:"+combo, 1); err == nil {
			return int((v - 1) % uint64(n))
		}
	}
	r.rotMu.Lock()
	defer r.rotMu.Unlock()
	i := r.rot[combo]
	r.rot[combo] = (i + 1) % n
	return i
}

// Blocked explains why no account could be picked for a target.
type Blocked struct {
	Soonest time.Time // when the earliest blocked candidate frees up; zero when none will by itself
	Reason  string    // "cooling", "budget", "disabled", "no accounts", "tried"
}

// Next picks an account for target, skipping tried ones, disabled ones, cooling ones and those over budget.
// It returns nil and why when none is left.
func (r *Router) Next(ctx context.Context, t Target, tried map[int64]bool) (*Account, Blocked) {
	now := r.now()
	snap := r.Snapshot()
	accts := snap.Accounts[t.Spec.ID]
	if len(accts) == 0 {
		return nil, Blocked{Reason: "no accounts"}
	}
	if t.Entry != "" && r.spend != nil && (t.DailyUSD > 0 || t.MonthlyUSD > 0) {
		d, m := r.spend.EntrySpend(t.Combo, t.Entry, now)
		if over, reset := overBudget(d, m, t.DailyUSD, t.MonthlyUSD, now); over {
			return nil, Blocked{Soonest: reset, Reason: "budget"}
		}
	}
	var b Blocked
	q := r.quotaGate()
	avail := func(a *Account) bool {
		switch {
		case !a.Enabled:
			b.note(time.Time{}, "disabled")
			return false
		case tried[a.ID]:
			b.note(time.Time{}, "tried")
			return false
		}
		if u, ok := a.Cred.(provider.Unusable); ok {
			if reason := u.Unusable(); reason != "" { // a subscription account that needs signing in again
				b.note(time.Time{}, reason)
				return false
			}
		}
		if until, _ := r.cool.blockedUntil(a.ID, t.Model, now); !until.IsZero() {
			b.note(until, "cooling")
			return false
		}
		if q != nil {
			// A spent subscription window skips the account until its reset; the reset time itself wakes it.
			if until, _ := q.Blocked(a.ID, now); !until.IsZero() {
				b.note(until, "quota")
				return false
			}
		}
		if r.spend != nil && (a.DailyUSD > 0 || a.MonthlyUSD > 0) {
			d, m := r.spend.AccountSpend(a.ID, now)
			if over, reset := overBudget(d, m, a.DailyUSD, a.MonthlyUSD, now); over {
				b.note(reset, "budget")
				return false
			}
		}
		return true
	}
	if snap.Strategies[t.Spec.ID] == RoundRobin {
		limit := snap.StickyLimit
		if limit <= 0 {
			limit = DefaultStickyLimit
		}
		if c := r.clusterOf(); c != nil {
			if v, err := r.providerTurn(ctx, c, t.Spec.ID, limit); err == nil {
				return pickTurn(v, accts, avail, limit), b
			}
		}
		return r.pickRoundRobin(t.Spec.ID, accts, avail, limit), b
	}
	if t.SoonestReset && q != nil {
		accts = bySoonestReset(accts, q, now)
	}
	for _, a := range accts {
		if avail(a) {
			return a, b
		}
	}
	return nil, b
}

// bySoonestReset orders accounts by their earliest quota reset ("spend what resets first"); accounts with no
// known reset keep their priority order after them.
func bySoonestReset(accts []*Account, q Quota, now time.Time) []*Account {
	out := append([]*Account(nil), accts...)
	resets := make(map[int64]time.Time, len(out))
	for _, a := range out {
		resets[a.ID] = q.SoonestReset(a.ID, now)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := resets[out[i].ID], resets[out[j].ID]
		if a.IsZero() != b.IsZero() {
			return !a.IsZero()
		}
		return a.Before(b)
	})
	return out
}

func (b *Blocked) note(until time.Time, reason string) {
	// Cooling and budget explain more than "tried"/"disabled", and the soonest reset wins.
	if reason == "cooling" || reason == "budget" || reason == "quota" {
		if b.Soonest.IsZero() || (!until.IsZero() && until.Before(b.Soonest)) {
			b.Soonest = until
		}
		if b.Reason != "cooling" && (b.Reason != "quota" || reason == "cooling") {
			b.Reason = reason
		}
		return
	}
	if b.Reason == "" {
		b.Reason = reason
	}
}

// overBudget checks caps; reset is when the tightest exceeded cap's window ends (UTC day or month).
func overBudget(day, month, dayCap, monthCap float64, now time.Time) (bool, time.Time) {
	u := now.UTC()
	if dayCap > 0 && day >= dayCap {
		return true, time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC)
	}
	if monthCap > 0 && month >= monthCap {
		return true, time.Date(u.Year(), u.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return false, time.Time{}
}

// rrState is one provider's sticky round-robin state.
type rrState struct {
	mu       sync.Mutex
	last     int64
	count    int
	seq      uint64
	lastUsed map[int64]uint64
}

func (r *Router) pickRoundRobin(providerID string, accts []*Account, avail func(*Account) bool, limit int) *Account {
	r.selMu.Lock()
	st := r.sel[providerID]
	if st == nil {
		st = &rrState{lastUsed: map[int64]uint64{}}
		r.sel[providerID] = st
	}
	r.selMu.Unlock()

	st.mu.Lock()
	defer st.mu.Unlock()
	var best *Account
	for _, a := range accts {
		if !avail(a) {
			continue
		}
		if a.ID == st.last && st.count < limit {
			best = a
			break
		}
		// Least recently used wins; never-used (0) first; ties keep priority order.
		if best == nil || st.lastUsed[a.ID] < st.lastUsed[best.ID] {
			best = a
		}
	}
	if best == nil {
		return nil
	}
	if best.ID == st.last {
		st.count++
	} else {
		st.last, st.count = best.ID, 1
	}
	st.seq++
	st.lastUsed[best.ID] = st.seq
	return best
}

// turnLease is the sticky run of a provider's shared rotation this instance holds: turns next..last, all of them
// one account's (pickTurn), so a team server asks the database once per run rather than once per request.
type turnLease struct {
	mu         sync.Mutex
	next, last uint64
}

// providerTurn takes the next turn of the provider's shared rotation, leasing a whole run of limit turns when
// the last one is used up.
func (r *Router) providerTurn(ctx context.Context, c Cluster, providerID string, limit int) (uint64, error) {
	r.selMu.Lock()
	l := r.lease[providerID]
	if l == nil {
		l = &turnLease{}
		r.lease[providerID] = l
	}
	r.selMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.next == 0 || l.next > l.last {
		v, err := c.Turn(ctx, "provider:"+providerID, limit)
		if err != nil {
			return 0, err
		}
		l.next, l.last = v-uint64(limit)+1, v
	}
	l.next++
	return l.next - 1, nil
}

// pickTurn is sticky round-robin over a cluster-wide counter: turn v (1, 2, …) goes to the account at
// ((v-1)/limit) mod len(accts), each account taking limit consecutive turns of the whole cluster, or to the
// next available one after it.
func pickTurn(v uint64, accts []*Account, avail func(*Account) bool, limit int) *Account {
	start := int(((v - 1) / uint64(limit)) % uint64(len(accts)))
	for i := range accts {
		if a := accts[(start+i)%len(accts)]; avail(a) {
			return a
		}
	}
	return nil
}

// Fail records a failed attempt and returns its verdict with the cooldown's end (zero when none).
func (r *Router) Fail(account int64, model string, f Failure) (Verdict, time.Time) {
	v := Classify(f)
	until := r.cool.mark(account, model, v, r.now())
	return v, until
}

// Succeed clears the cooldowns a successful attempt disproves; on a team server an active one's early end is
// told to the other instances.
func (r *Router) Succeed(account int64, model string) {
	if r.cool.clear(account, model, r.now()) {
		if c := r.clusterOf(); c != nil {
			c.CooldownCleared(account, model)
		}
	}
}

// ResetCooldowns clears an account's cooldowns (user action), on every instance of a team server.
func (r *Router) ResetCooldowns(account int64) {
	r.cool.reset(account)
	if c := r.clusterOf(); c != nil {
		c.CooldownCleared(account, "")
	}
}

// ForgetCooldown applies an early cooldown end another instance announced (model "" = every model), without
// announcing it again.
func (r *Router) ForgetCooldown(account int64, model string) {
	if model == "" {
		r.cool.reset(account)
		return
	}
	r.cool.clear(account, model, r.now())
}

// AdoptCooldown applies a cooldown another instance sharing the database learned (team servers).
func (r *Router) AdoptCooldown(c Cooldown) { r.cool.adopt(c) }

// Cooldowns lists active cooldowns.
func (r *Router) Cooldowns() []Cooldown { return r.cool.active(r.now()) }
