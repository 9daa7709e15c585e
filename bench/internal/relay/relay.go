// Package relay is the physical floor of the benchmark: a plain TCP relay that copies bytes between a client
// and the upstream with no HTTP parsing at all, so it costs exactly one extra loopback hop and two goroutine
// wake-ups per direction.
package relay

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
)

// Relay accepts on a listener and pipes every connection to Upstream.
type Relay struct {
	Upstream string // host:port
	dialer   net.Dialer
}

// Serve accepts until ctx ends or the listener fails; it closes the listener and every open connection before
// returning, so no goroutine outlives it.
func (r *Relay) Serve(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.pipe(ctx, c)
		}()
	}
}

// pipe copies both ways until either side closes; each copy half-closes the other side's write so a
// request/response exchange ends cleanly.
func (r *Relay) pipe(ctx context.Context, down net.Conn) {
	defer down.Close()
	up, err := r.dialer.DialContext(ctx, "tcp", r.Upstream)
	if err != nil {
		return
	}
	defer up.Close()
	stop := context.AfterFunc(ctx, func() { down.Close(); up.Close() })
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(up, down) //nolint:errcheck // a copy ends on either side's close; there is nobody to tell
		closeWrite(up)
	}()
	io.Copy(down, up) //nolint:errcheck
	closeWrite(down)
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite() //nolint:errcheck
	}
}
