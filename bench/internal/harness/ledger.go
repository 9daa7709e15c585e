package harness

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/bench/internal/loadgen"
	"github.com/ninerouter/ninerouter/bench/internal/report"
)

// Lane M: the usage API against a large ledger while model traffic runs (issue #9 finding 2). A NineRouter is
// configured, stopped, its database seeded directly with rows spread over 30 days (and their roll-ups rebuilt,
// as the migration does), then started again. Closed-loop traffic runs three equal phases: alone, with a client
// polling GET /api/usage?since=720h, alone again; requests/s of the polled phase is compared with the mean of
// the two quiet ones.

const ledgerDays = 30

func (w *world) laneM(ctx context.Context, dataDir string) *report.LaneM {
	m := &report.LaneM{Rows: 1_000_000, Days: ledgerDays, Concurrency: 8, PhaseSeconds: 5, PollEveryMs: 1000}
	if w.opt.Smoke {
		m.Rows, m.Concurrency, m.PhaseSeconds, m.PollEveryMs = 5_000, 4, 0.7, 50
	}
	skip := func(err error) *report.LaneM { m.Skipped = err.Error(); return m }
	nr, err := startRouter(ctx, "ninerouter (ledger)", w.opt.RouterBin, dataDir, w.proxyArgv, w.routerEnv())
	if err != nil {
		return skip(err)
	}
	if err := nr.configure(ctx, w.nodes(), aliases()); err != nil {
		nr.stop()
		return skip(err)
	}
	key := nr.key
	nr.stop()
	began := time.Now()
	if err := seedLedger(ctx, dataDir, m.Rows, ledgerDays); err != nil {
		return skip(fmt.Errorf("seed the ledger: %w", err))
	}
	m.SeedSeconds = time.Since(began).Seconds()
	w.opt.logf("lane M: %d rows seeded in %.1f s", m.Rows, m.SeedSeconds)
	nr, err = startRouter(ctx, "ninerouter (ledger)", w.opt.RouterBin, dataDir, w.proxyArgv, w.routerEnv())
	if err != nil {
		return skip(err)
	}
	defer nr.stop()
	nr.key = key

	req := openAIChat("http://"+nr.addr, "mock/gpt-bench", false, key)
	client := loadgen.NewClient(m.Concurrency)
	phase := time.Duration(m.PhaseSeconds * float64(time.Second))
	if _, errs := closedLoop(ctx, client, req, m.Concurrency, phase/5); errs > 0 {
		return skip(fmt.Errorf("warm-up: %d requests failed", errs))
	}
	quiet1, e1 := closedLoop(ctx, client, req, m.Concurrency, phase)

	var lat []time.Duration
	var pollErrs int
	pollCtx, stopPoll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for pollCtx.Err() == nil {
			t0 := time.Now()
			var rep struct {
				Total struct {
					Requests int64 `json:"requests"`
				} `json:"total"`
			}
			if err := nr.manage(pollCtx, http.MethodGet, "/api/usage?since=720h", nil, &rep); err != nil {
				if pollCtx.Err() == nil {
					pollErrs++
				}
			} else {
				lat = append(lat, time.Since(t0))
				m.ReportedRequests = rep.Total.Requests
			}
			select {
			case <-pollCtx.Done():
			case <-time.After(time.Duration(m.PollEveryMs) * time.Millisecond):
			}
		}
	}()
	polled, e2 := closedLoop(ctx, client, req, m.Concurrency, phase)
	stopPoll()
	wg.Wait()
	quiet2, e3 := closedLoop(ctx, client, req, m.Concurrency, phase)

	m.ReqPerSecQuiet = (quiet1 + quiet2) / 2
	m.ReqPerSecPolled = polled
	m.Errors = e1 + e2 + e3 + pollErrs
	m.Polls = len(lat)
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
		}
		m.UsageP50ms, m.UsageP99ms, m.UsageMaxms = q(0.5), q(0.99), float64(lat[len(lat)-1].Microseconds())/1000
	}
	return m
}

// closedLoop keeps conc requests in flight for d and returns completed requests per second and the errors.
func closedLoop(ctx context.Context, c *http.Client, r loadgen.Request, conc int, d time.Duration) (float64, int) {
	var ok, bad atomic.Int64
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if _, err := loadgen.Do(ctx, c, r); err != nil {
					bad.Add(1)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), int(bad.Load())
}

// seedLedger writes rows finished attempts spread evenly over the last days into a stopped instance's
// database, with a spread of providers, models, accounts, keys and combos (32 slices per hour), then rebuilds
// the roll-ups. The rows are generated inside SQLite by one recursive statement: a million single-row inserts
// from Go took five minutes on a busy 2-core machine. Times are written in the driver's own format (UTC,
// "YYYY-MM-DD HH:MM:SS+00:00") so that the ledger's string comparisons order them right.
func seedLedger(ctx context.Context, dataDir string, rows, days int) error {
	db, err := store.Open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	// Indexes are built once after the insert (a sorted build) instead of row by row.
	for _, q := range []string{"DROP INDEX IF EXISTS idx_usage_records_time", "DROP INDEX IF EXISTS idx_usage_records_in_flight"} {
		if err := db.WithContext(ctx).Exec(q).Error; err != nil {
			return err
		}
	}
	span := int64(days) * 24 * 3600
	start := time.Now().UTC().Add(-time.Minute).Unix() - span
	err = db.WithContext(ctx).Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
		INSERT INTO usage_records (id, request_id, attempt, time, provider, account_id, model, requested, combo, entry,
			key_id, endpoint, outcome, status, error, latency_ms, ttfb_ms, input, output, cache_read, cache_write,
			reasoning, reported, cost_usd)
		SELECT 'seed-' || i || '-1', 'seed-' || i, 1,
			strftime('%Y-%m-%d %H:%M:%S', ? + i * ? / ?, 'unixepoch') || '+00:00',
			CASE WHEN i % 2 = 0 THEN 'mock' ELSE 'mocka' END, 1 + (i / 2) % 2,
			CASE WHEN (i / 4) % 2 = 0 THEN 'gpt-bench' ELSE 'gpt-bench-mini' END, '',
			CASE WHEN (i / 16) % 2 = 0 THEN '' ELSE 'bench-combo' END, '', 1 + (i / 8) % 2, '/v1/chat/completions',
			CASE WHEN i % 50 = 7 THEN 'error' ELSE 'ok' END, CASE WHEN i % 50 = 7 THEN 429 ELSE 200 END, '',
			300 + i % 900, 100 + i % 200, i % 4000, i % 800, 0, 0, 0, 1, (i % 4000) * 2.5e-6 + (i % 800) * 1e-5
		FROM n`, rows, start, span, rows).Error
	if err != nil {
		return err
	}
	for _, q := range []string{"CREATE INDEX idx_usage_records_time ON usage_records(time)",
		"CREATE INDEX idx_usage_records_in_flight ON usage_records(outcome) WHERE outcome = 'in_flight'"} {
		if err := db.WithContext(ctx).Exec(q).Error; err != nil {
			return err
		}
	}
	return store.RollUpUsage(db.WithContext(ctx))
}

// routerEnv is the environment of the run's NineRouter instances: the plain secret file, or the
// scrypt-encrypted one with -secret-key.
func (w *world) routerEnv() []string {
	env := routerEnv(w.gomaxprocs())
	if w.opt.SecretKey {
		env = append(env, "NINEROUTER_SECRET_KEY="+benchSecretKey)
	}
	return env
}

// benchSecretKey seals the secret file in lane D's sealed start and in -secret-key runs.
const benchSecretKey = "nrbench-not-a-secret"
