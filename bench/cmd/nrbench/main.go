// Command nrbench is NineRouter's benchmark (issue 6; method in bench/README.md). With no subcommand it runs
// every lane on loopback and writes bench/out/result.json and result.md (and docs/benchmark.md with -docs).
// The subcommands mock, relay and bareproxy are the parts it starts as separate, pinnable processes.
//
//	nrbench [-smoke] [-lanes ABCDEPU] [-pin=true] [-out DIR] [-docs FILE] [-router BIN] [-prof BIN]
//	nrbench mock -events N -pace D        # three listeners: zero-delay, paced SSE, unpaced SSE
//	nrbench relay -upstream A[,B...]      # one TCP relay listener per upstream
//	nrbench bareproxy -upstream U[,V...]  # one httputil.ReverseProxy listener per upstream URL
//	nrbench render -in result.json -docs docs/benchmark.md  # re-render a run's Markdown (e.g. after editing FINDINGS.md)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/bench/internal/bareproxy"
	"github.com/ninerouter/ninerouter/bench/internal/harness"
	"github.com/ninerouter/ninerouter/bench/internal/procstat"
	"github.com/ninerouter/ninerouter/bench/internal/relay"
	"github.com/ninerouter/ninerouter/bench/internal/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := os.Args[1:]
	var err error
	switch {
	case len(args) > 0 && args[0] == "mock":
		err = runMock(ctx, args[1:])
	case len(args) > 0 && args[0] == "relay":
		err = runRelay(ctx, args[1:])
	case len(args) > 0 && args[0] == "bareproxy":
		err = runBare(ctx, args[1:])
	case len(args) > 0 && args[0] == "render":
		err = runRender(args[1:])
	case len(args) > 0 && args[0] == "run":
		err = runBench(ctx, args[1:])
	default:
		err = runBench(ctx, args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nrbench:", err)
		os.Exit(1)
	}
}

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("nrbench", flag.ContinueOnError)
	smoke := fs.Bool("smoke", false, "a few seconds: every lane with tiny counts (CI keeps the harness alive with it)")
	lanes := fs.String("lanes", "ABCMDEPU", "lanes to run: A latency, B streaming, C rate ladder, M usage API on a million-row ledger, D footprint, E go test -bench, P profile, U lane A unpinned")
	secretKey := fs.Bool("secret-key", false, "run NineRouter with NINEROUTER_SECRET_KEY (the scrypt-encrypted secret file) in every lane")
	pin := fs.Bool("pin", true, "pin processes to cores with taskset where available")
	out := fs.String("out", "bench/out", "directory for result.json, result.md and the CPU profile")
	docs := fs.String("docs", "", "also write the Markdown report here (e.g. docs/benchmark.md)")
	routerBin := fs.String("router", "", "headless ninerouter binary (default: build it with CGO_ENABLED=0 -tags headless)")
	profBin := fs.String("prof", "", "profiling build (default: build bench/cmd/nrprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	repo, err := moduleRoot()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	outDir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	binDir, err := os.MkdirTemp("", "nrbench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	if *routerBin == "" {
		*routerBin = filepath.Join(binDir, "ninerouter")
		if err := goBuild(ctx, repo, *routerBin, "."); err != nil {
			return err
		}
	}
	if *profBin == "" && (strings.Contains(*lanes, "D") || strings.Contains(*lanes, "P")) {
		*profBin = filepath.Join(binDir, "nrprof")
		if err := goBuild(ctx, repo, *profBin, "./bench/cmd/nrprof"); err != nil {
			return err
		}
	}
	// Every binary that runs is read from disk as an installed one would be, not from the linker's page cache
	// (procstat.DropPageCache: it decides idle RSS by up to 1.5 MB).
	for _, bin := range []string{*routerBin, *profBin, self} {
		if bin == "" {
			continue
		}
		if err := procstat.DropPageCache(bin); err != nil && !errors.Is(err, procstat.ErrUnsupported) {
			return err
		}
	}
	res, err := harness.Run(ctx, harness.Options{Smoke: *smoke, Pin: *pin, Lanes: strings.ToUpper(*lanes), Self: self, SecretKey: *secretKey,
		RouterBin: *routerBin, ProfBin: *profBin, RepoDir: repo, OutDir: outDir, Log: os.Stderr})
	if err != nil {
		return err
	}
	if f, err := os.ReadFile(filepath.Join(repo, "bench", "FINDINGS.md")); err == nil && !*smoke {
		res.Findings = string(f)
	}
	if err := report.WriteJSON(filepath.Join(outDir, "result.json"), res); err != nil {
		return err
	}
	if err := report.WriteMarkdown(filepath.Join(outDir, "result.md"), res); err != nil {
		return err
	}
	if *docs != "" {
		if err := report.WriteMarkdown(*docs, res); err != nil {
			return err
		}
	}
	for _, t := range res.Targets {
		fmt.Println(t.Line())
	}
	fmt.Printf("nrbench: %s run in %.0f s; wrote %s\n", res.Mode, res.Duration, filepath.Join(outDir, "result.{json,md}"))
	return nil
}

// goBuild builds pkg as the real headless binary: CGO off, headless tag, as the release does.
func goBuild(ctx context.Context, repo, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "headless", "-o", out, pkg)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// moduleRoot is the directory of the go.mod this command belongs to.
func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(b))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run nrbench from inside the NineRouter module")
	}
	return filepath.Dir(gomod), nil
}

// serveAll serves each handler on its own loopback listener, announces "listening A,B,..." on stdout and runs
// until ctx ends.
func serveAll(ctx context.Context, handlers []http.Handler) error {
	var addrs []string
	var servers []*http.Server
	errc := make(chan error, len(handlers))
	for _, h := range handlers {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		addrs = append(addrs, ln.Addr().String())
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() { errc <- srv.Serve(ln) }()
	}
	fmt.Println("listening " + strings.Join(addrs, ","))
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range servers {
		s.Shutdown(shutdown) //nolint:errcheck // best effort at exit
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func runMock(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("nrbench mock", flag.ContinueOnError)
	events := fs.Int("events", 64, "content events per stream in the paced and burst modes")
	pace := fs.Duration("pace", 20*time.Millisecond, "delay between events in the paced mode")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// One word per stream event: the mock splits its text on words, and a translator rightly drops empty deltas,
	// so fewer words than events would leave translated streams with long silent stretches.
	text := strings.TrimSpace(strings.Repeat("token ", *events))
	return serveAll(ctx, []http.Handler{
		mockupstream.NewUnstarted(mockupstream.Options{DisableRecording: true}),
		mockupstream.NewUnstarted(mockupstream.Options{Text: text, Chunks: *events, Pace: *pace, DisableRecording: true}),
		mockupstream.NewUnstarted(mockupstream.Options{Text: text, Chunks: *events, DisableRecording: true}),
	})
}

func runBare(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("nrbench bareproxy", flag.ContinueOnError)
	ups := fs.String("upstream", "", "comma-separated upstream base URLs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var hs []http.Handler
	for _, u := range strings.Split(*ups, ",") {
		h, err := bareproxy.New(u)
		if err != nil {
			return err
		}
		hs = append(hs, h)
	}
	return serveAll(ctx, hs)
}

func runRelay(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("nrbench relay", flag.ContinueOnError)
	ups := fs.String("upstream", "", "comma-separated upstream host:port")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var addrs []string
	errc := make(chan error, 8)
	n := 0
	for _, u := range strings.Split(*ups, ",") {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		addrs = append(addrs, ln.Addr().String())
		r := &relay.Relay{Upstream: u}
		n++
		go func() { errc <- r.Serve(ctx, ln) }()
	}
	fmt.Println("listening " + strings.Join(addrs, ","))
	var first error
	for i := 0; i < n; i++ {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// runRender writes the Markdown of a finished run again from its JSON, with the current bench/FINDINGS.md.
func runRender(args []string) error {
	fs := flag.NewFlagSet("nrbench render", flag.ContinueOnError)
	in := fs.String("in", "bench/out/result.json", "a run's result.json")
	docs := fs.String("docs", "docs/benchmark.md", "the Markdown to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var res report.Result
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	repo, err := moduleRoot()
	if err != nil {
		return err
	}
	if f, err := os.ReadFile(filepath.Join(repo, "bench", "FINDINGS.md")); err == nil && res.Mode != "smoke" {
		res.Findings = string(f)
	}
	return report.WriteMarkdown(*docs, &res)
}
