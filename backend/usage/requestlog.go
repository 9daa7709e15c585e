package usage

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/ninerouter/ninerouter/backend/logging"
)

// RequestLog keeps debug request logs: one JSON line per upstream attempt with headers and bodies passed through
// logging's one redaction path, bodies capped, files rotated by size. lumberjack does the rotation: it is the
// well-kept standard for size-capped rotating files, so no hand-written rotation races a crash.
type RequestLog struct {
	on     atomic.Bool
	values atomic.Pointer[logging.Values] // value redaction (SetRedactor); nil masks shapes only
	mu     sync.Mutex
	out    *lumberjack.Logger
}

// Request-log limits.
const (
	maxLoggedBody = 64 << 10 // per body
	logFileMB     = 10
	logBackups    = 3
)

// NewRequestLog writes to dataDir/logs/requests.log; it logs only while enabled.
func NewRequestLog(dataDir string, enabled bool) *RequestLog {
	l := &RequestLog{out: &lumberjack.Logger{Filename: filepath.Join(dataDir, "logs", "requests.log"),
		MaxSize: logFileMB, MaxBackups: logBackups, Compress: false}}
	l.on.Store(enabled)
	return l
}

// SetRedactor makes Log mask every secret value the service knows, not only credential shapes.
func (l *RequestLog) SetRedactor(v *logging.Values) { l.values.Store(v) }

// SetEnabled turns logging on or off at once (the debug setting changed).
func (l *RequestLog) SetEnabled(on bool) { l.on.Store(on) }

// Enabled is checked before an entry is built, so the hot path pays one atomic load when logs are off.
func (l *RequestLog) Enabled() bool { return l.on.Load() }

// Entry is one attempt's log.
type Entry struct {
	Time          time.Time   `json:"time"`
	RequestID     string      `json:"requestId"`
	Attempt       int         `json:"attempt"`
	Provider      string      `json:"provider"`
	Model         string      `json:"model"`
	URL           string      `json:"url"`
	Status        int         `json:"status"`
	RequestHeader http.Header `json:"requestHeader"`
	RequestBody   string      `json:"requestBody"`
	ResponseBody  string      `json:"responseBody,omitempty"`
}

// Log redacts and writes one entry.
func (l *RequestLog) Log(e Entry) {
	if !l.Enabled() {
		return
	}
	v := l.values.Load() // nil redacts by shape only
	e.URL = v.Redact(e.URL)
	e.RequestHeader = v.RedactHeaders(e.RequestHeader)
	e.RequestBody = v.Redact(capBody(e.RequestBody))
	e.ResponseBody = v.Redact(capBody(e.ResponseBody))
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.out.Write(append(b, '\n'))
}

// Close closes the current file.
func (l *RequestLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.out.Close()
}

// maxTailBytes bounds how much of the current log file Tail reads.
const maxTailBytes = 8 << 20

// Tail returns up to n of the newest entries of the current log file, newest first. Entries were redacted when
// written; lines that do not parse (a torn last line after a crash) are skipped.
func (l *RequestLog) Tail(n int) ([]json.RawMessage, error) {
	l.mu.Lock()
	path := l.out.Filename
	l.mu.Unlock()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(info.Size()-maxTailBytes, 0)
	buf := make([]byte, info.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	lines := bytes.Split(buf, []byte("\n"))
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // the first line was cut by the offset
	}
	var out []json.RawMessage
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if line := bytes.TrimSpace(lines[i]); len(line) > 0 && json.Valid(line) {
			out = append(out, json.RawMessage(line))
		}
	}
	return out, nil
}

func capBody(s string) string {
	if len(s) > maxLoggedBody {
		return s[:maxLoggedBody] + "…[truncated]"
	}
	return s
}
