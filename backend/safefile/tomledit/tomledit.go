// Package tomledit makes surgical, line-level edits to a TOML document: set or remove a root key, append or
// remove a whole table. Everything it does not touch (comments, order, spacing, line endings, other tables)
// stays byte for byte.
//
// Why not a library: the Go proxy serves no maintained comment-preserving TOML editor (creachadair/tomledit is not
// available, go-toml/v2 and BurntSushi/toml re-encode whole documents and drop comments). Codex needs only root
// keys and one table of our own, so a small lexer that finds spans is enough; github.com/BurntSushi/toml (the
// reference Go decoder) checks the input and every result, so an edit can never produce a file Codex rejects.
package tomledit

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// Doc is a parsed document.
type Doc struct {
	src     []byte
	nl      string
	lines   []line // logical lines: a key/value may span several physical lines
	decoded map[string]any
}

type lineKind int

const (
	blank lineKind = iota
	comment
	header
	keyValue
)

type line struct {
	kind       lineKind
	start, end int    // [start, end) including the line ending
	key        string // dotted key of a key/value (root-relative within its table), or the header's table name
	array      bool   // [[header]]
	valStart   int    // key/value: the value's span, trailing comment excluded
	valEnd     int
}

// Parse checks src with the TOML decoder and indexes its lines.
func Parse(src []byte) (*Doc, error) {
	var decoded map[string]any
	if _, err := toml.Decode(string(src), &decoded); err != nil {
		return nil, fmt.Errorf("not valid TOML: %w", err)
	}
	d := &Doc{src: append([]byte(nil), src...), nl: "\n", decoded: decoded}
	if bytes.Contains(src, []byte("\r\n")) {
		d.nl = "\r\n"
	}
	lines, err := lex(d.src)
	if err != nil {
		return nil, err
	}
	d.lines = lines
	return d, nil
}

// Bytes returns the current text.
func (d *Doc) Bytes() []byte { return append([]byte(nil), d.src...) }

// Decoded is the document as the TOML decoder sees it.
func (d *Doc) Decoded() map[string]any { return d.decoded }

func (d *Doc) reparse(out []byte) error {
	nd, err := Parse(out)
	if err != nil {
		return fmt.Errorf("edit produced invalid TOML (this is a NineRouter bug; the file was not written): %w", err)
	}
	*d = *nd
	return nil
}

// firstHeader is the index of the first table header, or len(lines).
func (d *Doc) firstHeader() int {
	for i, l := range d.lines {
		if l.kind == header {
			return i
		}
	}
	return len(d.lines)
}

func (d *Doc) rootLine(key string) (line, bool) {
	for _, l := range d.lines[:d.firstHeader()] {
		if l.kind == keyValue && l.key == key {
			return l, true
		}
	}
	return line{}, false
}

// RootRaw returns the text of a root key's value as written.
func (d *Doc) RootRaw(key string) (string, bool) {
	l, ok := d.rootLine(key)
	if !ok {
		return "", false
	}
	return string(d.src[l.valStart:l.valEnd]), true
}

// SetRoot sets a root key to raw (a TOML value as text, e.g. `"x"`). An existing key keeps its line, spacing
// and trailing comment; a new one goes on its own line after the last root key, or before the first table (and
// the comments directly above it), so it can never land inside a table.
func (d *Doc) SetRoot(key, raw string) error {
	if l, ok := d.rootLine(key); ok {
		return d.reparse(splice(d.src, l.valStart, l.valEnd, raw))
	}
	text := bareOrQuoted(key) + " = " + raw + d.nl
	fh := d.firstHeader()
	at := -1
	for i := fh - 1; i >= 0; i-- {
		if d.lines[i].kind == keyValue {
			at = d.lines[i].end
			break
		}
	}
	if at < 0 {
		if fh == len(d.lines) {
			at = len(d.src)
			if at > 0 && d.src[at-1] != '\n' {
				text = d.nl + text
			}
		} else {
			i := fh
			for i > 0 && d.lines[i-1].kind == comment {
				i--
			}
			at = d.lines[i].start
		}
	}
	if at == len(d.src) && at > 0 && d.src[at-1] != '\n' && !strings.HasPrefix(text, d.nl) {
		text = d.nl + text
	}
	return d.reparse(splice(d.src, at, at, text))
}

// DeleteRoot removes a root key's whole line; a missing key is not an error.
func (d *Doc) DeleteRoot(key string) error {
	l, ok := d.rootLine(key)
	if !ok {
		return nil
	}
	return d.reparse(splice(d.src, l.start, l.end, ""))
}

// HasTable reports whether a [name] header exists.
func (d *Doc) HasTable(name string) bool {
	_, _, ok := d.tableSpan(name)
	return ok
}

// tableSpan is [header line start, end of the table's last key/value line).
func (d *Doc) tableSpan(name string) (int, int, bool) {
	for i, l := range d.lines {
		if l.kind != header || l.key != name || l.array {
			continue
		}
		end := l.end
		for j := i + 1; j < len(d.lines) && d.lines[j].kind != header; j++ {
			if d.lines[j].kind == keyValue {
				end = d.lines[j].end
			}
		}
		return l.start, end, true
	}
	return 0, 0, false
}

// KV is one key of a table this package writes; Raw is TOML value text.
type KV struct {
	Key, Raw string
}

// AppendTable adds "[name]" with kvs at the end of the document, after a blank line and a comment line (when
// comment is not empty). RemoveTable undoes it exactly.
func (d *Doc) AppendTable(note, name string, kvs []KV) error {
	var b strings.Builder
	if n := len(d.src); n > 0 {
		if d.src[n-1] != '\n' {
			b.WriteString(d.nl)
		}
		b.WriteString(d.nl)
	}
	if note != "" {
		b.WriteString("# " + note + d.nl)
	}
	b.WriteString("[" + name + "]" + d.nl)
	for _, kv := range kvs {
		b.WriteString(bareOrQuoted(kv.Key) + " = " + kv.Raw + d.nl)
	}
	return d.reparse(splice(d.src, len(d.src), len(d.src), b.String()))
}

// RemoveTable removes "[name]" and its keys, with the comment line right above it and one blank line before
// that; the comments and blank lines that lead into the next table stay.
func (d *Doc) RemoveTable(name, note string) error {
	start, end, ok := d.tableSpan(name)
	if !ok {
		return nil
	}
	idx := d.lineAt(start)
	if note != "" && idx > 0 && d.lines[idx-1].kind == comment && strings.TrimSpace(string(d.src[d.lines[idx-1].start:d.lines[idx-1].end])) == "# "+note {
		idx--
		start = d.lines[idx].start
	}
	if idx > 0 && d.lines[idx-1].kind == blank {
		start = d.lines[idx-1].start
	}
	return d.reparse(splice(d.src, start, end, ""))
}

func (d *Doc) lineAt(pos int) int {
	for i, l := range d.lines {
		if l.start == pos {
			return i
		}
	}
	return 0
}

func splice(src []byte, start, end int, text string) []byte {
	out := make([]byte, 0, len(src)+len(text))
	out = append(out, src[:start]...)
	out = append(out, text...)
	return append(out, src[end:]...)
}

func bareOrQuoted(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return Quote(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// Quote writes s as a TOML basic string.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// lex splits a valid document into logical lines. It relies on Parse having validated the text.
func lex(s []byte) ([]line, error) {
	var out []line
	i := 0
	for i < len(s) {
		start := i
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		switch {
		case j >= len(s) || s[j] == '\n' || s[j] == '\r':
			end := lineEnd(s, j)
			out = append(out, line{kind: blank, start: start, end: end})
			i = end
		case s[j] == '#':
			end := lineEnd(s, j)
			out = append(out, line{kind: comment, start: start, end: end})
			i = end
		case s[j] == '[':
			arr := j+1 < len(s) && s[j+1] == '['
			k := j + 1
			if arr {
				k++
			}
			name, after, err := readKey(s, k)
			if err != nil {
				return nil, err
			}
			end := lineEnd(s, after)
			out = append(out, line{kind: header, start: start, end: end, key: name, array: arr})
			i = end
		default:
			name, after, err := readKey(s, j)
			if err != nil {
				return nil, err
			}
			k := after
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '=') {
				k++
			}
			vs := k
			ve, err := skipValue(s, k)
			if err != nil {
				return nil, err
			}
			end := lineEnd(s, ve)
			out = append(out, line{kind: keyValue, start: start, end: end, key: name, valStart: vs, valEnd: ve})
			i = end
		}
	}
	return out, nil
}

// lineEnd returns the position after the newline that ends the line containing pos.
func lineEnd(s []byte, pos int) int {
	k := bytes.IndexByte(s[pos:], '\n')
	if k < 0 {
		return len(s)
	}
	return pos + k + 1
}

// readKey reads a (possibly dotted, possibly quoted) key and returns it joined with '.'.
func readKey(s []byte, i int) (string, int, error) {
	var parts []string
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return "", i, fmt.Errorf("unexpected end of TOML in a key")
		}
		switch s[i] {
		case '"', '\'':
			v, end, err := readString(s, i)
			if err != nil {
				return "", i, err
			}
			parts = append(parts, v)
			i = end
		default:
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '-' || (s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')) {
				j++
			}
			if j == i {
				return "", i, fmt.Errorf("unexpected %q in a TOML key", s[i])
			}
			parts = append(parts, string(s[i:j]))
			i = j
		}
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		for i < len(s) && s[i] == ']' {
			i++
		}
		return strings.Join(parts, "."), i, nil
	}
}

// readString reads one basic or literal string (single-line) starting at s[i] and returns its value.
func readString(s []byte, i int) (string, int, error) {
	q := s[i]
	var b strings.Builder
	j := i + 1
	for j < len(s) && s[j] != q {
		if q == '"' && s[j] == '\\' && j+1 < len(s) {
			switch s[j+1] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[j+1])
			}
			j += 2
			continue
		}
		b.WriteByte(s[j])
		j++
	}
	if j >= len(s) {
		return "", j, fmt.Errorf("unterminated TOML string")
	}
	return b.String(), j + 1, nil
}

// skipValue returns the end of the value starting at s[i]: strings (multi-line too), arrays and inline tables are
// followed across lines; a trailing comment is not part of the value.
func skipValue(s []byte, i int) (int, error) {
	depth := 0
	last := i
	for i < len(s) {
		c := s[i]
		switch {
		case bytes.HasPrefix(s[i:], []byte(`"""`)) || bytes.HasPrefix(s[i:], []byte(`'''`)):
			delim := s[i : i+3]
			k := i + 3
			for {
				m := bytes.Index(s[k:], delim)
				if m < 0 {
					return 0, fmt.Errorf("unterminated TOML multi-line string")
				}
				k += m
				if delim[0] == '"' && escaped(s, k) {
					k++
					continue
				}
				k += 3
				for k < len(s) && s[k] == delim[0] { // up to two quotes may close the content
					k++
				}
				break
			}
			i = k
			last = i
		case c == '"' || c == '\'':
			k := i + 1
			for k < len(s) && s[k] != c && s[k] != '\n' {
				if c == '"' && s[k] == '\\' {
					k++
				}
				k++
			}
			i = k + 1
			last = i
		case c == '[' || c == '{':
			depth++
			i++
			last = i
		case c == ']' || c == '}':
			depth--
			i++
			last = i
		case c == '#':
			i = lineEnd(s, i)
			if depth == 0 {
				return last, nil
			}
		case c == '\n':
			if depth == 0 {
				return last, nil
			}
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		default:
			i++
			last = i
		}
	}
	return last, nil
}

func escaped(s []byte, k int) bool {
	n := 0
	for j := k - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}
