package proxy

import (
	"bufio"
	"bytes"
	"io"
)

// sseReader splits a text/event-stream body into events (WHATWG event-stream rules, minus ids and retry, which
// upstream model APIs do not use). It tolerates CRLF and a final event without its blank line.
type sseReader struct {
	br   *bufio.Reader
	data []byte
}

func newSSEReader(r io.Reader) *sseReader { return &sseReader{br: bufio.NewReaderSize(r, 32<<10)} }

// maxEventBytes bounds one event, so a hostile upstream cannot grow memory without end.
const maxEventBytes = 16 << 20

// Next returns the next event; io.EOF after the last one.
func (s *sseReader) Next() (Event, error) {
	var ev Event
	s.data = s.data[:0]
	hasData := false
	for {
		line, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A long line: gather it whole.
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull && len(buf) < maxEventBytes {
				line, err = s.br.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
			if err == bufio.ErrBufferFull {
				return ev, io.ErrUnexpectedEOF
			}
		}
		if err != nil && err != io.EOF {
			return ev, err
		}
		if len(line) == 0 && err == io.EOF {
			if hasData || ev.Name != "" {
				ev.Data = s.data
				return ev, nil
			}
			return ev, io.EOF
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if hasData || ev.Name != "" {
				ev.Data = s.data
				return ev, nil
			}
			if err == io.EOF {
				return ev, io.EOF
			}
			continue
		}
		if line[0] == ':' {
			continue // comment / keep-alive
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			ev.Name = string(value)
		case "data":
			if hasData {
				s.data = append(s.data, '\n')
			}
			s.data = append(s.data, value...)
			hasData = true
			if len(s.data) > maxEventBytes {
				return ev, io.ErrUnexpectedEOF
			}
		}
		if err == io.EOF {
			ev.Data = s.data
			if hasData || ev.Name != "" {
				return ev, nil
			}
			return ev, io.EOF
		}
	}
}

// appendEvent writes ev in wire form.
func appendEvent(dst []byte, ev Event) []byte {
	if ev.Name != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, ev.Name...)
		dst = append(dst, '\n')
	}
	for {
		line, rest, more := bytes.Cut(ev.Data, []byte("\n"))
		dst = append(dst, "data: "...)
		dst = append(dst, line...)
		dst = append(dst, '\n')
		if !more {
			break
		}
		ev.Data = rest
	}
	return append(dst, '\n')
}
