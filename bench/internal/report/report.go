// Package report holds the benchmark's result document (written as JSON) and renders it as the Markdown table
// committed under docs/, with one pass/miss line per target of the benchmark issue.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Result is one benchmark run.
type Result struct {
	Mode     string    `json:"mode"` // "full" or "smoke"
	Pinned   bool      `json:"pinned"`
	PinNote  string    `json:"pin_note"`
	Started  time.Time `json:"started"`
	Duration float64   `json:"duration_s"`
	Machine  Machine   `json:"machine"`
	LaneA    *LaneA    `json:"lane_a,omitempty"`
	LaneB    *LaneB    `json:"lane_b,omitempty"`
	// LaneAUnpinned is lane A again with no process pinned and default GOMAXPROCS (a laptop's reality).
	LaneAUnpinned *LaneA `json:"lane_a_unpinned,omitempty"`
	LaneC         *LaneC `json:"lane_c,omitempty"`
	LaneD         *LaneD `json:"lane_d,omitempty"`
	LaneE         *LaneE `json:"lane_e,omitempty"`
	LaneM         *LaneM `json:"lane_m,omitempty"`
	// SecretKey: NineRouter ran with NINEROUTER_SECRET_KEY (the encrypted secret file) in every lane.
	SecretKey bool     `json:"secret_key"`
	Profile   *Profile `json:"profile,omitempty"`
	// ProfileTranslation is the same for Anthropic Messages clients on an OpenAI upstream.
	ProfileTranslation *Profile `json:"profile_translation,omitempty"`
	// ProfileStartup is the merged start-up profiles (exec → first 200).
	ProfileStartup *Profile `json:"profile_startup,omitempty"`
	Targets        []Target `json:"targets"`
	Notes          []string `json:"notes,omitempty"`
	// Findings is hand-written analysis (bench/FINDINGS.md) appended to the Markdown report as it is.
	Findings string `json:"-"`
}

// Machine says where and what was measured.
type Machine struct {
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	Kernel    string `json:"kernel"`
	OS        string `json:"os"`
	GoVersion string `json:"go_version"`
	Commit    string `json:"commit"`
	Dirty     bool   `json:"dirty"`
	LoadAvg   string `json:"loadavg"`
}

// LaneM is the usage API against a large ledger while closed-loop model traffic runs (issue #9 finding 2).
type LaneM struct {
	Rows             int     `json:"rows"`
	Days             int     `json:"days"`
	SeedSeconds      float64 `json:"seed_s"`
	Concurrency      int     `json:"concurrency"`
	PhaseSeconds     float64 `json:"phase_s"`
	PollEveryMs      int     `json:"poll_every_ms"`
	ReqPerSecQuiet   float64 `json:"req_per_s_quiet"`  // mean of the phases before and after polling
	ReqPerSecPolled  float64 `json:"req_per_s_polled"` // while GET /api/usage?since=720h is polled
	Polls            int     `json:"polls"`
	UsageP50ms       float64 `json:"usage_p50_ms"`
	UsageP99ms       float64 `json:"usage_p99_ms"`
	UsageMaxms       float64 `json:"usage_max_ms"`
	ReportedRequests int64   `json:"reported_requests"` // the report's total, to show it read the whole ledger
	Errors           int     `json:"errors"`
	Skipped          string  `json:"skipped,omitempty"`
}

// LaneA is added latency at concurrency 1, non-streaming.
type LaneA struct {
	Warmup   int        `json:"warmup"`
	Rounds   int        `json:"rounds"`
	PerRound int        `json:"per_round"`
	Paths    []PathStat `json:"paths"`
}

// PathStat is one path of lane A. Added figures are against the path's own direct baseline (the same upstream
// endpoint called without anything in between).
type PathStat struct {
	Name       string  `json:"name"`
	Kind       string  `json:"kind"` // direct, floor, bare, passthrough, translation
	Baseline   string  `json:"baseline,omitempty"`
	P50us      float64 `json:"p50_us"`
	P99us      float64 `json:"p99_us"`
	N          int     `json:"n"`
	AddedP50us float64 `json:"added_p50_us"` // median over rounds of (path p50 − baseline p50)
	AddedQ1us  float64 `json:"added_p50_q1_us"`
	AddedQ3us  float64 `json:"added_p50_q3_us"`
	AddedP99us float64 `json:"added_p99_us"` // pooled p99 − pooled baseline p99
	RatioFloor float64 `json:"ratio_to_tcp_floor"`
	RatioBare  float64 `json:"ratio_to_bare_proxy"`
	Skipped    string  `json:"skipped,omitempty"`
}

// LaneB is streaming through a paced mock.
type LaneB struct {
	Events     int          `json:"events"`
	PacingMs   float64      `json:"pacing_ms"`
	Rounds     int          `json:"rounds"`
	Paths      []StreamStat `json:"paths"`
	PerEvent   []EventCost  `json:"per_event"`
	Concurrent []StallCheck `json:"concurrent"`
}

// StreamStat is one path of the paced run at concurrency 1.
type StreamStat struct {
	Name            string  `json:"name"`
	Kind            string  `json:"kind"`
	TTFBp50us       float64 `json:"ttfb_p50_us"`
	TTFBp99us       float64 `json:"ttfb_p99_us"`
	AddedTTFBp50us  float64 `json:"added_ttfb_p50_us"`
	AddedTTFBp99us  float64 `json:"added_ttfb_p99_us"`
	GapP50us        float64 `json:"gap_p50_us"`
	GapP99us        float64 `json:"gap_p99_us"`
	AddedGapP50us   float64 `json:"added_gap_p50_us"`
	AddedGapP99us   float64 `json:"added_gap_p99_us"`
	MaxGapMs        float64 `json:"max_gap_ms"`
	EventsPerStream int     `json:"events_per_stream"`
	Streams         int     `json:"streams"`
	Stalls          int     `json:"stalls"` // gaps over 10× the pacing
	Lost            int     `json:"lost"`   // streams that carried fewer events than the direct path
	Skipped         string  `json:"skipped,omitempty"`
}

// EventCost is the unpaced variant: how much each extra event costs on a path beyond the first byte.
type EventCost struct {
	Name           string  `json:"name"`
	Events         int     `json:"events"`
	Streams        int     `json:"streams"`
	BodyP50us      float64 `json:"body_p50_us"` // first data line → end of stream
	TTFBp50us      float64 `json:"ttfb_p50_us"`
	AddedTTFBp50us float64 `json:"added_ttfb_p50_us"`
	AddedPerEventU float64 `json:"added_per_event_us"`
	Skipped        string  `json:"skipped,omitempty"`
}

// StallCheck is the paced run at higher concurrency.
type StallCheck struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Concurrency int     `json:"concurrency"`
	Streams     int     `json:"streams"`
	TTFBp99us   float64 `json:"ttfb_p99_us"`
	MaxGapMs    float64 `json:"max_gap_ms"`
	Stalls      int     `json:"stalls"`
	Lost        int     `json:"lost"`
	Errors      int     `json:"errors"`
	Skipped     string  `json:"skipped,omitempty"`
}

// LaneC is the open-loop rate ladder.
type LaneC struct {
	StepSeconds float64    `json:"step_s"`
	Rates       []float64  `json:"rates"`
	Paths       []RatePath `json:"paths"`
}

// RatePath is one path's climb up the ladder.
type RatePath struct {
	Name     string     `json:"name"`
	Steps    []RateStep `json:"steps"`
	Best5ms  float64    `json:"best_rate_p99_under_5ms"` // highest rate with p99 < 5 ms and no errors
	Best50ms float64    `json:"best_rate_p99_under_50ms"`
	Skipped  string     `json:"skipped,omitempty"`
}

// RateStep is one rate on one path.
type RateStep struct {
	Rate     float64 `json:"rate"`
	Sent     int     `json:"sent"`
	Errors   int     `json:"errors"`
	FirstErr string  `json:"first_error,omitempty"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
}

// LaneD is NineRouter's footprint.
type LaneD struct {
	IdleRSSMB          float64 `json:"idle_rss_mb"`
	LoadRequests       int     `json:"load_requests"`
	AfterLoadRSSMB     float64 `json:"after_load_rss_mb"`
	RecoverSeconds     float64 `json:"recover_s"`
	RecoveredRSSMB     float64 `json:"recovered_rss_mb"`
	IdleCPUSeconds     float64 `json:"idle_cpu_window_s"`
	IdleCPUms          float64 `json:"idle_cpu_ms"`
	IdleCPUPercent     float64 `json:"idle_cpu_percent"`
	GoroutinesBase     int     `json:"goroutines_baseline"`
	GoroutinesAfter    int     `json:"goroutines_after_load"`
	GoroutinesRecover  int     `json:"goroutines_recovered"`
	PooledBase         int     `json:"pooled_conn_goroutines_baseline"` // idle keep-alive connections' read/write loops
	PooledAfter        int     `json:"pooled_conn_goroutines_after_load"`
	PooledRecover      int     `json:"pooled_conn_goroutines_recovered"`
	GoroutineNote      string  `json:"goroutine_note,omitempty"`
	ExecTo200ms        float64 `json:"exec_to_first_200_ms"` // median, first 200 on a real model request
	ExecTo200Max       float64 `json:"exec_to_first_200_max_ms"`
	ExecToHealthzMs    float64 `json:"exec_to_healthz_ms"`
	StartCPUms         float64 `json:"start_cpu_ms"`               // CPU time used by the first 200 (median; /proc ticks are 10 ms)
	ColdExecTo200ms    float64 `json:"cold_exec_to_first_200_ms"`  // empty data dir: includes creating the DB
	DataDBMB           float64 `json:"data_db_mb"`                 // database + WAL of the data dir the exec runs used
	FreshExecTo200ms   float64 `json:"fresh_exec_to_first_200_ms"` // same configuration, no usage history
	FreshNote          string  `json:"fresh_note,omitempty"`
	FirstRSSMB         float64 `json:"rss_after_first_200_mb"`
	SealedExecTo200ms  float64 `json:"sealed_secrets_exec_to_first_200_ms"` // with NINEROUTER_SECRET_KEY (scrypt at start)
	SealedFirstRSSMB   float64 `json:"sealed_secrets_rss_after_first_200_mb"`
	SealedNote         string  `json:"sealed_note,omitempty"`
	BareIdleRSSMB      float64 `json:"bare_proxy_idle_rss_mb"`
	BareAfterLoadRSSMB float64 `json:"bare_proxy_after_load_rss_mb"`
	Skipped            string  `json:"skipped,omitempty"`
}

// LaneE is the testing.B benchmarks of handlers and translators.
type LaneE struct {
	Command    string    `json:"command"`
	Packages   []string  `json:"packages"`
	Benchmarks []GoBench `json:"benchmarks"`
	Skipped    string    `json:"skipped,omitempty"`
	Failures   []string  `json:"failures,omitempty"`
}

// GoBench is one line of `go test -bench -benchmem`.
type GoBench struct {
	Package     string  `json:"package"`
	Name        string  `json:"name"`
	N           int64   `json:"n"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

// Profile is where the CPU profile of NineRouter under load went, and its heaviest functions.
type Profile struct {
	Path       string   `json:"path"`
	File       string   `json:"file"`
	Requests   int      `json:"requests"`
	Top        []string `json:"top"`
	RequestTop []string `json:"request_top"` // focused on the HTTP server's request goroutines
	Skipped    string   `json:"skipped,omitempty"`
}

// Target is one pass/miss line.
type Target struct {
	Name   string `json:"name"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Status string `json:"status"` // pass, miss, n/a
	Note   string `json:"note,omitempty"`
}

// Line is the target as one printed line.
func (t Target) Line() string {
	s := fmt.Sprintf("%-4s  %s: got %s (want %s)", strings.ToUpper(t.Status), t.Name, t.Got, t.Want)
	if t.Note != "" {
		s += "; " + t.Note
	}
	return s
}

// WriteJSON writes r to path, creating its directory.
func WriteJSON(path string, r *Result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteMarkdown renders r into path.
func WriteMarkdown(path string, r *Result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Markdown(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func us(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%.0f", v)
}

func x(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", v)
}

// Markdown writes the report.
func Markdown(w io.Writer, r *Result) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# NineRouter benchmark\n\n")
	p("Generated by `make bench` (`go run ./bench/cmd/nrbench`); method in\n")
	p("[bench/README.md](../bench/README.md). Everything ran on loopback on one machine.\n\n")
	m := r.Machine
	dirty := ""
	if m.Dirty {
		dirty = " (+ uncommitted changes in the working tree)"
	}
	p("| | |\n|---|---|\n")
	p("| Commit measured | `%s`%s |\n", m.Commit, dirty)
	p("| Run | %s mode, %s, %.0f s |\n", r.Mode, r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Duration)
	p("| CPU | %s, %d cores |\n", m.CPU, m.Cores)
	p("| OS / kernel | %s / %s |\n", m.OS, m.Kernel)
	p("| Go | %s |\n", m.GoVersion)
	p("| Load average at start | %s |\n", m.LoadAvg)
	p("| Pinning | %s |\n", r.PinNote)
	secretStore := "plain 0600 file"
	if r.SecretKey {
		secretStore = "encrypted file (NINEROUTER_SECRET_KEY set)"
	}
	p("| NineRouter secret store | %s |\n\n", secretStore)

	p("## Targets\n\n```\n")
	for _, t := range r.Targets {
		p("%s\n", t.Line())
	}
	p("```\n\n")

	laneA(p, "## Lane A: added latency, concurrency 1, non-streaming", r.LaneA)
	laneA(p, "## Lane A unpinned: the same with nothing pinned and every core for everyone", r.LaneAUnpinned)
	if bl := r.LaneB; bl != nil {
		p("## Lane B: streaming\n\n")
		p("Paced mock: %d deltas every %.0f ms, %d rounds per path at concurrency 1, interleaved. TTFB is the time to the\n", bl.Events, bl.PacingMs, bl.Rounds)
		p("first `data:` line; gaps are between consecutive `data:` lines; a stall is a gap over 10× the pacing.\n\n")
		p("| Path | TTFB p50 µs | added TTFB p50 / p99 µs | gap p50 / p99 µs | added gap p50 / p99 µs | max gap ms | stalls | lost |\n")
		p("|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range bl.Paths {
			if s.Skipped != "" {
				p("| %s | skipped: %s | | | | | | |\n", s.Name, s.Skipped)
				continue
			}
			p("| %s | %s | %s / %s | %s / %s | %s / %s | %.1f | %d | %d |\n", s.Name, us(s.TTFBp50us), us(s.AddedTTFBp50us), us(s.AddedTTFBp99us), us(s.GapP50us), us(s.GapP99us), us(s.AddedGapP50us), us(s.AddedGapP99us), s.MaxGapMs, s.Stalls, s.Lost)
		}
		p("\nUnpaced variant (per-event cost = added time from first to last event ÷ events):\n\n")
		p("| Path | events | streams | TTFB p50 µs | added TTFB p50 µs | first→last p50 µs | added µs per event |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, e := range bl.PerEvent {
			if e.Skipped != "" {
				p("| %s | skipped: %s | | | | | |\n", e.Name, e.Skipped)
				continue
			}
			p("| %s | %d | %d | %s | %s | %s | %.2f |\n", e.Name, e.Events, e.Streams, us(e.TTFBp50us), us(e.AddedTTFBp50us), us(e.BodyP50us), e.AddedPerEventU)
		}
		if len(bl.Concurrent) > 0 {
			p("\nPaced streams at higher concurrency (stall check):\n\n")
			p("| Path | concurrency | streams | TTFB p99 µs | max gap ms | stalls | lost | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
			for _, c := range bl.Concurrent {
				if c.Skipped != "" {
					p("| %s | %d | skipped: %s | | | | | |\n", c.Name, c.Concurrency, c.Skipped)
					continue
				}
				p("| %s | %d | %d | %s | %.1f | %d | %d | %d |\n", c.Name, c.Concurrency, c.Streams, us(c.TTFBp99us), c.MaxGapMs, c.Stalls, c.Lost, c.Errors)
			}
		}
		p("\n")
	}
	if c := r.LaneC; c != nil {
		p("## Lane C: open-loop rate ladder\n\n")
		p("Each rate runs %.1f s open-loop; latency is measured from each request's scheduled time (no coordinated\n", c.StepSeconds)
		p("omission). The best rate is the highest step that passed; a path stops climbing at its first error or p99 over 1 s.\n\n")
		p("| Path | best rate with p99 < 5 ms, 0 errors | best rate with p99 < 50 ms | steps (rate: p50/p99 µs, errors) |\n|---|---:|---:|---|\n")
		for _, rp := range c.Paths {
			if rp.Skipped != "" {
				p("| %s | — | — | skipped: %s |\n", rp.Name, rp.Skipped)
				continue
			}
			var steps []string
			for _, s := range rp.Steps {
				steps = append(steps, fmt.Sprintf("%.0f: %s/%s, %d", s.Rate, us(s.P50us), us(s.P99us), s.Errors))
			}
			p("| %s | %.0f/s | %.0f/s | %s |\n", rp.Name, rp.Best5ms, rp.Best50ms, strings.Join(steps, "; "))
		}
		p("\n")
	}
	if d := r.LaneD; d != nil {
		p("## Lane D: footprint (headless NineRouter)\n\n")
		if d.Skipped != "" {
			p("Skipped: %s\n\n", d.Skipped)
		} else {
			p("| Measure | NineRouter | bare proxy |\n|---|---:|---:|\n")
			p("| RSS idle (before the first request) | %.1f MB | %.1f MB |\n", d.IdleRSSMB, d.BareIdleRSSMB)
			p("| RSS after load (NineRouter: %d requests from 4 clients; bare proxy: after lanes A–C, rate ladder included) | %.1f MB | %.1f MB |\n", d.LoadRequests, d.AfterLoadRSSMB, d.BareAfterLoadRSSMB)
			p("| RSS %.0f s after the load stopped | %.1f MB | |\n", d.RecoverSeconds, d.RecoveredRSSMB)
			p("| CPU while idle over %.0f s | %.1f ms (%.3f %% of a core) | |\n", d.IdleCPUSeconds, d.IdleCPUms, d.IdleCPUPercent)
			p("| Goroutines: baseline / right after load / %.0f s later | %d / %d / %d | |\n", d.RecoverSeconds, d.GoroutinesBase, d.GoroutinesAfter, d.GoroutinesRecover)
			p("| … of which idle keep-alive connection loops (live until IdleConnTimeout) | %d / %d / %d | |\n", d.PooledBase, d.PooledAfter, d.PooledRecover)
			p("| exec → first 200 on /v1/chat/completions (median / max of runs) | %.1f / %.1f ms | |\n", d.ExecTo200ms, d.ExecTo200Max)
			p("| … CPU time the process had used by then (median; 10 ms ticks) | %.0f ms | |\n", d.StartCPUms)
			p("| … its data dir: database + WAL after lanes A–C (usage history) | %.1f MB | |\n", d.DataDBMB)
			if d.FreshNote != "" {
				p("| exec → first 200, same configuration without usage history | not measured: %s | |\n", d.FreshNote)
			} else {
				p("| exec → first 200, same configuration without usage history (median of 3) | %.1f ms | |\n", d.FreshExecTo200ms)
			}
			p("| exec → first 200 on /healthz (median) | %.1f ms | |\n", d.ExecToHealthzMs)
			p("| exec → first 200 on /healthz, empty data dir (creates the database) | %.1f ms | |\n", d.ColdExecTo200ms)
			p("| RSS right after the first 200 | %.1f MB | |\n", d.FirstRSSMB)
			if d.SealedNote != "" {
				p("| with an encrypted secret file (NINEROUTER_SECRET_KEY) | not measured: %s | |\n", d.SealedNote)
			} else {
				p("| with an encrypted secret file (NINEROUTER_SECRET_KEY): exec → first 200 / RSS after it | %.1f ms / %.1f MB | |\n", d.SealedExecTo200ms, d.SealedFirstRSSMB)
			}
			if d.GoroutineNote != "" {
				p("\n%s\n", d.GoroutineNote)
			}
			p("\n")
		}
	}
	if m := r.LaneM; m != nil {
		p("## Lane M: usage API on a large ledger while traffic runs\n\n")
		if m.Skipped != "" {
			p("Skipped: %s\n\n", m.Skipped)
		} else {
			p("%d usage rows over %d days seeded into a stopped instance (%.1f s), then NineRouter passthrough at\n", m.Rows, m.Days, m.SeedSeconds)
			p("concurrency %d for three %.1f s phases: alone, with `GET /api/usage?since=720h` every %d ms, alone again.\n\n", m.Concurrency, m.PhaseSeconds, m.PollEveryMs)
			p("| requests/s alone (mean of 2) | requests/s while polled | usage API p50 / p99 / max ms | polls | requests in the report | errors |\n")
			p("|---:|---:|---:|---:|---:|---:|\n")
			p("| %.0f | %.0f | %.1f / %.1f / %.1f | %d | %d | %d |\n\n", m.ReqPerSecQuiet, m.ReqPerSecPolled, m.UsageP50ms, m.UsageP99ms, m.UsageMaxms, m.Polls, m.ReportedRequests, m.Errors)
		}
	}
	if e := r.LaneE; e != nil {
		p("## Lane E: testing.B (handlers and translators)\n\n")
		if e.Skipped != "" {
			p("Skipped: %s\n\n", e.Skipped)
		} else {
			p("`%s`\n\n", e.Command)
			p("| Package | Benchmark | ns/op | B/op | allocs/op |\n|---|---|---:|---:|---:|\n")
			for _, g := range e.Benchmarks {
				p("| %s | %s | %.0f | %.0f | %.0f |\n", g.Package, g.Name, g.NsPerOp, g.BytesPerOp, g.AllocsPerOp)
			}
			for _, f := range e.Failures {
				p("\nFailure: %s\n", f)
			}
			p("\n")
		}
	}
	for _, pr := range []*Profile{r.Profile, r.ProfileTranslation, r.ProfileStartup} {
		if pr == nil {
			continue
		}
		p("## CPU profile of NineRouter: %s\n\n", pr.Path)
		if pr.Skipped != "" {
			p("Skipped: %s\n\n", pr.Skipped)
			continue
		}
		if pr == r.ProfileStartup {
			p("%d starts of the profiling build, each profiled at 1 kHz for its first 400 ms (it answered its first model\n", pr.Requests)
			p("request within that), merged; files `%s`. Top functions (cumulative):\n\n```\n", pr.File)
			for _, l := range pr.Top {
				p("%s\n", l)
			}
			p("```\n\n")
			continue
		}
		p("%d requests at concurrency 1 against the bench-only profiling build (`bench/cmd/nrprof`, the same `cli.Main`\n", pr.Requests)
		p("plus net/http/pprof on a separate loopback port, pinned like the real one); profile saved as `%s`.\n", pr.File)
		p("Top functions of the whole process (cumulative):\n\n```\n")
		for _, l := range pr.Top {
			p("%s\n", l)
		}
		p("```\n\nThe request goroutines alone (`-focus=net/http.(*conn).serve`):\n\n```\n")
		for _, l := range pr.RequestTop {
			p("%s\n", l)
		}
		p("```\n\n")
	}
	if len(r.Notes) > 0 {
		p("## Notes\n\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
		p("\n")
	}
	if r.Findings != "" {
		p("%s\n", strings.TrimSpace(r.Findings))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// laneA renders one lane A table under title; nil renders nothing.
func laneA(p func(string, ...any), title string, a *LaneA) {
	if a == nil {
		return
	}
	p("%s\n\n", title)
	p("%d warm-up requests per path, then %d interleaved rounds × %d requests per path. Added p50 is the median over\n", a.Warmup, a.Rounds, a.PerRound)
	p("rounds of (path p50 − direct p50) with its inter-quartile range; added p99 is pooled p99 − pooled direct p99.\n")
	p("Ratios divide the added p50 by the TCP relay's (the physical floor) and by the bare ReverseProxy's.\n\n")
	p("| Path | p50 µs | p99 µs | added p50 µs (IQR) | added p99 µs | × TCP floor | × bare proxy |\n")
	p("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range a.Paths {
		if s.Skipped != "" {
			p("| %s | — | — | — | — | — | skipped: %s |\n", s.Name, s.Skipped)
			continue
		}
		if s.Kind == "direct" {
			p("| %s | %s | %s | baseline | | | |\n", s.Name, us(s.P50us), us(s.P99us))
			continue
		}
		p("| %s | %s | %s | %s (%s–%s) | %s | %s | %s |\n", s.Name, us(s.P50us), us(s.P99us), us(s.AddedP50us), us(s.AddedQ1us), us(s.AddedQ3us), us(s.AddedP99us), x(s.RatioFloor), x(s.RatioBare))
	}
	p("\n")
}
