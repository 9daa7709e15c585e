// Package loadgen drives HTTP paths for the benchmark: a closed loop at concurrency 1 that interleaves rounds
// across paths (so drift on a shared machine hits every path alike), a streaming client that timestamps every
// SSE event, and an open-loop rate generator that measures from each request's scheduled time (so a slow server
// cannot hide its queueing: no coordinated omission).
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Request is what one path sends: the same logical request each time.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

func (r Request) build(ctx context.Context) (*http.Request, error) {
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	return req, nil
}

// NewClient returns a keep-alive client sized for maxConns concurrent requests. Each path gets its own client so
// connection pools never mix.
func NewClient(maxConns int) *http.Client {
	if maxConns < 2 {
		maxConns = 2
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        maxConns,
			MaxIdleConnsPerHost: maxConns,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true, // a gzip round trip would be the client's cost, not the path's
		},
		Timeout: 30 * time.Second,
	}
}

// Do sends one request, reads the whole answer and returns its latency. Any status other than 200 is an error
// carrying the start of the body, so a misconfigured path fails loudly instead of measuring error pages.
func Do(ctx context.Context, c *http.Client, r Request) (time.Duration, error) {
	req, err := r.build(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(head))
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, fmt.Errorf("read body: %w", err)
	}
	return time.Since(start), nil
}

// Path is one named route to the upstream.
type Path struct {
	Name    string
	Request Request
	Client  *http.Client
}

// Rounds holds, per path, the samples of each round.
type Rounds map[string][][]time.Duration

// Interleave runs warmup requests per path, then rounds × perRound requests per path at concurrency 1. Each
// round visits every path once, starting one path later than the previous round, so no path always runs first
// or right after another. It stops at the first error, naming the path.
func Interleave(ctx context.Context, paths []Path, warmup, rounds, perRound int) (Rounds, error) {
	for _, p := range paths {
		for i := 0; i < warmup; i++ {
			if _, err := Do(ctx, p.Client, p.Request); err != nil {
				return nil, fmt.Errorf("%s warm-up: %w", p.Name, err)
			}
		}
	}
	out := make(Rounds, len(paths))
	for r := 0; r < rounds; r++ {
		for k := range paths {
			p := paths[(r+k)%len(paths)]
			samples := make([]time.Duration, 0, perRound)
			for i := 0; i < perRound; i++ {
				d, err := Do(ctx, p.Client, p.Request)
				if err != nil {
					return nil, fmt.Errorf("%s round %d: %w", p.Name, r, err)
				}
				samples = append(samples, d)
			}
			out[p.Name] = append(out[p.Name], samples)
		}
	}
	return out, nil
}

// StreamResult is one SSE answer as the client saw it.
type StreamResult struct {
	TTFB   time.Duration   // request sent → first data line
	Total  time.Duration   // request sent → end of body
	Gaps   []time.Duration // between consecutive data lines
	Events int             // data lines received
}

// Stream sends a streaming request and timestamps each "data:" line as it arrives.
func Stream(ctx context.Context, c *http.Client, r Request) (StreamResult, error) {
	var res StreamResult
	req, err := r.build(ctx)
	if err != nil {
		return res, err
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return res, fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(head))
	}
	br := bufio.NewReaderSize(resp.Body, 32<<10)
	var last time.Time
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 && bytes.HasPrefix(line, []byte("data:")) {
			now := time.Now()
			if res.Events == 0 {
				res.TTFB = now.Sub(start)
			} else {
				res.Gaps = append(res.Gaps, now.Sub(last))
			}
			last = now
			res.Events++
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("read stream: %w", err)
		}
	}
	res.Total = time.Since(start)
	if res.Events == 0 {
		return res, errors.New("stream carried no data events")
	}
	return res, nil
}

// OpenResult is one step of the rate ladder.
type OpenResult struct {
	Rate      float64         // requests per second scheduled
	Sent      int             // requests scheduled
	Errors    int             // failed, non-200, or dropped because too many were in flight
	FirstErr  string          // the first error, for the report
	Latencies []time.Duration // scheduled time → complete answer, successes only
}

// OpenLoop schedules requests at rate per second for dur, each in its own goroutine, and measures each from the
// moment it was due. A request that would exceed maxInFlight counts as an error: the server has fallen behind.
// It returns once every request has ended.
func OpenLoop(ctx context.Context, c *http.Client, r Request, rate float64, dur time.Duration, maxInFlight int) OpenResult {
	res := OpenResult{Rate: rate}
	interval := time.Duration(float64(time.Second) / rate)
	n := int(dur / interval)
	type outcome struct {
		d   time.Duration
		err error
	}
	results := make(chan outcome, n)
	sem := make(chan struct{}, maxInFlight)
	start := time.Now()
	launched := 0
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			break
		}
		res.Sent++
		select {
		case sem <- struct{}{}:
		default:
			res.Errors++
			if res.FirstErr == "" {
				res.FirstErr = fmt.Sprintf("more than %d requests in flight", maxInFlight)
			}
			continue
		}
		launched++
		go func(due time.Time) {
			defer func() { <-sem }()
			_, err := Do(ctx, c, r)
			results <- outcome{time.Since(due), err}
		}(due)
	}
	for i := 0; i < launched; i++ {
		o := <-results
		if o.err != nil {
			res.Errors++
			if res.FirstErr == "" {
				res.FirstErr = o.err.Error()
			}
			continue
		}
		res.Latencies = append(res.Latencies, o.d)
	}
	return res
}
