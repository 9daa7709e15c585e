// Package mockupstream is an in-repo mock model provider for tests and the benchmark. It speaks OpenAI Chat
// Completions (/v1/chat/completions), OpenAI Responses (/v1/responses), Anthropic Messages (/v1/messages) and
// Gemini generateContent (/v1beta/models/{model}:generateContent and :streamGenerateContent?alt=sse), streaming
// and not; it injects the faults of docs/security.md § Fault matrix by rule; and it records every request it
// received. By default it answers with zero delay; Options.Pace turns streams into paced SSE (N events × pace).
package mockupstream

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// Format names a wire dialect the mock speaks.
type Format string

const (
	OpenAI    Format = "openai"
	Responses Format = "openai-responses"
	Anthropic Format = "anthropic"
	Gemini    Format = "gemini"
)

// FaultKind is a failure the mock can inject.
type FaultKind int

const (
	None         FaultKind = iota
	Status                 // answer Fault.Status with a vendor-shaped error body (and Retry-After when set)
	HeaderDelay            // wait Delay before sending anything
	TTFBDelay              // send headers, then wait Delay before the first event
	IdleAfter              // send After events, then go silent until the client gives up
	ResetAfter             // send After events, then reset the TCP connection
	InBandError            // send After events, then an error event inside the 200 stream (or a 200 error body)
	Malformed              // send After events, then a truncated JSON chunk, and end without the final event
	Truncate               // send every event but the final one ([DONE], message_stop, response.completed...)
	SlowLoris              // send headers, then one keep-alive byte every Delay, forever
	CloseNoReply           // close the connection without answering
)

// Fault is one injected failure.
type Fault struct {
	Kind       FaultKind
	Status     int    // for Status; also the status an InBandError stands for (429, 529, 500...)
	ErrType    string // vendor error type, e.g. "rate_limit_error", "overloaded_error", "context_length_exceeded"
	Message    string
	RetryAfter string // Retry-After header value (seconds or HTTP-date)
	After      int    // events before the fault
	Delay      time.Duration
}

// Rule applies a fault to matching requests. Empty fields match anything; Times > 0 limits how often it fires.
type Rule struct {
	Model  string
	APIKey string
	Fault  Fault
	Times  int
}

// Received is one request as the mock saw it.
type Received struct {
	Format Format
	Path   string
	Model  string
	APIKey string
	Stream bool
	Header http.Header
	Body   []byte
}

// Options configure the mock.
type Options struct {
	Text   string        // the answer's text; default "Hello from the mock upstream."
	Chunks int           // stream content events; default 4
	Pace   time.Duration // delay between stream events; 0 = none (the benchmark's zero-delay mode)
	// InputTokens and OutputTokens are the usage the mock reports; defaults 11 and Chunks.
	InputTokens, OutputTokens int64
	// DisableRecording stops keeping request bodies (long benchmark runs).
	DisableRecording bool
}

// Server is a running mock.
type Server struct {
	*httptest.Server
	opts  Options
	mu    sync.Mutex
	rules []*Rule
	got   []Received
	cache sync.Map // rendered answers by format/model/stream/usage, so the mock's own cost stays flat
}

type cacheKey struct {
	f            Format
	model        string
	stream       bool
	includeUsage bool
}

func (m *Server) whole(a answer) []byte {
	k := cacheKey{a.f, a.model, false, a.includeUsage}
	if v, ok := m.cache.Load(k); ok {
		return v.([]byte)
	}
	b := a.whole()
	m.cache.Store(k, b)
	return b
}

func (m *Server) events(a answer) []event {
	k := cacheKey{a.f, a.model, true, a.includeUsage}
	if v, ok := m.cache.Load(k); ok {
		return v.([]event)
	}
	evs := a.events()
	m.cache.Store(k, evs)
	return evs
}

// New starts a mock on a loopback port. Close it when done.
func New(opts Options) *Server {
	m := &Server{opts: withDefaults(opts)}
	m.Server = httptest.NewServer(m)
	return m
}

// NewUnstarted returns the mock as a plain handler (the benchmark mounts it on its own listener).
func NewUnstarted(opts Options) *Server { return &Server{opts: withDefaults(opts)} }

func withDefaults(o Options) Options {
	if o.Text == "" {
		o.Text = "Hello from the mock upstream."
	}
	if o.Chunks <= 0 {
		o.Chunks = 4
	}
	if o.InputTokens == 0 {
		o.InputTokens = 11
	}
	if o.OutputTokens == 0 {
		o.OutputTokens = int64(o.Chunks)
	}
	return o
}

// AddRule installs a fault rule; rules are tried in order.
func (m *Server) AddRule(r Rule) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rr := r
	m.rules = append(m.rules, &rr)
}

// Reset drops rules and recorded requests.
func (m *Server) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rules, m.got = nil, nil
}

// Requests returns what the mock received so far.
func (m *Server) Requests() []Received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Received(nil), m.got...)
}

// ClosedURL is a loopback URL where nothing listens (connect-refused tests).
func ClosedURL() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "http://127.0.0.1:1"
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func (m *Server) match(model, key string) Fault {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rules {
		if (r.Model == "" || r.Model == model) && (r.APIKey == "" || r.APIKey == key) {
			if r.Times < 0 {
				continue
			}
			if r.Times > 0 {
				r.Times--
				if r.Times == 0 {
					r.Times = -1 // spent
				}
			}
			return r.Fault
		}
	}
	// Model names can carry a fault too, so end-to-end tests need no Go: "status-503", "status-429".
	if s, ok := strings.CutPrefix(model, "status-"); ok {
		if code, err := strconv.Atoi(s); err == nil && code >= 400 {
			return Fault{Kind: Status, Status: code}
		}
	}
	return Fault{}
}

// NativeCount is what the mock's token-count endpoints answer.
const NativeCount = 4242

// ServeHTTP routes by path.
func (m *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var f Format
	model := gjson.GetBytes(body, "model").String()
	stream := gjson.GetBytes(body, "stream").Bool()
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/messages/count_tokens"), strings.HasSuffix(p, ":countTokens"):
		// Token-count endpoints answer a fixed, recognisable count so tests can tell native from offline. They
		// are not recorded: Requests() lists generations.
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(p, ":countTokens") {
			fmt.Fprintf(w, `{"totalTokens":%d}`, NativeCount)
		} else {
			fmt.Fprintf(w, `{"input_tokens":%d}`, NativeCount)
		}
		return
	case strings.HasSuffix(p, "/chat/completions"):
		f = OpenAI
	case strings.HasSuffix(p, "/responses"):
		f = Responses
	case strings.HasSuffix(p, "/messages"):
		f = Anthropic
	case strings.Contains(p, "/models/") && (strings.HasSuffix(p, ":generateContent") || strings.HasSuffix(p, ":streamGenerateContent")):
		f = Gemini
		rest := p[strings.Index(p, "/models/")+len("/models/"):]
		model = rest[:strings.LastIndex(rest, ":")]
		stream = strings.HasSuffix(p, ":streamGenerateContent")
	default:
		http.Error(w, `{"error":{"message":"mock: no such endpoint","type":"not_found_error"}}`, http.StatusNotFound)
		return
	}
	key := r.Header.Get("x-api-key")
	if key == "" {
		key = r.Header.Get("x-goog-api-key")
	}
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		key = v
	}
	if !m.opts.DisableRecording {
		m.mu.Lock()
		m.got = append(m.got, Received{Format: f, Path: r.URL.Path, Model: model, APIKey: key, Stream: stream, Header: r.Header.Clone(), Body: body})
		m.mu.Unlock()
	}
	if !gjson.ValidBytes(body) {
		writeError(w, f, http.StatusBadRequest, "invalid_request_error", "mock: body is not JSON", "")
		return
	}
	fault := m.match(model, key)
	ctx := r.Context()
	switch fault.Kind {
	case Status:
		writeError(w, f, fault.Status, fault.ErrType, fault.Message, fault.RetryAfter)
		return
	case HeaderDelay:
		if !sleep(ctx.Done(), fault.Delay) {
			return
		}
	case CloseNoReply:
		hijackClose(w, false)
		return
	}
	a := answer{f: f, model: model, text: m.opts.Text, chunks: m.opts.Chunks, in: m.opts.InputTokens, out: m.opts.OutputTokens,
		includeUsage: f != OpenAI || gjson.GetBytes(body, "stream_options.include_usage").Bool()}
	if !stream {
		if fault.Kind == InBandError {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(errorBody(f, fault.Status, fault.ErrType, fault.Message))
			return
		}
		if fault.Kind == ResetAfter || fault.Kind == IdleAfter || fault.Kind == SlowLoris || fault.Kind == TTFBDelay {
			m.faultWhole(w, r, m.whole(a), fault)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(m.whole(a))
		return
	}
	m.faultStream(w, r, m.events(a), fault)
}

// faultWhole breaks a non-streaming answer: half a body, then a reset or silence; or a dribble.
func (m *Server) faultWhole(w http.ResponseWriter, r *http.Request, body []byte, fault Fault) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	switch fault.Kind {
	case SlowLoris, TTFBDelay:
		for {
			_ = rc.Flush()
			if !sleep(ctx.Done(), max(fault.Delay, time.Millisecond)) {
				return
			}
			if fault.Kind == TTFBDelay {
				_, _ = w.Write(body)
				return
			}
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
		}
	}
	_, _ = w.Write(body[:len(body)/2])
	_ = rc.Flush()
	if fault.Kind == ResetAfter {
		hijackClose(w, true)
		return
	}
	hang(ctx.Done(), fault.Delay)
}

// hang waits d, or until the client leaves when d is 0.
func hang(done <-chan struct{}, d time.Duration) {
	if d <= 0 {
		<-done
		return
	}
	sleep(done, d)
}

// faultStream writes events with pacing and the fault applied.
func (m *Server) faultStream(w http.ResponseWriter, r *http.Request, evs []event, fault Fault) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	if fault.Kind == TTFBDelay && !sleep(ctx.Done(), fault.Delay) {
		return
	}
	if fault.Kind == SlowLoris {
		for {
			if _, err := w.Write([]byte(":")); err != nil {
				return
			}
			_ = rc.Flush()
			if !sleep(ctx.Done(), max(fault.Delay, time.Millisecond)) {
				return
			}
		}
	}
	bw := bufio.NewWriterSize(w, 4096)
	for i, ev := range evs {
		if i == fault.After {
			switch fault.Kind {
			case IdleAfter:
				bw.Flush()
				_ = rc.Flush()
				hang(ctx.Done(), fault.Delay)
				return
			case ResetAfter:
				bw.Flush()
				_ = rc.Flush()
				hijackClose(w, true)
				return
			case InBandError:
				writeEvent(bw, inBandEvent(evs[0].format, fault))
				bw.Flush()
				_ = rc.Flush()
				return
			case Malformed:
				bw.WriteString("data: {\"choices\":[{\"delta\":{\"content\":\"tru\n\n")
				bw.Flush()
				_ = rc.Flush()
				return
			}
		}
		if fault.Kind == Truncate && ev.final {
			break
		}
		if m.opts.Pace > 0 && i > 0 {
			bw.Flush()
			_ = rc.Flush()
			if !sleep(ctx.Done(), m.opts.Pace) {
				return
			}
		}
		writeEvent(bw, ev)
	}
	bw.Flush()
	_ = rc.Flush()
}

func sleep(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}

// hijackClose ends the connection under the server: with reset, the peer sees a TCP RST.
func hijackClose(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func writeError(w http.ResponseWriter, f Format, status int, typ, msg, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorBody(f, status, typ, msg))
}

// errorBody is the vendor's own error shape.
func errorBody(f Format, status int, typ, msg string) []byte {
	if typ == "" {
		typ = defaultType(status)
	}
	if msg == "" {
		msg = fmt.Sprintf("mock fault %d %s", status, typ)
	}
	var v any
	switch f {
	case Anthropic:
		v = map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}}
	case Gemini:
		v = map[string]any{"error": map[string]any{"code": status, "message": msg, "status": typ}}
	default:
		v = map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": typ}}
	}
	b, _ := json.Marshal(v)
	return b
}

func defaultType(status int) string {
	switch {
	case status == 429:
		return "rate_limit_error"
	case status == 401:
		return "authentication_error"
	case status == 403:
		return "permission_error"
	case status == 404:
		return "not_found_error"
	case status == 529:
		return "overloaded_error"
	case status >= 500:
		return "api_error"
	}
	return "invalid_request_error"
}
