package usage

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/store/storetest"
)

// referenceReport sums rows the way the ledger did before roll-ups: every finished row in [since, until].
func referenceReport(rows []Record, since, until time.Time, bucket string) (Totals, map[time.Time]Totals, map[string]map[string]Totals) {
	var total Totals
	buckets := map[time.Time]Totals{}
	by := map[string]map[string]Totals{"provider": {}, "model": {}, "account": {}, "key": {}, "combo": {}}
	for _, r := range rows {
		if r.Outcome == InFlight || r.Time.Before(since) || r.Time.After(until) {
			continue
		}
		total.add(r)
		start := r.Time.UTC().Truncate(time.Hour)
		if bucket == "day" {
			start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
		}
		b := buckets[start]
		b.add(r)
		buckets[start] = b
		for dim, k := range map[string]string{"provider": r.Provider, "model": r.Provider + "/" + r.Model,
			"account": strconv.FormatInt(r.AccountID, 10), "key": strconv.FormatInt(r.KeyID, 10), "combo": r.Combo} {
			t := by[dim][k]
			t.add(r)
			by[dim][k] = t
		}
	}
	return total, buckets, by
}

func near(a, b Totals) bool {
	d := a.CostUSD - b.CostUSD
	a.CostUSD, b.CostUSD = 0, 0
	return a == b && d < 1e-9 && d > -1e-9
}

// TestReportFromRollups: reports built from the hourly roll-ups plus raw edges (and the writer's cache of whole
// days) equal the row-by-row sums of requests, attempts and the rest, for ranges that start and end inside hours,
// fit in one hour, or span days; asked twice, so the second answer comes from the day cache.
func TestReportFromRollups(t *testing.T) { eachLedger(t, testReportFromRollups) }

func testReportFromRollups(t *testing.T, db *store.DB, w *Writer) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var rows []Record
	for i := range 600 {
		r := Record{ID: fmt.Sprint("r", i), RequestID: "q", Time: base.Add(time.Duration(rng.Int64N(int64(72 * time.Hour)))),
			Provider: []string{"openai", "glm"}[rng.IntN(2)], Model: []string{"gpt-4o", "m2"}[rng.IntN(2)],
			AccountID: rng.Int64N(3), KeyID: rng.Int64N(2), Combo: []string{"", "c"}[rng.IntN(2)], Attempt: 1 + rng.IntN(3),
			Input: rng.Int64N(1000), Output: rng.Int64N(500), CacheRead: rng.Int64N(9), Reasoning: rng.Int64N(7)}
		if rng.IntN(5) == 0 {
			r.Outcome = Failed
		}
		w.Begin(r)
		if i%50 == 49 {
			rows = append(rows, Record{ID: r.ID, Time: r.Time, Outcome: InFlight})
			continue // still in flight: in no report
		}
		w.Finish(r)
		r.CostUSD = w.prices.Cost(r.Provider, r.Model, r)
		if r.Outcome == "" {
			r.Outcome = OK
		}
		rows = append(rows, r)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		since, until time.Time
		bucket       string
	}{
		{"everything", base.Add(-time.Hour), base.Add(80 * time.Hour), "day"},
		{"partial hours at both ends", base.Add(90 * time.Minute), base.Add(50*time.Hour + 17*time.Minute), "hour"},
		{"within one hour", base.Add(5*time.Hour + 10*time.Minute), base.Add(5*time.Hour + 40*time.Minute), "hour"},
		{"whole hours", base.Add(3 * time.Hour), base.Add(9 * time.Hour), "hour"},
		{"across one boundary", base.Add(7*time.Hour + 59*time.Minute), base.Add(8*time.Hour + time.Minute), "hour"},
		{"from the middle of a day to the middle of another", base.Add(13*time.Hour + 7*time.Minute), base.Add(61*time.Hour + 3*time.Minute), "day"},
		{"whole days", base, base.Add(48 * time.Hour), "day"},
		{"a day and a bit, by day", base.Add(23 * time.Hour), base.Add(49*time.Hour + 30*time.Minute), "day"},
	} {
		for _, via := range []string{"Aggregate", "Writer.Report", "Writer.Report cached"} {
			t.Run(tc.name+" "+via, func(t *testing.T) {
				q := Query{Since: tc.since, Until: tc.until, Bucket: tc.bucket}
				rep, err := Aggregate(ctx, db, q)
				if via != "Aggregate" {
					rep, err = w.Report(ctx, q)
				}
				if err != nil {
					t.Fatal(err)
				}
				checkReport(t, rep, rows, tc.since, tc.until, tc.bucket)
			})
		}
	}
}

// checkReport compares a report with the row-by-row sums.
func checkReport(t *testing.T, rep Report, rows []Record, since, until time.Time, bucket string) {
	t.Helper()
	total, buckets, by := referenceReport(rows, since, until, bucket)
	if !near(rep.Total, total) {
		t.Fatalf("total %+v, want %+v", rep.Total, total)
	}
	if len(rep.Buckets) != len(buckets) {
		t.Fatalf("%d buckets, want %d", len(rep.Buckets), len(buckets))
	}
	for _, b := range rep.Buckets {
		if !near(b.Totals, buckets[b.Start]) {
			t.Errorf("bucket %s %+v, want %+v", b.Start, b.Totals, buckets[b.Start])
		}
	}
	for dim, groups := range by {
		if len(rep.By[dim]) != len(groups) {
			t.Errorf("%s: %d groups, want %d", dim, len(rep.By[dim]), len(groups))
		}
		for _, g := range rep.By[dim] {
			if !near(g.Totals, groups[g.Key]) {
				t.Errorf("%s %s %+v, want %+v", dim, g.Key, g.Totals, groups[g.Key])
			}
		}
	}
}

// TestReportToNow: reports that reach the present (the Usage page's) take the current hour from its roll-ups and
// past hours and days from the writer's cache; they equal the row-by-row sums, also after rows land late in an
// hour or day the cache already holds (an attempt that began before the hour ended, the start-up sweep).
func TestReportToNow(t *testing.T) { eachLedger(t, testReportToNow) }

func testReportToNow(t *testing.T, _ *store.DB, w *Writer) {
	ctx := context.Background()
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(3, 4))
	var rows []Record
	finish := func(r Record) {
		w.Finish(r)
		r.CostUSD = w.prices.Cost(r.Provider, r.Model, r)
		r.Outcome = OK
		rows = append(rows, r)
	}
	for i := range 400 {
		finish(Record{ID: fmt.Sprint("r", i), Attempt: 1 + rng.IntN(2), Time: now.Add(-time.Duration(rng.Int64N(int64(60 * time.Hour)))),
			Provider: "glm", Model: []string{"m1", "m2"}[rng.IntN(2)], KeyID: rng.Int64N(2), Input: rng.Int64N(100)})
	}
	queries := []Query{{Since: now.Add(-55 * time.Hour)}, {Since: now.Add(-30 * time.Hour), Bucket: "hour"},
		{Since: now.Add(-20 * time.Minute)}}
	check := func(when string) {
		for _, q := range queries {
			rep, err := w.Report(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(fmt.Sprintf("%s since %s by %s", when, now.Sub(q.Since), rep.BucketSize), func(t *testing.T) {
				checkReport(t, rep, rows, rep.Since, rep.Until, rep.BucketSize)
			})
		}
	}
	check("first")
	check("cached")
	// Late rows in the previous hour and two days ago: the cached spans they fall in are read again.
	finish(Record{ID: "late-1", Attempt: 1, Time: now.Truncate(time.Hour).Add(-time.Minute), Provider: "glm", Model: "m1", Input: 7})
	finish(Record{ID: "late-2", Attempt: 2, Time: now.Add(-48 * time.Hour), Provider: "glm", Model: "m2", Input: 9})
	check("after late rows")
}

// TestReportWhileReaderHolds: a report reader holding its connection (a long read transaction) does not stop
// the writer from committing; before the read pool, reports and the writer shared one connection.
func TestReportWhileReaderHolds(t *testing.T) {
	db, w := openLedger(t)
	tx := db.Reader().Begin()
	var n int64
	if err := tx.Raw("SELECT COUNT(*) FROM usage_records").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	finished := make(chan struct{})
	go func() {
		w.Finish(Record{ID: "x", Time: time.Now().UTC(), Provider: "openai", Model: "gpt-4o"})
		_ = w.Flush(context.Background()) // the commit itself
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("the writer waited for a report reader")
	}
}

// TestPruneKeepsRollups: rows past the retention are deleted, recent rows stay, reports over the pruned range
// still count them from the roll-ups, and 0 days keeps everything.
func TestPruneKeepsRollups(t *testing.T) { eachLedger(t, testPruneKeepsRollups) }

func testPruneKeepsRollups(t *testing.T, db *store.DB, w *Writer) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old := now.AddDate(0, 0, -100).Truncate(time.Hour)
	for i := range 2*pruneChunk + 5 {
		w.Finish(Record{ID: fmt.Sprint("old", i), Time: old.Add(time.Duration(i) * time.Millisecond), Provider: "glm", Model: "m", Input: 1})
	}
	w.Begin(Record{ID: "stuck", Time: old})
	w.Finish(Record{ID: "new", Time: now.Add(-time.Hour), Provider: "glm", Model: "m", Input: 1})
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, RetentionSetting, "0"); err != nil {
		t.Fatal(err)
	}
	if n, err := w.Prune(ctx, now); err != nil || n != 0 {
		t.Fatalf("retention 0 pruned %d rows (%v)", n, err)
	}
	if err := db.SetSetting(ctx, RetentionSetting, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Prune(ctx, now); err == nil {
		t.Fatal("an empty retention setting was accepted")
	}
	db.Exec("DELETE FROM settings WHERE key = ?", RetentionSetting)
	// The writer's own retention loop (a minute after Open, with the real clock) may already have pruned some of
	// these rows on a slow machine; what matters is that none past the retention is left.
	n, err := w.Prune(ctx, now)
	if err != nil || n > 2*pruneChunk+5 {
		t.Fatalf("pruned %d rows (%v), want at most %d", n, err, 2*pruneChunk+5)
	}
	var ids []string
	db.Table(recordTable).Order("id").Pluck("id", &ids)
	if strings.Join(ids, ",") != "new" { // "stuck" is in flight: in memory and the journal, not in the database
		t.Fatalf("rows left %v", ids)
	}
	rep, err := Aggregate(ctx, db, Query{Since: old, Until: old.Add(time.Hour)})
	if err != nil || rep.Total.Attempts != 2*pruneChunk+5 || rep.Total.Input != 2*pruneChunk+5 {
		t.Fatalf("report over the pruned hour %+v (%v)", rep.Total, err)
	}
}

// crashChildEnv makes the test binary a helper process for TestKillAfterAnswer.
const crashChildEnv = "NINEROUTER_USAGE_CRASH_CHILD"

// TestKillAfterAnswer: a process that "answers" each request right after Finish returns is killed with SIGKILL
// in the middle of a burst; after the restart (which replays the usage journal) every answered request has its
// ok row, and every attempt that had begun and not finished has an interrupted one (issue #9 finding 7). Before
// the group commit, Finish only queued the row and answered requests lost it; since the journal, the rows of the
// last moments before the kill are in the journal only, not yet in the database.
func TestKillAfterAnswer(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillAfterAnswer$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var answered, hanging []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "hanging "); ok {
			hanging = append(hanging, id)
		}
		if id, ok := strings.CutPrefix(sc.Text(), "answered "); ok {
			answered = append(answered, id)
			if len(answered) == 3000 {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	_ = cmd.Wait()
	if len(answered) < 3000 || len(hanging) == 0 {
		t.Fatalf("the helper answered only %d requests, %d hanging", len(answered), len(hanging))
	}
	db := openDB(t, dir)
	defer db.Close()
	var before int64
	db.Table(recordTable).Count(&before)
	w, err := Open(context.Background(), db, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Logf("%d answered, %d rows in the database at the kill, the rest from the journal", len(answered), before)
	outcome := map[string]string{}
	var rows []Record
	if err := db.Table(recordTable).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		outcome[r.ID] = r.Outcome
	}
	var lost []string
	for _, id := range answered {
		if outcome[id] != OK {
			lost = append(lost, id)
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Fatalf("%d of %d answered requests have no ok row: %v", len(lost), len(answered), lost)
	}
	for _, id := range hanging {
		if outcome[id] != Interrupted {
			t.Fatalf("attempt %s was in flight at the kill: outcome %q, want interrupted", id, outcome[id])
		}
	}
	rep, err := Aggregate(context.Background(), db, Query{Since: time.Now().Add(-time.Hour)})
	if err != nil || rep.Total.Attempts != int64(len(rows)) {
		t.Fatalf("roll-ups count %d attempts, the ledger has %d rows (%v)", rep.Total.Attempts, len(rows), err)
	}
	if gens, _ := journalFiles(dir); len(gens) != 0 {
		t.Fatalf("journal files left after a clean close: %v", gens)
	}
}

// crashChild serves an endless burst from 8 goroutines: Begin, Finish, then "answer" (print the id). Every
// hundredth attempt of a goroutine begins and never ends (a stream still running at the kill).
func crashChild(dir string) {
	ctx := context.Background()
	db, err := openDBErr(dir)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	w, err := Open(ctx, db, quiet, nil)
	if err != nil {
		fmt.Println("open writer:", err)
		os.Exit(1)
	}
	lines := make(chan string, 64)
	for g := range 8 {
		go func() {
			for i := 0; ; i++ {
				r := Record{ID: fmt.Sprintf("g%d-%d", g, i), RequestID: "q", Time: time.Now().UTC(), Provider: "openai", Model: "gpt-4o", Input: 3}
				w.Begin(r)
				if i%100 == 50 {
					lines <- "hanging " + r.ID
					continue
				}
				w.Finish(r)
				lines <- "answered " + r.ID
			}
		}()
	}
	for l := range lines {
		fmt.Println(l)
	}
}

// TestCanceledIsNotAnError: a client that leaves is recorded as canceled, and no total counts it as an error:
// not the in-memory totals, not the roll-ups (whole hours), not the raw-row edges of a range.
func TestCanceledIsNotAnError(t *testing.T) { eachLedger(t, testCanceledIsNotAnError) }

func testCanceledIsNotAnError(t *testing.T, db *store.DB, w *Writer) {
	ctx := context.Background()
	hour := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Hour)
	for i, outcome := range []string{OK, Canceled, Failed} {
		w.Finish(Record{ID: fmt.Sprint("r", i), Time: hour.Add(30 * time.Minute), Provider: "glm", Model: "m", Outcome: outcome})
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{
		{Since: hour, Until: hour.Add(time.Hour)},                         // a whole hour: the roll-up
		{Since: hour.Add(time.Minute), Until: hour.Add(59 * time.Minute)}, // inside one hour: raw rows
	} {
		rep, err := Aggregate(ctx, db, q)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total.Attempts != 3 || rep.Total.Errors != 1 {
			t.Fatalf("%v: %d attempts, %d errors; want 3 attempts, 1 error (canceled is not an error)", q, rep.Total.Attempts, rep.Total.Errors)
		}
	}
	var tot Totals
	tot.add(Record{Outcome: Canceled})
	if tot.Errors != 0 {
		t.Fatal("in-memory totals count a canceled attempt as an error")
	}
}

// openLedger opens a fresh database and its writer, both closed when the test ends (writer first).
func openLedger(t testing.TB) (*store.DB, *Writer) {
	t.Helper()
	return openLedgerOn(t, openDB(t, t.TempDir()))
}

// eachLedger runs a ledger test on SQLite and, when scripts/ci/postgres.sh names a server, on PostgreSQL.
func eachLedger(t *testing.T, run func(t *testing.T, db *store.DB, w *Writer)) {
	t.Run("sqlite", func(t *testing.T) {
		db, w := openLedger(t)
		run(t, db, w)
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := store.OpenPostgres(context.Background(), storetest.FreshPostgres(t))
		if err != nil {
			t.Fatal(err)
		}
		db, w := openLedgerOn(t, db)
		run(t, db, w)
	})
}

func openLedgerOn(t testing.TB, db *store.DB) (*store.DB, *Writer) {
	t.Helper()
	t.Cleanup(func() { db.Close() })
	w, err := Open(context.Background(), db, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return db, w
}
