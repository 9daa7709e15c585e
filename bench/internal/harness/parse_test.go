package harness

import (
	"testing"

	"github.com/ninerouter/ninerouter/bench/internal/report"
)

func TestParseGoBench(t *testing.T) {
	out := []byte(`goos: linux
goarch: amd64
pkg: github.com/ninerouter/ninerouter/backend/translate
cpu: AMD EPYC
BenchmarkPair/anthropic-openai-2         	   12345	     95012 ns/op	   40960 B/op	     321 allocs/op
BenchmarkNoMem-2   	1000	  12.5 ns/op
PASS
ok  	github.com/ninerouter/ninerouter/backend/translate	1.2s
pkg: github.com/ninerouter/ninerouter/backend/proxy
BenchmarkServe-2 	 500	 2000 ns/op	 100 B/op	 3 allocs/op
`)
	got := parseGoBench(out)
	want := []report.GoBench{
		{Package: "backend/translate", Name: "BenchmarkPair/anthropic-openai-2", N: 12345, NsPerOp: 95012, BytesPerOp: 40960, AllocsPerOp: 321},
		{Package: "backend/translate", Name: "BenchmarkNoMem-2", N: 1000, NsPerOp: 12.5},
		{Package: "backend/proxy", Name: "BenchmarkServe-2", N: 500, NsPerOp: 2000, BytesPerOp: 100, AllocsPerOp: 3},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d benchmarks: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("#%d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseGoroutines(t *testing.T) {
	profile := `goroutine profile: total 13
4 @ 0x1 0x2
#	0x47d8c4	net/http.(*persistConn).readLoop+0x84	/usr/local/go/src/net/http/transport.go:2395

4 @ 0x3
#	0x47d9c4	net/http.(*persistConn).writeLoop+0x84	/usr/local/go/src/net/http/transport.go:2600

5 @ 0x5
#	0x1	main.main+0x1	main.go:1
`
	g, err := parseGoroutines(profile)
	if err != nil {
		t.Fatal(err)
	}
	if g.total != 13 || g.pooled != 8 {
		t.Fatalf("got %+v, want total 13 pooled 8", g)
	}
	if _, err := parseGoroutines("nope"); err == nil {
		t.Fatal("want an error for a non-profile")
	}
}

// Targets never pass what did not run.
func TestTargetsMissingLanesAreNotPasses(t *testing.T) {
	r := &report.Result{Mode: "full", LaneA: &report.LaneA{Paths: []report.PathStat{
		{Name: "p", Kind: kindPassthrough, Skipped: "HTTP 404"},
		{Name: "t", Kind: kindTranslation, RatioBare: 1.2, AddedP50us: 100, AddedP99us: 2000},
	}}}
	for _, tg := range targets(r) {
		switch {
		case tg.Name == "t added p50 vs bare proxy" && tg.Status != "pass":
			t.Errorf("%s: %s", tg.Name, tg.Status)
		case tg.Name == "t added p99 (c=1)" && tg.Status != "miss":
			t.Errorf("%s: %s", tg.Name, tg.Status)
		case tg.Name == "p added p50 vs bare proxy" && tg.Status != "n/a":
			t.Errorf("%s: %s", tg.Name, tg.Status)
		case tg.Status == "pass" && tg.Name != "t added p50 vs bare proxy":
			t.Errorf("unexpected pass: %s", tg.Line())
		}
	}
}
