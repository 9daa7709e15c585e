package harness

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/bench/internal/loadgen"
	"github.com/ninerouter/ninerouter/bench/internal/report"
	"github.com/ninerouter/ninerouter/bench/internal/stats"
)

// probe sends one request per path. A floor path that fails ends the run (the harness itself is broken); a
// NineRouter path that fails is skipped with its error, so the lanes report what works today.
func probe(ctx context.Context, specs []pathSpec, conns int) (live []loadgen.Path, skipped map[string]string, err error) {
	skipped = map[string]string{}
	for _, s := range specs {
		c := loadgen.NewClient(conns)
		var perr error
		if strings.Contains(string(s.req.Body), `"stream":true`) || strings.Contains(s.req.URL, "alt=sse") {
			_, perr = loadgen.Stream(ctx, c, s.req)
		} else {
			_, perr = loadgen.Do(ctx, c, s.req)
		}
		if perr != nil {
			if s.kind == kindDirect || s.kind == kindFloor || s.kind == kindBare {
				return nil, nil, fmt.Errorf("%s: %w", s.name, perr)
			}
			skipped[s.name] = shortErr(perr)
			continue
		}
		live = append(live, loadgen.Path{Name: s.name, Request: s.req, Client: c})
	}
	return live, skipped, nil
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return strings.ReplaceAll(s, "|", "/")
}

func (w *world) laneA(ctx context.Context) (*report.LaneA, error) {
	sz := w.sz
	specs := w.laneAPaths()
	live, skipped, err := probe(ctx, specs, 2)
	if err != nil {
		return nil, err
	}
	rounds, err := loadgen.Interleave(ctx, live, sz.warmup, sz.rounds, sz.perRound)
	if err != nil {
		return nil, err
	}
	out := &report.LaneA{Warmup: sz.warmup, Rounds: sz.rounds, PerRound: sz.perRound}
	pooled := func(name string) []time.Duration {
		var all []time.Duration
		for _, r := range rounds[name] {
			all = append(all, r...)
		}
		return all
	}
	for _, s := range specs {
		if why, ok := skipped[s.name]; ok {
			out.Paths = append(out.Paths, report.PathStat{Name: s.name, Kind: s.kind, Skipped: why})
			continue
		}
		sum := stats.Summarize(pooled(s.name))
		ps := report.PathStat{Name: s.name, Kind: s.kind, Baseline: s.baseline, N: sum.N, P50us: stats.Micros(sum.P50), P99us: stats.Micros(sum.P99)}
		if s.baseline != "" {
			base := stats.Summarize(pooled(s.baseline))
			var added []float64
			for i, r := range rounds[s.name] {
				added = append(added, stats.Micros(stats.Percentile(r, 50)-stats.Percentile(rounds[s.baseline][i], 50)))
			}
			sp := stats.MedianIQR(added)
			ps.AddedP50us, ps.AddedQ1us, ps.AddedQ3us = sp.Median, sp.Q1, sp.Q3
			ps.AddedP99us = stats.Micros(sum.P99 - base.P99)
		}
		out.Paths = append(out.Paths, ps)
	}
	var floor, bare float64
	for _, p := range out.Paths {
		switch p.Kind {
		case kindFloor:
			floor = p.AddedP50us
		case kindBare:
			bare = p.AddedP50us
		}
	}
	for i := range out.Paths {
		p := &out.Paths[i]
		if p.Baseline != "" && p.Skipped == "" {
			p.RatioFloor = stats.Ratio(p.AddedP50us, floor)
			p.RatioBare = stats.Ratio(p.AddedP50us, bare)
		}
	}
	return out, nil
}

// streamSet is every stream of one path.
type streamSet struct {
	results  []loadgen.StreamResult
	errors   int
	firstErr string
}

func (w *world) laneB(ctx context.Context) (*report.LaneB, error) {
	sz := w.sz
	out := &report.LaneB{Events: sz.events, PacingMs: float64(sz.pace) / float64(time.Millisecond), Rounds: sz.streamRounds}
	stall := 10 * sz.pace

	// Paced, concurrency 1, interleaved rounds.
	paced := w.streamPaths(w.mockPaced, w.relayPaced, w.barePaced, "pace")
	live, skipped, err := probe(ctx, paced, 40)
	if err != nil {
		return nil, err
	}
	sets := map[string]*streamSet{}
	for _, p := range live {
		sets[p.Name] = &streamSet{}
	}
	for r := 0; r < sz.streamRounds; r++ {
		for k := range live {
			p := live[(r+k)%len(live)]
			res, err := loadgen.Stream(ctx, p.Client, p.Request)
			if err != nil {
				return nil, fmt.Errorf("%s paced stream: %w", p.Name, err)
			}
			sets[p.Name].results = append(sets[p.Name].results, res)
		}
	}
	direct := sets["direct"]
	// The events a complete stream carries on each path: a translated stream has its own framing, so each path
	// is held to the most it ever delivered, and a same-format path also to what the direct path delivered.
	want := map[string]int{}
	for _, s := range paced {
		if set, ok := sets[s.name]; ok {
			want[s.name] = maxEvents(set.results)
			if s.kind != kindTranslation {
				want[s.name] = max(want[s.name], maxEvents(direct.results))
			}
		}
	}
	dTTFB, dGaps := ttfbs(direct.results), gaps(direct.results)
	for _, s := range paced {
		if why, ok := skipped[s.name]; ok {
			out.Paths = append(out.Paths, report.StreamStat{Name: s.name, Kind: s.kind, Skipped: why})
			continue
		}
		set := sets[s.name]
		t, g := ttfbs(set.results), gaps(set.results)
		st := report.StreamStat{Name: s.name, Kind: s.kind, Streams: len(set.results), EventsPerStream: want[s.name],
			TTFBp50us: stats.Micros(stats.Percentile(t, 50)), TTFBp99us: stats.Micros(stats.Percentile(t, 99)),
			GapP50us: stats.Micros(stats.Percentile(g, 50)), GapP99us: stats.Micros(stats.Percentile(g, 99))}
		if s.kind != kindDirect {
			st.AddedTTFBp50us = st.TTFBp50us - stats.Micros(stats.Percentile(dTTFB, 50))
			st.AddedTTFBp99us = st.TTFBp99us - stats.Micros(stats.Percentile(dTTFB, 99))
			st.AddedGapP50us = st.GapP50us - stats.Micros(stats.Percentile(dGaps, 50))
			st.AddedGapP99us = st.GapP99us - stats.Micros(stats.Percentile(dGaps, 99))
		}
		st.MaxGapMs, st.Stalls, st.Lost = stallStats(set.results, stall, want[s.name])
		out.Paths = append(out.Paths, st)
	}

	// Unpaced burst: per-event cost and a TTFB with many samples.
	burst := w.streamPaths(w.mockBurst, w.relayBurst, w.bareBurst, "burst")
	blive, bskipped, err := probe(ctx, burst, 40)
	if err != nil {
		return nil, err
	}
	bsets := map[string]*streamSet{}
	for _, p := range blive {
		bsets[p.Name] = &streamSet{}
	}
	for r := 0; r < sz.burstStreams; r++ {
		for k := range blive {
			p := blive[(r+k)%len(blive)]
			res, err := loadgen.Stream(ctx, p.Client, p.Request)
			if err != nil {
				return nil, fmt.Errorf("%s burst stream: %w", p.Name, err)
			}
			bsets[p.Name].results = append(bsets[p.Name].results, res)
		}
	}
	bdirect := bsets["direct"]
	bodyDirect := stats.Micros(stats.Percentile(bodies(bdirect.results), 50))
	ttfbDirect := stats.Micros(stats.Percentile(ttfbs(bdirect.results), 50))
	nEvents := maxEvents(bdirect.results)
	for _, s := range burst {
		if why, ok := bskipped[s.name]; ok {
			out.PerEvent = append(out.PerEvent, report.EventCost{Name: s.name, Skipped: why})
			continue
		}
		set := bsets[s.name]
		body := stats.Micros(stats.Percentile(bodies(set.results), 50))
		ec := report.EventCost{Name: s.name, Events: maxEvents(set.results), Streams: len(set.results), BodyP50us: body,
			TTFBp50us: stats.Micros(stats.Percentile(ttfbs(set.results), 50))}
		if s.kind != kindDirect && nEvents > 1 {
			ec.AddedPerEventU = (body - bodyDirect) / float64(nEvents-1)
			ec.AddedTTFBp50us = ec.TTFBp50us - ttfbDirect
		}
		out.PerEvent = append(out.PerEvent, ec)
	}

	// Paced streams at higher concurrency: no stall, nothing lost.
	for _, c := range sz.concurrency {
		for _, s := range paced {
			if s.kind == kindFloor {
				continue // the bare proxy and direct paths already show what the machine does at this concurrency
			}
			if why, ok := skipped[s.name]; ok {
				out.Concurrent = append(out.Concurrent, report.StallCheck{Name: s.name, Kind: s.kind, Concurrency: c, Skipped: why})
				continue
			}
			set := concurrentStreams(ctx, loadgen.NewClient(c), s.req, c)
			sc := report.StallCheck{Name: s.name, Kind: s.kind, Concurrency: c, Streams: len(set.results), Errors: set.errors,
				TTFBp99us: stats.Micros(stats.Percentile(ttfbs(set.results), 99))}
			sc.MaxGapMs, sc.Stalls, sc.Lost = stallStats(set.results, stall, want[s.name])
			out.Concurrent = append(out.Concurrent, sc)
		}
	}
	return out, nil
}

// concurrentStreams runs n streams at once and waits for all of them.
func concurrentStreams(ctx context.Context, c *http.Client, req loadgen.Request, n int) *streamSet {
	set := &streamSet{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := loadgen.Stream(ctx, c, req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				set.errors++
				if set.firstErr == "" {
					set.firstErr = err.Error()
				}
				return
			}
			set.results = append(set.results, res)
		}()
	}
	wg.Wait()
	c.CloseIdleConnections()
	return set
}

func maxEvents(rs []loadgen.StreamResult) int {
	m := 0
	for _, r := range rs {
		m = max(m, r.Events)
	}
	return m
}

func ttfbs(rs []loadgen.StreamResult) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.TTFB)
	}
	return out
}

func gaps(rs []loadgen.StreamResult) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.Gaps...)
	}
	return out
}

// bodies is first data line → end of stream per stream.
func bodies(rs []loadgen.StreamResult) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.Total-r.TTFB)
	}
	return out
}

func stallStats(rs []loadgen.StreamResult, stall time.Duration, wantEvents int) (maxGapMs float64, stalls, lost int) {
	var maxGap time.Duration
	for _, r := range rs {
		for _, g := range r.Gaps {
			maxGap = max(maxGap, g)
			if g > stall {
				stalls++
			}
		}
		if r.Events < wantEvents {
			lost++
		}
	}
	return float64(maxGap) / float64(time.Millisecond), stalls, lost
}

func (w *world) laneC(ctx context.Context) *report.LaneC {
	sz := w.sz
	out := &report.LaneC{StepSeconds: sz.step.Seconds(), Rates: sz.rates}
	all := w.laneAPaths()[:4] // direct, TCP floor, bare proxy, NineRouter passthrough
	type climber struct {
		spec   pathSpec
		client *http.Client
		rp     report.RatePath
		done   bool
	}
	var cs []*climber
	for _, s := range all {
		cl := &climber{spec: s, client: loadgen.NewClient(1024), rp: report.RatePath{Name: s.name}}
		if _, err := loadgen.Do(ctx, cl.client, s.req); err != nil {
			cl.rp.Skipped, cl.done = shortErr(err), true
		}
		cs = append(cs, cl)
	}
	// Rates ascend; at each rate every path still climbing runs once, so drift hits them alike.
	for _, rate := range sz.rates {
		for _, cl := range cs {
			if cl.done {
				continue
			}
			r := loadgen.OpenLoop(ctx, cl.client, cl.spec.req, rate, sz.step, 1024)
			sum := stats.Summarize(r.Latencies)
			step := report.RateStep{Rate: rate, Sent: r.Sent, Errors: r.Errors, FirstErr: r.FirstErr, P50us: stats.Micros(sum.P50), P99us: stats.Micros(sum.P99)}
			cl.rp.Steps = append(cl.rp.Steps, step)
			// On a shared machine one step can catch someone else's compile, so a step over the bar does not end
			// the climb: the best rate is the highest step that passed. Errors or a p99 over a second mean the
			// path is saturated, and higher rates would only queue.
			if r.Errors == 0 && sum.P99 < 5*time.Millisecond {
				cl.rp.Best5ms = rate
			}
			if r.Errors == 0 && sum.P99 < 50*time.Millisecond {
				cl.rp.Best50ms = rate
			}
			if r.Errors > 0 || sum.P99 > time.Second {
				cl.done = true
			}
			// Let the previous step's stragglers and connections settle before the next path runs.
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, cl := range cs {
		cl.client.CloseIdleConnections()
		out.Paths = append(out.Paths, cl.rp)
	}
	return out
}
