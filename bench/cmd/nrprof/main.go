// Command nrprof is a bench-only build of NineRouter: the very same cli.Main as the headless binary, plus
// net/http/pprof on a separate loopback listener named by NRPROF_ADDR, and, with NRPROF_STARTUP_CPU=FILE, a CPU
// profile (1 kHz) of the first NRPROF_STARTUP_MS milliseconds (default 500) from exec. The production binary
// exposes nothing extra; the benchmark uses this build only for goroutine counts and CPU profiles.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	rpprof "runtime/pprof"
	"strconv"
	"time"

	"github.com/ninerouter/ninerouter/backend/cli"
	"github.com/ninerouter/ninerouter/frontend"
)

func main() {
	if path := os.Getenv("NRPROF_STARTUP_CPU"); path != "" {
		startupProfile(path)
	}
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

// startupProfile records the start-up at 1 kHz (a start takes tens of milliseconds: 100 Hz would see a handful
// of samples) and stops on its own.
func startupProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nrprof:", err)
		return
	}
	window := 500 * time.Millisecond
	if v, err := strconv.Atoi(os.Getenv("NRPROF_STARTUP_MS")); err == nil && v > 0 {
		window = time.Duration(v) * time.Millisecond
	}
	runtime.SetCPUProfileRate(1000) // StartCPUProfile then notes on stderr that the rate was already set
	if err := rpprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "nrprof:", err)
		f.Close()
		return
	}
	time.AfterFunc(window, func() {
		rpprof.StopCPUProfile()
		f.Close()
	})
}
