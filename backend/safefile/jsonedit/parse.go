// Package jsonedit edits JSON, JSONC and JSON5 documents in place: it parses the text into a tree of byte spans
// and changes only the spans of the keys it is asked to change, so comments, key order, indentation, line endings
// and every other key stay exactly as they were.
//
// Why not a library: github.com/tailscale/hujson (the best-kept Go JSONC editor) covers JWCC but not JSON5, which
// OpenClaw's openclaw.json uses (unquoted keys, single quotes), and its RFC 6902 Patch lays inserted members out on
// its own terms, so removing one again does not give back the original bytes. One small span editor covers all
// three dialects and makes every insertion the exact inverse of its removal, which is what revert needs.
package jsonedit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mode is the dialect accepted by Parse.
type Mode int

const (
	JSON  Mode = iota // RFC 8259
	JSONC             // JSON with // and /* */ comments and trailing commas (VS Code, Gemini, Qwen, OpenCode)
	JSON5             // JSON5: also unquoted keys, single quotes, hex numbers, Infinity/NaN (OpenClaw)
)

func (m Mode) String() string {
	switch m {
	case JSON:
		return "JSON"
	case JSONC:
		return "JSONC"
	default:
		return "JSON5"
	}
}

// Kind is a value's type.
type Kind int

const (
	Object Kind = iota
	Array
	String
	Number
	Bool
	Null
)

// Node is one value with its span [Start, End) in the source.
type Node struct {
	Kind       Kind
	Start, End int
	Members    []*Member // Object
	Elems      []*Node   // Array
}

// Member is one key of an object; KeyStart/KeyEnd span the key as written (quotes included).
type Member struct {
	Key              string
	KeyStart, KeyEnd int
	Value            *Node
}

// Find returns the member named key, or nil.
func (n *Node) Find(key string) *Member {
	if n == nil || n.Kind != Object {
		return nil
	}
	// The last duplicate wins, as in JSON.parse.
	for i := len(n.Members) - 1; i >= 0; i-- {
		if n.Members[i].Key == key {
			return n.Members[i]
		}
	}
	return nil
}

// SyntaxError says where a document stops parsing.
type SyntaxError struct {
	Mode      Mode
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("not valid %s at line %d, column %d: %s", e.Mode, e.Line, e.Col, e.Msg)
}

const maxDepth = 512

type parser struct {
	src   []byte
	pos   int
	mode  Mode
	depth int
}

// parse parses a whole document.
func parse(src []byte, mode Mode) (*Node, error) {
	p := &parser{src: src, mode: mode}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		p.pos = 3 // a UTF-8 BOM is kept in place and skipped
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos != len(src) {
		return nil, p.errf("unexpected %s after the document", p.describe())
	}
	return v, nil
}

func (p *parser) errf(format string, args ...any) error {
	line, col := 1, 1
	for i := 0; i < p.pos && i < len(p.src); i++ {
		if p.src[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &SyntaxError{Mode: p.mode, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) describe() string {
	if p.pos >= len(p.src) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.src[p.pos:])
	return strconv.QuoteRune(r)
}

// skip passes whitespace and, where the dialect allows, comments.
func (p *parser) skip() error {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		case c == '/' && p.mode != JSON && p.pos+1 < len(p.src) && p.src[p.pos+1] == '/':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == '/' && p.mode != JSON && p.pos+1 < len(p.src) && p.src[p.pos+1] == '*':
			end := strings.Index(string(p.src[p.pos+2:]), "*/")
			if end < 0 {
				return p.errf("unterminated /* comment")
			}
			p.pos += 2 + end + 2
		case p.mode == JSON5 && c >= 0x80:
			r, size := utf8.DecodeRune(p.src[p.pos:])
			if r == 0xA0 || r == 0xFEFF || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Zs, r) {
				p.pos += size
				continue
			}
			return nil
		case p.mode == JSON5 && (c == '\v' || c == '\f'):
			p.pos++
		default:
			return nil
		}
	}
	return nil
}

func (p *parser) value() (*Node, error) {
	if p.pos >= len(p.src) {
		return nil, p.errf("unexpected end of file, want a value")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"' || (c == '\'' && p.mode == JSON5):
		start := p.pos
		if _, err := p.str(); err != nil {
			return nil, err
		}
		return &Node{Kind: String, Start: start, End: p.pos}, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []struct {
			s string
			k Kind
		}{{"true", Bool}, {"false", Bool}, {"null", Null}} {
			if strings.HasPrefix(string(p.src[p.pos:min(len(p.src), p.pos+5)]), lit.s) {
				start := p.pos
				p.pos += len(lit.s)
				if p.mode == JSON5 && p.pos < len(p.src) && isIdentPart(rune(p.src[p.pos])) {
					break
				}
				return &Node{Kind: lit.k, Start: start, End: p.pos}, nil
			}
		}
		return nil, p.errf("unexpected %s, want a value", p.describe())
	default:
		return p.number()
	}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf("nested more than %d levels deep", maxDepth)
	}
	return nil
}

func (p *parser) object() (*Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n := &Node{Kind: Object, Start: p.pos}
	p.pos++
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			if len(n.Members) > 0 && p.mode == JSON && p.src[p.lastNonSpaceBefore(p.pos)] == ',' {
				return nil, p.errf("trailing comma before }")
			}
			p.pos++
			n.End = p.pos
			return n, nil
		}
		m := &Member{KeyStart: p.pos}
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		m.Key, m.KeyEnd = key, p.pos
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errf("unexpected %s, want ':' after key %q", p.describe(), key)
		}
		p.pos++
		if err := p.skip(); err != nil {
			return nil, err
		}
		if m.Value, err = p.value(); err != nil {
			return nil, err
		}
		n.Members = append(n.Members, m)
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.errf("unexpected end of file, want ',' or '}'")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, p.errf("unexpected %s, want ',' or '}'", p.describe())
		}
	}
}

func (p *parser) array() (*Node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n := &Node{Kind: Array, Start: p.pos}
	p.pos++
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			if len(n.Elems) > 0 && p.mode == JSON && p.src[p.lastNonSpaceBefore(p.pos)] == ',' {
				return nil, p.errf("trailing comma before ]")
			}
			p.pos++
			n.End = p.pos
			return n, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.Elems = append(n.Elems, v)
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.errf("unexpected end of file, want ',' or ']'")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
		default:
			return nil, p.errf("unexpected %s, want ',' or ']'", p.describe())
		}
	}
}

func (p *parser) lastNonSpaceBefore(i int) int {
	for i--; i > 0; i-- {
		switch p.src[i] {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return i
	}
	return 0
}

func (p *parser) key() (string, error) {
	if p.pos >= len(p.src) {
		return "", p.errf("unexpected end of file, want a key")
	}
	c := p.src[p.pos]
	if c == '"' || (c == '\'' && p.mode == JSON5) {
		return p.str()
	}
	if p.mode != JSON5 {
		return "", p.errf("unexpected %s, want a quoted key", p.describe())
	}
	start := p.pos
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRune(p.src[p.pos:])
		if (p.pos == start && !isIdentStart(r)) || (p.pos > start && !isIdentPart(r)) {
			break
		}
		p.pos += size
	}
	if p.pos == start {
		return "", p.errf("unexpected %s, want a key", p.describe())
	}
	return string(p.src[start:p.pos]), nil
}

func isIdentStart(r rune) bool {
	return r == '$' || r == '_' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) ||
		unicode.Is(unicode.Pc, r) || r == 0x200C || r == 0x200D
}

// str reads a quoted string and returns its decoded value.
func (p *parser) str() (string, error) {
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.src) {
			return "", p.errf("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		case c < 0x20 && !(p.mode == JSON5 && c == '\t'):
			return "", p.errf("control character in string")
		case c == '\n' || c == '\r':
			return "", p.errf("newline in string")
		default:
			r, size := utf8.DecodeRune(p.src[p.pos:])
			if r == utf8.RuneError && size == 1 {
				return "", p.errf("invalid UTF-8 in string")
			}
			b.WriteRune(r)
			p.pos += size
		}
	}
}

func (p *parser) escape(b *strings.Builder) error {
	p.pos++ // backslash
	if p.pos >= len(p.src) {
		return p.errf("unterminated string")
	}
	c := p.src[p.pos]
	p.pos++
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, err := p.hex(4)
		if err != nil {
			return err
		}
		if utf16IsHigh(r) && p.pos+6 <= len(p.src) && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
			save := p.pos
			p.pos += 2
			lo, err := p.hex(4)
			if err == nil && lo >= 0xDC00 && lo <= 0xDFFF {
				b.WriteRune((r-0xD800)<<10 + (lo - 0xDC00) + 0x10000)
				return nil
			}
			p.pos = save
		}
		b.WriteRune(r)
	default:
		if p.mode != JSON5 {
			p.pos--
			return p.errf("invalid escape \\%c", c)
		}
		switch c {
		case '\'':
			b.WriteByte('\'')
		case 'v':
			b.WriteByte('\v')
		case '0':
			b.WriteByte(0)
		case 'x':
			r, err := p.hex(2)
			if err != nil {
				return err
			}
			b.WriteRune(r)
		case '\n':
		case '\r':
			if p.pos < len(p.src) && p.src[p.pos] == '\n' {
				p.pos++
			}
		default:
			p.pos--
			r, size := utf8.DecodeRune(p.src[p.pos:])
			p.pos += size
			if r != 0x2028 && r != 0x2029 {
				b.WriteRune(r)
			}
		}
	}
	return nil
}

func utf16IsHigh(r rune) bool { return r >= 0xD800 && r <= 0xDBFF }

func (p *parser) hex(n int) (rune, error) {
	if p.pos+n > len(p.src) {
		return 0, p.errf("short hex escape")
	}
	v, err := strconv.ParseUint(string(p.src[p.pos:p.pos+n]), 16, 32)
	if err != nil {
		return 0, p.errf("bad hex escape")
	}
	p.pos += n
	return rune(v), nil
}

func (p *parser) number() (*Node, error) {
	start := p.pos
	s := p.src
	i := p.pos
	if i < len(s) && (s[i] == '-' || (s[i] == '+' && p.mode == JSON5)) {
		i++
	}
	if p.mode == JSON5 {
		for _, w := range []string{"Infinity", "NaN"} {
			if strings.HasPrefix(string(s[i:min(len(s), i+len(w))]), w) {
				p.pos = i + len(w)
				return &Node{Kind: Number, Start: start, End: p.pos}, nil
			}
		}
		if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
			j := i + 2
			for j < len(s) && isHex(s[j]) {
				j++
			}
			if j == i+2 {
				p.pos = j
				return nil, p.errf("bad hex number")
			}
			p.pos = j
			return &Node{Kind: Number, Start: start, End: p.pos}, nil
		}
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	intDigits := 0
	if i < len(s) && s[i] == '0' {
		i++
		intDigits = 1
	} else {
		intDigits = digits()
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		fracDigits = digits()
		if fracDigits == 0 && p.mode != JSON5 {
			p.pos = i
			return nil, p.errf("digit expected after '.'")
		}
	}
	if intDigits == 0 && (p.mode != JSON5 || fracDigits == 0) {
		p.pos = start
		return nil, p.errf("unexpected %s, want a value", p.describe())
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return nil, p.errf("digit expected in exponent")
		}
	}
	p.pos = i
	return &Node{Kind: Number, Start: start, End: p.pos}, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// decode turns a node into plain Go values: map[string]any, []any, string, float64, bool, nil.
func decode(src []byte, n *Node, mode Mode) any {
	switch n.Kind {
	case Object:
		m := make(map[string]any, len(n.Members))
		for _, mem := range n.Members {
			m[mem.Key] = decode(src, mem.Value, mode)
		}
		return m
	case Array:
		a := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			a[i] = decode(src, e, mode)
		}
		return a
	case String:
		p := &parser{src: src, pos: n.Start, mode: mode}
		s, _ := p.str()
		return s
	case Number:
		return parseNumber(string(src[n.Start:n.End]))
	case Bool:
		return src[n.Start] == 't'
	default:
		return nil
	}
}

func parseNumber(t string) any {
	neg := false
	body := t
	if strings.HasPrefix(body, "+") || strings.HasPrefix(body, "-") {
		neg = body[0] == '-'
		body = body[1:]
	}
	var f float64
	switch {
	case body == "Infinity":
		f = math.Inf(1)
	case body == "NaN":
		return t // NaN never equals itself; compare it as text
	case strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X"):
		u, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return t
		}
		f = float64(u)
	default:
		v, err := strconv.ParseFloat(body, 64)
		if err != nil {
			return t
		}
		f = v
	}
	if neg {
		f = -f
	}
	return f
}
