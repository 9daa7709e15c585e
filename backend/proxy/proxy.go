// Package proxy walks one client request through its plan: resolve the model → for each target, pick an account
// → build the upstream request with the provider's executor → translate the answer into the client's format →
// write it. It fails over (next account, next model) only before the first byte reaches the client; after that a
// failure ends the stream with an in-band error in the client's format. One usage record is written per attempt.
package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/logging"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// Recorder takes usage records (usage.Writer).
type Recorder interface {
	Begin(usage.Record)
	Finish(usage.Record)
}

// Options configure a Proxy. Zero durations take the defaults.
type Options struct {
	Router *route.Router
	Usage  Recorder
	Log    *slog.Logger
	// AttemptBudget bounds the time from the request's arrival to its first byte, across every attempt: retries
	// never add their timeouts up.
	AttemptBudget time.Duration
	// HeaderTimeout bounds one attempt's wait for response headers, and a stream's wait for its first event.
	HeaderTimeout time.Duration
	// IdleTimeout bounds the silence between two reads of an upstream body.
	IdleTimeout time.Duration
	// TotalTimeout bounds a whole request, stream included (slow-loris upstreams).
	TotalTimeout time.Duration
	// MaxAttempts bounds attempts per request.
	MaxAttempts int
	// OnFailure, when set, is told about each failed attempt (the service publishes account events).
	OnFailure func(account int64, v route.Verdict, until time.Time, message string)
	// OnResponse, when set, sees the headers of every upstream answer of a subscription account (any status):
	// the live rate-limit headers update the account's quota between polls (backend/quota).
	OnResponse func(account int64, providerID string, h http.Header)
	// RequestLog, when set and enabled, receives each attempt's request and error answer (debug mode).
	RequestLog RequestLogger
	// Secrets masks every secret value the service knows (and the client's presented credentials) in error
	// messages before they reach the client, the usage row or the account's last error. nil masks shapes only.
	Secrets *logging.Values
	// EnvProxy chooses the outbound proxy for accounts without their own (HTTP(S)_PROXY/NO_PROXY or the
	// settings); nil means the environment.
	EnvProxy func(*url.URL) (*url.URL, error)
}

// RequestLogger is the debug request-log sink (usage.RequestLog); it redacts what it writes.
type RequestLogger interface {
	Enabled() bool
	Log(usage.Entry)
}

// Proxy serves model requests.
//
// The proxy knows no wire format, the way httputil.ReverseProxy knows no application: everything that reads or
// writes a format's bytes (request and answer translation, a stream's end and in-band errors, upstream error
// bodies and retry hints, the client's error shapes) is the translation package's, called through translate.*.
type Proxy struct {
	o         Options
	tr        *transports
	idPrefix  string
	idCounter atomic.Uint64
}

// New builds a proxy.
func New(o Options) *Proxy {
	if o.AttemptBudget <= 0 {
		o.AttemptBudget = 3 * time.Minute
	}
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = 2 * time.Minute
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 3 * time.Minute
	}
	if o.TotalTimeout <= 0 {
		o.TotalTimeout = 60 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &Proxy{o: o, tr: newTransports(o.HeaderTimeout, o.EnvProxy), idPrefix: hex.EncodeToString(b[:])}
}

// Transport is the shared upstream transport for an outbound proxy setting ("" = the environment's, "direct",
// or a proxy URL), so other upstream calls of an account (quota fetches) go the way its requests go.
func (p *Proxy) Transport(proxyURL string) (http.RoundTripper, error) { return p.tr.get(proxyURL) }

// Close drops idle upstream connections.
func (p *Proxy) Close() { p.tr.closeIdle() }

// Inbound is one client request, already read and checked by the API layer.
type Inbound struct {
	Client   wire.Format
	Model    string
	Body     []byte
	Stream   bool
	Header   http.Header
	KeyID    int64
	Endpoint string
}

// keepAliveEvery is the longest a committed client stream stays silent while the upstream is still sending
// events the client has no use for (long thinking translated for a client that cannot show it, pings).
const keepAliveEvery = 10 * time.Second

// Errors the attempt loop distinguishes by cause.
var (
	errHeaderTimeout = errors.New("upstream sent nothing in time")
	errIdleTimeout   = errors.New("upstream stream went idle")
	errBudget        = errors.New("request time budget spent")
)

// Serve answers one client request.
func (p *Proxy) Serve(ctx context.Context, w http.ResponseWriter, in Inbound) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, p.o.TotalTimeout)
	defer cancel()
	plan, err := p.o.Router.Plan(ctx, in.Model)
	if err != nil {
		writeClientError(w, in.Client, http.StatusNotFound, "not_found_error", err.Error(), time.Time{})
		return
	}
	r := &request{p: p, ctx: ctx, w: w, in: &in, plan: plan, budgetEnd: start.Add(p.o.AttemptBudget),
		id:     p.idPrefix + strconv.FormatUint(p.idCounter.Add(1), 36),
		bodies: translate.NewRequests(in.Client, in.Body)}

	var last *attemptResult
	var soonest time.Time
	var blockedReasons []string
	attempts := 0
	note := func(t time.Time) {
		if !t.IsZero() && (soonest.IsZero() || t.Before(soonest)) {
			soonest = t
		}
	}
targets:
	for _, t := range plan.Targets {
		tried := map[int64]bool{}
		for {
			if attempts >= p.o.MaxAttempts || time.Now().After(r.budgetEnd) || ctx.Err() != nil {
				break targets
			}
			acct, blocked := p.o.Router.Next(ctx, t, tried)
			if acct == nil {
				note(blocked.Soonest)
				if blocked.Reason != "tried" {
					blockedReasons = append(blockedReasons, fmt.Sprintf("%s/%s: %s", t.Spec.ID, t.Model, blocked.Reason))
				}
				break
			}
			tried[acct.ID] = true
			attempts++
			res := r.try(t, acct, attempts)
			if res.committed {
				return
			}
			last = &res
			note(res.until)
			if res.verdict.Action == route.Stop {
				break targets
			}
			if res.verdict.Action == route.NextModel {
				break
			}
		}
	}
	p.answerExhausted(w, in, plan, last, soonest, blockedReasons, ctx.Err(), time.Now().After(r.budgetEnd))
}

// request is one client request being served: what its attempts share.
type request struct {
	p         *Proxy
	ctx       context.Context // ends when the client leaves (context.Canceled) or at the total timeout
	w         http.ResponseWriter
	in        *Inbound
	plan      route.Plan
	id        string
	budgetEnd time.Time          // no attempt starts, or waits for a first byte, past it
	bodies    translate.Requests // the upstream bodies, each built once
}

// answerExhausted answers a request no attempt could serve.
func (p *Proxy) answerExhausted(w http.ResponseWriter, in Inbound, plan route.Plan, last *attemptResult, soonest time.Time, blocked []string, ctxErr error, overBudget bool) {
	switch {
	case last == nil && !soonest.IsZero():
		msg := fmt.Sprintf("every account for %q is cooling down or over budget (%s); retry after %s",
			plan.Requested, strings.Join(blocked, "; "), soonest.UTC().Format(time.RFC3339))
		writeClientError(w, in.Client, http.StatusTooManyRequests, "rate_limit_error", msg, soonest)
	case last == nil:
		msg := fmt.Sprintf("no account can serve %q", plan.Requested)
		if len(blocked) > 0 {
			msg += " (" + strings.Join(blocked, "; ") + ")"
		}
		msg += ": add one with `ninerouter provider add` or enable one"
		if ctxErr != nil || overBudget {
			writeClientError(w, in.Client, http.StatusGatewayTimeout, "api_error", "the request's time budget ran out before any upstream answered", time.Time{})
			return
		}
		writeClientError(w, in.Client, http.StatusServiceUnavailable, "api_error", msg, time.Time{})
	default:
		status, msg := last.status, last.message
		if last.verdict.Action != route.Stop {
			msg = fmt.Sprintf("every candidate for %q failed; last: %s", plan.Requested, msg)
			if !soonest.IsZero() && status != http.StatusTooManyRequests && last.failure.Status == 0 {
				status = http.StatusServiceUnavailable
			}
		}
		if overBudget && last.verdict.Action != route.Stop {
			status = http.StatusGatewayTimeout
		}
		retry := time.Time{}
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == 529 {
			retry = soonest
		}
		writeClientError(w, in.Client, status, last.failure.Type, msg, retry)
	}
}
