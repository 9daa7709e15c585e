// Package envedit edits dotenv files line by line: one KEY=value line is replaced, added or removed, and every
// other line (comments, blank lines, export prefixes, quoting) stays as written. cc-switch rebuilds Gemini's .env
// from a map and loses comments; this does not.
package envedit

import (
	"bytes"
	"fmt"
	"strings"
)

// Doc is a dotenv file.
type Doc struct {
	src []byte
	nl  string
}

// Parse accepts any text; lines that are not KEY=value are kept untouched. A NUL byte means this is not a text
// file, and it is refused.
func Parse(src []byte) (*Doc, error) {
	if bytes.IndexByte(src, 0) >= 0 {
		return nil, fmt.Errorf("not a text file")
	}
	d := &Doc{src: append([]byte(nil), src...), nl: "\n"}
	if bytes.Contains(src, []byte("\r\n")) {
		d.nl = "\r\n"
	}
	return d, nil
}

// Bytes returns the current text.
func (d *Doc) Bytes() []byte { return append([]byte(nil), d.src...) }

type entry struct {
	start, end       int // the whole line, with its newline
	valStart, valEnd int // the value as written (quotes included), without the newline
}

func (d *Doc) find(key string) (entry, bool) {
	var found entry
	ok := false
	for i := 0; i < len(d.src); {
		end := bytes.IndexByte(d.src[i:], '\n')
		if end < 0 {
			end = len(d.src)
		} else {
			end += i + 1
		}
		line := string(d.src[i:end])
		body := strings.TrimLeft(line, " \t")
		body = strings.TrimPrefix(body, "export ")
		body = strings.TrimLeft(body, " \t")
		if k, _, has := strings.Cut(body, "="); has && strings.TrimSpace(k) == key {
			eq := i + strings.Index(line, "=")
			ve := end
			for ve > eq+1 && (d.src[ve-1] == '\n' || d.src[ve-1] == '\r') {
				ve--
			}
			found, ok = entry{start: i, end: end, valStart: eq + 1, valEnd: ve}, true // the last one wins
		}
		i = end
	}
	return found, ok
}

// Raw returns a key's value as written (quotes included).
func (d *Doc) Raw(key string) (string, bool) {
	e, ok := d.find(key)
	if !ok {
		return "", false
	}
	return string(d.src[e.valStart:e.valEnd]), true
}

// Value returns a key's value with surrounding quotes removed.
func (d *Doc) Value(key string) (string, bool) {
	raw, ok := d.Raw(key)
	if !ok {
		return "", false
	}
	raw = strings.TrimSpace(raw)
	if len(raw) >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[len(raw)-1] == raw[0] {
		return raw[1 : len(raw)-1], true
	}
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = strings.TrimSpace(raw[:i])
	}
	return raw, true
}

// SetRaw sets key to raw text: an existing line keeps its position and prefix, a new one is appended.
func (d *Doc) SetRaw(key, raw string) {
	if strings.ContainsAny(raw, "\r\n") {
		raw = Quote(raw)
	}
	if e, ok := d.find(key); ok {
		d.src = append(d.src[:e.valStart:e.valStart], append([]byte(raw), d.src[e.valEnd:]...)...)
		return
	}
	if n := len(d.src); n > 0 && d.src[n-1] != '\n' {
		d.src = append(d.src, d.nl...)
	}
	d.src = append(d.src, key+"="+raw+d.nl...)
}

// Set sets key to value, quoting it when it needs quotes.
func (d *Doc) Set(key, value string) {
	if value == "" || strings.ContainsAny(value, " \t#\"'\\$`\r\n") {
		value = Quote(value)
	}
	d.SetRaw(key, value)
}

// Delete removes a key's line.
func (d *Doc) Delete(key string) {
	if e, ok := d.find(key); ok {
		d.src = append(d.src[:e.start:e.start], d.src[e.end:]...)
	}
}

// Quote writes a double-quoted dotenv value.
func Quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "$", `\$`)
	return `"` + r.Replace(s) + `"`
}
