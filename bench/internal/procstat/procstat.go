// Package procstat reads a process's resident memory and CPU time from Linux's /proc. On other systems every
// call returns ErrUnsupported and the footprint lane reports the figures as missing rather than invented.
package procstat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// ErrUnsupported means this OS has no /proc to read.
var ErrUnsupported = errors.New("procstat: needs Linux /proc")

// RSS returns the resident set size of pid in bytes (VmRSS).
func RSS(pid int) (int64, error) {
	if runtime.GOOS != "linux" {
		return 0, ErrUnsupported
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(v) // "12345 kB"
			if len(fields) < 1 {
				break
			}
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			return kb * 1024, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// clockTick is USER_HZ, the unit of utime/stime in /proc/PID/stat. It is 100 on every Linux ABI Go supports.
const clockTick = 100

// CPUTime returns the user+system CPU time pid has used so far.
func CPUTime(pid int) (time.Duration, error) {
	if runtime.GOOS != "linux" {
		return 0, ErrUnsupported
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(raw[i+1:]))
	// After ')' field index 0 is state (field 3); utime is field 14, stime field 15 → indexes 11 and 12.
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat times: %w", pid, err)
	}
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

// Threads returns the number of OS threads of pid.
func Threads(pid int) (int, error) {
	if runtime.GOOS != "linux" {
		return 0, ErrUnsupported
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("no Threads for pid %d", pid)
}
