// Package team is the benchmark lane of a team server (issue #16): client requests per second served by one
// instance and by two instances on the same PostgreSQL database (in-process, each request's usage row committed
// to the shared ledger before it is answered). Lane E of `make bench` (and bench-smoke) runs it; without a
// PostgreSQL named in NINEROUTER_TEST_POSTGRES it skips, and scripts/ci/postgres.sh runs it with one.
package team

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/store/storetest"
	"github.com/ninerouter/ninerouter/backend/team/teamtest"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// BenchmarkTeamRequests reports req/s for one instance and for two instances sharing the database, requests
// spread evenly over the instances from parallel clients (GOMAXPROCS × 4).
func BenchmarkTeamRequests(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			dsn := storetest.FreshPostgres(b)
			mock := mockupstream.New(mockupstream.Options{DisableRecording: true})
			defer mock.Close()
			var insts []*teamtest.Instance
			for range n {
				insts = append(insts, teamtest.Open(b, dsn))
			}
			teamtest.SetupRouter(b, insts[0], mock.URL)
			key, _, err := insts[0].Svc.CreateKey(context.Background(), "bench")
			if err != nil {
				b.Fatal(err)
			}
			for _, in := range insts { // every instance serves before the clock starts
				for deadline := time.Now().Add(10 * time.Second); in.Chat(key, "ninerouter/active") != 200; {
					if time.Now().After(deadline) {
						b.Fatal("an instance never served the benchmark's key")
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			var next, failed atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					in := insts[int(next.Add(1))%len(insts)]
					if in.Chat(key, "ninerouter/active") != 200 {
						failed.Add(1)
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			if failed.Load() > 0 {
				b.Fatalf("%d of %d requests failed", failed.Load(), b.N)
			}
		})
	}
}
