package jsonguard

import "errors"

// ErrInvalid is Valid's answer for a document that is not JSON.
var ErrInvalid = errors.New("not valid JSON")

// Valid checks in one forward scan that b is one JSON value (with surrounding whitespace) nested no deeper than
// MaxDepth: what Check followed by gjson.ValidBytes said, in one pass instead of two (a passthrough stream checks
// every event). It returns nil, a *DepthError (errors.Is ErrTooDeep) or ErrInvalid. Like Check it never recurses
// and does not allocate for limits up to MaxDepth, so it is safe on hostile input; its grammar is gjson's
// validator's (FuzzValid keeps the verdicts equal), so bodies it accepts parse with gjson.
func Valid(b []byte) error { return ValidDepth(b, MaxDepth) }

// ValidDepth is Valid with its own depth limit.
func ValidDepth(b []byte, max int) error {
	if max <= 0 {
		max = MaxDepth
	}
	var fixed [MaxDepth / 64]uint64
	objects := fixed[:] // bit d-1 set: the container at depth d is an object
	if max > MaxDepth {
		objects = make([]uint64, (max+63)/64)
	}
	ok, tooDeep := validate(b, max, objects)
	switch {
	case ok:
		return nil
	case tooDeep != nil:
		return tooDeep
	}
	// Invalid before it got too deep. Check's verdict wins when the nesting passes the limit further on, as it
	// did when Check ran first; only the error path pays for this second scan.
	if err := CheckDepth(b, max); err != nil {
		return err
	}
	return ErrInvalid
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// validate is the state machine: it alternates between reading a value and reading what follows one (a comma,
// a closer, or the end), keeping the open containers as a bit stack.
func validate(b []byte, max int, objects []uint64) (ok bool, tooDeep *DepthError) {
	n, i, depth := len(b), 0, 0
value:
	for i < n && isSpace(b[i]) {
		i++
	}
	if i == n {
		return false, nil
	}
	switch c := b[i]; c {
	case '{', '[':
		depth++
		if depth > max {
			return false, &DepthError{Max: max, Offset: int64(i)}
		}
		w, bit := (depth-1)/64, uint64(1)<<((depth-1)%64)
		if c == '{' {
			objects[w] |= bit
		} else {
			objects[w] &^= bit
		}
		i++
		for i < n && isSpace(b[i]) {
			i++
		}
		if i == n {
			return false, nil
		}
		if (c == '{' && b[i] == '}') || (c == '[' && b[i] == ']') {
			i++
			depth--
			goto after
		}
		if c == '[' {
			goto value
		}
		goto key
	case '"':
		if i = validString(b, i+1); i < 0 {
			return false, nil
		}
	case 't':
		if i+4 > n || b[i+1] != 'r' || b[i+2] != 'u' || b[i+3] != 'e' {
			return false, nil
		}
		i += 4
	case 'f':
		if i+5 > n || b[i+1] != 'a' || b[i+2] != 'l' || b[i+3] != 's' || b[i+4] != 'e' {
			return false, nil
		}
		i += 5
	case 'n':
		if i+4 > n || b[i+1] != 'u' || b[i+2] != 'l' || b[i+3] != 'l' {
			return false, nil
		}
		i += 4
	default:
		if c != '-' && (c < '0' || c > '9') {
			return false, nil
		}
		if i = validNumber(b, i); i < 0 {
			return false, nil
		}
	}
after:
	for i < n && isSpace(b[i]) {
		i++
	}
	if depth == 0 {
		return i == n, nil
	}
	if i == n {
		return false, nil
	}
	if objects[(depth-1)/64]&(uint64(1)<<((depth-1)%64)) != 0 {
		switch b[i] {
		case '}':
			i++
			depth--
			goto after
		case ',':
			i++
			for i < n && isSpace(b[i]) {
				i++
			}
			goto key
		}
		return false, nil
	}
	switch b[i] {
	case ']':
		i++
		depth--
		goto after
	case ',':
		i++
		goto value
	}
	return false, nil
key: // at an object's key (whitespace skipped): a string, a colon, then the value
	if i == n || b[i] != '"' {
		return false, nil
	}
	if i = validString(b, i+1); i < 0 {
		return false, nil
	}
	for i < n && isSpace(b[i]) {
		i++
	}
	if i == n || b[i] != ':' {
		return false, nil
	}
	i++
	goto value
}

// validString reads a string's rest from i (after its opening quote) and returns the index after its closing
// quote, or -1: no control characters, escapes of JSON's set, \u with four hex digits.
func validString(b []byte, i int) int {
	for ; i < len(b); i++ {
		if !stringStops[b[i]] {
			continue // most of a document is plain string bytes: one table lookup each
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c < ' ':
			return -1
		case c == '\\':
			i++
			if i == len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// stringStops marks the bytes a string cannot simply contain: its end, an escape, control characters. Read only.
var stringStops = func() (t [256]bool) {
	for c := range ' ' {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// validNumber reads a number starting at i ('-' or a digit) and returns the index after it, or -1.
func validNumber(b []byte, i int) int {
	n := len(b)
	if b[i] == '-' {
		i++
		if i == n || b[i] < '0' || b[i] > '9' {
			return -1
		}
	}
	if b[i] == '0' {
		i++
	} else {
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < n && b[i] == '.' {
		i++
		if i == n || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < n && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == n || b[i] < '0' || b[i] > '9' {
			return -1
		}
		for i < n && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i
}
