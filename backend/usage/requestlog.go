package usage

import (
	"encoding/json"
	"net/http"
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
	on  atomic.Bool
	mu  sync.Mutex
	out *lumberjack.Logger
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
	e.URL = logging.Redact(e.URL)
	e.RequestHeader = logging.RedactHeaders(e.RequestHeader)
	e.RequestBody = logging.Redact(capBody(e.RequestBody))
	e.ResponseBody = logging.Redact(capBody(e.ResponseBody))
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

func capBody(s string) string {
	if len(s) > maxLoggedBody {
		return s[:maxLoggedBody] + "…[truncated]"
	}
	return s
}
