package translate

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// ParseUpstreamError reads a non-2xx upstream answer: the error in the body (wire.ParseError, the one reader of
// error bodies) and the upstream's hint of when to try again (RetryAt).
func ParseUpstreamError(status int, h http.Header, body []byte, now time.Time) *wire.UpstreamError {
	e := wire.ParseError(status, body)
	e.RetryAt = retryAt(h, body, now)
	return e
}

// clientError is e as a client may be shown it: an error status (502 when the upstream's is not one) and a type
// every client format knows.
func clientError(e *wire.UpstreamError) (status int, typ string) {
	status = e.Status
	if status < 400 || status > 599 {
		status = http.StatusBadGateway
	}
	return status, wire.ClientType(e.Type, status)
}

// ErrorBody renders an error as the client's error JSON, with the status to answer it with.
func ErrorBody(client wire.Format, e *wire.UpstreamError) (int, []byte) {
	status, typ := clientError(e)
	return status, wire.ErrorBody(client, status, typ, e.Message)
}

// StreamError appends an in-band error event in the client's stream shape: what a client sees when the
// upstream fails after the first bytes were sent and failover is no longer possible. The stream then ends
// without its normal terminator ([DONE], message_stop), so no client mistakes it for a complete answer.
func StreamError(client wire.Format, dst []byte, e *wire.UpstreamError) []byte {
	c, ok := codecs[client]
	if !ok {
		c = codecs[wire.OpenAI]
	}
	status, typ := clientError(e)
	return c.StreamError(dst, &wire.UpstreamError{Status: status, Type: typ, Message: e.Message, InBand: e.InBand})
}

// retryAt reads the upstream's hint of when to try again: Retry-After (seconds or HTTP-date), retry-after-ms,
// Anthropic's anthropic-ratelimit-*-reset (RFC 3339), and body fields (Codex resets_at / resets_in_seconds,
// Gemini RetryInfo retryDelay). Zero when there is none.
func retryAt(h http.Header, body []byte, now time.Time) time.Time {
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && secs >= 0 {
			return now.Add(seconds(secs))
		}
		if t, err := http.ParseTime(v); err == nil {
			return t
		}
	}
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && ms >= 0 {
			return now.Add(seconds(float64(ms) / 1000))
		}
	}
	// A Claude subscription's unified 5-hour/weekly limit: epoch seconds (docs/subscriptions.md).
	if v := h.Get("anthropic-ratelimit-unified-reset"); v != "" {
		if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && secs > now.Unix() {
			return time.Unix(secs, 0)
		}
	}
	var latest time.Time
	for _, k := range []string{"anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset",
		"anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-output-tokens-reset"} {
		if t, err := time.Parse(time.RFC3339, h.Get(k)); err == nil && t.After(latest) {
			latest = t
		}
	}
	if !latest.IsZero() {
		return latest
	}
	if len(body) > 0 && jsonguard.Valid(body) == nil {
		for _, p := range []string{"error.resets_at", "resets_at"} {
			if r := gjson.GetBytes(body, p); r.Type == gjson.Number && r.Int() > 0 {
				return time.Unix(r.Int(), 0)
			}
		}
		for _, p := range []string{"error.resets_in_seconds", "resets_in_seconds"} {
			if r := gjson.GetBytes(body, p); r.Type == gjson.Number && r.Float() > 0 {
				return now.Add(seconds(r.Float()))
			}
		}
		var delay time.Time
		gjson.GetBytes(body, "error.details").ForEach(func(_, d gjson.Result) bool {
			if rd := d.Get("retryDelay").String(); rd != "" {
				if dur, err := time.ParseDuration(rd); err == nil {
					delay = now.Add(dur)
					return false
				}
			}
			return true
		})
		return delay
	}
	return time.Time{}
}

// seconds is a non-negative delay in seconds as a Duration, the longest one for a delay past it: converting
// 1e300 seconds (or 1e16 ms) overflowed into a negative Duration, a hint in the past that was then ignored.
func seconds(secs float64) time.Duration {
	if ns := secs * float64(time.Second); ns < float64(math.MaxInt64) { // 2^63 exactly, one past the largest
		return time.Duration(ns)
	}
	return math.MaxInt64
}
