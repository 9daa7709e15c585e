package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/bench/internal/loadgen"
	"github.com/ninerouter/ninerouter/bench/internal/procstat"
	"github.com/ninerouter/ninerouter/bench/internal/report"
)

const mb = 1 << 20

// laneD measures the real headless binary's footprint on the configured data dir: exec → first 200, idle RSS
// before any request, RSS after the load and after a quiet period, idle CPU. Goroutine counts and the CPU
// profile come from the bench-only profiling build (same cli.Main, plus pprof) run side by side on a copy of
// the data dir, so the production binary stays exactly as shipped.
// loadConns is how many clients send lane D's load at once.
const loadConns = 4

// during, when set, runs while the footprint instance sits idle (lane E), and laneD waits for it.
func (w *world) laneD(ctx context.Context, dataDir, tmp string, during func()) (*report.LaneD, *report.Profile) {
	sz := w.sz
	d := &report.LaneD{LoadRequests: sz.loadRequests, RecoverSeconds: sz.recover.Seconds(), IdleCPUSeconds: sz.idleCPU.Seconds(),
		BareIdleRSSMB: w.bareIdleRSS, BareAfterLoadRSSMB: w.bareLoadRSS}
	var prof *report.Profile
	key := w.nr.key
	env := w.routerEnv()

	// -lanes P alone: only the profile, none of the slow footprint steps.
	footprint := w.opt.lane('D')
	if !footprint {
		sz.execRuns, sz.loadRequests, sz.idleCPU, sz.recover = 0, 0, 0, 0
	}
	// exec → first 200, warm data dir: /healthz first, then a real model request through to the mock.
	var toModel, toHealth, startCPU []float64
	for i := 0; i < sz.execRuns; i++ {
		h, m, rss, err := w.execToFirst200(ctx, dataDir, key, env)
		if err != nil {
			d.Skipped = "exec → first 200: " + shortErr(err)
			return d, nil
		}
		toHealth, toModel = append(toHealth, ms(h)), append(toModel, ms(m))
		startCPU = append(startCPU, ms(w.lastStartCPU))
		d.FirstRSSMB = rss
	}
	if footprint {
		slices.Sort(toModel)
		slices.Sort(toHealth)
		slices.Sort(startCPU)
		d.ExecTo200ms, d.ExecTo200Max, d.ExecToHealthzMs = toModel[len(toModel)/2], toModel[len(toModel)-1], toHealth[len(toHealth)/2]
		d.StartCPUms = startCPU[len(startCPU)/2]
		d.DataDBMB = dbSizeMB(dataDir)
		if w.opt.ProfBin != "" && w.opt.lane('P') {
			w.profStartup = w.startupProfile(ctx, dataDir, key, env)
		}
		// The same configuration on a fresh data dir, without the usage history lanes A–C left behind.
		if m, err := w.freshStart(ctx, filepath.Join(tmp, "fresh"), env); err == nil {
			d.FreshExecTo200ms = ms(m)
		} else {
			d.FreshNote = shortErr(err)
		}
		// Cold: an empty data dir, so the database and the CLI token are created first.
		if h, _, _, err := w.execToFirst200(ctx, filepath.Join(tmp, "cold"), "", env); err == nil {
			d.ColdExecTo200ms = ms(h)
		}
		// With NINEROUTER_SECRET_KEY the secret file is sealed, and every start derives its key with scrypt.
		if m, rss, err := w.sealedStart(ctx, dataDir, filepath.Join(tmp, "sealed"), key, env); err == nil {
			d.SealedExecTo200ms, d.SealedFirstRSSMB = ms(m), rss
		} else {
			d.SealedNote = shortErr(err)
		}
	}

	// The footprint instance: nothing is sent before the idle reading.
	nr, err := startRouter(ctx, "ninerouter (footprint)", w.opt.RouterBin, dataDir, w.proxyArgv, env)
	if err != nil {
		d.Skipped = shortErr(err)
		return d, nil
	}
	defer nr.stop()
	nr.key = key
	var pr *router
	pprofAddr := ""
	if w.opt.ProfBin != "" {
		profDir := filepath.Join(tmp, "prof")
		if err := os.CopyFS(profDir, os.DirFS(dataDir)); err == nil {
			pprofAddr, _ = freePort()
			penv := append(slices.Clone(env), "NRPROF_ADDR="+pprofAddr)
			pr, err = startRouter(ctx, "ninerouter (profiling build)", w.opt.ProfBin, profDir, w.proxyArgv, penv)
			if err != nil {
				pr = nil
				d.GoroutineNote = "profiling build did not start: " + shortErr(err)
			} else {
				defer pr.stop()
				pr.key = key
			}
		}
	}
	if footprint {
		time.Sleep(min(time.Second, sz.recover/2))
	}
	if v, err := procstat.RSS(nr.pid()); err == nil {
		d.IdleRSSMB = float64(v) / mb
	}
	if pr != nil {
		g, _ := goroutines(ctx, pprofAddr)
		d.GoroutinesBase, d.PooledBase = g.total, g.pooled
	}

	// Load: loadRequests passthrough requests from loadConns clients at once, then the clients let their
	// connections go.
	req := openAIChat("http://"+nr.addr, "mock/gpt-bench", false, key)
	client := loadgen.NewClient(loadConns)
	errc := make(chan error, loadConns)
	var next atomic.Int64
	for c := 0; c < loadConns; c++ {
		go func() {
			for next.Add(1) <= int64(sz.loadRequests) {
				if _, err := loadgen.Do(ctx, client, req); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	var loadErr error
	for c := 0; c < loadConns; c++ {
		if err := <-errc; err != nil && loadErr == nil {
			loadErr = err
		}
	}
	client.CloseIdleConnections()
	if loadErr != nil {
		d.Skipped = "load: " + shortErr(loadErr)
		return d, nil
	}
	if v, err := procstat.RSS(nr.pid()); err == nil {
		d.AfterLoadRSSMB = float64(v) / mb
	}

	// The profiling build gets the same load while its CPU profile records.
	if pr != nil && w.opt.lane('P') {
		prof = w.profile(ctx, pr, pprofAddr, "passthrough OpenAI→OpenAI", "ninerouter-cpu.pprof",
			openAIChat("http://"+pr.addr, "mock/gpt-bench", false, key), sz.profRequests)
		w.profTranslation = w.profile(ctx, pr, pprofAddr, "translation Anthropic→OpenAI", "ninerouter-cpu-anthropic-openai.pprof",
			anthropicMessages("http://"+pr.addr, "mock/gpt-bench", false, key), sz.profRequests/2)
		time.Sleep(100 * time.Millisecond)
		g, _ := goroutines(ctx, pprofAddr)
		d.GoroutinesAfter, d.PooledAfter = g.total, g.pooled
	} else {
		prof = &report.Profile{Skipped: "no profiling build"}
	}

	// Quiet period: idle CPU over the first idleCPU, RSS and goroutines at its end.
	// Whatever runs meanwhile (lane E's go test) loads other processes only: the figures below are the
	// footprint process's own CPU time, RSS and goroutines.
	quietStart := time.Now()
	duringDone := make(chan struct{})
	go func() {
		defer close(duringDone)
		if during != nil {
			during()
		}
	}()
	defer func() { <-duringDone }()
	cpu0, err0 := procstat.CPUTime(nr.pid())
	time.Sleep(sz.idleCPU)
	cpu1, err1 := procstat.CPUTime(nr.pid())
	if err0 == nil && err1 == nil && sz.idleCPU > 0 {
		d.IdleCPUms = ms(cpu1 - cpu0)
		d.IdleCPUPercent = 100 * float64(cpu1-cpu0) / float64(sz.idleCPU)
	}
	time.Sleep(sz.recover - time.Since(quietStart))
	if v, err := procstat.RSS(nr.pid()); err == nil {
		d.RecoveredRSSMB = float64(v) / mb
	}
	if pr != nil {
		g, _ := goroutines(ctx, pprofAddr)
		d.GoroutinesRecover, d.PooledRecover = g.total, g.pooled
	}
	return d, prof
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// startupProfile starts the profiling build a few times on dataDir with its start-up CPU profile on, waits
// for the first model 200 each time, and merges the profiles.
func (w *world) startupProfile(ctx context.Context, dataDir, key string, env []string) *report.Profile {
	out := &report.Profile{Path: "start-up, exec → first 200, on the data dir with the run's usage history"}
	if w.opt.OutDir == "" {
		out.Skipped = "no output directory"
		return out
	}
	var files []string
	for i := 0; i < max(1, w.sz.execRuns); i++ {
		file := filepath.Join(w.opt.OutDir, fmt.Sprintf("ninerouter-startup-%d.pprof", i))
		penv := append(slices.Clone(env), "NRPROF_STARTUP_CPU="+file, "NRPROF_STARTUP_MS=400")
		bin := w.opt.RouterBin
		w.opt.RouterBin = w.opt.ProfBin
		_, m, _, err := w.execToFirst200Wait(ctx, dataDir, key, penv, 500*time.Millisecond)
		w.opt.RouterBin = bin
		if err != nil {
			out.Skipped = shortErr(err)
			return out
		}
		files = append(files, file)
		out.Requests++
		_ = m
	}
	out.File = fmt.Sprintf("ninerouter-startup-{0..%d}.pprof", len(files)-1)
	out.Top = pprofTop(ctx, w.opt.ProfBin, files[0], append([]string{"-nodecount=40"}, files[1:]...)...)
	return out
}

// dbSizeMB is the size of the data dir's database with its write-ahead log.
func dbSizeMB(dir string) float64 {
	var n int64
	for _, f := range []string{"ninerouter.db", "ninerouter.db-wal"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
			n += st.Size()
		}
	}
	return float64(n) / mb
}

// freshStart configures a new data dir like the main one (nodes, a client key) and measures the median of
// three starts on it.
func (w *world) freshStart(ctx context.Context, dir string, env []string) (time.Duration, error) {
	nr, err := startRouter(ctx, "ninerouter (fresh)", w.opt.RouterBin, dir, w.proxyArgv, env)
	if err != nil {
		return 0, err
	}
	err = nr.configure(ctx, w.nodes(), aliases())
	nr.stop()
	if err != nil {
		return 0, err
	}
	var runs []time.Duration
	for i := 0; i < 3; i++ {
		_, m, _, err := w.execToFirst200(ctx, dir, nr.key, env)
		if err != nil {
			return 0, err
		}
		runs = append(runs, m)
	}
	slices.Sort(runs)
	return runs[1], nil
}

// sealedStart copies the configured data dir, seals its secret file (a start with NINEROUTER_SECRET_KEY and
// one write of a secret), then measures a start with the key.
func (w *world) sealedStart(ctx context.Context, from, dir, key string, env []string) (time.Duration, float64, error) {
	if err := os.CopyFS(dir, os.DirFS(from)); err != nil {
		return 0, 0, err
	}
	env = append(slices.Clone(env), "NINEROUTER_SECRET_KEY="+benchSecretKey)
	nr, err := startRouter(ctx, "ninerouter (sealing)", w.opt.RouterBin, dir, w.proxyArgv, env)
	if err != nil {
		return 0, 0, err
	}
	err = nr.manage(ctx, http.MethodPost, "/api/nodes", map[string]any{"prefix": "sealed", "format": "openai",
		"baseUrl": "http://" + w.mockZero + "/v1", "apiKey": "sk-nrbench-sealed"}, nil)
	nr.stop()
	if err != nil {
		return 0, 0, err
	}
	_, m, rss, err := w.execToFirst200(ctx, dir, key, env)
	return m, rss, err
}

// execToFirst200 starts the binary and polls every millisecond: first GET /healthz until 200, then (when key is
// set) a real chat completion through to the mock until 200. Both are measured from just before exec; the RSS
// is read right after the first model answer.
func (w *world) execToFirst200(ctx context.Context, dataDir, key string, env []string) (health, model time.Duration, rssMB float64, err error) {
	return w.execToFirst200Wait(ctx, dataDir, key, env, 0)
}

// execToFirst200Wait is execToFirst200 keeping the process up for linger after its first 200.
func (w *world) execToFirst200Wait(ctx context.Context, dataDir, key string, env []string, linger time.Duration) (health, model time.Duration, rssMB float64, err error) {
	addr, err := freePort()
	if err != nil {
		return 0, 0, 0, err
	}
	argv := w.proxyArgv([]string{w.opt.RouterBin, "serve", "--addr", addr, "--data-dir", dataDir})
	client := loadgen.NewClient(2)
	defer client.CloseIdleConnections()
	start := time.Now()
	p, _, err := startProc(ctx, "ninerouter (start-up)", argv, env, false)
	if err != nil {
		return 0, 0, 0, err
	}
	defer p.stop()
	deadline := start.Add(20 * time.Second)
	poll := func(r loadgen.Request) (time.Duration, error) {
		for {
			if _, err := loadgen.Do(ctx, client, r); err == nil {
				return time.Since(start), nil
			} else if time.Now().After(deadline) {
				return 0, fmt.Errorf("no 200 within 20 s: %v (%s)", err, p.stderr.String())
			}
			select {
			case <-p.done:
				return 0, fmt.Errorf("exited: %v: %s", p.err, p.stderr.String())
			case <-time.After(time.Millisecond):
			}
		}
	}
	health, err = poll(loadgen.Request{Method: http.MethodGet, URL: "http://" + addr + "/healthz"})
	if err != nil || key == "" {
		return health, 0, 0, err
	}
	model, err = poll(openAIChat("http://"+addr, "mock/gpt-bench", false, key))
	if v, rerr := procstat.RSS(p.pid()); rerr == nil {
		rssMB = float64(v) / mb
	}
	if c, cerr := procstat.CPUTime(p.pid()); cerr == nil {
		w.lastStartCPU = c
	}
	time.Sleep(linger)
	return health, model, rssMB, err
}

// goroutineCount is the profiling build's goroutine total, and how many of them are an idle keep-alive
// connection of an http.Transport (readLoop/writeLoop): those live until the transport's IdleConnTimeout by
// design, so they are reported apart from the rest.
type goroutineCount struct{ total, pooled int }

// goroutines reads the profiling build's goroutine profile (debug=1: "N @ pcs" blocks with "#" frame lines).
func goroutines(ctx context.Context, pprofAddr string) (goroutineCount, error) {
	var g goroutineCount
	req, err := newHTTPRequest(ctx, "http://"+pprofAddr+"/debug/pprof/goroutine?debug=1")
	if err != nil {
		return g, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return g, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return g, err
	}
	return parseGoroutines(string(raw))
}

func parseGoroutines(profile string) (goroutineCount, error) {
	var g goroutineCount
	lines := strings.Split(profile, "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "goroutine profile: total ") {
		return g, fmt.Errorf("not a goroutine profile: %.60q", profile)
	}
	total, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(lines[0], "goroutine profile: total ")))
	if err != nil {
		return g, err
	}
	g.total = total
	block, counted := 0, false
	for _, l := range lines[1:] {
		if n, _, ok := strings.Cut(l, " @ "); ok {
			block, _ = strconv.Atoi(n)
			counted = false
			continue
		}
		if !counted && strings.HasPrefix(l, "#") && (strings.Contains(l, "(*persistConn).readLoop") || strings.Contains(l, "(*persistConn).writeLoop")) {
			g.pooled += block
			counted = true
		}
	}
	return g, nil
}

// profile records a CPU profile of the profiling build while it serves passthrough requests at concurrency 1,
// then keeps the heaviest functions by cumulative time.
func (w *world) profile(ctx context.Context, pr *router, pprofAddr, name, file string, req loadgen.Request, requests int) *report.Profile {
	out := &report.Profile{Path: name, Requests: requests}
	if w.opt.OutDir == "" {
		out.Skipped = "no output directory"
		return out
	}
	client := loadgen.NewClient(2)
	defer client.CloseIdleConnections()
	// Warm the connection pools so the profile is the steady state.
	for i := 0; i < 50; i++ {
		if _, err := loadgen.Do(ctx, client, req); err != nil {
			out.Skipped = shortErr(err)
			return out
		}
	}
	// Estimate how long sz.profRequests take, so the profile window covers the load.
	t0 := time.Now()
	for i := 0; i < 50; i++ {
		loadgen.Do(ctx, client, req) //nolint:errcheck // warm-up
	}
	per := time.Since(t0) / 50
	secs := max(1, int((per*time.Duration(requests)).Seconds()+0.5))
	out.Requests = 0
	type got struct {
		b   []byte
		err error
	}
	ch := make(chan got, 1)
	go func() {
		r, err := newHTTPRequest(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, secs))
		if err != nil {
			ch <- got{nil, err}
			return
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			ch <- got{nil, err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		ch <- got{b, err}
	}()
	end := time.Now().Add(time.Duration(secs) * time.Second)
	for time.Now().Before(end) {
		if _, err := loadgen.Do(ctx, client, req); err != nil {
			break
		}
		out.Requests++
	}
	g := <-ch
	if g.err != nil {
		out.Skipped = "profile: " + shortErr(g.err)
		return out
	}
	file = filepath.Join(w.opt.OutDir, file)
	if err := os.WriteFile(file, g.b, 0o644); err != nil {
		out.Skipped = shortErr(err)
		return out
	}
	out.File = filepath.Base(file)
	out.Top = pprofTop(ctx, w.opt.ProfBin, file, "-nodecount=25")
	// The request path alone: what a request's own goroutine spends, without background work.
	out.RequestTop = pprofTop(ctx, w.opt.ProfBin, file, "-nodecount=30", `-focus=net/http\.\(\*conn\)\.serve`)
	return out
}

// pprofTop runs `go tool pprof -top -cum` with extra flags and returns its lines.
func pprofTop(ctx context.Context, bin, file string, flags ...string) []string {
	args := append([]string{"tool", "pprof", "-top", "-cum"}, flags...)
	top, err := exec.CommandContext(ctx, "go", append(args, bin, file)...).Output()
	if err != nil {
		return []string{"go tool pprof failed: " + err.Error()}
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(top), "\n"), "\n") {
		out = append(out, strings.TrimRight(l, " "))
	}
	return out
}
