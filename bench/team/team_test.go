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

	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/store/storetest"
	"github.com/ninerouter/ninerouter/backend/team/teamtest"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// BenchmarkTeamRequests reports req/s for one instance and for two instances sharing the database, requests
// spread evenly over the instances from parallel clients (GOMAXPROCS × 4). The round-robin cases rotate over two
// accounts through the cluster's shared rotation counter (backend/team.Cluster: one UPDATE … RETURNING per sticky
// run, so per request with sticky=1, the worst case, and per third request with the default 3): their difference
// to the fill-first case of two instances is that cost.
func BenchmarkTeamRequests(b *testing.B) {
	for _, c := range []struct {
		n      int
		sticky int // 0: fill-first
	}{{1, 0}, {2, 0}, {2, 3}, {2, 1}} {
		name := fmt.Sprintf("instances=%d", c.n)
		if c.sticky > 0 {
			name += fmt.Sprintf("/round-robin-sticky=%d", c.sticky)
		}
		n := c.n
		b.Run(name, func(b *testing.B) {
			dsn := storetest.FreshPostgres(b)
			mock := mockupstream.New(mockupstream.Options{DisableRecording: true})
			defer mock.Close()
			var insts []*teamtest.Instance
			for range n {
				insts = append(insts, teamtest.Open(b, dsn))
			}
			teamtest.SetupRouter(b, insts[0], mock.URL)
			if c.sticky > 0 {
				teamtest.RoundRobin(b, insts[0], mock.URL, c.sticky)
			}
			key, _, err := insts[0].Svc.CreateKey(context.Background(), "bench")
			if err != nil {
				b.Fatal(err)
			}
			// Every instance serves before the clock starts; the key was made last, so an instance that knows it
			// has the rest of the setup too.
			for _, in := range insts {
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

// BenchmarkTeamTurn is the round trip a shared rotation turn costs (store.DB.Turn, one UPDATE … RETURNING on a
// counter row), from parallel clients on one instance's pool: what a round-robin provider adds per sticky run,
// and a round-robin combo per request.
func BenchmarkTeamTurn(b *testing.B) {
	db, err := store.OpenPostgres(context.Background(), storetest.FreshPostgres(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Turn(context.Background(), "provider:glm", 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
