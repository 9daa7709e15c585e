package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one child process of the run. The harness owns it: stop ends it and reaps it.
type proc struct {
	name   string
	cmd    *exec.Cmd
	addr   string // where it listens
	stderr *tailBuffer
	done   chan struct{}
	err    error
}

// pinner runs commands on a given CPU when pinning is on and taskset exists; otherwise it runs them as they are.
type pinner struct {
	on      bool
	taskset string
}

func newPinner(want bool, cpus int) (pinner, string) {
	if !want {
		return pinner{}, "off (-pin=false): every process shares every core"
	}
	if cpus < 2 {
		return pinner{}, fmt.Sprintf("off: %d core(s), nothing to separate", cpus)
	}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		return pinner{}, "off: taskset not found (util-linux); processes float"
	}
	// A sandbox may refuse sched_setaffinity: then pinning is off rather than every start failing.
	if out, err := exec.Command(ts, "-c", "1", "true").CombinedOutput(); err != nil {
		return pinner{}, fmt.Sprintf("off: taskset does not work here (%v: %s)", err, bytes.TrimSpace(out))
	}
	return pinner{on: true, taskset: ts}, "proxies (TCP relay, bare proxy, NineRouter) on CPU 1 with GOMAXPROCS=1; mock upstream and load generator on CPU 0"
}

// argv wraps a command line so it runs on cpu.
func (p pinner) argv(cpu string, argv []string) []string {
	if !p.on || cpu == "" {
		return argv
	}
	return append([]string{p.taskset, "-c", cpu}, argv...)
}

// pinSelf moves every thread of this process onto cpu.
func (p pinner) pinSelf(cpu string) error {
	if !p.on {
		return nil
	}
	out, err := exec.Command(p.taskset, "-a", "-p", "-c", cpu, fmt.Sprint(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset self: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// startListening starts a helper that prints "listening HOST:PORT" as its first stdout line (the nrbench
// subcommands do), and waits for that line.
func startListening(ctx context.Context, name string, argv, env []string) (*proc, error) {
	p, stdout, err := startProc(ctx, name, argv, env, true)
	if err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout) //nolint:errcheck // drain until the child exits so it never blocks on stdout
	}()
	select {
	case line, ok := <-lines:
		addr, found := strings.CutPrefix(line, "listening ")
		if !ok || !found {
			p.stop()
			return nil, fmt.Errorf("%s did not start: %q %s", name, line, p.stderr.String())
		}
		p.addr = strings.TrimSpace(addr)
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited at start: %v: %s", name, p.err, p.stderr.String())
	case <-time.After(15 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s did not say where it listens within 15 s: %s", name, p.stderr.String())
	}
}

// startProc starts argv with env added to this process's environment.
func startProc(ctx context.Context, name string, argv, env []string, wantStdout bool) (*proc, io.Reader, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	tb := &tailBuffer{max: 8 << 10}
	cmd.Stderr = tb
	var stdout io.Reader
	if wantStdout {
		r, err := cmd.StdoutPipe()
		if err != nil {
			return nil, nil, err
		}
		stdout = r
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, stderr: tb, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	// A cancelled run must not leave children behind.
	context.AfterFunc(ctx, p.stop)
	return p, stdout, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop asks the process to end (SIGTERM), waits up to 5 s, then kills it. Safe to call more than once.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have just exited; done tells
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill() //nolint:errcheck
		<-p.done
	}
}

// tailBuffer keeps the last max bytes written, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}

// freePort asks the kernel for a free loopback port. The port is released before the caller binds it; on a
// busy machine another process could take it in between, which then fails loudly at start.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// waitTCP waits until addr accepts a TCP connection (without sending a request) or the process exits.
func waitTCP(ctx context.Context, p *proc, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			return c.Close()
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v: %s", p.name, p.err, p.stderr.String())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New(p.name + " did not accept connections in time: " + p.stderr.String())
		}
	}
}
