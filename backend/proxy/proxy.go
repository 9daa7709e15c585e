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
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/logging"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
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

// attemptResult is how one attempt ended.
type attemptResult struct {
	committed bool // bytes reached the client: the request is answered, one way or another
	failure   route.Failure
	verdict   route.Verdict
	until     time.Time
	status    int    // status to show the client if this is the last failure
	message   string // human message
}

// Serve answers one client request.
func (p *Proxy) Serve(ctx context.Context, w http.ResponseWriter, in Inbound) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, p.o.TotalTimeout)
	defer cancel()
	plan, err := p.o.Router.Plan(in.Model)
	if err != nil {
		writeClientError(w, in.Client, http.StatusNotFound, "not_found_error", err.Error(), time.Time{})
		return
	}
	reqID := p.idPrefix + strconv.FormatUint(p.idCounter.Add(1), 36)
	budgetEnd := start.Add(p.o.AttemptBudget)
	reqs := translate.NewRequests(in.Client, in.Body)

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
			if attempts >= p.o.MaxAttempts || time.Now().After(budgetEnd) || ctx.Err() != nil {
				break targets
			}
			acct, blocked := p.o.Router.Next(t, tried)
			if acct == nil {
				note(blocked.Soonest)
				if blocked.Reason != "tried" {
					blockedReasons = append(blockedReasons, fmt.Sprintf("%s/%s: %s", t.Spec.ID, t.Model, blocked.Reason))
				}
				break
			}
			tried[acct.ID] = true
			attempts++
			res := p.attempt(ctx, w, in, &reqs, plan, t, acct, reqID, attempts, budgetEnd)
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
	p.answerExhausted(w, in, plan, last, soonest, blockedReasons, ctx.Err(), time.Now().After(budgetEnd))
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

// attempt runs one upstream attempt on one account.
func (p *Proxy) attempt(ctx context.Context, w http.ResponseWriter, in Inbound, reqs *translate.Requests, plan route.Plan, t route.Target, acct *route.Account, reqID string, n int, budgetEnd time.Time) attemptResult {
	began := time.Now()
	rec := usage.Record{
		ID: reqID + "-" + strconv.Itoa(n), RequestID: reqID, Attempt: n, Time: began.UTC(), Provider: t.Spec.ID,
		AccountID: acct.ID, Model: t.Model, Requested: plan.Requested, Combo: t.Combo, Entry: t.Entry,
		KeyID: in.KeyID, Endpoint: in.Endpoint,
	}
	p.o.Usage.Begin(rec)

	up := t.Spec.PickFormatFor(in.Client, t.Model)
	// A stream-only upstream (Codex) is always asked for a stream; finishFolded folds it for a JSON client.
	upStream := in.Stream || t.Spec.IsStreamOnly()
	fail := func(f route.Failure, status int, msg string) attemptResult {
		// Upstreams echo keys in their errors ("Incorrect API key provided: ..."): mask by value here, the one
		// place every failure passes, so the answer, the usage row and lastError all get the masked text.
		reqSecrets := logging.RequestSecrets(in.Header)
		msg, f.Message = p.o.Secrets.Redact(msg, reqSecrets...), p.o.Secrets.Redact(f.Message, reqSecrets...)
		if ctx.Err() != nil && f.Net != route.NetNone {
			f.Canceled = true
		}
		v, until := p.o.Router.Fail(acct.ID, t.Model, f)
		rec.Outcome, rec.Status, rec.Error = "error", status, wire.Truncate(msg, 500)
		rec.LatencyMs = time.Since(began).Milliseconds()
		p.o.Usage.Finish(rec)
		if p.o.OnFailure != nil && !f.Canceled {
			p.o.OnFailure(acct.ID, v, until, msg)
		}
		return attemptResult{failure: f, verdict: v, until: until, status: status, message: msg}
	}

	body, err := reqs.For(up, t.Model, upStream)
	if err != nil {
		return fail(route.Failure{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: err.Error()},
			http.StatusBadRequest, "cannot convert the request for "+t.Spec.ID+": "+err.Error())
	}
	cred, err := acct.Cred.Credential(ctx)
	if err != nil {
		return fail(route.Failure{Status: http.StatusUnauthorized, Type: "authentication_error", Message: err.Error()},
			http.StatusUnauthorized, "account credential unavailable: "+err.Error())
	}
	tr, err := p.tr.get(acct.ProxyURL)
	if err != nil {
		return fail(route.Failure{Net: route.NetConnect, Message: err.Error()}, http.StatusBadGateway, err.Error())
	}

	// actx ends the attempt: its watchdog fires for the header/first-event timeout, the idle timeout and the
	// request's time budget, each with its own cause.
	actx, cancelAttempt := context.WithCancelCause(ctx)
	defer cancelAttempt(nil)
	first := min(p.o.HeaderTimeout, time.Until(budgetEnd))
	wd := newWatchdog(first, func() {
		if time.Now().After(budgetEnd) {
			cancelAttempt(errBudget)
		} else {
			cancelAttempt(errHeaderTimeout)
		}
	})
	defer wd.stop()
	idle := func() { wd.idleMode(p.o.IdleTimeout, func() { cancelAttempt(errIdleTimeout) }) }

	var resp *http.Response
	var call provider.Call
	refreshed := false
	for {
		call = provider.Call{BaseURL: acct.BaseURL, Credential: cred, Format: up,
			Model: t.Model, Body: body, Stream: upStream, ClientHeader: in.Header}
		req, err := t.Spec.Executor.NewRequest(actx, call)
		if err != nil {
			return fail(route.Failure{Status: http.StatusBadRequest, Message: err.Error()}, http.StatusBadGateway, err.Error())
		}
		resp, err = tr.RoundTrip(req)
		if err != nil {
			return fail(netFailure(actx, err), statusForNet(actx), "upstream "+t.Spec.ID+": "+describeNet(actx, err))
		}
		// A refused OAuth token is refreshed once and the same account retried (API keys cannot refresh).
		if (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) && !refreshed {
			var fresh provider.Credential
			var rerr error
			if rr, ok := acct.Cred.(provider.RefusedRefresher); ok {
				fresh, rerr = rr.RefreshRefused(actx, cred.AccessToken)
			} else {
				fresh, rerr = acct.Cred.Refresh(actx)
			}
			if rerr == nil {
				drain(resp.Body)
				cred, refreshed = fresh, true
				continue
			}
		}
		break
	}
	defer resp.Body.Close()
	logging := p.o.RequestLog != nil && p.o.RequestLog.Enabled()
	logEntry := func(respBody []byte) {
		p.o.RequestLog.Log(usage.Entry{Time: began.UTC(), RequestID: reqID, Attempt: n, Provider: t.Spec.ID, Model: t.Model,
			URL: resp.Request.URL.String(), Status: resp.StatusCode, RequestHeader: resp.Request.Header,
			RequestBody: string(body), ResponseBody: string(respBody)})
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		idle()
		raw, _ := io.ReadAll(io.LimitReader(&kickReader{r: resp.Body, wd: wd}, 256<<10))
		if logging {
			logEntry(raw)
		}
		ue := translate.ParseUpstreamError(resp.StatusCode, resp.Header, raw, time.Now())
		f := route.Failure{Status: resp.StatusCode, Type: ue.Type, Message: ue.Message, RetryAt: ue.RetryAt,
			CredentialScoped: t.Spec.Auth == provider.AuthOAuth}
		return fail(f, resp.StatusCode, fmt.Sprintf("%s/%s answered %d: %s", t.Spec.ID, t.Model, resp.StatusCode, ue.Message))
	}

	if logging {
		logEntry(nil)
	}
	if ad, ok := t.Spec.Executor.(provider.ResponseAdapter); ok {
		ad.AdaptResponse(call, resp) // unwrap a vendor envelope into the declared wire format
	}
	if !in.Stream && upStream {
		idle()
		return p.finishFolded(actx, w, in, t, up, resp, wd, began, &rec, fail)
	}
	if !in.Stream {
		idle()
		return p.finishWhole(actx, w, in, t, up, resp, wd, began, &rec, fail)
	}
	return p.finishStream(actx, w, in, t, up, resp, wd, idle, began, &rec, fail)
}

// finishWhole reads a non-streaming answer, converts it and writes it.
func (p *Proxy) finishWhole(actx context.Context, w http.ResponseWriter, in Inbound, t route.Target, up wire.Format, resp *http.Response,
	wd *watchdog, began time.Time, rec *usage.Record, fail func(route.Failure, int, string) attemptResult) attemptResult {
	raw, err := io.ReadAll(io.LimitReader(&kickReader{r: resp.Body, wd: wd}, 256<<20))
	if err != nil {
		return fail(netFailure(actx, err), statusForNet(actx), "reading "+t.Spec.ID+" answer: "+describeNet(actx, err))
	}
	out, u, err := translate.Response(up, in.Client, in.Model, raw)
	if err != nil {
		var ue *wire.UpstreamError
		if errors.As(err, &ue) {
			return fail(route.Failure{Status: ue.Status, Type: ue.Type, Message: ue.Message, InBand: true}, ue.Status,
				fmt.Sprintf("%s/%s reported an error: %s", t.Spec.ID, t.Model, ue.Message))
		}
		return fail(route.Failure{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error()}, http.StatusBadGateway,
			"cannot convert the answer of "+t.Spec.ID+": "+err.Error())
	}
	wd.stop()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	ttfb := time.Since(began).Milliseconds()
	p.o.Router.Succeed(rec.AccountID, t.Model)
	setUsage(rec, u)
	rec.Outcome, rec.Status, rec.TTFBMs, rec.LatencyMs = "ok", http.StatusOK, ttfb, ttfb
	// Finish returns once the row is committed, before the handler returns and the answer is flushed whole
	// (issue #9 finding 7).
	p.o.Usage.Finish(*rec)
	return attemptResult{committed: true}
}

// finishFolded answers a JSON client from a stream-only upstream: the events are folded into one answer in the
// client's format (translate.Fold), which holds the answer, never the raw stream.
func (p *Proxy) finishFolded(actx context.Context, w http.ResponseWriter, in Inbound, t route.Target, up wire.Format, resp *http.Response,
	wd *watchdog, began time.Time, rec *usage.Record, fail func(route.Failure, int, string) attemptResult) attemptResult {
	fold := translate.NewFold(up, in.Client, in.Model)
	rd := sse.NewReader(&kickReader{r: resp.Body, wd: wd}, 0)
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(netFailure(actx, err), statusForNet(actx), "the "+t.Spec.ID+" stream broke: "+describeNet(actx, err))
		}
		if err := fold.Event(ev); err != nil {
			var ue *wire.UpstreamError
			f := route.Failure{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error(), InBand: true,
				CredentialScoped: t.Spec.Auth == provider.AuthOAuth}
			if errors.As(err, &ue) {
				f.Status, f.Type, f.Message = ue.Status, ue.Type, ue.Message
			}
			return fail(f, statusOr(f.Status, http.StatusBadGateway), fmt.Sprintf("%s/%s reported an error: %s", t.Spec.ID, t.Model, f.Message))
		}
	}
	if !fold.Complete() {
		return fail(route.Failure{Net: route.NetReset, Message: "stream ended without its final event"}, http.StatusBadGateway,
			"the "+t.Spec.ID+" stream ended early (no final event)")
	}
	out, u, err := fold.Result()
	if err != nil {
		return fail(route.Failure{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error()}, http.StatusBadGateway,
			"cannot convert the answer of "+t.Spec.ID+": "+err.Error())
	}
	wd.stop()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	ttfb := time.Since(began).Milliseconds()
	p.o.Router.Succeed(rec.AccountID, t.Model)
	setUsage(rec, u)
	rec.Outcome, rec.Status, rec.TTFBMs, rec.LatencyMs = "ok", http.StatusOK, ttfb, ttfb
	p.o.Usage.Finish(*rec)
	return attemptResult{committed: true}
}

// finishStream relays a stream. Events are converted as they arrive; nothing is written to the client until the
// converter produces its first bytes, so an error before that still fails over.
func (p *Proxy) finishStream(actx context.Context, w http.ResponseWriter, in Inbound, t route.Target, up wire.Format, resp *http.Response,
	wd *watchdog, idle func(), began time.Time, rec *usage.Record, fail func(route.Failure, int, string) attemptResult) attemptResult {
	rc := http.NewResponseController(w)
	st := translate.NewStream(up, in.Client, in.Model)
	rd := sse.NewReader(&kickReader{r: resp.Body, wd: wd}, 0)
	var out []byte
	committed := false
	lastWrite := time.Now()
	commit := func() {
		committed = true
		idle()
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		rec.TTFBMs = time.Since(began).Milliseconds()
	}
	// endWithError finishes a committed stream that broke: an in-band error in the client's format and no
	// terminator (translate.StreamError).
	endWithError := func(f route.Failure, msg string) attemptResult {
		if actx.Err() != nil && context.Cause(actx) == context.Canceled {
			f.Canceled = true
		}
		// Cooldown and usage are settled before the client hears of the failure, so whatever it does next
		// (retry, ask the UI) already sees them.
		setUsage(rec, st.Usage())
		res := fail(f, statusOr(f.Status, http.StatusBadGateway), msg)
		res.committed = true
		out = translate.StreamError(in.Client, out, &wire.UpstreamError{Status: f.Status, Type: f.Type, Message: res.message})
		_, _ = w.Write(out)
		_ = rc.Flush()
		return res
	}
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f := netFailure(actx, err)
			msg := "the " + t.Spec.ID + " stream broke: " + describeNet(actx, err)
			if !committed {
				setUsage(rec, st.Usage())
				return fail(f, statusForNet(actx), msg)
			}
			return endWithError(f, msg)
		}
		out, err = st.Event(out, ev)
		if err != nil {
			var ue *wire.UpstreamError
			f := route.Failure{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error(), InBand: true}
			if errors.As(err, &ue) {
				f = route.Failure{Status: ue.Status, Type: ue.Type, Message: ue.Message, InBand: true}
			}
			msg := fmt.Sprintf("%s/%s reported an error mid-stream: %s", t.Spec.ID, t.Model, f.Message)
			if !committed {
				setUsage(rec, st.Usage())
				return fail(f, statusOr(f.Status, http.StatusBadGateway), msg)
			}
			return endWithError(f, msg)
		}
		if len(out) == 0 {
			// The upstream is busy (thinking, pings) but nothing is for the client yet: after a quiet spell send an
			// SSE comment, so the client's and any proxy's idle timers see a live stream. Only once committed:
			// before that, silence keeps failover possible.
			if committed && time.Since(lastWrite) >= keepAliveEvery {
				if _, err := w.Write(sse.KeepAlive); err == nil {
					_ = rc.Flush()
				}
				lastWrite = time.Now()
			}
			continue
		}
		if committed && len(out) < 64<<10 && rd.EventBuffered() {
			continue // another whole event is already here: one write and one flush for both
		}
		if !committed {
			commit()
		}
		if _, err := w.Write(out); err != nil {
			// The client went away: the deferred cancel stops the upstream; record what was used.
			setUsage(rec, st.Usage())
			res := fail(route.Failure{Canceled: true, Message: "client disconnected"}, 499, "client disconnected mid-stream")
			res.committed = true
			return res
		}
		_ = rc.Flush()
		out = out[:0]
		lastWrite = time.Now()
	}
	if !st.Complete() {
		f := route.Failure{Net: route.NetReset, Message: "stream ended without its final event"}
		msg := "the " + t.Spec.ID + " stream ended early (no final event)"
		if !committed {
			setUsage(rec, st.Usage())
			return fail(f, http.StatusBadGateway, msg)
		}
		return endWithError(f, msg)
	}
	out = st.Finish(out)
	if !committed {
		commit()
	}
	p.o.Router.Succeed(rec.AccountID, t.Model)
	setUsage(rec, st.Usage())
	rec.Outcome, rec.Status, rec.LatencyMs = "ok", http.StatusOK, time.Since(began).Milliseconds()
	// Finish returns once the row is committed; the stream's last bytes go out after it (issue #9 finding 7).
	p.o.Usage.Finish(*rec)
	if len(out) > 0 {
		_, _ = w.Write(out)
	}
	_ = rc.Flush()
	return attemptResult{committed: true}
}

func setUsage(rec *usage.Record, u wire.Usage) {
	rec.Input, rec.Output, rec.CacheRead, rec.CacheWrite, rec.Reasoning, rec.Reported =
		u.Input, u.Output, u.CacheRead, u.CacheWrite, u.Reasoning, u.Reported
}

// netFailure classifies a transport error by the attempt context's cause.
func netFailure(actx context.Context, err error) route.Failure {
	cause := context.Cause(actx)
	switch {
	case errors.Is(cause, errHeaderTimeout):
		return route.Failure{Net: route.NetHeader, Message: err.Error()}
	case errors.Is(cause, errIdleTimeout):
		return route.Failure{Net: route.NetIdle, Message: err.Error()}
	case errors.Is(cause, errBudget):
		return route.Failure{Net: route.NetHeader, Message: "time budget spent", Canceled: true}
	case cause != nil:
		return route.Failure{Canceled: true, Message: err.Error()}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return route.Failure{Net: route.NetConnect, Message: err.Error()}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return route.Failure{Net: route.NetHeader, Message: err.Error()}
	}
	if strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509") {
		return route.Failure{Net: route.NetConnect, Message: err.Error()}
	}
	return route.Failure{Net: route.NetReset, Message: err.Error()}
}

func statusForNet(actx context.Context) int {
	cause := context.Cause(actx)
	if errors.Is(cause, errHeaderTimeout) || errors.Is(cause, errIdleTimeout) || errors.Is(cause, errBudget) {
		return http.StatusGatewayTimeout
	}
	if cause != nil {
		return 499
	}
	return http.StatusBadGateway
}

func describeNet(actx context.Context, err error) string {
	if c := context.Cause(actx); c != nil && !errors.Is(c, context.Canceled) {
		return c.Error()
	}
	return err.Error()
}

func statusOr(s, def int) int {
	if s >= 400 && s <= 599 {
		return s
	}
	return def
}

func drain(rc io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	rc.Close()
}
