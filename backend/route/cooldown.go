package route

import (
	"sort"
	"sync"
	"time"
)

// allModels keys an account-wide cooldown.
const allModels = "*"

type coolKey struct {
	account int64
	model   string
}

type coolState struct {
	until  time.Time
	level  int // consecutive failures, for exponential backoff; reset by a success
	reason string
}

// Cooldowns is the in-memory table of (account, model) cooldowns. It is hot state: never written to the database
// per request, and rebuilt from nothing at start (a restart forgets cooldowns, which only costs one failed try).
type Cooldowns struct {
	mu sync.Mutex
	m  map[coolKey]*coolState
}

func newCooldowns() *Cooldowns { return &Cooldowns{m: map[coolKey]*coolState{}} }

// blockedUntil returns when (account, model) becomes usable again, or zero when it is usable now.
func (c *Cooldowns) blockedUntil(account int64, model string, now time.Time) (time.Time, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var until time.Time
	var reason string
	for _, k := range [2]coolKey{{account, model}, {account, allModels}} {
		if st, ok := c.m[k]; ok && st.until.After(now) && st.until.After(until) {
			until, reason = st.until, st.reason
		}
	}
	return until, reason
}

// mark applies a verdict and returns the cooldown's end (zero for request-scoped verdicts).
func (c *Cooldowns) mark(account int64, model string, v Verdict, now time.Time) time.Time {
	if v.Scope == ScopeNone {
		return time.Time{}
	}
	k := coolKey{account, model}
	if v.Scope == ScopeAccount {
		k.model = allModels
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.m[k]
	if st == nil {
		st = &coolState{}
		c.m[k] = st
	}
	st.level = min(st.level+1, 16)
	until := cooldownFor(v, st.level, now)
	// Never shorten a cooldown already known to last longer (a reset time learned earlier).
	if until.After(st.until) {
		st.until = until
	}
	st.reason = v.Reason
	return st.until
}

// clear forgets the cooldowns a success disproves and says whether one of them was still running.
func (c *Cooldowns) clear(account int64, model string, now time.Time) (wasActive bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range [2]coolKey{{account, model}, {account, allModels}} {
		if st, ok := c.m[k]; ok {
			wasActive = wasActive || st.until.After(now)
			delete(c.m, k)
		}
	}
	return wasActive
}

// reset forgets every cooldown of an account (the UI's "reset cooldown").
func (c *Cooldowns) reset(account int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.account == account {
			delete(c.m, k)
		}
	}
}

// Cooldown is one active cooldown, for the UI.
type Cooldown struct {
	AccountID int64     `json:"accountId"`
	Model     string    `json:"model"` // "*" = every model of the account
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"`
}

func (c *Cooldowns) active(now time.Time) []Cooldown {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Cooldown
	for k, st := range c.m {
		if st.until.After(now) {
			out = append(out, Cooldown{AccountID: k.account, Model: k.model, Until: st.until.UTC(), Reason: st.reason})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AccountID != out[j].AccountID {
			return out[i].AccountID < out[j].AccountID
		}
		return out[i].Model < out[j].Model
	})
	return out
}

// adopt takes a cooldown another instance of a team server learned (backend/team): it never shortens a longer one
// known here and leaves the local backoff level alone.
func (c *Cooldowns) adopt(cd Cooldown) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := coolKey{cd.AccountID, cd.Model}
	st := c.m[k]
	if st == nil {
		st = &coolState{}
		c.m[k] = st
	}
	if cd.Until.After(st.until) {
		st.until, st.reason = cd.Until, cd.Reason
	}
}
