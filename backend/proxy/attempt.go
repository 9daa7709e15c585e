package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/logging"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// statusClientClosed is what an attempt the client walked away from is recorded with (nginx's 499).
const statusClientClosed = 499

// attempt is one try of one request on one account: the target and account, the upstream body, the usage row
// it owns, the watchdog that ends it and its timings. However it ends, it ends through fail or succeed, which
// settle the account (cooldown or success), the usage row and the failure hook, in that order, once.
type attempt struct {
	r        *request
	t        route.Target
	acct     *route.Account
	up       wire.Format   // the upstream's wire format for this client
	upStream bool          // the upstream is asked for a stream (the client's choice, or a stream-only upstream)
	body     []byte        // the upstream request body (shared with other attempts: read only)
	call     provider.Call // the upstream call as last built

	rec   usage.Record
	began time.Time

	ctx    context.Context // the attempt's own: its watchdog cancels it with a cause (timeouts, budget)
	cancel context.CancelCauseFunc
	wd     *watchdog
	resp   *http.Response

	st        translate.Stream // set once streaming: the usage the attempt records comes from it
	committed bool             // the client has the status line: the request is answered, one way or another
	// formatSwitched: the upstream refused the model on the first wire format and the attempt ran again once.
	formatSwitched bool
	clientLeft     bool // a write to the client failed
}

// attemptResult is how one attempt ended.
type attemptResult struct {
	committed bool // bytes reached the client: the request is answered, one way or another
	failure   route.Failure
	verdict   route.Verdict
	until     time.Time
	status    int    // status to show the client if this is the last failure
	message   string // human message
}

// try runs one attempt of r on acct. Its usage row is queued in flight before anything is sent.
func (r *request) try(t route.Target, acct *route.Account, n int) attemptResult {
	a := &attempt{r: r, t: t, acct: acct, up: t.Spec.PickFormatFor(r.in.Client, t.Model), began: time.Now(),
		upStream: r.in.Stream || t.Spec.IsStreamOnly()}
	a.rec = usage.Record{
		ID: r.id + "-" + strconv.Itoa(n), RequestID: r.id, Attempt: n, Time: a.began.UTC(), Provider: t.Spec.ID,
		AccountID: acct.ID, Model: t.Model, Requested: r.plan.Requested, Combo: t.Combo, Entry: t.Entry,
		KeyID: r.in.KeyID, Endpoint: r.in.Endpoint,
	}
	r.p.o.Usage.Begin(a.rec)
	return a.run()
}

func (a *attempt) run() attemptResult {
	for {
		res, again := a.runOnce()
		if !again {
			return res
		}
	}
}

// refusedFormat reports whether the upstream refused the model on this wire format (provider.FormatRefusal);
// the attempt then runs once more in the format the executor now offers. The refusal's body is kept for the
// error path otherwise.
func (a *attempt) refusedFormat() bool {
	fr, ok := a.t.Spec.Executor.(provider.FormatRefusal)
	if !ok || a.formatSwitched || a.resp.StatusCode != http.StatusBadRequest {
		return false
	}
	raw, _ := io.ReadAll(io.LimitReader(a.resp.Body, 64<<10))
	if !fr.Refused(a.t.Model, a.up, a.resp.StatusCode, raw) {
		a.resp.Body = io.NopCloser(bytes.NewReader(raw))
		return false
	}
	a.resp.Body.Close()
	a.formatSwitched = true
	a.up = a.t.Spec.PickFormatFor(a.r.in.Client, a.t.Model)
	return true
}

func (a *attempt) runOnce() (attemptResult, bool) {
	body, err := a.r.bodies.For(a.up, a.t.Model, a.upStream)
	if err != nil {
		return a.fail(route.Failure{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: err.Error()},
			http.StatusBadRequest, "cannot convert the request for "+a.t.Spec.ID+": "+err.Error()), false
	}
	a.body = body
	cred, err := a.acct.Cred.Credential(a.r.ctx)
	if err != nil {
		return a.fail(route.Failure{Status: http.StatusUnauthorized, Type: "authentication_error", Message: err.Error()},
			http.StatusUnauthorized, "account credential unavailable: "+err.Error()), false
	}
	tr, err := a.r.p.tr.get(a.acct.ProxyURL)
	if err != nil {
		return a.fail(route.Failure{Net: route.NetConnect, Message: err.Error()}, http.StatusBadGateway, err.Error()), false
	}

	a.arm()
	defer a.disarm()
	if res, ok := a.send(tr, cred); !ok {
		return res, false
	}
	defer a.resp.Body.Close()
	if a.resp.StatusCode == http.StatusProxyAuthRequired {
		// Only a proxy answers 407 (an http:// upstream reached through one): the account's own connection
		// failed, as a refused CONNECT does, and is not the client's to see (transport.go).
		return a.fail(route.Failure{Net: route.NetConnect, Message: errProxyAuth.Error()}, http.StatusBadGateway, errProxyAuth.Error()), false
	}
	if a.resp.StatusCode < 200 || a.resp.StatusCode > 299 {
		if a.refusedFormat() {
			return attemptResult{}, true
		}
		return a.upstreamError(), false
	}
	a.logExchange(nil)
	if ad, ok := a.t.Spec.Executor.(provider.ResponseAdapter); ok {
		ad.AdaptResponse(a.call, a.resp) // unwrap a vendor envelope into the declared wire format
	}
	switch {
	case !a.r.in.Stream && a.upStream:
		return a.folded(), false
	case !a.r.in.Stream:
		return a.whole(), false
	}
	return a.stream(), false
}

// arm starts the attempt's clock: its watchdog fires for the header/first-event timeout and the request's time
// budget now, and for the idle timeout once idle is called, each cancelling the attempt with its own cause.
func (a *attempt) arm() {
	a.ctx, a.cancel = context.WithCancelCause(a.r.ctx)
	budgetEnd := a.r.budgetEnd
	a.wd = newWatchdog(min(a.r.p.o.HeaderTimeout, time.Until(budgetEnd)), func() {
		if time.Now().After(budgetEnd) {
			a.cancel(errBudget)
		} else {
			a.cancel(errHeaderTimeout)
		}
	})
}

// idle switches the watchdog to the idle timeout: every read of the upstream body re-arms it.
func (a *attempt) idle() {
	a.wd.idleMode(a.r.p.o.IdleTimeout, func() { a.cancel(errIdleTimeout) })
}

func (a *attempt) disarm() {
	a.wd.stop()
	a.cancel(nil)
}

// reader reads the upstream body, re-arming the idle watchdog on every read.
func (a *attempt) reader() io.Reader { return &kickReader{r: a.resp.Body, wd: a.wd} }

// send sends the request; a refused OAuth token is refreshed once and the same account retried (API keys
// cannot refresh). ok is false when the attempt already failed.
func (a *attempt) send(tr http.RoundTripper, cred provider.Credential) (res attemptResult, ok bool) {
	refreshed := false
	for {
		a.call = provider.Call{BaseURL: a.acct.BaseURL, Credential: cred, Format: a.up,
			Model: a.t.Model, Body: a.body, Stream: a.upStream, ClientHeader: a.r.in.Header}
		req, err := a.t.Spec.Executor.NewRequest(a.ctx, a.call)
		if err != nil {
			return a.fail(route.Failure{Status: http.StatusBadRequest, Message: err.Error()}, http.StatusBadGateway, err.Error()), false
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return a.fail(netFailure(a.ctx, err), statusForNet(a.ctx), "upstream "+a.t.Spec.ID+": "+describeNet(a.ctx, err)), false
		}
		if hook := a.r.p.o.OnResponse; hook != nil && a.subscription() {
			hook(a.acct.ID, a.t.Spec.ID, resp.Header)
		}
		if (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) && !refreshed {
			var fresh provider.Credential
			var rerr error
			if rr, ok := a.acct.Cred.(provider.RefusedRefresher); ok {
				fresh, rerr = rr.RefreshRefused(a.ctx, cred.AccessToken)
			} else {
				fresh, rerr = a.acct.Cred.Refresh(a.ctx)
			}
			if rerr == nil {
				drain(resp.Body)
				cred, refreshed = fresh, true
				continue
			}
		}
		a.resp = resp
		return attemptResult{}, true
	}
}

// logExchange writes the attempt to the debug request log, when it is on.
func (a *attempt) logExchange(respBody []byte) {
	rl := a.r.p.o.RequestLog
	if rl == nil || !rl.Enabled() {
		return
	}
	rl.Log(usage.Entry{Time: a.began.UTC(), RequestID: a.r.id, Attempt: a.rec.Attempt, Provider: a.t.Spec.ID, Model: a.t.Model,
		URL: a.resp.Request.URL.String(), Status: a.resp.StatusCode, RequestHeader: a.resp.Request.Header,
		RequestBody: string(a.body), ResponseBody: string(respBody)})
}

// upstreamError fails the attempt on a non-2xx answer, with the upstream's own error and retry hint.
func (a *attempt) upstreamError() attemptResult {
	a.idle()
	raw, _ := io.ReadAll(io.LimitReader(a.reader(), 256<<10))
	a.logExchange(raw)
	status := a.resp.StatusCode
	ue := translate.ParseUpstreamError(status, a.resp.Header, raw, time.Now())
	f := route.Failure{Status: status, Type: ue.Type, Message: ue.Message, RetryAt: ue.RetryAt, CredentialScoped: a.subscription()}
	return a.fail(f, status, fmt.Sprintf("%s/%s answered %d: %s", a.t.Spec.ID, a.t.Model, status, ue.Message))
}

// fail ends the attempt as failed. A failure while the client is gone (its request was canceled, or a write to
// it failed) is the client's doing, not the account's: recorded as canceled, it cools nothing and is not
// reported as the account's error.
func (a *attempt) fail(f route.Failure, status int, msg string) attemptResult {
	o := &a.r.p.o
	// Upstreams echo keys in their errors ("Incorrect API key provided: ..."): mask by value here, the one
	// place every failure passes, so the answer, the usage row and lastError all get the masked text.
	reqSecrets := logging.RequestSecrets(a.r.in.Header)
	msg, f.Message = o.Secrets.Redact(msg, reqSecrets...), o.Secrets.Redact(f.Message, reqSecrets...)
	gone := a.clientLeft || errors.Is(a.r.ctx.Err(), context.Canceled)
	if gone || a.r.ctx.Err() != nil && f.Net != route.NetNone {
		f.Canceled = true
	}
	v, until := o.Router.Fail(a.acct.ID, a.t.Model, f)
	if a.st != nil {
		setUsage(&a.rec, a.st.Usage())
	}
	a.rec.Outcome, a.rec.Status = usage.Failed, status
	if gone {
		a.rec.Outcome, a.rec.Status = usage.Canceled, statusClientClosed
	}
	a.rec.Error = wire.Truncate(msg, 500)
	a.rec.LatencyMs = time.Since(a.began).Milliseconds()
	o.Usage.Finish(a.rec)
	if o.OnFailure != nil && !f.Canceled {
		o.OnFailure(a.acct.ID, v, until, msg)
	}
	return attemptResult{committed: a.committed, failure: f, verdict: v, until: until, status: status, message: msg}
}

// succeed ends the attempt as served, with the usage the upstream reported.
func (a *attempt) succeed(u wire.Usage) attemptResult {
	a.r.p.o.Router.Succeed(a.acct.ID, a.t.Model)
	setUsage(&a.rec, u)
	a.rec.Outcome, a.rec.Status, a.rec.LatencyMs = usage.OK, http.StatusOK, time.Since(a.began).Milliseconds()
	a.r.p.o.Usage.Finish(a.rec)
	return attemptResult{committed: true}
}

// commit sends the client the status line and headers: from here on the request is answered by this attempt.
func (a *attempt) commit(stream bool) {
	a.committed = true
	h := a.r.w.Header()
	if stream {
		a.idle()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
	} else {
		h.Set("Content-Type", "application/json")
	}
	a.r.w.WriteHeader(http.StatusOK)
	a.rec.TTFBMs = time.Since(a.began).Milliseconds()
}

// whole reads a non-streaming answer, converts it and writes it.
func (a *attempt) whole() attemptResult {
	a.idle()
	raw, err := io.ReadAll(io.LimitReader(a.reader(), 256<<20))
	if err != nil {
		return a.fail(netFailure(a.ctx, err), statusForNet(a.ctx), "reading "+a.t.Spec.ID+" answer: "+describeNet(a.ctx, err))
	}
	out, u, err := translate.Response(a.up, a.r.in.Client, a.r.in.Model, raw)
	if err != nil {
		var ue *wire.UpstreamError
		if errors.As(err, &ue) {
			return a.fail(route.Failure{Status: ue.Status, Type: ue.Type, Message: ue.Message, InBand: true}, ue.Status,
				fmt.Sprintf("%s/%s reported an error: %s", a.t.Spec.ID, a.t.Model, ue.Message))
		}
	}
	return a.answer(out, u, err)
}

// answer writes a whole JSON answer, or fails the attempt when none could be made of the upstream's.
func (a *attempt) answer(out []byte, u wire.Usage, err error) attemptResult {
	if err != nil {
		return a.fail(route.Failure{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error()}, http.StatusBadGateway,
			"cannot convert the answer of "+a.t.Spec.ID+": "+err.Error())
	}
	a.wd.stop()
	a.commit(false)
	_, _ = a.r.w.Write(out)
	return a.succeed(u)
}

// stream relays a stream. Events are converted as they arrive; nothing is written to the client until the
// converter produces its first bytes, so an error before that still fails over.
func (a *attempt) stream() attemptResult {
	w := a.r.w
	rc := http.NewResponseController(w)
	a.st = translate.NewStream(a.up, a.r.in.Client, a.r.in.Model)
	rd := sse.NewReader(a.reader(), 0)
	var out []byte
	lastWrite := time.Now()
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil && a.st.Complete() {
			// The terminal event is in: the answer is whole, whatever happens to either connection after it (a
			// client that has the terminator hangs up at once, which cancels the read of the upstream's last bytes).
			break
		}
		if err != nil {
			return a.broke(rc, out, netFailure(a.ctx, err), statusForNet(a.ctx),
				"the "+a.t.Spec.ID+" stream broke: "+describeNet(a.ctx, err))
		}
		if out, err = a.st.Event(out, ev); err != nil {
			f := route.Failure{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error(), InBand: true}
			var ue *wire.UpstreamError
			if errors.As(err, &ue) {
				f = route.Failure{Status: ue.Status, Type: ue.Type, Message: ue.Message, InBand: true}
			}
			return a.broke(rc, out, f, statusOr(f.Status, http.StatusBadGateway),
				fmt.Sprintf("%s/%s reported an error mid-stream: %s", a.t.Spec.ID, a.t.Model, f.Message))
		}
		if a.st.Complete() {
			// The terminal event is in: its bytes (and those of events already here with it) go out below, after
			// the usage row commits, so the client never has its whole answer before the row is durable (issue #9
			// finding 7).
			if rd.EventBuffered() {
				continue
			}
			break
		}
		if len(out) == 0 {
			// The upstream is busy (thinking, pings) but nothing is for the client yet: after a quiet spell send an
			// SSE comment, so the client's and any proxy's idle timers see a live stream. Only once committed:
			// before that, silence keeps failover possible.
			if a.committed && time.Since(lastWrite) >= keepAliveEvery {
				if _, err := w.Write(sse.KeepAlive); err == nil {
					_ = rc.Flush()
				}
				lastWrite = time.Now()
			}
			continue
		}
		if a.committed && len(out) < 64<<10 && rd.EventBuffered() {
			continue // another whole event is already here: one write and one flush for both
		}
		if !a.committed {
			a.commit(true)
		}
		if _, err := w.Write(out); err != nil {
			// The client went away: disarm stops the upstream; what was used is recorded.
			a.clientLeft = true
			return a.fail(route.Failure{Canceled: true, Message: "client disconnected"}, statusClientClosed, "client disconnected mid-stream")
		}
		_ = rc.Flush()
		out = out[:0]
		lastWrite = time.Now()
	}
	if !a.st.Complete() {
		return a.broke(rc, out, route.Failure{Net: route.NetReset, Message: "stream ended without its final event"},
			http.StatusBadGateway, "the "+a.t.Spec.ID+" stream ended early (no final event)")
	}
	out = a.st.Finish(out)
	if !a.committed {
		a.commit(true)
	}
	// succeed returns once the row is committed; the stream's last bytes go out after it (issue #9 finding 7).
	res := a.succeed(a.st.Usage())
	if len(out) > 0 {
		_, _ = w.Write(out)
	}
	_ = rc.Flush()
	// Whatever the upstream sends after its terminal event is not the client's; reading it to the end (normally
	// just the body's end) lets the transport reuse the connection.
	_, _ = io.Copy(io.Discard, io.LimitReader(a.reader(), 64<<10))
	return res
}

// folded answers a JSON client from a stream-only upstream: the events are folded into one answer in the
// client's format (translate.Fold), which holds the answer, never the raw stream.
func (a *attempt) folded() attemptResult {
	a.idle()
	fold := translate.NewFold(a.up, a.r.in.Client, a.r.in.Model)
	rd := sse.NewReader(a.reader(), 0)
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return a.fail(netFailure(a.ctx, err), statusForNet(a.ctx), "the "+a.t.Spec.ID+" stream broke: "+describeNet(a.ctx, err))
		}
		if err := fold.Event(ev); err != nil {
			f := route.Failure{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error(), InBand: true,
				CredentialScoped: a.subscription()}
			var ue *wire.UpstreamError
			if errors.As(err, &ue) {
				f.Status, f.Type, f.Message = ue.Status, ue.Type, ue.Message
			}
			return a.fail(f, statusOr(f.Status, http.StatusBadGateway), fmt.Sprintf("%s/%s reported an error: %s", a.t.Spec.ID, a.t.Model, f.Message))
		}
	}
	if !fold.Complete() {
		return a.fail(route.Failure{Net: route.NetReset, Message: "stream ended without its final event"}, http.StatusBadGateway,
			"the "+a.t.Spec.ID+" stream ended early (no final event)")
	}
	return a.answer(fold.Result())
}

// subscription: the account's limits are its credential's (a subscription's 5-hour and weekly windows block
// every model at once), so a rate limit cools the whole account.
func (a *attempt) subscription() bool { return a.t.Spec.Auth == provider.AuthOAuth }

// broke ends a stream that failed. Before the client has anything it is an ordinary failure (failover
// follows). After, the client gets what was pending and then an in-band error in its own format, without the
// stream's terminator; cooldown and usage are settled first, so whatever the client does next already sees them.
func (a *attempt) broke(rc *http.ResponseController, pending []byte, f route.Failure, status int, msg string) attemptResult {
	if !a.committed {
		return a.fail(f, status, msg)
	}
	res := a.fail(f, statusOr(f.Status, http.StatusBadGateway), msg)
	pending = translate.StreamError(a.r.in.Client, pending, &wire.UpstreamError{Status: f.Status, Type: f.Type, Message: msg})
	_, _ = a.r.w.Write(pending)
	_ = rc.Flush()
	return res
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
