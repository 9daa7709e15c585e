// Command mockupstream runs the in-repo mock model provider on a loopback port for the benchmark and for manual
// tries: zero-delay JSON by default, paced SSE with -pace. It prints its base URL and serves until interrupted.
//
//	mockupstream -addr 127.0.0.1:0 -chunks 64 -pace 20ms
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	chunks := flag.Int("chunks", 4, "content events per streamed answer")
	pace := flag.Duration("pace", 0, "delay between streamed events (0 = zero-delay mode)")
	text := flag.String("text", "", "answer text (default: a short sentence)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mockupstream:", err)
		os.Exit(1)
	}
	mock := mockupstream.NewUnstarted(mockupstream.Options{Chunks: *chunks, Pace: *pace, Text: *text, DisableRecording: true})
	srv := &http.Server{Handler: mock, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "mockupstream:", err)
		os.Exit(1)
	}
}
