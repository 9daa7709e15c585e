package team_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/store/storetest"
	"github.com/ninerouter/ninerouter/backend/team/teamtest"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// cutter forwards loopback TCP to the test database and can cut every connection and refuse new ones, as a
// database lost while running does (the server itself stays up for the other tests).
type cutter struct {
	target string
	mu     sync.Mutex
	ln     net.Listener
	addr   string
	conns  []net.Conn
}

func newCutter(t *testing.T, target string) *cutter {
	c := &cutter{target: target}
	c.open(t, "127.0.0.1:0")
	t.Cleanup(c.cut)
	return c
}

func (c *cutter) open(t *testing.T, addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.ln, c.addr = ln, ln.Addr().String()
	c.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", c.target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ln.Close()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

// TestPostgresDatabaseLost: while the shared database is unreachable an instance keeps answering from memory,
// its status says so, usage rows wait in memory, and once the database is back every row is written (another
// instance sees them all).
func TestPostgresDatabaseLost(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshPostgres(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Skip("the test server's URL is not a postgres:// URL")
	}
	cut := newCutter(t, u.Host)
	viaCutter := *u
	viaCutter.Host = cut.addr
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	a, b := openInstance(t, viaCutter.String()), openInstance(t, dsn)
	teamtest.SetupRouter(t, a, mock.URL)
	key, _, err := a.Svc.CreateKey(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := b.Svc.Usage(ctx, usage.Query{Since: time.Now().Add(-time.Hour)})

	cut.cut()
	const lost = 5
	for i := range lost {
		if code := a.Chat(key, "ninerouter/active"); code != 200 {
			t.Fatalf("request %d while the database is away: %d", i, code)
		}
	}
	st := a.Svc.Status(ctx).Database
	if st.Reachable || st.BufferedUsageRows == 0 {
		t.Fatalf("status while the database is away: %+v", st)
	}
	t.Logf("status while away: %+v", st)

	cut.open(t, cut.addr) // the database returns at the same address
	eventually(t, "buffered usage written after the database returned", func() bool {
		return a.Svc.Status(ctx).Database.BufferedUsageRows == 0
	})
	after, err := b.Svc.Usage(ctx, usage.Query{Since: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Total.Requests - before.Total.Requests; got != lost {
		t.Fatalf("another instance sees %d of the %d attempts served while the database was away", got, lost)
	}
}
