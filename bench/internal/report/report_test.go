package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *Result {
	return &Result{Mode: "full", Started: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC), Duration: 200,
		Machine: Machine{CPU: "AMD EPYC", Cores: 2, Commit: "abc123", Dirty: true, GoVersion: "go1.26.8"},
		LaneA: &LaneA{Warmup: 1, Rounds: 2, PerRound: 3, Paths: []PathStat{
			{Name: "direct", Kind: "direct", P50us: 100, P99us: 300},
			{Name: "nr", Kind: "passthrough", Baseline: "direct", P50us: 400, AddedP50us: 300, RatioBare: 1.5, RatioFloor: 3},
			{Name: "pair", Kind: "translation", Skipped: "HTTP 400"},
		}},
		LaneD: &LaneD{Skipped: "no /proc"},
		LaneM: &LaneM{Rows: 1_000_000, Days: 30, Concurrency: 8, PhaseSeconds: 5, PollEveryMs: 250, ReqPerSecQuiet: 900,
			ReqPerSecPolled: 880, Polls: 20, UsageP50ms: 12.5, UsageP99ms: 40.25, UsageMaxms: 41, ReportedRequests: 1_000_000},
		SecretKey: true,
		Targets:   []Target{{Name: "x", Want: "≤ 1", Got: "2", Status: "miss", Note: "why"}},
	}
}

func TestMarkdownShowsEveryLaneAndTarget(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, sample()); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{"`abc123` (+ uncommitted", "AMD EPYC, 2 cores", "MISS  x: got 2 (want ≤ 1); why",
		"| nr | 400 |", "1.50×", "skipped: HTTP 400", "## Lane D", "Skipped: no /proc",
		"## Lane M", "| 900 | 880 | 12.5 / 40.2 / 41.0 | 20 | 1000000 | 0 |", "encrypted file (NINEROUTER_SECRET_KEY set)"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestWriteJSONRoundTrips(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "r.json")
	if err := WriteJSON(p, sample()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.LaneA.Paths[1].RatioBare != 1.5 || back.Targets[0].Status != "miss" {
		t.Fatalf("round trip lost data: %+v", back)
	}
}
