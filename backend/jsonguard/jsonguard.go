// Package jsonguard bounds how deeply a JSON document nests before anything parses it. Recursive parsers
// (gjson's validator, the translators, encoding/json's decoder for interface values) use stack in proportion to
// nesting, so a 20 MB body of '[' ends the process with a stack overflow (issue #9 finding 1). The check here is
// a single forward scan over the bytes: no recursion, no allocation, constant memory, so it is safe to run on
// every body before any other parser sees it: client requests, management calls, imports and upstream answers.
//
// It checks nesting only; whether the document is otherwise valid JSON is left to the parser that runs next,
// which is then safe because the depth is bounded.
package jsonguard

import (
	"errors"
	"fmt"
)

// MaxDepth is the deepest nesting NineRouter accepts. Real requests nest a few tens of levels (tool schemas are
// the deepest); 512 leaves ample room while keeping recursive parsers far from the stack limit.
const MaxDepth = 512

// ErrTooDeep is matched with errors.Is by callers that answer 400.
var ErrTooDeep = errors.New("JSON nests too deeply")

// DepthError says where the limit was passed.
type DepthError struct {
	Max    int   // the limit
	Offset int64 // byte offset of the bracket that passed it
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("JSON nests deeper than %d levels (at byte %d)", e.Max, e.Offset)
}

// Is makes errors.Is(err, ErrTooDeep) true.
func (e *DepthError) Is(target error) bool { return target == ErrTooDeep }

// Check reports an error when b nests deeper than MaxDepth.
func Check(b []byte) error { return CheckDepth(b, MaxDepth) }

// CheckDepth reports an error when b nests deeper than max objects and arrays.
func CheckDepth(b []byte, max int) error {
	s := Scanner{Max: max}
	_, err := s.Write(b)
	return err
}

// Scanner checks nesting incrementally, for bodies that arrive in pieces (an io.TeeReader over an import, an
// upstream stream): its state carries over from one Write to the next. The zero value uses MaxDepth.
type Scanner struct {
	Max int // 0 means MaxDepth

	depth    int
	offset   int64
	inString bool
	escaped  bool
}

// Write scans p and fails (with *DepthError) once the nesting passes the limit; it never retains p.
func (s *Scanner) Write(p []byte) (int, error) {
	max := s.Max
	if max <= 0 {
		max = MaxDepth
	}
	for i, c := range p {
		if s.inString {
			switch {
			case s.escaped:
				s.escaped = false
			case c == '\\':
				s.escaped = true
			case c == '"':
				s.inString = false
			}
			continue
		}
		switch c {
		case '"':
			s.inString = true
		case '[', '{':
			s.depth++
			if s.depth > max {
				return i, &DepthError{Max: max, Offset: s.offset + int64(i)}
			}
		case ']', '}':
			// An unbalanced closer is malformed JSON; the parser that runs next says so.
			if s.depth > 0 {
				s.depth--
			}
		}
	}
	s.offset += int64(len(p))
	return len(p), nil
}

// Reset clears the state so the scanner can check another document (one SSE event after another).
func (s *Scanner) Reset() { *s = Scanner{Max: s.Max} }
