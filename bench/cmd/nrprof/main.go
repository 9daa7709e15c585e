// Command nrprof is a bench-only build of NineRouter: the very same cli.Main as the headless binary, plus
// net/http/pprof on a separate loopback listener named by NRPROF_ADDR. The production binary exposes nothing
// extra; the benchmark uses this build only for goroutine counts and the CPU profile (lane D, profile).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"

	"github.com/ninerouter/ninerouter/backend/cli"
	"github.com/ninerouter/ninerouter/frontend"
)

func main() {
	if addr := os.Getenv("NRPROF_ADDR"); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "nrprof:", err)
			os.Exit(1)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		// The listener lives as long as the process; the benchmark ends both together.
		go http.Serve(ln, mux) //nolint:errcheck
	}
	os.Exit(cli.Main(context.Background(), os.Args[1:], &cli.Env{
		Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin,
		Assets: frontend.Dist(),
	}))
}
