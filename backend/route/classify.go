package route

import (
	"net/http"
	"strings"
	"time"
)

// NetKind says how an attempt failed below HTTP.
type NetKind int

const (
	NetNone    NetKind = iota
	NetConnect         // refused, DNS, TLS handshake
	NetHeader          // no response header in time (also covers time to first byte)
	NetIdle            // a stream went quiet mid-way
	NetReset           // the connection broke mid-body
)

// Failure is one failed attempt as the proxy saw it.
type Failure struct {
	Status   int // HTTP status, or the status an in-band error stands for; 0 for network failures
	Type     string
	Message  string
	InBand   bool
	Net      NetKind
	RetryAt  time.Time // from Retry-After or a reset hint; zero when none
	Canceled bool      // the client went away or the request's own deadline passed
	// CredentialScoped: the account is a subscription, whose 5-hour and weekly limits block every model of the
	// account at once (docs/subscriptions.md).
	CredentialScoped bool
}

// Action is what the attempt loop does next.
type Action int

const (
	NextAccount Action = iota // the same model on another account
	NextModel                 // skip this target's other accounts; go to the next combo entry
	Stop                      // answer the client with this error
)

func (a Action) String() string {
	return [...]string{"next-account", "next-model", "stop"}[a]
}

// Scope is what a cooldown blocks.
type Scope int

const (
	ScopeNone    Scope = iota // request-scoped: nobody else is affected
	ScopeModel                // this (account, model)
	ScopeAccount              // every model of the account (bad key, no credit, unreachable base URL)
)

// Verdict is the classification of a failure.
type Verdict struct {
	Action  Action
	Scope   Scope
	Fixed   time.Duration // a fixed cooldown; zero with Backoff means exponential
	Backoff backoff
	Until   time.Time // an upstream-precise end (Retry-After, reset time); wins over Fixed/Backoff
	Reason  string
}

type backoff int

const (
	noBackoff backoff = iota
	rateBackoff
	transientBackoff
)

// Cooldown lengths. Auth and billing failures wait long (a user must act); model-not-found waits long enough
// not to hammer; rate limits and transient errors back off exponentially from short starts.
const (
	authCooldown     = 30 * time.Minute
	billingCooldown  = 60 * time.Minute
	notFoundCooldown = 30 * time.Minute
	rateBase         = 2 * time.Second
	rateCap          = 5 * time.Minute
	transientBase    = 5 * time.Second
	transientCap     = 60 * time.Second
	// maxHint caps an upstream reset hint so a bogus far-future date cannot park an account for days.
	maxHint = 24 * time.Hour
)

// Classify decides what a failure means. It is pure: the caller applies the cooldown.
func Classify(f Failure) Verdict {
	msg := strings.ToLower(f.Type + " " + f.Message)
	switch {
	case f.Canceled:
		return Verdict{Action: Stop, Reason: "request canceled"}
	case f.Net == NetConnect:
		return Verdict{Action: NextAccount, Scope: ScopeAccount, Backoff: transientBackoff, Reason: "upstream unreachable"}
	case f.Net == NetHeader:
		return Verdict{Action: NextAccount, Scope: ScopeModel, Backoff: transientBackoff, Reason: "no response in time"}
	case f.Net == NetIdle || f.Net == NetReset:
		return Verdict{Action: NextAccount, Scope: ScopeModel, Backoff: transientBackoff, Reason: "stream broke"}
	}
	status := f.Status
	switch {
	case isContextLength(msg):
		// Request-scoped: another account of the same model would fail the same way; a bigger model may not.
		return Verdict{Action: NextModel, Scope: ScopeNone, Reason: "context length exceeded"}
	case status == http.StatusTooManyRequests || containsAny(msg, "rate_limit", "rate limit", "too many requests"):
		if containsAny(msg, "insufficient_quota", "billing", "credit balance") {
			return Verdict{Action: NextAccount, Scope: ScopeAccount, Fixed: billingCooldown, Until: f.RetryAt, Reason: "out of credit"}
		}
		if f.CredentialScoped && (!f.RetryAt.IsZero() || containsAny(msg, "usage_limit_reached", "usage limit")) {
			// A subscription's plan limit: every model of the account cools until the upstream's reset.
			return Verdict{Action: NextAccount, Scope: ScopeAccount, Backoff: rateBackoff, Until: f.RetryAt, Reason: "plan limit reached"}
		}
		return Verdict{Action: NextAccount, Scope: ScopeModel, Backoff: rateBackoff, Until: f.RetryAt, Reason: "rate limited"}
	case status == http.StatusPaymentRequired || containsAny(msg, "insufficient_quota", "credit balance is too low"):
		return Verdict{Action: NextAccount, Scope: ScopeAccount, Fixed: billingCooldown, Until: f.RetryAt, Reason: "payment required"}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Verdict{Action: NextAccount, Scope: ScopeAccount, Fixed: authCooldown, Reason: "credential refused"}
	case status == http.StatusNotFound || isModelNotFound(msg):
		return Verdict{Action: NextModel, Scope: ScopeModel, Fixed: notFoundCooldown, Reason: "model not found"}
	case status == http.StatusRequestEntityTooLarge:
		return Verdict{Action: NextModel, Scope: ScopeNone, Reason: "request too large for this upstream"}
	case status == http.StatusRequestTimeout || status == 529 || status >= 500 || containsAny(msg, "overloaded"):
		return Verdict{Action: NextAccount, Scope: ScopeModel, Backoff: transientBackoff, Until: f.RetryAt, Reason: "upstream error"}
	case status >= 400:
		// A malformed request fails everywhere: answer it, and lock nobody out (9Router locks for 30 s).
		return Verdict{Action: Stop, Scope: ScopeNone, Reason: "request refused"}
	}
	return Verdict{Action: NextAccount, Scope: ScopeModel, Backoff: transientBackoff, Reason: "unexpected answer"}
}

func isContextLength(msg string) bool {
	return containsAny(msg, "context_length", "context length", "context window", "maximum context",
		"prompt is too long", "too many tokens", "input is too long", "exceeds the context")
}

func isModelNotFound(msg string) bool {
	return containsAny(msg, "model_not_found", "model not found", "does not exist", "unknown model",
		"model is not supported", "not_found_error", "no such model")
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// cooldownFor computes the cooldown's end for a verdict at backoff level (1 = first failure in a row).
func cooldownFor(v Verdict, level int, now time.Time) time.Time {
	if !v.Until.IsZero() && v.Until.After(now) {
		return minTime(v.Until, now.Add(maxHint))
	}
	switch {
	case v.Fixed > 0:
		return now.Add(v.Fixed)
	case v.Backoff == rateBackoff:
		return now.Add(expo(rateBase, rateCap, level))
	case v.Backoff == transientBackoff:
		return now.Add(expo(transientBase, transientCap, level))
	}
	return time.Time{}
}

func expo(base, ceiling time.Duration, level int) time.Duration {
	d := base
	for i := 1; i < level && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
