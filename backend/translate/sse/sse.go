// Package sse reads and writes Server-Sent Events incrementally. The reader never holds more than one event and
// one bounded line, so a stream of any length passes through in constant memory; the writer appends complete
// events to a byte slice so a translator can build several client events from one upstream event without copies.
//
// Hand-written rather than a library: the SSE grammar is a page long, and the router needs two things the
// common Go SSE clients do not give: a hard line-size bound (a hostile upstream must not grow memory) and
// tolerance for the raw NDJSON some OpenAI-compatible providers send instead of `data:` lines.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLine bounds one SSE line. Base64 images inside a Gemini chunk are the largest legitimate lines.
const DefaultMaxLine = 32 << 20

// ErrLineTooLong is returned when a line exceeds the reader's bound.
var ErrLineTooLong = errors.New("sse: line too long")

// Event is one SSE event. Data is the joined `data:` lines without the trailing newline.
type Event struct {
	Name string // the `event:` field, "" when absent
	Data []byte
}

// Reader reads events one at a time. The Event returned by Next is valid until the next call.
type Reader struct {
	br      *bufio.Reader
	max     int
	line    []byte // holds a line that did not fit bufio's buffer
	data    []byte
	name    []byte
	hasData bool
	err     error
}

// NewReader reads from r; maxLine <= 0 means DefaultMaxLine.
func NewReader(r io.Reader, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	// 16 KiB holds a burst of ordinary events; a longer line goes to r.line. A bigger buffer was allocated (and
	// zeroed) whole for every stream: 64 KiB cost the time to first byte measurably (bench/FINDINGS.md).
	return &Reader{br: bufio.NewReaderSize(r, 16<<10), max: maxLine}
}

// Next returns the next event. It returns io.EOF after the last event; a final event without its terminating
// blank line is still returned (a truncated upstream must not lose its last usage figure).
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	r.data, r.name, r.hasData = r.data[:0], r.name[:0], false
	for {
		line, err := r.readLine()
		if err != nil {
			r.err = err
			if errors.Is(err, io.EOF) && r.hasData {
				return r.event(), nil
			}
			return Event{}, err
		}
		if len(line) == 0 {
			if r.hasData {
				return r.event(), nil
			}
			r.name = r.name[:0] // an event with a name but no data is dispatched as nothing
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			value = bytes.TrimPrefix(value, []byte(" "))
		}
		switch {
		case len(field) == 0: // comment / keep-alive
		case string(field) == "data":
			if r.hasData {
				r.data = append(r.data, '\n')
			}
			r.data = append(r.data, value...)
			r.hasData = true
		case string(field) == "event":
			r.name = append(r.name[:0], value...)
		case string(field) == "id", string(field) == "retry":
		case line[0] == '{' || line[0] == '[':
			// Raw NDJSON (some OpenAI-compatible servers, Ollama): one JSON document per line is one event.
			if r.hasData {
				r.data = append(r.data, '\n')
			}
			r.data = append(r.data, line...)
			r.hasData = true
			return r.event(), nil
		}
	}
}

// EventBuffered reports whether a whole event already waits in the buffer, so a caller can write it together
// with the next one and flush once, without ever holding an event back for data that has not arrived.
func (r *Reader) EventBuffered() bool {
	n := r.br.Buffered()
	if n == 0 {
		return false
	}
	b, _ := r.br.Peek(n)
	return bytes.Contains(b, []byte("\n\n")) || bytes.Contains(b, []byte("\r\n\r\n"))
}

func (r *Reader) event() Event {
	r.hasData = false
	return Event{Name: string(r.name), Data: r.data}
}

// readLine returns one line without its CR/LF terminator, bounded by r.max.
func (r *Reader) readLine() ([]byte, error) {
	r.line = r.line[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(r.line)+len(chunk) > r.max+2 {
			return nil, fmt.Errorf("%w (over %d bytes)", ErrLineTooLong, r.max)
		}
		switch {
		case err == nil && len(r.line) == 0:
			return trimEOL(chunk), nil
		case err == nil:
			r.line = append(r.line, chunk...)
			return trimEOL(r.line), nil
		case errors.Is(err, bufio.ErrBufferFull):
			r.line = append(r.line, chunk...)
		case errors.Is(err, io.EOF):
			r.line = append(r.line, chunk...)
			if len(r.line) > 0 {
				return trimEOL(r.line), nil
			}
			return nil, io.EOF
		default:
			return nil, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// Append appends one complete event (`event:` line when name is set, one `data:` line per data line, blank line).
func Append(dst []byte, name string, data []byte) []byte {
	if name != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, name...)
		dst = append(dst, '\n')
	}
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		dst = append(dst, "data: "...)
		dst = append(dst, data[:i]...)
		dst = append(dst, '\n')
		data = data[i+1:]
	}
	dst = append(dst, "data: "...)
	dst = append(dst, data...)
	return append(dst, '\n', '\n')
}

// KeepAlive is an SSE comment: clients ignore it, proxies and idle timers see traffic during long thinking.
var KeepAlive = []byte(": keep-alive\n\n")
