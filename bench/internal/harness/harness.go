// Package harness runs the benchmark end to end on loopback: it starts the mock upstream, the TCP relay, the
// bare ReverseProxy and NineRouter as separate (pinned) processes, drives lanes A–E and the profile, and fills
// the report. Every process it starts is stopped before Run returns.
package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/bench/internal/procstat"
	"github.com/ninerouter/ninerouter/bench/internal/report"
)

// Options control one run.
type Options struct {
	Smoke     bool   // a few seconds: every lane runs, with tiny counts
	Pin       bool   // pin processes with taskset where possible
	Lanes     string // subset of "ABCDEMPU" (M = usage API on a million-row ledger, P = profile, U = lane A unpinned)
	SecretKey bool   // run NineRouter with NINEROUTER_SECRET_KEY (the scrypt-encrypted secret file)
	Self      string // this nrbench executable (runs the mock, relay and bare proxy subcommands)
	RouterBin string // the headless ninerouter binary
	ProfBin   string // the bench-only profiling build (bench/cmd/nrprof); "" skips goroutines and profile
	RepoDir   string // module root, for lane E and the commit
	OutDir    string // where profiles go
	Log       io.Writer
}

// sizes are the counts of one run mode.
type sizes struct {
	warmup, rounds, perRound int // lane A
	streamRounds             int // lane B paced, c=1
	events                   int // events per stream in lane B
	pace                     time.Duration
	burstStreams             int // lane B unpaced streams per path
	concurrency              []int
	rates                    []float64 // lane C
	step                     time.Duration
	loadRequests             int           // lane D
	recover                  time.Duration // lane D: wait after load
	idleCPU                  time.Duration
	execRuns                 int
	profRequests             int
	benchtime                string // lane E
}

func sizesFor(smoke bool) sizes {
	if smoke {
		return sizes{warmup: 5, rounds: 2, perRound: 10, streamRounds: 1, events: 8, pace: 5 * time.Millisecond,
			burstStreams: 2, concurrency: []int{4}, rates: []float64{50, 100}, step: 300 * time.Millisecond,
			loadRequests: 200, recover: time.Second, idleCPU: 500 * time.Millisecond, execRuns: 1, profRequests: 200, benchtime: "1x"}
	}
	return sizes{warmup: 200, rounds: 9, perRound: 300, streamRounds: 4, events: 64, pace: 20 * time.Millisecond,
		burstStreams: 60, concurrency: []int{8, 32}, rates: []float64{100, 250, 500, 1000, 2000, 4000}, step: 1500 * time.Millisecond,
		loadRequests: 10000, recover: 60 * time.Second, idleCPU: 30 * time.Second, execRuns: 5, profRequests: 4000, benchtime: "100ms"}
}

func (o Options) lane(l byte) bool { return strings.IndexByte(o.Lanes, l) >= 0 }

// logStart is when the run began, for the elapsed time on each log line.
var logStart = time.Now()

func (o Options) logf(format string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "nrbench [%5.1fs]: "+format+"\n", append([]any{time.Since(logStart).Seconds()}, a...)...)
	}
}

// world is every process of the run and how to reach it.
type world struct {
	opt   Options
	sz    sizes
	pin   pinner
	mock  *proc // zero, paced, burst listeners
	relay *proc
	bare  *proc
	nr    *router

	bareIdleRSS, bareLoadRSS float64 // MB, for lane D's comparison column
	profTranslation          *report.Profile
	profStartup              *report.Profile
	lastStartCPU             time.Duration // CPU time a start had used at its first 200

	mockZero, mockPaced, mockBurst    string
	relayZero, relayPaced, relayBurst string
	bareZero, barePaced, bareBurst    string
}

// Run does the whole benchmark.
func Run(ctx context.Context, opt Options) (*report.Result, error) {
	start := time.Now()
	sz := sizesFor(opt.Smoke)
	res := &report.Result{Mode: "full", Started: start.UTC(), Machine: machineInfo(ctx, opt.RepoDir)}
	if opt.Smoke {
		res.Mode = "smoke"
	}
	pin, note := newPinner(opt.Pin, runtime.NumCPU())
	res.Pinned, res.PinNote = pin.on, note
	res.SecretKey = opt.SecretKey
	if err := pin.pinSelf("0"); err != nil {
		res.Notes = append(res.Notes, "could not pin the load generator: "+err.Error())
	}
	if pin.on {
		runtime.GOMAXPROCS(1) // the load generator lives on CPU 0 with the mock
	}

	tmp, err := os.MkdirTemp("", "nrbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	w := &world{opt: opt, sz: sz, pin: pin}
	defer w.stopAll()
	if err := w.start(ctx, filepath.Join(tmp, "main")); err != nil {
		return nil, err
	}

	if opt.lane('A') {
		opt.logf("lane A: added latency at concurrency 1")
		res.LaneA, err = w.laneA(ctx)
		if err != nil {
			return nil, fmt.Errorf("lane A: %w", err)
		}
	}
	if opt.lane('B') {
		opt.logf("lane B: streaming")
		res.LaneB, err = w.laneB(ctx)
		if err != nil {
			return nil, fmt.Errorf("lane B: %w", err)
		}
	}
	if opt.lane('C') {
		opt.logf("lane C: open-loop rate ladder")
		res.LaneC = w.laneC(ctx)
	}
	if opt.lane('M') {
		opt.logf("lane M: usage API on a large ledger under load")
		res.LaneM = w.laneM(ctx, filepath.Join(tmp, "ledger"))
	}
	if v, err := procstat.RSS(w.bare.pid()); err == nil {
		w.bareLoadRSS = float64(v) / mb
	}
	w.nr.stop()
	if opt.lane('D') || opt.lane('P') {
		opt.logf("lane D: footprint (and profile)")
		var during func()
		if opt.lane('E') && opt.lane('D') {
			// Lane E needs no quiet machine for anything but its own ns/op, and lane D's quiet period only needs
			// NineRouter left alone: run E inside D's quiet minute.
			during = func() {
				opt.logf("lane E: go test -bench (during lane D's quiet period)")
				res.LaneE = laneE(ctx, opt.RepoDir, sz.benchtime, opt.Smoke)
			}
		}
		res.LaneD, res.Profile = w.laneD(ctx, filepath.Join(tmp, "main"), tmp, during)
		res.ProfileTranslation = w.profTranslation
		res.ProfileStartup = w.profStartup
		if !opt.lane('D') {
			res.LaneD = nil
		}
	}
	if opt.lane('E') && res.LaneE == nil {
		opt.logf("lane E: go test -bench")
		res.LaneE = laneE(ctx, opt.RepoDir, sz.benchtime, opt.Smoke)
	}
	if opt.lane('U') && pin.on {
		// Lane A again with nothing pinned (the laptop reality): a second set of processes on every core.
		opt.logf("lane A unpinned")
		w.stopAll()
		if err := (pinner{on: true, taskset: pin.taskset}).pinSelf(allCPUs()); err != nil {
			res.Notes = append(res.Notes, "could not unpin the load generator: "+err.Error())
		}
		runtime.GOMAXPROCS(runtime.NumCPU())
		u := &world{opt: opt, sz: sz, pin: pinner{}}
		defer u.stopAll()
		if err := u.start(ctx, filepath.Join(tmp, "unpinned")); err != nil {
			return nil, fmt.Errorf("unpinned: %w", err)
		}
		res.LaneAUnpinned, err = u.laneA(ctx)
		if err != nil {
			return nil, fmt.Errorf("lane A unpinned: %w", err)
		}
		u.stopAll()
	}
	opt.logf("done")
	res.Targets = targets(res)
	res.Duration = time.Since(start).Seconds()
	return res, nil
}

// start brings up the mock, the floors and a configured NineRouter on dataDir.
func (w *world) start(ctx context.Context, dataDir string) error {
	if err := w.startFloors(ctx); err != nil {
		return err
	}
	var err error
	w.nr, err = startRouter(ctx, "ninerouter", w.opt.RouterBin, dataDir, w.proxyArgv, w.routerEnv())
	if err != nil {
		return fmt.Errorf("start ninerouter: %w", err)
	}
	if err := w.nr.configure(ctx, w.nodes(), aliases()); err != nil {
		return fmt.Errorf("configure ninerouter: %w", err)
	}
	w.opt.logf("ninerouter %s configured (nodes %s)", w.nr.addr, strings.Join(nodePrefixes(w.nodes()), ", "))
	return nil
}

func (w *world) gomaxprocs() string {
	if w.pin.on {
		return "1"
	}
	return ""
}

// proxyArgv pins a proxy process to CPU 1.
func (w *world) proxyArgv(argv []string) []string { return w.pin.argv("1", argv) }

// startFloors starts the mock (three listeners: zero-delay, paced SSE, unpaced burst SSE), the TCP relay and
// the bare proxy in front of each.
func (w *world) startFloors(ctx context.Context) error {
	sz := w.sz
	var err error
	mockArgv := w.pin.argv("0", []string{w.opt.Self, "mock", "-events", fmt.Sprint(sz.events), "-pace", sz.pace.String()})
	w.mock, err = startListening(ctx, "mock upstream", mockArgv, nil)
	if err != nil {
		return err
	}
	addrs := strings.Split(w.mock.addr, ",")
	if len(addrs) != 3 {
		return fmt.Errorf("mock announced %q, want three addresses", w.mock.addr)
	}
	w.mockZero, w.mockPaced, w.mockBurst = addrs[0], addrs[1], addrs[2]

	env := []string{}
	if g := w.gomaxprocs(); g != "" {
		env = append(env, "GOMAXPROCS="+g)
	}
	w.relay, err = startListening(ctx, "tcp relay", w.proxyArgv([]string{w.opt.Self, "relay", "-upstream", w.mock.addr}), env)
	if err != nil {
		return err
	}
	r := strings.Split(w.relay.addr, ",")
	w.relayZero, w.relayPaced, w.relayBurst = r[0], r[1], r[2]
	ups := "http://" + strings.Join(addrs, ",http://")
	w.bare, err = startListening(ctx, "bare proxy", w.proxyArgv([]string{w.opt.Self, "bareproxy", "-upstream", ups}), env)
	if err != nil {
		return err
	}
	b := strings.Split(w.bare.addr, ",")
	w.bareZero, w.barePaced, w.bareBurst = b[0], b[1], b[2]
	time.Sleep(200 * time.Millisecond)
	if v, err := procstat.RSS(w.bare.pid()); err == nil {
		w.bareIdleRSS = float64(v) / mb
	}
	w.opt.logf("mock %s, relay %s, bare proxy %s", w.mock.addr, w.relay.addr, w.bare.addr)
	return nil
}

// nodes are the custom provider nodes NineRouter gets: one per mock listener and wire format.
func (w *world) nodes() []node {
	return []node{
		{Prefix: "mock", Format: "openai", BaseURL: "http://" + w.mockZero + "/v1"},
		{Prefix: "mocka", Format: "anthropic", BaseURL: "http://" + w.mockZero + "/v1"},
		{Prefix: "pace", Format: "openai", BaseURL: "http://" + w.mockPaced + "/v1"},
		{Prefix: "burst", Format: "openai", BaseURL: "http://" + w.mockBurst + "/v1"},
	}
}

func nodePrefixes(ns []node) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Prefix)
	}
	return out
}

// aliases give the Gemini path a model name without a slash (its model travels in the URL path).
func aliases() map[string]string {
	return map[string]string{"bench-gemini": "mock/gpt-bench"}
}

func (w *world) stopAll() {
	for _, p := range []*proc{w.bare, w.relay, w.mock} {
		if p != nil {
			p.stop()
		}
	}
	if w.nr != nil {
		w.nr.stop()
	}
}

// machineInfo records CPU, cores, kernel, Go and commit.
func machineInfo(ctx context.Context, repo string) report.Machine {
	m := report.Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if m.CPU == "" {
		m.CPU = "unknown"
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	m.Commit, m.Dirty = gitCommit(ctx, repo)
	return m
}

// newHTTPRequest is a GET with a context; small helper for probes.
func newHTTPRequest(ctx context.Context, url string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
}
